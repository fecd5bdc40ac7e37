"""A ticket's life as staff work it: opened, answered (relayed to the customer), noted, moved
from status to status, its priority changed."""

from __future__ import annotations

import datetime as dt

from crm import audit, runtime
from crm.actors import Actor
from crm.clock import as_datetime, utcnow
from crm.customers import inputs
from crm.customers.load import require_visible
from crm.errors import ValidationError
from crm.permissions import Action, require
from crm.service import changed
from crm.service.sla import OPEN_STATUSES, STATUSES, due_times
from crm.service.tickets.access import _visible_row
from crm.service.tickets.notices import (
    _tell_assignee_of_priority,
    _tell_assignee_of_reply,
    _tell_assignee_of_status,
)
from crm.service.tickets.reading import get_ticket
from crm.service.tickets.records import (
    _change,
    add_message,
    checked_body,
    checked_description,
    checked_priority,
    checked_subject,
    clock_moves,
    insert_ticket,
    status_stamps,
    view_of,
)
from crm.service.views import TicketView
from storage.database import database, sql

# Which moves a ticket may make; "waiting" means waiting for the customer.
TRANSITIONS = {
    "new": {"open", "waiting", "resolved", "closed"},
    "open": {"waiting", "resolved", "closed"},
    "waiting": {"open", "resolved", "closed"},
    "reopened": {"open", "waiting", "resolved", "closed"},
    "resolved": {"closed", "reopened"},
    "closed": {"reopened"},
}


def open_ticket(actor: Actor, customer_id: int, subject: str, description: str = "", *,
                priority: str = "normal", now: dt.datetime | None = None) -> TicketView:
    """A ticket opened by staff for a customer they see; it is theirs to work."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    checked = (checked_subject(subject), checked_description(description),
               checked_priority(priority))
    with database.atomic():
        require_visible(actor, customer_id)
        ticket_id = insert_ticket(customer_id, *checked, "staff", actor.user_id,
                                  actor.user_id, now)
        audit.record(actor, "ticket.create", "ticket", ticket_id, customer_id=customer_id,
                     changes={"subject": [None, checked[0]]}, now=now)
    return get_ticket(actor, ticket_id)


def reply_to_ticket(actor: Actor, ticket_id: int, body: str, *,
                    file: tuple[str, str, str | None] | None = None,
                    now: dt.datetime | None = None) -> TicketView:
    """A staff answer: relayed to the customer, the first-response clock stopped, and the
    ticket now waits for the customer. Answering a ticket nobody had makes it the answerer's
    (it leaves the unassigned queue: someone is on it). A customer who never wrote to the bot
    cannot be reached there: the answer is kept on the ticket, not queued for a chat that
    may link weeks later and receive it out of the blue."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    text = checked_body(body, required=file is None)
    with database.atomic():
        row = _visible_row(actor, ticket_id)
        _require_answerable(actor, row)
        add_message(ticket_id, "staff", text, now, staff_id=actor.user_id, file=file,
                    relay=row[20] is not None)
        status = "waiting" if row[6] in OPEN_STATUSES else row[6]
        take = row[9] is None and actor.user_id is not None
        clock, clock_params = clock_moves(row, status, now)
        moved, moved_params = changed.status_moved(actor, now) if status != row[6] \
            else ("", ())
        _change(actor, ticket_id, "ticket.reply",
                {"reply": [None, text]} | ({"assignee": [None, actor.user_id]} if take else {}),
                "status = ?, first_responded_at = coalesce(first_responded_at, ?)"
                + (", assignee_id = ?" if take else "") + clock + moved,
                (status, now, *((actor.user_id,) if take else ()), *clock_params,
                 *moved_params), now)
        _tell_assignee_of_reply(actor, row, text or "📎", status, now)
    return get_ticket(actor, ticket_id)


def ticket_to_answer(actor: Actor, ticket_id: int) -> TicketView:
    """The ticket a staff reply is about to be written for; a closed one takes none."""
    row = _visible_row(actor, ticket_id)
    _require_answerable(actor, row)
    return view_of(row)


