"""The bot object the Application sends through: python-telegram-bot's own, plus a reply that
is not read back, and edits that survive a message already showing the text or gone."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ExtBot

log = logging.getLogger(__name__)
# Telegram's words for an edit with nothing to change (a button pressed twice), and for a
# message the user deleted or one too old to edit.
UNCHANGED = "message is not modified"
GONE = ("message to edit not found", "message can't be edited")
# A button press answered already, or one that waited too long (behind a long write): the
# spinner has stopped by itself and no alert can be shown on it any more.
SPENT_QUERY = "query is too old"


def _says(error: BadRequest, *phrases: str) -> bool:
    message = str(error).lower()
    return any(phrase in message for phrase in phrases)


class ChatBot(ExtBot):
    """``ExtBot`` (defaults, flood-limit throttle, the same request objects) with
    ``send_unread``; an edit of a message already showing the text is done, and one of a
    message that is gone is sent as a new message instead (``edit_in_place`` never is)."""

    async def send_unread(self, chat_id: int, text: str,
                          reply_markup: InlineKeyboardMarkup | None = None) -> None:
        """Send an HTML message without turning what Telegram hands back into a ``Message``:
        that parsing is about a quarter of the CPU of a search update, spent on an object
        nobody reads. For replies nothing refers to later (search results, a no-match line);
        goes through the same throttle, retries and error handling as ``send_message``."""
        data: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
        if reply_markup is not None:
            data["reply_markup"] = reply_markup
        await self._post("sendMessage", data)

    async def edit_in_place(self, text: str, **kwargs: Any) -> Message | bool:
        """Edit, or fail when the message is gone (a progress line, a correction a job makes
        to a notice it sent): the caller decides; nothing to change is still success."""
        try:
            return await super().edit_message_text(text, **kwargs)
        except BadRequest as error:
            if _says(error, UNCHANGED):
                return True
            raise

    async def edit_message_text(self, text: str, *args: Any, **kwargs: Any) -> Message | bool:
        try:
            return await super().edit_message_text(text, *args, **kwargs)
        except BadRequest as error:
            if _says(error, UNCHANGED):  # the screen already shows this
                return True
            chat_id = kwargs.get("chat_id", args[0] if args else None)
            if not _says(error, *GONE) or chat_id is None:
                raise
            # The user deleted the message whose button they pressed, or it is too old to
            # edit: the answer comes as a new message rather than not at all.
            log.info("message in chat %s gone, sent anew: %s", chat_id, error)
        return await self.send_message(chat_id, text, reply_markup=kwargs.get("reply_markup"))

    async def answer_callback_query(self, *args: Any, **kwargs: Any) -> bool:
        """False when the press can no longer be answered (see ``SPENT_QUERY``)."""
        try:
            return await super().answer_callback_query(*args, **kwargs)
        except BadRequest as error:
            if not _says(error, SPENT_QUERY):
                raise
            log.info("button press not answered: %s", error)
            return False

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Message | bool:
        try:
            return await super().edit_message_reply_markup(*args, **kwargs)
        except BadRequest as error:
            if _says(error, UNCHANGED, *GONE):  # the buttons already read so, or are gone
                return True
            raise
