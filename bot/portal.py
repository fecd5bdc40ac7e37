"""The customer's side of the bot: anyone who is not staff finds answers in the knowledge
base, opens a ticket, follows their tickets, writes on them and rates the answer.

The identity pre-handler hands every update from a non-staff user here and nowhere else, so
no staff handler ever runs for a customer. Buttons use the ``q`` prefix; whatever they carry,
crm only ever shows the customer their own tickets.
"""

from __future__ import annotations

import collections
import datetime as dt
import html
import time
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot import session, ticket_files
from bot.i18n import describe_error, t
from bot.jobs import correct_taken_back
from bot.keyboards import Button, data, keyboard, parse
from bot.long_text import reply_in_parts
from bot.render import clip, when
from crm import service
from crm.errors import ValidationError
from crm.service import PortalUser, TicketMessageView, TicketView
from storage.errors import CodedError

STEP = "portal_step"  # ("new",) or ("reply", ticket id)
AT = "_at"  # beside a kept value, when it was kept
# A customer who tapped ✍️ or 🆕 and went away: what they type on coming back is theirs again
# (a new question, a reply to a waiting ticket), not the words asked for back then.
STEP_LIFETIME = dt.timedelta(hours=1)
QUESTION = "portal_question"  # the words last searched for, to open a ticket with them
UNPLACED = "portal_unplaced"  # words typed while several tickets wait: which one they answer
FILE = "portal_file"  # (file, caption): a photo or file sent outside any ticket, to place
ADDED = "portal_added"  # (ticket id, message id) → words added to a waiting ticket, to take back
# (words, ticket number, staff notices): words taken back off a ticket, whose staff notices
# say which ticket they became once the customer opens one with them
TAKEN = "portal_taken"
PLACES = 5  # open tickets offered for a photo or file sent outside any ticket
TICKET_MESSAGES = 8  # the latest of the conversation in the customer's view of a ticket
BURST_WINDOW = 60.0
FLOOD_PER_MINUTE = 40


def portal_user(update: Update, context: session.Context) -> PortalUser:
    user = update.effective_user
    return PortalUser(user.id, user.full_name or user.username or "", session.locale(context))


def _flooding(context: session.Context, update: Update) -> bool:
    """More updates in a minute than a person sends (a script): the rest of the minute is
    ignored. What a customer stores is limited more tightly by crm."""
    limit = FLOOD_PER_MINUTE
    seen = context.bot_data.setdefault("portal_seen", {})
    times = seen.setdefault(update.effective_user.id, collections.deque())
    now = time.monotonic()
    while times and times[0] < now - BURST_WINDOW:
        times.popleft()
    times.append(now)
    return len(times) > limit


async def handle(update: Update, context: session.Context) -> None:
    """Everything a non-staff user sends in a private chat."""
    if update.effective_chat is None or update.effective_chat.type != "private":
        return
    if _flooding(context, update):
        if update.callback_query:
            await update.callback_query.answer()
        return
    try:
        if update.callback_query:
            await _pressed(update, context)
        elif update.effective_message:
            await _received(update, context)
    except CodedError as error:
        await _say(update, describe_error(session.locale(context), error))


async def _say(update: Update, text: str, markup: object = None) -> None:
    """A new message (several when long: an article, a long answer), buttons under the last."""
    if update.callback_query:
        await update.callback_query.answer()
        await reply_in_parts(update.callback_query.message, text, markup)
    else:
        await reply_in_parts(update.effective_message, text, markup)


def menu(locale: str) -> InlineKeyboardMarkup:
    return keyboard([[(t(locale, "portal.button_search"), data("qh"))],
                     [(t(locale, "portal.button_new"), data("qn"))],
                     [(t(locale, "portal.button_mine"), data("ql"))]])


