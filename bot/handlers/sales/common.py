"""Small helpers the sales handlers share: callback numbers, the user's clock, showing a screen."""

from __future__ import annotations

import datetime as dt

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot import session
from bot.i18n import plain
from bot.keyboards import int_part, parse
from bot.long_text import fits_one_message, reply_in_parts
from bot.session import local_now

ALERT_MAX = 200  # Telegram shows at most this many characters in a pop-up


def numbers(update: Update, count: int) -> list[int]:
    """The first ``count`` numeric parts after the prefix of the pressed button's data."""
    parts = parse(update.callback_query.data)
    found = [int_part(parts, i) for i in range(1, count + 1)]
    return [n if n is not None else 0 for n in found]


def word(update: Update, index: int) -> str:
    """A text part of the pressed button's data ('' when missing)."""
    parts = parse(update.callback_query.data)
    return parts[index] if len(parts) > index else ""


def as_utc(local: dt.datetime) -> dt.datetime:
    """A local time as naive UTC, the form crm compares with."""
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def month_start(context: session.Context) -> dt.datetime:
    """The first moment of the user's current month, as naive UTC."""
    now = local_now(context)
    return as_utc(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def year_start(context: session.Context) -> dt.datetime:
    """The first moment of the user's current year, as naive UTC."""
    now = local_now(context)
    return as_utc(now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0))


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None, *,
               alert: str = "") -> None:
    """Replace the pressed button's message; a typed message, or a text too long for one
    message (a deal's 4,000 characters of notes), gets new ones. An ``alert`` pops up first."""
    callback = update.callback_query
    if callback is not None and fits_one_message(text):
        await _answer(callback, alert)
        try:
            await callback.edit_message_text(text, reply_markup=markup)
        except BadRequest as error:  # pressed twice: the screen already shows this
            if "not modified" not in str(error).lower():
                raise
    else:
        await send(update, text, markup, alert=alert)


async def send(update: Update, text: str, markup: InlineKeyboardMarkup | None = None, *,
               alert: str = "") -> None:
    """A new message (the pressed button's spinner stopped first, or its ``alert`` shown)."""
    if update.callback_query is not None:
        await _answer(update.callback_query, alert)
    await reply_in_parts(update.effective_message, text, markup)


async def _answer(callback: CallbackQuery, alert: str) -> None:
    """Stop the button's spinner; an alert pops up (plain text, as Telegram caps it)."""
    if alert:
        await callback.answer(plain(alert)[:ALERT_MAX], show_alert=True)
    else:
        await callback.answer()
