"""A ticket's buttons are drawn for the ticket as it was: pressed after it moved on (closed by
a colleague, taken by someone else), they change nothing and the refusal says what happened,
so the interface can show the ticket again as it is. Rows are ``tickets.records._TICKET_SQL``'s."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm.actors import Actor
from crm.clock import as_datetime
from crm.errors import ChangedSince
from crm.localtime import local_naive, zone_of

# Who moved a ticket's status, as stored beside it (the words of ticket_message.author).
STAFF, CUSTOMER, SYSTEM = "staff", "customer", "system"
NOBODY = 0  # a seen assignee of nobody, as buttons carry it
# Where _TICKET_SQL puts the last status move: when, by which staff id, what kind, their name.
_AT, _BY_ID, _AUTHOR, _BY_NAME = 27, 28, 29, 30


def status_moved(actor: Actor | None, now: dt.datetime) -> tuple[str, tuple]:
    """The SQL assignments (", col = ?", params) that stamp a status move at ``now`` by
    ``actor`` (staff, or the system), or by the customer when ``actor`` is None."""
    author = CUSTOMER if actor is None else (SYSTEM if actor.user_id is None else STAFF)
    return (", status_changed_by_id = ?, status_changed_author = ?, status_changed_at = ?",
            (actor.user_id if actor else None, author, now))


def check_unchanged(actor: Actor, row: tuple, seen_status: str | None,
                    seen_assignee: int | None = None) -> None:
    """Raise ChangedSince when the ticket has left the status the actor's card showed, or
    (with ``seen_assignee``, NOBODY for nobody's) changed hands since; None: not known (a
    button drawn before cards carried it)."""
    if seen_status is not None and row[6] != seen_status:
        raise moved_on(actor, row)
    if seen_assignee is not None and (row[9] or NOBODY) != seen_assignee:
        if row[9] is None:
            raise ChangedSince("ticket.unassigned_since", number=row[1])
        raise ChangedSince("ticket.assigned_since", number=row[1], assignee=row[10])


def moved_on(actor: Actor, row: tuple) -> ChangedSince:
    """The ticket is in another status now: to which, by whom and when (in the actor's time
    zone), as far as the ticket knows."""
    status = {"code": f"ticket.status.{row[6]}"}
    at = as_datetime(row[_AT])
    if at is None:  # moved before tickets kept who moved them
        return ChangedSince("ticket.now_status", number=row[1], status=status)
    return ChangedSince("ticket.changed_since", number=row[1], status=status,
                        by=_who(actor, row), at=_local(actor, at))


def closed(actor: Actor, row: tuple) -> ChangedSince:
    """A closed ticket takes no answer: by whom and when it was closed, when known."""
    at = as_datetime(row[_AT])
    if at is None:
        return ChangedSince("ticket.closed", number=row[1])
    return ChangedSince("ticket.closed_by", number=row[1], by=_who(actor, row),
                        at=_local(actor, at))


def _who(actor: Actor, row: tuple) -> Any:
    """A staff member's name ("you" for the actor), else the customer or the system, in the
    reader's words."""
    if row[_AUTHOR] == STAFF and row[_BY_NAME] is not None:
        return {"code": "ticket.by_you"} if row[_BY_ID] == actor.user_id else row[_BY_NAME]
    return {"code": "ticket.by_customer" if row[_AUTHOR] == CUSTOMER else "ticket.by_system"}


def _local(actor: Actor, at: dt.datetime) -> str:
    return local_naive(at, zone_of(actor)).strftime("%Y-%m-%d %H:%M")
