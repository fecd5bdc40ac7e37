"""Photos and files in a ticket's conversation, for both sides: named and numbered where the
conversation is shown, with a button each that sends the file itself (a message only holds
words, so a 📎 alone would leave the reader without what was sent)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import Message

from bot.i18n import t
from bot.keyboards import Button, data
from bot.render import clip
from crm.service import TicketMessageView, TicketView

NAME_LENGTH = 40  # of a file's name on its button


def numbered(ticket: TicketView) -> dict[int, int]:
    """Each message carrying a file → its number, counted over the whole conversation, so
    a file keeps its number however much of the conversation is shown."""
    with_files = (m.id for m in ticket.messages if m.file_id)
    return {message_id: number for number, message_id in enumerate(with_files, start=1)}


def label(locale: str, number: int, message: TicketMessageView) -> str:
    """"📷 1 · Photo", "📎 2 · error.log": plain text (escape it for HTML)."""
    if message.file_kind == "photo":
        return t(locale, "ticket.file_photo", html_escape=False, number=number)
    return t(locale, "ticket.file_document", html_escape=False, number=number,
             name=clip(message.file_name or t(locale, "ticket.file_unnamed",
                                              html_escape=False), NAME_LENGTH))


def said(locale: str, message: TicketMessageView, numbers: dict[int, int]) -> str:
    """A message as the conversation shows it, as HTML: its words, then its file named and
    numbered as on its button (``numbers`` from ``numbered``)."""
    parts = [html.escape(message.body)] if message.body else []
    if message.id in numbers:
        parts.append(html.escape(label(locale, numbers[message.id], message)))
    return "\n".join(parts) or "📎"  # a file erased with its sender: something was sent


def buttons(locale: str, ticket: TicketView, shown: Sequence[TicketMessageView],
            prefix: str) -> list[list[Button]]:
    """A button per file among the ``shown`` messages, two a row (``prefix``: kf for staff,
    qf for the customer)."""
    numbers = numbered(ticket)
    row = [(label(locale, numbers[m.id], m), data(prefix, ticket.id, m.id))
           for m in shown if m.id in numbers]
    return [row[i:i + 2] for i in range(0, len(row), 2)]


async def send(message: Message, locale: str, ticket: TicketView, message_id: int) -> bool:
    """Send the file of message ``message_id`` of ``ticket`` into ``message``'s chat; False
    when the ticket has no such file (a forged button, or erased since)."""
    numbers = numbered(ticket)
    found = next((m for m in ticket.messages if m.id == message_id and m.id in numbers), None)
    if found is None:
        return False
    caption = html.escape(f"{ticket.number} · {label(locale, numbers[found.id], found)}")
    if found.file_kind == "photo":
        await message.reply_photo(found.file_id, caption=caption)
    else:
        await message.reply_document(found.file_id, caption=caption)
    return True
