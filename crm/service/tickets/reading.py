"""Reading tickets: one with its conversation, one by its number as typed, the queues staff
work from, and a customer's tickets for the card."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from crm.actors import Actor
from crm.clock import utcnow
from crm.customers import inputs
from crm.customers.load import load_card, require_visible
from crm.customers.views import CustomerCard
from crm.errors import NotFound
from crm.localtime import local_today
from crm.paging import Page
from crm.permissions import Action, require
from crm.service import changed
from crm.service.sla import OPEN_STATUSES
from crm.service.tickets.access import _customer_access, _visible_row, visible_tickets_clause
from crm.service.tickets.records import _TICKET_SQL, NUMBER_PREFIX, messages_of, view_of
from crm.service.views import TicketSummary, TicketView
from storage.database import fetch_all, fetch_one

VIEWS = ("mine", "unassigned", "breaching", "open")
# A ticket number as typed: T-, the year (or a demo's D), the count.
_TYPED_NUMBER = re.compile(rf"^{NUMBER_PREFIX}-(\d{{4}}|D)-(\d{{1,9}})$", re.IGNORECASE)


def get_ticket(actor: Actor, ticket_id: int) -> TicketView:
    """A ticket with its whole conversation, internal notes included, and how the actor may
    open its customer."""
    row = _visible_row(actor, ticket_id)
    return replace(view_of(row, messages_of(ticket_id, internal=True)),
                   customer_access=_customer_access(actor, row))


def ticket_as_seen(actor: Actor, ticket_id: int, seen_status: str | None,
                   seen_assignee: int | None = None) -> TicketView:
    """The ticket, for a menu opened from a card that showed it ``seen_status`` (and, for the
    assignee menu, ``seen_assignee``; 0: nobody's): ChangedSince when it has moved on since, so
    no menu is offered for a ticket that is no longer as the card says."""
    row = _visible_row(actor, ticket_id)
    changed.check_unchanged(actor, row, seen_status, seen_assignee)
    return replace(view_of(row), customer_access=_customer_access(actor, row))


def ticket_customer(actor: Actor, ticket_id: int) -> CustomerCard:
    """The card of a ticket's customer, to read, for whoever may open it from the ticket (see
    ``_customer_access``); NotFound for anyone else."""
    row = _visible_row(actor, ticket_id)
    if _customer_access(actor, row) is None:
        raise NotFound("customer.not_found")
    return load_card(row[2], today=local_today(actor, utcnow()))


def is_ticket_number(text: str) -> bool:
    """Whether ``text`` is written like a ticket number (T-2026-000123, t-2026-123)."""
    return _TYPED_NUMBER.match(text.strip()) is not None


def find_ticket(actor: Actor, number: str) -> TicketView:
    """A ticket by its number as people type it: any case, the year's count with or without
    its leading zeros (t-2026-123 is T-2026-000123); NotFound when not there or not
    visible."""
    typed = number.strip().upper()
    match = _TYPED_NUMBER.match(typed)
    padded = f"{NUMBER_PREFIX}-{match[1]}-{int(match[2]):06d}" if match and match[1].isdigit() \
        else typed
    row = fetch_one("select id from ticket where number in (?, ?) order by id limit 1",
                    (typed, padded))
    if row is None:
        raise NotFound("ticket.not_found")
    return get_ticket(actor, row[0])


def list_tickets(actor: Actor, view: str = "mine", *, now: dt.datetime | None = None,
                 offset: int = 0, limit: int = 10) -> Page[TicketSummary]:
    """Open tickets: assigned to me, nobody's, or breaching a service level (or all open)."""
    require(actor, Action.READ)
    now = now or utcnow()
    view = inputs.choice(view, VIEWS, field="view")
    condition, params = _view_condition(actor, view, now)
    marks = ", ".join("?" * len(OPEN_STATUSES))
    rows = fetch_all(
        _TICKET_SQL + f" where t.status in ({marks}) {condition}"
        " order by t.resolution_due_at, t.id limit ? offset ?",
        (*OPEN_STATUSES, *params, limit + 1, offset))
    items = [view_of(r) for r in rows[:limit]]
    return Page(tuple(TicketSummary(t.id, t.number, t.subject, t.status, t.priority,
                                    t.customer_name, t.assignee_name, t.breaching(now))
                      for t in items), offset, len(rows) > limit)


def _view_condition(actor: Actor, view: str, now: dt.datetime) -> tuple[str, tuple]:
    if view == "mine":
        return "and t.assignee_id = ?", (actor.user_id,)
    visible, params = visible_tickets_clause(actor)
    if view == "unassigned":
        return f"and t.assignee_id is null {visible}", params
    if view == "breaching":
        return (f"and ((t.first_responded_at is null and t.first_response_due_at < ?)"
                f" or (t.resolution_due_at < ? and t.status <> 'waiting')) {visible}",
                (now, now, *params))
    return visible, params


def customer_tickets(actor: Actor, customer_id: int, *, limit: int = 10) -> list[TicketSummary]:
    """A customer's tickets, newest first (for the card)."""
    require_visible(actor, customer_id)
    rows = fetch_all(_TICKET_SQL + " where t.customer_id = ? order by t.created_at desc, t.id desc"
                     " limit ?", (customer_id, limit))
    now = utcnow()
    return [TicketSummary(t.id, t.number, t.subject, t.status, t.priority, t.customer_name,
                          t.assignee_name, t.breaching(now)) for t in map(view_of, rows)]
