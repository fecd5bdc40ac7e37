"""The ticket card: who, what, how urgent, the service-level clocks, the latest of the
conversation, and its buttons."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Update

from bot import session, ticket_files
from bot.i18n import t
from bot.keyboards import Button, data, keyboard
from bot.long_text import fits_one_message, reply_in_parts
from bot.render import merged_from_lines, span, when
from crm import service
from crm.actors import Actor
from crm.clock import utcnow
from crm.permissions import Action, allows
from crm.service.views import TicketMessageView, TicketView

LAST_LIST = "ticket_list"  # (view, offset) of the list last shown: the card's 📋 goes back there
CARD_MESSAGES = 6  # the latest of the conversation on the card
AUTHOR_ICONS = {"customer": "👤", "staff": "🧑‍💼", "system": "⚙️"}


def card_text(locale: str, ticket: TicketView, zone: str) -> str:
    """The ticket card: who, what, how urgent, the service-level clocks, the conversation."""
    e, now = html.escape, utcnow()
    lines = [f"🎫 <b>{e(ticket.number)}</b> · {e(ticket.subject)}",
             t(locale, "ticket.card_line", status=t(locale, f"ticket.status.{ticket.status}",
                                                    html_escape=False),
               priority=t(locale, f"ticket.priority.{ticket.priority}", html_escape=False),
               customer=ticket.customer_name, assignee=ticket.assignee_name or "—"),
             *merged_from_lines(locale, ticket.merged_from)]
    levels = _service_levels(locale, ticket, zone)
    if levels:
        lines.append(levels)
    if ticket.missed_service_level(now):  # still said once resolved: a miss stays a miss
        lines.append(t(locale, "ticket.breaching"))
    if not ticket.customer_on_telegram:
        lines.append(t(locale, "ticket.not_on_telegram"))
    if ticket.rating:
        lines.append("⭐" * ticket.rating)
    # Whole, as the conversation below: staff must read all of it (a one-line problem is
    # the subject already).
    if ticket.description and ticket.description.strip() != ticket.subject.strip():
        lines.append(f"\n{e(ticket.description)}")
    files = ticket_files.numbered(ticket)
    for item in _shown(ticket):
        icon = "🔒" if item.internal else AUTHOR_ICONS.get(item.author, "•")
        who = item.staff_name or t(locale, "ticket.customer")
        lines.append(f"\n{icon} <i>{e(who)} · {when(locale, item.created_at, zone)}</i>\n"
                     + ticket_files.said(locale, item, files))
    return "\n".join(lines)


def _shown(ticket: TicketView) -> list[TicketMessageView]:
    """The conversation's latest messages, as the card shows them."""
    return [m for m in ticket.messages[-CARD_MESSAGES:] if m.author != "system"]


def _service_levels(locale: str, ticket: TicketView, zone: str) -> str:
    """When the first answer and the resolution are due while the ticket is open; once it is
    resolved or closed, what was done and when (a due time then reads as work still to do)."""
    if ticket.status not in ("resolved", "closed"):
        return t(locale, "ticket.sla_line", answer=_first_answer(locale, ticket, zone),
                 resolve=_resolve_by(locale, ticket, zone))
    done = [_first_answer(locale, ticket, zone)] if ticket.first_responded_at else []
    if ticket.resolved_at is not None:
        done.append(t(locale, "ticket.resolved_at", html_escape=False,
                      when=when(locale, ticket.resolved_at, zone)))
    return html.escape(" · ".join(done))


def _first_answer(locale: str, ticket: TicketView, zone: str) -> str:
    """When it was answered and how long that took, or when the answer is due."""
    if ticket.first_responded_at is None:
        return t(locale, "ticket.answer_due", html_escape=False,
                 when=when(locale, ticket.first_response_due_at, zone))
    return t(locale, "ticket.answered", html_escape=False,
             when=when(locale, ticket.first_responded_at, zone),
             took=span(locale, ticket.first_responded_at - ticket.created_at))


def _resolve_by(locale: str, ticket: TicketView, zone: str) -> str:
    """The resolution due time, saying when it is paused or was moved by waits for the
    customer (so a later time than the priority promises is explained)."""
    due = when(locale, ticket.resolution_due_at, zone)
    if ticket.status == "waiting" and ticket.waiting_since is not None:
        return t(locale, "ticket.resolve_paused", html_escape=False, when=due,
                 since=when(locale, ticket.waiting_since, zone))
    # Waits are said in whole minutes: one shorter than that moved nothing worth saying.
    if ticket.resolution_paused >= dt.timedelta(minutes=1):
        return t(locale, "ticket.resolve_moved", html_escape=False, when=due,
                 waited=span(locale, ticket.resolution_paused))
    return due


def card_keyboard(locale: str, ticket: TicketView, actor: Actor,
                  back_to: tuple[str, int] = ("mine", 0)) -> InlineKeyboardMarkup:
    """The card's buttons, those that change the ticket only for whoever may (a viewer
    reads); 📋 returns to ``back_to``, the list (and page) the user came from."""
    def b(key: str, *parts: object) -> Button:
        return t(locale, f"ticket.button.{key}", html_escape=False), data(*parts)

    edits, seen = allows(actor, Action.EDIT), ticket.status
    return keyboard([*ticket_files.buttons(locale, ticket, _shown(ticket), "kf"),
                     [b("reply", "kr", ticket.id), b("note", "kn", ticket.id)] if edits else [],
                     [b("assign", "ka", ticket.id, seen, ticket.assignee_id or 0),
                      b("status", "ks", ticket.id, seen),
                      b("priority", "kp", ticket.id, seen)] if edits else [],
                     [*_customer_button(b, ticket), b("remind", "rk", ticket.id),
                      b("list", "kv", *back_to)]])


def _customer_button(b: Callable[..., Button], ticket: TicketView) -> list[Button]:
    """👤 opens the customer's card as crm allows the reader: whole, to read from the ticket,
    or not at all (no button that would end in "not found")."""
    if ticket.customer_access == service.CUSTOMER_CARD:
        return [b("customer", "c", ticket.customer_id)]
    if ticket.customer_access == service.CUSTOMER_READ:
        return [b("customer", "kc", ticket.id)]
    return []


def _last_list(context: session.Context) -> tuple[str, int]:
    """The list and page this user last looked at (a manager in "all" goes back to "all")."""
    return (context.user_data or {}).get(LAST_LIST, ("mine", 0))


async def show_card(update: Update, context: session.Context, ticket: TicketView, *,
                    edit: bool = False) -> None:
    locale = session.locale(context)
    text = card_text(locale, ticket, session.timezone(context))
    markup = card_keyboard(locale, ticket, session.actor(context), _last_list(context))
    if edit and update.callback_query and fits_one_message(text):
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:  # new, or too long to replace one message with
        await reply_in_parts(update.effective_message, text, markup)
