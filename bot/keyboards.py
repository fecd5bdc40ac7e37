"""Inline keyboards: short structured callback data (Telegram allows 64 bytes)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_CALLBACK_BYTES = 64
Button = tuple[str, str]  # (label, callback data)


def data(*parts: object) -> str:
    """Callback data such as ``c:42:t:10``; refuses anything Telegram would reject."""
    value = ":".join(str(p) for p in parts)
    if len(value.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data too long: {value!r}")
    return value


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """A keyboard from rows of (label, data) pairs; empty rows are left out."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=value)
                                  for label, value in row] for row in rows if row])


def parse(value: str) -> list[str]:
    """The parts of callback data."""
    return value.split(":")


def int_part(parts: list[str], index: int) -> int | None:
    """A numeric part, or None when missing or forged."""
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        return None