def _require_answerable(actor: Actor, row: tuple) -> None:
    """A closed ticket must be reopened before it is answered: no retyping changes that, so
    it is a Conflict (the reply step ends) rather than a value to correct; it says who closed
    it and when (a colleague, perhaps, since the card was shown)."""
    if row[6] == "closed":
        raise changed.closed(actor, row)


def add_note(actor: Actor, ticket_id: int, body: str, *,
             now: dt.datetime | None = None) -> TicketView:
    """An internal note: staff see it, the customer never does."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    text = checked_body(body)
    with database.atomic():
        _visible_row(actor, ticket_id)
        add_message(ticket_id, "staff", text, now, staff_id=actor.user_id, internal=True)
        database.execute_sql(sql("update ticket set updated_at = ? where id = ?"),
                             (now, ticket_id))
    return get_ticket(actor, ticket_id)


def set_ticket_status(actor: Actor, ticket_id: int, status: str, *,
                      seen_status: str | None = None,
                      now: dt.datetime | None = None) -> TicketView:
    """Move a ticket along; resolving asks the customer to rate it, closing one that was not
    resolved tells them it is closed (and asks too). With ``seen_status`` (the status the
    actor's menu was drawn for), a ticket moved since is left alone: ChangedSince says by
    whom and when."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    status = inputs.choice(status, STATUSES, field="status")
    with database.atomic():
        row = _visible_row(actor, ticket_id)
        changed.check_unchanged(actor, row, seen_status)
        if status not in TRANSITIONS.get(row[6], set()):
            raise ValidationError("ticket.transition", field="status", current=row[6],
                                  status=status)  # worded for the reader by bot.i18n
        stamps, stamp_params = status_stamps(status, now)
        clock, clock_params = clock_moves(row, status, now)
        moved, moved_params = changed.status_moved(actor, now)
        _change(actor, ticket_id, "ticket.status", {"status": [row[6], status]},
                "status = ?" + stamps + clock + moved,
                (status, *stamp_params, *clock_params, *moved_params), now)
        if _customer_hears(row[6], status):
            add_message(ticket_id, "system", status, now, relay=row[20] is not None)
        _tell_assignee_of_status(actor, row, status, now)
    return get_ticket(actor, ticket_id)


def _customer_hears(current: str, status: str) -> bool:
    """Whether the customer is told of a staff move from ``current`` to ``status``: resolved
    (asked to rate), reopened, and closed unless it was resolved first (they heard then, and
    a second word about the same ending would only confuse)."""
    return status in ("resolved", "reopened") or (status == "closed" and current != "resolved")


def set_ticket_priority(actor: Actor, ticket_id: int, priority: str, *,
                        seen_status: str | None = None,
                        now: dt.datetime | None = None) -> TicketView:
    """A new priority resets the service-level clocks, counted from when the ticket opened
    (the time it has waited for the customer still does not count). With ``seen_status``, a
    ticket moved on since the actor's card was drawn is left alone (ChangedSince)."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    priority = checked_priority(priority)
    settings = runtime.config()
    with database.atomic():
        row = _visible_row(actor, ticket_id)
        changed.check_unchanged(actor, row, seen_status)
        first_due, resolution_due = due_times(priority, as_datetime(row[16]),
                                              settings["service.first_response"],
                                              settings["service.resolution"],
                                              dt.timedelta(seconds=row[22] or 0))
        _change(actor, ticket_id, "ticket.priority", {"priority": [row[7], priority]},
                "priority = ?, first_response_due_at = ?, resolution_due_at = ?,"
                " first_breach_alerted_at = null, resolution_breach_alerted_at = null",
                (priority, first_due, resolution_due), now)
        if priority != row[7]:
            _tell_assignee_of_priority(actor, row, priority, resolution_due, now)
    return get_ticket(actor, ticket_id)
