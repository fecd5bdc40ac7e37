"""The weekly report: who gets it, and a claim per person and week so that a double trigger
(two processes, a restart, a manual run) cannot send it twice."""

from __future__ import annotations

import datetime as dt

from crm import users
from crm.actors import Actor, Role
from crm.clock import utcnow
from crm.reports.timebase import TimeBase, week_start
from crm.users import StaffView
from storage.database import database, sql

RECIPIENT_ROLES = (Role.MANAGER, Role.ADMIN)
_KEY = "report.weekly:{week}:{staff}"  # a row of app_meta per claim


def weekly_recipients(actor: Actor) -> list[StaffView]:
    """The active managers and admins (each gets the reports of their own reach)."""
    return [s for s in users.list_users(actor, include_inactive=False)
            if s.role in RECIPIENT_ROLES]


def report_week(now: dt.datetime, zone: str) -> dt.date:
    """The Monday of the local week of ``now`` (a naive UTC time): the claim's week."""
    return week_start(TimeBase(zone).today(now))


def claim_weekly(staff_id: int, week: dt.date, now: dt.datetime | None = None) -> bool:
    """Take the right to send this week's report to one person; False if already taken."""
    with database.atomic():
        cursor = database.execute_sql(sql(
            "insert into app_meta (key, value) values (?, ?) on conflict (key) do nothing"),
            (_KEY.format(week=week.isoformat(), staff=staff_id),
             (now or utcnow()).isoformat(sep=" ")))
        return cursor.rowcount == 1


def release_weekly(staff_id: int, week: dt.date) -> None:
    """Give a claim back after a failure that a later run may get past."""
    with database.atomic():
        database.execute_sql(sql("delete from app_meta where key = ?"),
                             (_KEY.format(week=week.isoformat(), staff=staff_id),))