def share_phone_keyboard(locale: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[KeyboardButton(t(locale, "portal.share_phone"),
                                                request_contact=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


# messages -----------------------------------------------------------------------------------
async def _received(update: Update, context: session.Context) -> None:
    message, locale = update.effective_message, session.locale(context)
    text = (message.text or message.caption or "").strip()
    if message.text and service.is_unsubscribe(text):  # never a question, whatever the step
        context.user_data.pop(STEP, None)
        await _unsubscribe(update, context)
        return
    if message.text and text.split()[0].split("@")[0] in ("/start", "/help", "/cancel"):
        context.user_data.pop(STEP, None)
        await message.reply_text(t(locale, "portal.welcome", id=update.effective_user.id),
                                 reply_markup=menu(locale))
        return
    if message.contact:
        await _contact(update, context, message)
        return
    step = _asked_step(context, message)
    if step is not None and (text or message.photo or message.document):
        await _step(update, context, step, text, file_of(message))
        return
    file = file_of(message)
    if file is not None:
        await _place_file(update, context, text, file)
        return
    if text and not text.startswith("/"):
        if not (message.text and (await _to_waiting(update, context, text)
                                  or await _acknowledged(update, context, text))):
            await _search(update, context, text)
        return
    await message.reply_text(t(locale, "portal.welcome", id=update.effective_user.id),
                             reply_markup=menu(locale))


def _ask(context: session.Context, step: tuple) -> None:
    """The customer's next message is the words ``step`` asks for (for a while)."""
    _remember(context, STEP, step)


def _asked_step(context: session.Context, message: Message) -> tuple | None:
    """The step waiting for this message's words; None when the message comes long after the
    bot asked (the customer came back another day)."""
    return _recent(context, STEP, message)


def _remember(context: session.Context, key: str, value: object) -> None:
    """Keep ``value`` for the customer's next messages, with when it was kept."""
    context.user_data[key] = value
    context.user_data[key + AT] = dt.datetime.now(dt.UTC)


def _recent(context: session.Context, key: str, message: Message) -> Any:
    """What was kept under ``key``, unless ``message`` comes more than STEP_LIFETIME later:
    then it is forgotten, and None."""
    value, kept_at = context.user_data.get(key), context.user_data.get(key + AT)
    if value is not None and kept_at is not None and message.date - kept_at > STEP_LIFETIME:
        context.user_data.pop(key, None)
        return None
    return value


def file_of(message: Message) -> tuple[str, str, str | None] | None:
    """A photo (its largest size) or file sent with a ticket message: (id, kind, name)."""
    if message.photo:
        return message.photo[-1].file_id, "photo", None
    if message.document:
        return message.document.file_id, "document", message.document.file_name
    return None


async def _place_file(update: Update, context: session.Context, caption: str,
                      file: tuple[str, str, str | None]) -> None:
    """A photo or file sent outside any ticket is not dropped: kept until the customer says
    which of their open tickets it goes with, or that it opens a new one."""
    locale = session.locale(context)
    page = await session.db(context, service.list_own_tickets, portal_user(update, context),
                            limit=PLACES, open_only=True)
    context.user_data[FILE] = (file, caption)
    rows: list[list[Button]] = [[(f"✍️ {item.number} · {clip(item.subject, 30)}",
                                  data("qF", item.id))] for item in page.items]
    rows.append([(t(locale, "portal.button_new_with_file"), data("qN"))])
    key = "portal.file_where" if page.items else "portal.file_new"
    await update.effective_message.reply_text(t(locale, key), reply_markup=keyboard(rows))


async def _file_placed(update: Update, context: session.Context,
                       ticket_id: int | None) -> None:
    """qF:<ticket> adds the kept photo or file to that ticket, qN opens a ticket with it;
    kept from before a restart, it is gone: the customer is asked for it."""
    kept = context.user_data.pop(FILE, None)
    if kept is None:
        await _ask_for_words(update, context, ticket_id)
        return
    file, caption = kept
    if ticket_id is None:
        await _open_ticket(update, context, caption, file)
        return
    locale = session.locale(context)
    ticket = await session.db(context, service.customer_reply, portal_user(update, context),
                              ticket_id, caption, file=file)
    await _say(update, _sent_text(locale, ticket), _ticket_buttons(locale, ticket))


async def _ask_for_words(update: Update, context: session.Context,
                         ticket_id: int | None) -> None:
    """Ask for the customer's words (or a photo): on this ticket, or for a new one."""
    if ticket_id is None:
        _ask(context, ("new",))
        await _ask_problem(update, context)
        return
    await session.db(context, service.get_own_ticket, portal_user(update, context), ticket_id)
    _ask(context, ("reply", ticket_id))
    await _say(update, t(session.locale(context), "portal.ask_reply"))


async def _contact(update: Update, context: session.Context, message: Message) -> None:
    """Only the customer's own number counts (Telegram marks it with their user id)."""
    locale = session.locale(context)
    if message.contact.user_id != update.effective_user.id:
        await message.reply_text(t(locale, "portal.not_your_contact"),
                                 reply_markup=ReplyKeyboardRemove())
        return
    await session.db(context, service.link_by_phone, portal_user(update, context),
                     message.contact.phone_number)
    await message.reply_text(t(locale, "portal.linked"), reply_markup=ReplyKeyboardRemove())
    await message.reply_text(t(locale, "portal.menu"), reply_markup=menu(locale))


async def _step(update: Update, context: session.Context, step: tuple, text: str,
                file: tuple[str, str, str | None] | None) -> None:
    user, locale = portal_user(update, context), session.locale(context)
    if step[0] == "new":
        await _open_ticket(update, context, text, file)
        context.user_data.pop(STEP, None)
        return
    ticket = await session.db(context, service.customer_reply, user, step[1], text, file=file)
    context.user_data.pop(STEP, None)
    await update.effective_message.reply_text(_sent_text(locale, ticket),
                                              reply_markup=_ticket_buttons(locale, ticket))


def _sent_text(locale: str, ticket: TicketView) -> str:
    """What the customer is told of their words on a ticket: still resolved or closed means
    crm took them for a thank-you, kept without reopening the ticket."""
    if ticket.status in ("resolved", "closed"):
        return t(locale, "portal.acknowledged", number=ticket.number,
                 status=status_words(locale, ticket.status),
                 button=t(locale, "portal.button_write", html_escape=False))
    if ticket.status == "reopened":  # their words opened it again: say so
        return t(locale, "portal.sent_reopened", number=ticket.number)
    return t(locale, "portal.sent", number=ticket.number)


async def _to_waiting(update: Update, context: session.Context, text: str) -> bool:
    """Words for a ticket waiting for the customer's reply (True): added to the one waiting,
    with a way to say they were a new question, or, with several waiting, which one?"""
    locale = session.locale(context)
    placed = await session.db(context, service.reply_to_waiting, portal_user(update, context),
                              text)
    if placed.ticket is not None and placed.message_id is not None:
        ticket = placed.ticket
        context.user_data[ADDED] = {(ticket.id, placed.message_id): text}  # the latest only
        await update.effective_message.reply_text(
            t(locale, "portal.added_to_waiting", number=ticket.number, subject=ticket.subject),
            reply_markup=keyboard([
                [(t(locale, "portal.button_new_question"), data("qm", ticket.id,
                                                                placed.message_id))],
                [(t(locale, "portal.button_view"), data("qt", ticket.id))]]))
        return True
    if not placed.waiting:
        return False
    # typed on before choosing: one message (not with words left unplaced another day)
    earlier = _recent(context, UNPLACED, update.effective_message)
    _remember(context, UNPLACED, f"{earlier}\n{text}" if earlier else text)
    rows = [[(f"{item.number} · {clip(item.subject, 40)}", data("qw", item.id))]
            for item in placed.waiting]
    rows.append([(t(locale, "portal.button_new_question"), data("qo"))])
    await update.effective_message.reply_text(
        t(locale, "portal.which_ticket", count=len(placed.waiting)), reply_markup=keyboard(rows))
    return True


async def _placed(update: Update, context: session.Context, ticket_id: int) -> None:
    """qw:<ticket>: the words typed while several tickets waited go to this one."""
    locale = session.locale(context)
    text = context.user_data.pop(UNPLACED, None)
    if not text:  # asked before a restart: the words are gone, ask for them on this ticket
        await _ask_for_words(update, context, ticket_id)
        return
    ticket = await session.db(context, service.customer_reply, portal_user(update, context),
                              ticket_id, text)
    await _say(update, _sent_text(locale, ticket), _ticket_buttons(locale, ticket))


async def _new_question(update: Update, context: session.Context, parts: list[str]) -> None:
    """qm:<ticket>:<message> takes the words back off the ticket they were added to, qo
    leaves them unplaced; either way they are a question, searched as one."""
    locale = session.locale(context)
    ticket_id, message_id = _int(parts, 1), _int(parts, 2)
    if ticket_id is not None and message_id is not None:
        user = portal_user(update, context)
        ticket = await session.db(context, service.get_own_ticket, user, ticket_id)
        # Words from before a restart are gone: the ticket keeps them (crm says so).
        text = context.user_data.get(ADDED, {}).get((ticket_id, message_id), "")
        notices = await session.db(context, service.take_back_reply, user, ticket_id,
                                   message_id, text)
        context.user_data.pop(ADDED, None)
        await _say(update, t(locale, "portal.taken_back", number=ticket.number))
        await correct_taken_back(context.application, notices, ticket.number)
        context.user_data[TAKEN] = (text, ticket.number, notices)
    else:
        text = context.user_data.pop(UNPLACED, None)
        await update.callback_query.answer()
    if text:
        await _search(update, context, text)
    else:
        await _ask_for_words(update, context, None)


async def _acknowledged(update: Update, context: session.Context, text: str) -> bool:
    """A thank-you after a resolution, kept on the ticket (True); else nothing happened."""
    locale = session.locale(context)
    ticket = await session.db(context, service.acknowledge_resolution,
                              portal_user(update, context), text)
    if ticket is None:
        return False
    await update.effective_message.reply_text(_sent_text(locale, ticket),
                                              reply_markup=_ticket_buttons(locale, ticket))
    return True


async def _open_ticket(update: Update, context: session.Context, text: str,
                       file: tuple[str, str, str | None] | None) -> TicketView:
    """A ticket from the customer's words: the first line is its title."""
    locale = session.locale(context)
    subject = clip(text.splitlines()[0] if text else _untitled(locale, file), 200)
    ticket = await session.db(context, service.open_customer_ticket,
                              portal_user(update, context), subject, text, file=file)
    await _say(update, t(locale, "portal.opened", number=ticket.number),
               _ticket_buttons(locale, ticket))
    return ticket


async def _open_with_question(update: Update, context: session.Context,
                              question: str) -> None:
    """🆕 under the articles found: a ticket with the question as typed; one it cannot take
    (longer than a ticket holds) is said, and the ticket asked for again, not dropped."""
    try:
        ticket = await _open_ticket(update, context, question, None)
    except ValidationError as error:
        await _say(update, describe_error(session.locale(context), error))
        await _ask_for_words(update, context, None)
        return
    await _became_ticket(context, question, ticket)


def _untitled(locale: str, file: tuple[str, str, str | None] | None) -> str:
    """The title of a ticket opened with a photo or file and no words: a file's own name
    (a document is no "Photo"), else "Photo"."""
    if file is not None and file[1] == "document" and file[2]:
        return file[2]
    return t(locale, "portal.photo_subject", html_escape=False)


async def _became_ticket(context: session.Context, question: str, ticket: TicketView) -> None:
    """Words taken back off a ticket became this one: staff told of them read which."""
    taken = context.user_data.pop(TAKEN, None)
    if taken is not None and taken[0] == question:
        await correct_taken_back(context.application, taken[2], taken[1], ticket)


async def _unsubscribe(update: Update, context: session.Context) -> None:
    """Marketing consent withdrawn, said in the customer's language, with ↩ to undo."""
    locale = session.locale(context)
    agreed = await session.db(context, service.unsubscribe, portal_user(update, context))
    if agreed is None:
        await update.effective_message.reply_text(t(locale, "portal.nothing_to_unsubscribe"))
        return
    # ↩ gives back what they had agreed to: with nothing, it would have nothing to undo.
    undo = [[(t(locale, "portal.button_resubscribe"), data("qU", *agreed))]] if agreed else []
    await update.effective_message.reply_text(t(locale, "portal.unsubscribed"),
                                              reply_markup=keyboard(undo) if undo else None)


async def _search(update: Update, context: session.Context, text: str) -> None:
    locale = session.locale(context)
    found = await session.db(context, service.search_articles, text)
    rows: list[list[Button]] = [[(clip(a.title, 60), data("qa", a.id))] for a in found]
    # The question was typed once already: the ticket takes it as it is.
    context.user_data[QUESTION] = text
    rows.append([(t(locale, "portal.button_ask"), data("qq"))])
    key = "portal.found" if found else "portal.nothing_found"
    await update.effective_message.reply_text(t(locale, key, count=len(found)),
                                              reply_markup=keyboard(rows))


async def _ask_problem(update: Update, context: session.Context) -> None:
    """Ask for the ticket; someone not yet known is also asked to share their number (once it
    is linked, asking again would only confuse)."""
    locale = session.locale(context)
    known = await session.db(context, service.find_customer, portal_user(update, context))
    if known is not None:
        await _say(update, t(locale, "portal.ask_problem"))
    else:
        await _say(update, t(locale, "portal.ask_problem") + "\n" + t(locale, "portal.ask_share"),
                   share_phone_keyboard(locale))


# buttons ------------------------------------------------------------------------------------
async def _pressed(update: Update, context: session.Context) -> None:
    callback, locale = update.callback_query, session.locale(context)
    parts = parse(callback.data or "")
    action = parts[0]
    number = _int(parts, 1)
    if action == "qh":
        await _say(update, t(locale, "portal.ask_search"))
    elif action == "qn":
        await _ask_for_words(update, context, None)
    elif action == "qq":
        question = context.user_data.pop(QUESTION, None)
        if question:
            await _open_with_question(update, context, question)
        else:  # asked before a restart: the words are gone, ask for them
            await _ask_for_words(update, context, None)
    elif action == "ql":
        await _list(update, context)
    elif action == "qw" and number is not None:
        await _placed(update, context, number)
    elif action in ("qm", "qo"):
        await _new_question(update, context, parts)
    elif action == "qU":
        await session.db(context, service.undo_unsubscribe, portal_user(update, context),
                         tuple(parts[1:]))
        await _say(update, t(locale, "portal.resubscribed"))
    elif action == "qa" and number is not None:
        article = await session.db(context, service.get_article, None, number)
        text = f"<b>{_e(article.title)}</b>\n\n{_e(article.body)}"
        await _say(update, text, keyboard([[(t(locale, "portal.button_ask"), data("qq"))]]))
    elif action == "qt" and number is not None:
        await _show(update, context, number)
    elif (action == "qF" and number is not None) or action == "qN":
        await _file_placed(update, context, number if action == "qF" else None)
    elif action == "qf" and number is not None and _int(parts, 2) is not None:
        await _send_file(update, context, number, _int(parts, 2))
    elif action == "qr" and number is not None:
        await _ask_for_words(update, context, number)
    elif action == "qs" and number is not None and _int(parts, 2) is not None:
        ticket = await session.db(context, service.rate_ticket, portal_user(update, context),
                                  number, _int(parts, 2))
        await _say(update, t(locale, "portal.rated", number=ticket.number,
                             stars="⭐" * (ticket.rating or 0)))
    else:  # a staff button, or forged data: nothing here
        await callback.answer(t(locale, "access.not_allowed"), show_alert=True)


def _int(parts: list[str], index: int) -> int | None:
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        return None


def _e(text: str) -> str:
    return html.escape(text)


async def _list(update: Update, context: session.Context) -> None:
    locale = session.locale(context)
    page = await session.db(context, service.list_own_tickets, portal_user(update, context))
    if not page.items:
        await _say(update, t(locale, "portal.no_tickets"), menu(locale))
        return
    rows = [[(f"{item.number} · {status_words(locale, item.status)}"
              f" · {clip(item.subject, 30)}", data("qt", item.id))] for item in page.items]
    await _say(update, t(locale, "portal.your_tickets", count=len(page.items)), keyboard(rows))


async def _show(update: Update, context: session.Context, ticket_id: int) -> None:
    locale = session.locale(context)
    ticket = await session.db(context, service.get_own_ticket, portal_user(update, context),
                              ticket_id)
    await _say(update, ticket_text(locale, ticket, session.config(context).timezone),
               _ticket_buttons(locale, ticket, files=True))


async def _send_file(update: Update, context: session.Context, ticket_id: int,
                     message_id: int) -> None:
    """qf:<ticket>:<message>: a photo or file of their own ticket's conversation."""
    locale = session.locale(context)
    ticket = await session.db(context, service.get_own_ticket, portal_user(update, context),
                              ticket_id)
    if await ticket_files.send(update.callback_query.message, locale, ticket, message_id):
        await update.callback_query.answer()
    else:
        await update.callback_query.answer(t(locale, "ticket.not_found"), show_alert=True)


def status_words(locale: str, status: str) -> str:
    """A ticket's status as its customer reads it: staff wait "for the customer", the
    customer is told the ticket waits for their reply."""
    key = "portal.status_waiting" if status == "waiting" else f"ticket.status.{status}"
    return t(locale, key, html_escape=False)


def ticket_text(locale: str, ticket: TicketView, zone: str) -> str:
    """A customer's view of their ticket: status and the conversation (no staff data beyond
    who answered)."""
    lines = [t(locale, "portal.ticket_title", number=ticket.number, subject=ticket.subject),
             t(locale, "portal.ticket_status",
               status=status_words(locale, ticket.status))]
    you = t(locale, "portal.you")
    # What they wrote to open it, when more than its title: their own words, read back.
    if ticket.description and ticket.description.strip() != ticket.subject.strip():
        lines.append(f"\n<i>{you} · {when(locale, ticket.created_at, zone)}</i>\n"
                     f"{_e(ticket.description)}")
    files = ticket_files.numbered(ticket)
    for item in _shown(ticket):
        who = you if item.author == "customer" else t(locale, "portal.us")
        lines.append(f"\n<i>{who} · {when(locale, item.created_at, zone)}</i>\n"
                     + ticket_files.said(locale, item, files))
    return "\n".join(lines)


def _shown(ticket: TicketView) -> list[TicketMessageView]:
    """The conversation's latest messages, as the customer's view of the ticket shows them."""
    return [m for m in ticket.messages[-TICKET_MESSAGES:] if m.author != "system"]


def _ticket_buttons(locale: str, ticket: TicketView, *,
                    files: bool = False) -> InlineKeyboardMarkup:
    """Write, the stars once resolved, their tickets; with ``files``, a button per photo or
    file the view shows."""
    shown = ticket_files.buttons(locale, ticket, _shown(ticket), "qf") if files else []
    rows: list[list[Button]] = [*shown, [(t(locale, "portal.button_write"),
                                          data("qr", ticket.id))]]
    if ticket.status == "resolved" and ticket.rating is None:
        rows.append(_star_row(ticket.id))
    rows.append([(t(locale, "portal.button_mine"), data("ql"))])
    return keyboard(rows)


def rating_buttons(ticket_id: int) -> InlineKeyboardMarkup:
    """1-5 stars under the "resolved" message."""
    return keyboard([_star_row(ticket_id)])


def closed_buttons(locale: str, ticket_id: int, *, stars: bool) -> InlineKeyboardMarkup:
    """Under "your ticket is closed": the stars (``stars``), then write (which opens it
    again) or see the ticket."""
    return keyboard([_star_row(ticket_id) if stars else [], _reply_row(locale, ticket_id)])


def reply_buttons(locale: str, ticket_id: int) -> InlineKeyboardMarkup:
    """Under a relayed staff answer: write back, or see the whole ticket."""
    return keyboard([_reply_row(locale, ticket_id)])


def _star_row(ticket_id: int) -> list[Button]:
    return [(str(n) + "⭐", data("qs", ticket_id, n)) for n in range(1, 6)]


def _reply_row(locale: str, ticket_id: int) -> list[Button]:
    return [(t(locale, "portal.button_write"), data("qr", ticket_id)),
            (t(locale, "portal.button_view"), data("qt", ticket_id))]
