"""Taking a ticket, or handing it to someone else."""

from __future__ import annotations

import datetime as dt

from crm.actors import Actor
from crm.clock import utcnow
from crm.permissions import Action, allows, denied, require
from crm.service import changed
from crm.service.tickets.access import _visible_row
from crm.service.tickets.notices import _tell_of_hand_over
from crm.service.tickets.reading import get_ticket
from crm.service.tickets.records import _change
from crm.service.views import TicketView
from crm.users import check_can_own
from storage.database import database


def assign_ticket(actor: Actor, ticket_id: int, assignee_id: int | None, *,
                  seen_status: str | None = None, seen_assignee: int | None = None,
                  now: dt.datetime | None = None) -> TicketView:
    """Take a ticket (anyone who may work it), or hand it to someone else (REASSIGN). With
    ``seen_status`` and ``seen_assignee`` (0: nobody's), what the actor's card showed, a
    ticket moved on or changed hands since is left alone: ChangedSince says what happened."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    if assignee_id not in (None, actor.user_id) and not allows(actor, Action.REASSIGN):
        raise denied(Action.REASSIGN)
    with database.atomic():
        row = _visible_row(actor, ticket_id)
        changed.check_unchanged(actor, row, seen_status, seen_assignee)
        if assignee_id is not None:
            check_can_own(assignee_id, field="assignee")
        _change(actor, ticket_id, "ticket.assign", {"assignee": [row[9], assignee_id]},
                "assignee_id = ?", (assignee_id,), now)
        if assignee_id != row[9]:  # the same hands again: nobody's work changed
            _tell_of_hand_over(actor, row, assignee_id, now)
    return get_ticket(actor, ticket_id)
