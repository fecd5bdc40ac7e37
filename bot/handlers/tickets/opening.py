"""A new ticket from the customer card: 🎫 lists the customer's tickets first (when there are
any), then the problem is typed, its first line the title and the rest the description.

What is typed while the question waits goes to the ticket, never to search: a title sent
alone is held while the details follow (✅ opens it with the title alone), and a text as long
as Telegram cuts a paste at is held until the rest comes or ✅ is pressed."""

from __future__ import annotations

from typing import Any, NoReturn

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, ConversationHandler

from bot import session
from bot.handlers.log import crm_step
from bot.handlers.tickets.card import show_card
from bot.i18n import t
from bot.keyboards import Button, data, keyboard, parse
from bot.long_text import SPLIT_HINT, reply_in_parts
from bot.render import clip
from crm import customers, service
from crm.customers.views import CustomerCard
from crm.permissions import Action, allows, require
from crm.service.tickets import SUBJECT_MAX

END = ConversationHandler.END
SUBJECT = 1
NEW = "ticket_new"  # {"customer": id, "name": the customer's name, "text": held text or None}
CUSTOMER_TICKETS = 10  # the latest; the rest are in /tickets and the timeline
TITLE_SHOWN = 60  # of a held title, in the messages naming it


def cancel_button(locale: str) -> Button:
    """✖ Cancel under a question of the ticket conversation (kx)."""
    return t(locale, "ticket.button.cancel", html_escape=False), data("kx")


def _held_keyboard(locale: str) -> InlineKeyboardMarkup:
    return keyboard([[(t(locale, "ticket.button.open_new", html_escape=False), data("ko")),
                      cancel_button(locale)]])


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
    context.user_data[NEW] = {"customer": card.id, "name": card.name, "text": None}
    locale = session.locale(context)
    await update.callback_query.answer()
    await update.callback_query.message.reply_text(
        t(locale, "ticket.ask_subject", name=card.name),
        reply_markup=keyboard([[cancel_button(locale)]]))
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


async def got_subject(update: Update, context: session.Context) -> NoReturn:
    """Text typed for the new ticket: joined to what is held; held again while more may
    follow (a title alone, or a part as long as a cut paste), else the ticket is opened."""
    draft = context.user_data.get(NEW)
    if draft is None:  # the conversation outlived its draft (a restart): start again
        raise ApplicationHandlerStop(END)
    typed, locale = update.effective_message.text, session.locale(context)
    draft["text"] = f"{draft['text']}\n{typed}" if draft["text"] else typed
    text = draft["text"].strip()
    if len(typed) >= SPLIT_HINT:
        await update.effective_message.reply_text(
            t(locale, "ticket.long_held", count=f"{len(draft['text']):,}"),
            reply_markup=_held_keyboard(locale))
        raise ApplicationHandlerStop(SUBJECT)
    if len(text.splitlines()) == 1:
        await update.effective_message.reply_text(
            t(locale, "ticket.ask_details", name=draft["name"], subject=clip(text, TITLE_SHOWN)),
            reply_markup=_held_keyboard(locale))
        raise ApplicationHandlerStop(SUBJECT)
    await _open(update, context, draft)


async def open_held(update: Update, context: session.Context) -> NoReturn:
    """ko: ✅ under a held title or long text: it is all there is."""
    draft = context.user_data.get(NEW)
    await update.callback_query.answer()
    if draft is None or not draft["text"]:
        raise ApplicationHandlerStop(END)
    await update.callback_query.edit_message_reply_markup(None)
    await _open(update, context, draft)


async def _open(update: Update, context: session.Context, draft: dict[str, Any]) -> NoReturn:
    """One crm call; a refused text (crm_step says why) is dropped, to be sent again."""
    text = draft["text"].strip()
    try:
        ticket = await crm_step(update, context, SUBJECT, service.open_ticket,
                                session.actor(context), draft["customer"],
                                text.splitlines()[0][:SUBJECT_MAX], text)
    except ApplicationHandlerStop:
        draft["text"] = None
        raise
    context.user_data.pop(NEW, None)
    await show_card(update, context, ticket)
    raise ApplicationHandlerStop(END)


def unsaved(locale: str, user_data: dict[Any, Any]) -> str | None:
    """The new ticket, once some of it was typed (for the notice when another flow starts)."""
    draft = user_data.get(NEW)
    if not draft or not (draft.get("text") or "").strip():
        return None
    title = clip(draft["text"].strip().splitlines()[0], TITLE_SHOWN)
    return t(locale, "flow.new_ticket", html_escape=False, subject=title)
