"""What the staff working a ticket hear when someone else acts on it: an answer, a hand-over,
a status or priority changed; each in their own words, through the outbox."""

from __future__ import annotations

import datetime as dt

from crm.actors import Actor
from crm.sales.outbox import moment, notify
from crm.service.tickets.access import _may_open
from crm.service.tickets.records import load_row
from crm.users import staff_actor
from storage.database import fetch_one

REPLY_NOTICE_MAX = 300  # of a colleague's answer, in the assignee's notice


def _tell_assignee_of_reply(actor: Actor, row: tuple, text: str, status: str,
                            now: dt.datetime) -> None:
    """Whoever works the ticket hears when someone else answers its customer (a manager
    stepping in): what was said, and that the ticket now waits for the customer, so they
    neither answer twice nor wonder why it left their queue of things to answer."""
    if row[9] is None or row[9] == actor.user_id:
        return
    notify(row[9], "ticket.replied_by_other",
           {"number": row[1], "subject": row[4], "by": None if actor.is_system else actor.name,
            "text": text[:REPLY_NOTICE_MAX], "status": {"code": f"ticket.status.{status}"},
            "ticket_id": row[0]}, now, customer_id=row[2])


def _tell_of_hand_over(actor: Actor, row: tuple, assignee_id: int | None,
                       now: dt.datetime) -> None:
    """The new assignee hears the ticket is theirs, and the previous one that it left them
    (to whom), unless either made the change: each is told once, in their own words."""
    by = None if actor.is_system else actor.name
    about = {"number": row[1], "subject": row[4], "by": by}
    if assignee_id is not None and assignee_id != actor.user_id:
        notify(assignee_id, "ticket.assigned_to_you", about | {"ticket_id": row[0]}, now,
               customer_id=row[2])
    previous = row[9]
    if previous is None or previous == actor.user_id:
        return
    if assignee_id is None:
        code, to = "ticket.unassigned_from_you", {}
    elif assignee_id == actor.user_id:
        code, to = "ticket.taken_over", {}
    else:
        code, to = "ticket.handed_over", {"to": fetch_one(
            "select name from staff_user where id = ?", (assignee_id,))[0]}
    notify(previous, code, about | to | _ticket_button(previous, row[0]), now,
           customer_id=row[2])


def _ticket_button(staff_id: int, ticket_id: int) -> dict[str, int]:
    """``ticket_id`` for a notice's button to the ticket, when the member may still open it
    (handed to someone else, support may no longer see a customer sales own): a button that
    answers "not there" is worse than none."""
    member = staff_actor(staff_id)
    return {"ticket_id": ticket_id} if member and _may_open(member, load_row(ticket_id)) \
        else {}


def _tell_assignee_of_status(actor: Actor, row: tuple, status: str, now: dt.datetime) -> None:
    """Whoever works the ticket hears when someone else moves it (a manager resolving,
    closing or reopening it): it left, or came back to, their list."""
    if row[9] is None or row[9] == actor.user_id:
        return
    notify(row[9], "ticket.status_changed",
           {"number": row[1], "subject": row[4], "by": None if actor.is_system else actor.name,
            "previous": {"code": f"ticket.status.{row[6]}"},
            "status": {"code": f"ticket.status.{status}"}, "ticket_id": row[0]}, now,
           customer_id=row[2])


def _tell_assignee_of_priority(actor: Actor, row: tuple, priority: str,
                               resolution_due: dt.datetime, now: dt.datetime) -> None:
    """Whoever works the ticket hears when someone else changes its priority (a manager
    raising it to urgent), with the new resolution time: their plan for the day may change."""
    if row[9] is None or row[9] == actor.user_id:
        return
    notify(row[9], "ticket.priority_changed",
           {"number": row[1], "subject": row[4], "by": None if actor.is_system else actor.name,
            "previous": {"code": f"ticket.priority.{row[7]}"},
            "priority": {"code": f"ticket.priority.{priority}"},
            "due": moment(resolution_due), "ticket_id": row[0]}, now, customer_id=row[2])
