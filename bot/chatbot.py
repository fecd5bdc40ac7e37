"""The bot object the Application sends through: python-telegram-bot's own, plus a reply that
is not read back."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.ext import ExtBot


class ChatBot(ExtBot):
    """``ExtBot`` (defaults, flood-limit throttle, the same request objects) with
    ``send_unread``."""

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
