"""What staff type: a reply (relayed to the customer), an internal note, and a new ticket
from the customer card (with the customer's tickets first, when there are any)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import session
from bot.handlers.log import crm_step
from bot.handlers.tickets.card import show_card
from bot.handlers.tickets.changes import END, _pass_on, redrawn_when_changed
from bot.i18n import t
from bot.keyboards import Button, data, keyboard, parse
from bot.long_text import reply_in_parts
from bot.portal import file_of
from bot.render import clip
from crm import customers, service
from crm.customers.views import CustomerCard
from crm.errors import ChangedSince
from crm.permissions import Action, allows, require
from crm.service.views import TicketView

TEXT, SUBJECT = range(2)
PENDING = "ticket_pending"  # ("reply" | "note", ticket id) or ("new", customer id)
CUSTOMER_TICKETS = 10  # the latest; the rest are in /tickets and the timeline


@redrawn_when_changed
async def start_text(update: Update, context: session.Context) -> int:
    """kr:<id> or kn:<id>: the next message is the reply (to the customer) or a note."""
    parts = parse(update.callback_query.data)
    kind = "reply" if parts[0] == "kr" else "note"
    # A closed ticket takes no reply: said now, with the card redrawn as it is (closed by a
    # colleague, perhaps, since it was shown), not after the answer is typed.
    ticket = await session.db(context, service.ticket_to_answer if kind == "reply"
                              else service.get_ticket, session.actor(context), int(parts[1]))
    context.user_data[PENDING] = (kind, ticket.id)
    # Promising "the customer gets it in the chat" to someone who never wrote to the bot
    # would leave them waiting for an answer that goes nowhere.
    offline = kind == "reply" and not ticket.customer_on_telegram
    await update.callback_query.answer()
    await update.callback_query.message.reply_text(
        session.text(context, f"ticket.ask_{kind}" + ("_offline" if offline else ""),
                     number=ticket.number, customer=ticket.customer_name))
    return TEXT


async def got_text(update: Update, context: session.Context) -> int:
    pending = context.user_data.get(PENDING)
    if pending is None:
        raise ApplicationHandlerStop(END)
    message, actor = update.effective_message, session.actor(context)
    body = (message.text or message.caption or "").strip()
    if pending[0] == "note":
        ticket = await crm_step(update, context, TEXT, service.add_note, actor, pending[1], body)
    else:
        ticket = await _replied(update, context, pending[1], body)
    context.user_data.pop(PENDING, None)
    await show_card(update, context, ticket)
    await _pass_on(context)
    raise ApplicationHandlerStop(END)


async def _replied(update: Update, context: session.Context, ticket_id: int,
                   body: str) -> TicketView:
    """The ticket after the typed answer; closed meanwhile, the refusal (said by crm_step) is
    followed by the card as the ticket now is, and the conversation ends."""
    try:
        return await crm_step(update, context, TEXT, service.reply_to_ticket,
                              session.actor(context), ticket_id, body,
                              file=file_of(update.effective_message))
    except ApplicationHandlerStop as stop:
        if isinstance(stop.__cause__, ChangedSince):
            context.user_data.pop(PENDING, None)
            ticket = await session.db(context, service.get_ticket, session.actor(context),
                                      ticket_id)
            await show_card(update, context, ticket)
        raise


async def start_new(update: Update, context: session.Context) -> int:
    """🎫 on the customer card (tk:<customer id>): their tickets when there are any, with ➕;
    otherwise, and from ➕ (tn:<customer id>), a new ticket for this customer. A role that may
    not open tickets (a viewer) reads the list, without ➕, and is refused ➕ at once."""
    parts, actor = parse(update.callback_query.data), session.actor(context)
    may_open = allows(actor, Action.EDIT)
    if parts[0] == "tn":
        require(actor, Action.EDIT)
    card = await crm_step(update, context, END, customers.get_customer, actor, int(parts[1]))
    if parts[0] == "tk" and await _customer_tickets(update, context, card, may_open):
        return END
    context.user_data[PENDING] = ("new", card.id)
    await update.callback_query.answer()
    await update.callback_query.message.reply_text(
        session.text(context, "ticket.ask_subject", name=card.name))
    return SUBJECT


async def _customer_tickets(update: Update, context: session.Context,
                            card: CustomerCard, may_open: bool) -> bool:
    """The customer's latest tickets with ➕ New ticket (``may_open``); False when they have
    none and a new one may be opened."""
    customer_id = card.id
    found = await session.db(context, service.customer_tickets, session.actor(context),
                             customer_id, limit=CUSTOMER_TICKETS)
    locale = session.locale(context)
    back = (t(locale, "button.back_to_card", html_escape=False), data("c", customer_id))
    if not found and may_open:
        return False
    if not found:
        await update.callback_query.answer()
        await update.callback_query.message.reply_text(
            t(locale, "ticket.customer_none", name=card.name), reply_markup=keyboard([[back]]))
        return True
    lines = [session.text(context, "ticket.customer_title", name=card.name)]
    lines += [t(locale, "ticket.customer_line", number=item.number, subject=item.subject,
                status=t(locale, f"ticket.status.{item.status}", html_escape=False))
              for item in found]
    rows: list[list[Button]] = [[(("⚠️ " if item.breaching else "") + f"{item.number} · "
                                  + clip(item.subject, 30), data("k", item.id))]
                                for item in found]
    new = [(t(locale, "ticket.customer_new", html_escape=False), data("tn", customer_id))]
    rows.append([*(new if may_open else []), back])
    await update.callback_query.answer()
    await reply_in_parts(update.callback_query.message, "\n".join(lines), keyboard(rows))
    return True


async def got_subject(update: Update, context: session.Context) -> int:
    pending = context.user_data.get(PENDING)
    if pending is None:
        raise ApplicationHandlerStop(END)
    text = update.effective_message.text.strip()
    ticket = await crm_step(update, context, SUBJECT, service.open_ticket,
                            session.actor(context), pending[1], text.splitlines()[0][:200], text)
    context.user_data.pop(PENDING, None)
    await show_card(update, context, ticket)
    raise ApplicationHandlerStop(END)


async def cancel(update: Update, context: session.Context) -> int:
    context.user_data.pop(PENDING, None)
    await update.effective_message.reply_text(session.text(context, "ticket.cancelled"))
    return END


async def timed_out(update: Update, context: session.Context) -> None:
    if context.user_data is not None:
        context.user_data.pop(PENDING, None)
