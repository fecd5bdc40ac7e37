"""What every part of the customer's side shares: who the customer is, what is kept for
their next messages (and for how long), a file sent with a message, the way of answering."""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import Message, Update

from bot import session
from bot.long_text import reply_in_parts
from crm.service import PortalUser

STEP = "portal_step"  # ("new",) or ("reply", ticket id)
AT = "_at"  # beside a kept value, when it was kept
# A customer who tapped ✍️ or 🆕 and went away: what they type on coming back is theirs again
# (a new question, a reply to a waiting ticket), not the words asked for back then.
STEP_LIFETIME = dt.timedelta(hours=1)
QUESTION = "portal_question"  # the words last searched for, to open a ticket with them
UNPLACED = "portal_unplaced"  # words typed while several tickets wait: which one they answer
FILE = "portal_file"  # (file, caption): a photo or file sent outside any ticket, to place
# (ticket id, message id, its stamp) → words added to a waiting ticket, to take back
ADDED = "portal_added"
# (words, ticket number, staff notices): words taken back off a ticket, whose staff notices
# say which ticket they became once the customer opens one with them
TAKEN = "portal_taken"


def portal_user(update: Update, context: session.Context) -> PortalUser:
    user = update.effective_user
    return PortalUser(user.id, user.full_name or user.username or "", session.locale(context))


async def _say(update: Update, text: str, markup: object = None) -> None:
    """A new message (several when long: an article, a long answer), buttons under the last."""
    if update.callback_query:
        await update.callback_query.answer()
        await reply_in_parts(update.callback_query.message, text, markup)
    else:
        await reply_in_parts(update.effective_message, text, markup)


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


def _int(parts: list[str], index: int) -> int | None:
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        return None
