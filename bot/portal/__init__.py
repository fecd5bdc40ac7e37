"""The customer's side of the bot: anyone who is not staff finds answers in the knowledge
base, opens a ticket, follows their tickets, writes on them and rates the answer.

The identity pre-handler hands every update from a non-staff user here and nowhere else, so
no staff handler ever runs for a customer. Buttons use the ``q`` prefix; whatever they carry,
crm only ever shows the customer their own tickets.

What is where:
  common    who the customer is, what is kept for their next messages, answering
  views     what the customer reads, and the buttons under it
  messages  every message sent, to the part that takes it
  asking    a new question: searched, then opened as a ticket
  placing   words and files for tickets already open
  buttons   every button pressed
"""

from __future__ import annotations

import collections
import time

from telegram import Update

from bot import session
from bot.i18n import describe_error
from bot.portal.buttons import _pressed
from bot.portal.common import _say, file_of, portal_user
from bot.portal.messages import _received
from bot.portal.views import (
    closed_buttons,
    menu,
    rating_buttons,
    reply_buttons,
    share_phone_keyboard,
    status_words,
    ticket_text,
)
from storage.errors import CodedError

__all__ = [
    "BURST_WINDOW", "FLOOD_PER_MINUTE", "closed_buttons", "file_of", "handle", "menu",
    "portal_user", "rating_buttons", "reply_buttons", "share_phone_keyboard", "status_words",
    "ticket_text",
]

BURST_WINDOW = 60.0
FLOOD_PER_MINUTE = 40


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
