"""Service-level breaches become reminders: the assignee and the managers hear of a ticket that
waited too long for its first answer or its resolution, through the reminder machinery (so
the alert is delivered once, retried, and shown late if the bot was down)."""

from __future__ import annotations

import datetime as dt

from crm import runtime
from crm.reminders.service import add_reminder
from crm.service.sla import OPEN_STATUSES
from storage.database import database, fetch_all, sql

KINDS = {"sla_answer": ("first_response_due_at", "first_breach_alerted_at",
                        " and t.first_responded_at is null"),
         # Not while it waits for the customer: that time does not count.
         "sla_resolve": ("resolution_due_at", "resolution_breach_alerted_at",
                         " and t.status <> 'waiting'")}


def alert_sla_breaches(now: dt.datetime) -> int:
    """Alert each newly breaching ticket once per service level; returns how many tickets."""
    marks = ", ".join("?" * len(OPEN_STATUSES))
    alerted = 0
    with database.atomic():
        for kind, (due, stamp, extra) in KINDS.items():
            rows = fetch_all(
                f"select t.id, t.number, t.subject, t.customer_id, t.assignee_id, c.team_id"
                f" from ticket t join customer c on c.id = t.customer_id"
                f" where t.status in ({marks}) and t.{due} < ? and t.{stamp} is null{extra}",
                (*OPEN_STATUSES, now))
            for row in rows:
                _alert(kind, row, now)
                database.execute_sql(sql(f"update ticket set {stamp} = ? where id = ?"),
                                     (now, row[0]))
                alerted += 1
    return alerted


def _alert(kind: str, row: tuple, now: dt.datetime) -> None:
    ticket_id, number, subject, customer_id, assignee_id, team_id = row
    installation = runtime.config().timezone
    for staff_id, zone in _recipients(assignee_id, team_id):
        # On the recipient's own clock, as a reminder they set would be: a snooze to
        # "tomorrow 9:00" is said back in their time, not the installation's.
        add_reminder(staff_id, now, f"{number} {subject}"[:500], zone or installation, now,
                     customer_id=customer_id, source=kind, ticket_id=ticket_id)


def _recipients(assignee_id: int | None,
                team_id: int | None) -> list[tuple[int, str | None]]:
    """The assignee and the managers (of the customer's team when it has one), each with
    their own time zone (None: the installation's)."""
    managers = fetch_all(
        "select id, timezone from staff_user where active = ? and role = 'manager'"
        + (" and (team_id = ? or team_id is null)" if team_id else "") + " order by id",
        (True, team_id) if team_id else (True,))
    assignee = (fetch_all("select id, timezone from staff_user where id = ?", (assignee_id,))
                if assignee_id else [])
    found = {row[0]: row[1] for row in [*assignee, *managers]}
    return list(found.items())
