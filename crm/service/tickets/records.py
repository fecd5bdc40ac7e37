"""A ticket as stored: the SQL that reads it and its conversation, its view, checked inputs,
and the writes every change goes through (inside the caller's transaction)."""

from __future__ import annotations

import datetime as dt

from crm import audit, runtime
from crm.actors import Actor
from crm.clock import as_datetime
from crm.customers import inputs
from crm.customers.interactions import merged_from
from crm.errors import ValidationError
from crm.localtime import installation_today
from crm.numbering import next_number
from crm.service.sla import PRIORITIES, due_times, resumed_due
from crm.service.views import TicketMessageView, TicketView
from storage.database import database, fetch_all, fetch_one, insert, sql

SUBJECT_MAX = 200
BODY_MAX = 4000  # one message of the conversation: a reply reaches the customer as one
DESCRIPTION_MAX = 16000  # a problem pasted into Telegram, which sends it in up to four messages
NUMBER_PREFIX = "T"

_TICKET_SQL = (
    "select t.id, t.number, t.customer_id, c.name, t.subject, t.description, t.status,"
    " t.priority, t.channel, t.assignee_id, s.name, t.first_response_due_at,"
    " t.resolution_due_at, t.first_responded_at, t.resolved_at, t.rating, t.created_at,"
    " t.updated_at, c.owner_id, c.team_id, c.telegram_user_id, t.waiting_since,"
    " t.resolution_paused_seconds, t.merged_from_id, m.name, m.erased_at, t.closed_at,"
    " t.status_changed_at, t.status_changed_by_id, t.status_changed_author, b.name"
    " from ticket t join customer c on c.id = t.customer_id"
    " left join staff_user s on s.id = t.assignee_id"
    " left join customer m on m.id = t.merged_from_id"
    " left join staff_user b on b.id = t.status_changed_by_id")
_MESSAGES_SQL = (
    "select m.id, m.author, s.name, m.body, m.internal, m.file_id, m.file_kind, m.created_at,"
    " m.file_name from ticket_message m left join staff_user s on s.id = m.staff_id"
    " where m.ticket_id = ? order by m.created_at, m.id")


def view_of(row: tuple, messages: tuple[TicketMessageView, ...] = ()) -> TicketView:
    """A ticket view from a _TICKET_SQL row."""
    return TicketView(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
                      row[9], row[10], as_datetime(row[11]), as_datetime(row[12]),
                      as_datetime(row[13]), as_datetime(row[14]), row[15],
                      as_datetime(row[16]), as_datetime(row[17]), messages,
                      customer_on_telegram=row[20] is not None,
                      waiting_since=as_datetime(row[21]),
                      resolution_paused=dt.timedelta(seconds=row[22] or 0),
                      merged_from=merged_from(*row[23:26]),
                      closed_at=as_datetime(row[26]))


def clock_moves(row: tuple, status: str, now: dt.datetime) -> tuple[str, tuple]:
    """The SQL assignments (", col = ?", params) that pause the resolution clock when a ticket
    starts waiting for the customer and restart it, the due time moved on by the wait, when
    it stops waiting (whatever the new status)."""
    if status == "waiting" and row[6] != "waiting":
        return ", waiting_since = ?", (now,)
    if row[6] == "waiting" and status != "waiting" and row[21] is not None:
        due, waited = resumed_due(as_datetime(row[12]), as_datetime(row[21]), now)
        # Due later than now again: a later breach deserves its own alert.
        rearm = ", resolution_breach_alerted_at = null" if due > now else ""
        return (", waiting_since = null, resolution_due_at = ?,"
                " resolution_paused_seconds = resolution_paused_seconds + ?" + rearm,
                (due, int(waited.total_seconds())))
    return "", ()


def status_stamps(status: str, now: dt.datetime) -> tuple[str, tuple]:
    """The SQL assignments (", col = ?", params) that stamp when a ticket was resolved or
    closed, each such move at its own time; a reopened ticket is neither any more, so its
    earlier stamps go (a later close or rating stamps its own)."""
    if status == "resolved":
        return ", resolved_at = ?", (now,)
    if status == "closed":
        return ", closed_at = ?", (now,)
    if status == "reopened":
        return ", resolved_at = null, closed_at = null", ()
    return "", ()


def messages_of(ticket_id: int, *, internal: bool) -> tuple[TicketMessageView, ...]:
    """A ticket's messages, oldest first; internal notes only when asked."""
    return tuple(TicketMessageView(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6],
                                   as_datetime(r[7]), r[8])
                 for r in fetch_all(_MESSAGES_SQL, (ticket_id,)) if internal or not r[4])


def load_row(ticket_id: int) -> tuple | None:
    return fetch_one(_TICKET_SQL + " where t.id = ?", (ticket_id,))


def checked_subject(subject: str | None) -> str:
    checked = inputs.optional_text(subject, field="subject", max_length=SUBJECT_MAX)
    if not checked:
        raise ValidationError("validation.required", field="subject")
    return checked


def checked_body(body: str | None, *, required: bool = True) -> str:
    checked = inputs.optional_text(body, field="message", max_length=BODY_MAX)
    if not checked and required:
        raise ValidationError("validation.required", field="message")
    return checked or ""


def checked_description(description: str | None) -> str:
    """What a ticket is about, beyond its title (optional)."""
    return inputs.optional_text(description, field="message",
                                max_length=DESCRIPTION_MAX) or ""


def checked_priority(priority: str) -> str:
    return inputs.choice(priority, PRIORITIES, field="priority")


def insert_ticket(customer_id: int, subject: str, description: str, priority: str,
                  channel: str, assignee_id: int | None, created_by: int | None,
                  now: dt.datetime) -> int:
    """Store a checked ticket with its SLA clocks (inside the caller's transaction)."""
    settings = runtime.config()
    first_due, resolution_due = due_times(priority, now, settings["service.first_response"],
                                          settings["service.resolution"])
    year = installation_today(now).year  # a ticket at 05:00 on 1 January is the new year's
    return insert("ticket", {
        "number": next_number(NUMBER_PREFIX, year), "customer_id": customer_id,
        "subject": subject, "description": description, "status": "new", "priority": priority,
        "channel": channel, "assignee_id": assignee_id, "created_by_id": created_by,
        "first_response_due_at": first_due, "resolution_due_at": resolution_due,
        "created_at": now, "updated_at": now})


def _change(actor: Actor, ticket_id: int, action: str, changes: dict, assignments: str,
            params: tuple, now: dt.datetime) -> None:
    database.execute_sql(sql(f"update ticket set {assignments}, updated_at = ? where id = ?"),
                         (*params, now, ticket_id))
    row = load_row(ticket_id)
    audit.record(actor, action, "ticket", ticket_id, customer_id=row[2], changes=changes,
                 now=now)


def add_message(ticket_id: int, author: str, body: str, now: dt.datetime, *,
                staff_id: int | None = None, internal: bool = False,
                file: tuple[str, str, str | None] | None = None, relay: bool = False) -> int:
    """Store one message of a ticket's conversation (inside the caller's transaction)."""
    file_id, file_kind, file_name = file or (None, None, None)
    return insert("ticket_message", {
        "ticket_id": ticket_id, "author": author, "staff_id": staff_id, "body": body,
        "internal": internal, "file_id": file_id, "file_kind": file_kind,
        "file_name": file_name, "relay_status": "pending" if relay else None,
        "relay_attempts": 0, "created_at": now})
