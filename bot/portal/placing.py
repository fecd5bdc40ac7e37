"""Words and files for tickets already open: the reply asked for, words added to the ticket
waiting for the customer (or which one, when several wait, or taken back as a new question),
a thank-you after a resolution, a photo or file sent outside any ticket."""

from __future__ import annotations

import datetime as dt

from telegram import Update

from bot import session
from bot.i18n import t
from bot.jobs import correct_taken_back
from bot.keyboards import Button, data, keyboard
from bot.portal.asking import _ask_for_words, _open_ticket, _search
from bot.portal.common import (
    ADDED,
    FILE,
    STEP,
    TAKEN,
    UNPLACED,
    _int,
    _recent,
    _remember,
    _say,
    portal_user,
)
from bot.portal.views import _sent_text, _ticket_buttons
from bot.render import clip
from crm import service

_EPOCH = dt.datetime(1970, 1, 1)
PLACES = 5  # open tickets offered for a photo or file sent outside any ticket


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


async def _to_waiting(update: Update, context: session.Context, text: str) -> bool:
    """Words for a ticket waiting for the customer's reply (True): added to the one waiting,
    with a way to say they were a new question, or, with several waiting, which one?"""
    locale = session.locale(context)
    placed = await session.db(context, service.reply_to_waiting, portal_user(update, context),
                              text)
    if placed.ticket is not None and placed.message_id is not None \
            and placed.written_at is not None:
        ticket, stamp = placed.ticket, _stamp(placed.written_at)
        context.user_data[ADDED] = {(ticket.id, placed.message_id, stamp): text}  # the latest
        await update.effective_message.reply_text(
            t(locale, "portal.added_to_waiting", number=ticket.number, subject=ticket.subject),
            reply_markup=keyboard([
                [(t(locale, "portal.button_new_question"), data("qm", ticket.id,
                                                                placed.message_id, stamp))],
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
    """qm:<ticket>:<message>:<stamp> takes the words back off the ticket they were added
    to, qo leaves them unplaced; either way they are a question, searched as one."""
    locale = session.locale(context)
    ticket_id, message_id, stamp = _int(parts, 1), _int(parts, 2), _int(parts, 3)
    if ticket_id is not None and message_id is not None:
        user = portal_user(update, context)
        ticket = await session.db(context, service.get_own_ticket, user, ticket_id)
        # Words from before a restart are gone: the ticket keeps them (crm says so).
        text = context.user_data.get(ADDED, {}).get((ticket_id, message_id, stamp), "")
        notices = await session.db(context, service.take_back_reply, user, ticket_id,
                                   message_id, text, written_at=_written_at(stamp))
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


def _stamp(at: dt.datetime) -> int:
    """When a message was stored, in whole microseconds (a button's part): with its id, it
    tells the message from a later one given the same id."""
    return (at - _EPOCH) // dt.timedelta(microseconds=1)


def _written_at(stamp: int | None) -> dt.datetime:
    """The time a button's stamp stands for; a button without one (drawn before buttons
    carried it) stands for no message now stored."""
    return _EPOCH + dt.timedelta(microseconds=stamp or 0)


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
