"""What the customer reads: the menu, their ticket with its conversation, what they are told
of their words on it, and the buttons under each."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot import ticket_files
from bot.i18n import t
from bot.keyboards import Button, data, keyboard
from bot.render import when
from crm.service import TicketMessageView, TicketView

TICKET_MESSAGES = 8  # the latest of the conversation in the customer's view of a ticket


def menu(locale: str) -> InlineKeyboardMarkup:
    return keyboard([[(t(locale, "portal.button_search"), data("qh"))],
                     [(t(locale, "portal.button_new"), data("qn"))],
                     [(t(locale, "portal.button_mine"), data("ql"))]])


def share_phone_keyboard(locale: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[KeyboardButton(t(locale, "portal.share_phone"),
                                                request_contact=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


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


def _e(text: str) -> str:
    return html.escape(text)


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
