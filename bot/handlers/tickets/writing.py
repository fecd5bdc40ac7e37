"""What staff type on a ticket: a reply (relayed to the customer) or an internal note; and how
the ticket conversation ends (✖ / /cancel, or 15 quiet minutes, said in the chat so a line
typed later is not thought to go to the ticket)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import session
from bot.handlers.log import crm_step
from bot.handlers.tickets.card import show_card
from bot.handlers.tickets.changes import END, _pass_on, redrawn_when_changed
from bot.handlers.tickets.opening import NEW, cancel_button
from bot.i18n import t
from bot.keyboards import keyboard, parse
from bot.portal import file_of
from crm import service
from crm.errors import ChangedSince
from crm.service.views import TicketView

TEXT = 0
PENDING = "ticket_pending"  # ("reply" | "note", ticket id, ticket number)


@redrawn_when_changed
async def start_text(update: Update, context: session.Context) -> int:
    """kr:<id> or kn:<id>: the next message is the reply (to the customer) or a note."""
    parts = parse(update.callback_query.data)
    kind = "reply" if parts[0] == "kr" else "note"
    # A closed ticket takes no reply: said now, with the card redrawn as it is (closed by a
    # colleague, perhaps, since it was shown), not after the answer is typed.
    ticket = await session.db(context, service.ticket_to_answer if kind == "reply"
                              else service.get_ticket, session.actor(context), int(parts[1]))
    context.user_data[PENDING] = (kind, ticket.id, ticket.number)
    # Promising "the customer gets it in the chat" to someone who never wrote to the bot
    # would leave them waiting for an answer that goes nowhere.
    offline = kind == "reply" and not ticket.customer_on_telegram
    locale = session.locale(context)
    await update.callback_query.answer()
    await update.callback_query.message.reply_text(
        t(locale, f"ticket.ask_{kind}" + ("_offline" if offline else ""),
          number=ticket.number, customer=ticket.customer_name),
        reply_markup=keyboard([[cancel_button(locale)]]))
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


async def cancel(update: Update, context: session.Context) -> int:
    """/cancel or ✖ (kx): nothing is saved."""
    for key in (PENDING, NEW):
        context.user_data.pop(key, None)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    await update.effective_message.reply_text(session.text(context, "ticket.cancelled"))
    return END


async def stale_cancel(update: Update, context: session.Context) -> None:
    """kx or ko pressed after the question was answered, cancelled or timed out."""
    await update.callback_query.answer(session.text(context, "create.expired"),
                                       show_alert=True)


async def timed_out(update: Update, context: session.Context) -> None:
    """15 quiet minutes: the question is closed, and the chat says so."""
    if context.user_data is None:
        return
    pending, new = context.user_data.pop(PENDING, None), context.user_data.pop(NEW, None)
    if update.effective_chat is None or (pending is None and new is None):
        return
    text = (session.text(context, "ticket.new_timed_out", name=new["name"]) if new
            else session.text(context, "ticket.text_timed_out", number=pending[2]))
    await context.bot.send_message(update.effective_chat.id, text)
