"""Inline keyboards: short structured callback data (Telegram allows 64 bytes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, TelegramObject

MAX_CALLBACK_BYTES = 64
Button = tuple[str, str]  # (label, callback data)


def data(*parts: object) -> str:
    """Callback data such as ``c:42:t:10``; refuses anything Telegram would reject."""
    value = ":".join(str(p) for p in parts)
    if len(value.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data too long: {value!r}")
    return value


class CallbackKeyboard(InlineKeyboardMarkup):
    """An inline keyboard of callback buttons that goes to Telegram as it was given.

    Building python-telegram-bot's button objects and turning them back into JSON costs more
    than a search on a million customers (about 0.3 ms for a page of results); this keeps the
    (label, data) pairs and writes the JSON directly. Code that reads ``inline_keyboard`` still
    gets real button objects.
    """

    __slots__ = ("_rows",)

    def __init__(self, rows: Sequence[Sequence[Button]]) -> None:
        TelegramObject.__init__(self)
        self._rows = tuple(tuple(row) for row in rows if row)
        self._id_attrs = (self._rows,)
        self._freeze()

    @property  # type: ignore[override]
    def inline_keyboard(self) -> tuple[tuple[InlineKeyboardButton, ...], ...]:
        return tuple(tuple(InlineKeyboardButton(label, callback_data=value)
                           for label, value in row) for row in self._rows)

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": label, "callback_data": value}
                                     for label, value in row] for row in self._rows]}


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """A keyboard from rows of (label, data) pairs; empty rows are left out."""
    return CallbackKeyboard(rows)


def parse(value: str) -> list[str]:
    """The parts of callback data."""
    return value.split(":")


def int_part(parts: list[str], index: int) -> int | None:
    """A numeric part, or None when missing or forged."""
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        return None
