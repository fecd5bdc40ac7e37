"""The resolution clock pauses while a ticket waits for the customer: when the current wait
began, and how long the waits so far have lasted (a priority change counts from the opening
again, plus that time)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import peewee as pw
from playhouse.migrate import SchemaMigrator

# What a ticket's history says about its status, in the order of events at the same moment
# (a status change to "resolved" is stored with its "resolved" message, at the same time).
STATUS_CHANGED, STAFF_REPLIED, LEFT_WAITING = 0, 1, 2

_MESSAGES = (
    "select m.ticket_id, m.created_at, m.author, m.internal, m.body"
    " from ticket_message m join ticket t on t.id = m.ticket_id where t.status = 'waiting'")
# Joined on the customer too, so the audit log is read through its (customer_id, at) index.
_STATUS_CHANGES = (
    "select a.entity_id, a.at from audit_log a"
    " join ticket t on t.customer_id = a.customer_id and t.id = a.entity_id"
    " where t.status = 'waiting' and a.entity = 'ticket' and a.action = 'ticket.status'")
_RATINGS = "select id, rated_at from ticket where status = 'waiting' and rated_at is not null"

Event = tuple[dt.datetime, int, object]  # (when, what happened, the stored value of when)


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    migrator.migrate(
        migrator.add_column("ticket", "waiting_since", pw.DateTimeField(null=True)),
    )
    # One statement, with its default in the schema (tickets are also inserted in bulk,
    # without the model). Not through the migrator: a NOT NULL column makes it rebuild the
    # table on SQLite, and dropping the old copy deletes every ticket's messages by cascade.
    db.execute_sql("alter table ticket add column resolution_paused_seconds"
                   " integer not null default 0")
    update = f"update ticket set waiting_since = {db.param} where id = {db.param}"
    for ticket_id, began in waits_began(db).items():
        db.execute_sql(update, (began, ticket_id))
    # Without a history to go by (tickets inserted in bulk), the last change is the best guess:
    # any later edit moved it, so it may be later than the wait began.
    db.execute_sql("update ticket set waiting_since = updated_at"
                   " where status = 'waiting' and waiting_since is null")


def waits_began(db: pw.Database) -> dict[int, object]:
    """When each ticket now waiting for the customer began its wait, as its history tells
    (the stored value, to be written back as it is); tickets whose history says nothing
    are left out."""
    events: dict[int, list[Event]] = defaultdict(list)
    for ticket_id, at, author, internal, body in db.execute_sql(_MESSAGES):
        kind = _message_kind(author, bool(internal), body)
        if kind is not None:
            events[ticket_id].append((_moment(at), kind, at))
    for ticket_id, at in db.execute_sql(_STATUS_CHANGES):
        events[ticket_id].append((_moment(at), STATUS_CHANGED, at))
    for ticket_id, at in db.execute_sql(_RATINGS):
        events[ticket_id].append((_moment(at), LEFT_WAITING, at))
    began = {ticket_id: wait_began(history) for ticket_id, history in events.items()}
    return {ticket_id: at for ticket_id, at in began.items() if at is not None}


def _message_kind(author: str, internal: bool, body: str) -> int | None:
    """A staff answer puts an open ticket to waiting; the customer writing takes it out of
    waiting, and so does resolving or reopening (stored as a "system" message); notes do
    nothing."""
    if author == "staff":
        return None if internal else STAFF_REPLIED
    if author == "customer" or body in ("resolved", "reopened"):
        return LEFT_WAITING
    return None


def wait_began(history: list[Event]) -> object | None:
    """The earliest moment from which the history shows the ticket waiting without a break.

    The details of a status change are sealed with the customer's key, out of a migration's
    reach, so a change followed by a staff answer may have been to "waiting" or to "open":
    the answer, certainly waiting, is taken as the start. A status change with nothing after
    it is the move to "waiting" (the ticket waits now)."""
    began: object | None = None
    after_status_change = False
    for _, kind, at in sorted(history, key=lambda event: event[:2]):
        if kind == LEFT_WAITING:
            began, after_status_change = None, False
        elif kind == STATUS_CHANGED:
            began, after_status_change = at, True
        elif began is None or after_status_change:
            began, after_status_change = at, False
    return began


def _moment(value: object) -> dt.datetime:
    """A stored timestamp (SQLite gives text, PostgreSQL a datetime), to put events in order."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
