"""The weekly report: who gets it, a claim per person and week so that a double trigger
(two processes, a restart, a manual run) cannot send it twice, and who is told when it fails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from crm import users
from crm.actors import Actor, Role
from crm.clock import utcnow
from crm.failures import Failure
from crm.reports.timebase import TimeBase, week_start
from crm.sales.outbox import notify
from crm.users import StaffView
from storage.database import database, fetch_all, sql

RECIPIENT_ROLES = (Role.MANAGER, Role.ADMIN)
FAILED = "reports.weekly_failed"  # admins: whose weekly report failed this run, and why
FAILED_LINE = "reports.weekly_failed_line"  # one person's failure in that list
FAILED_YOURS = "reports.weekly_failed_yours"  # a manager: why their own report failed
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


def tell_weekly_failures(week: dt.date, failed: Sequence[tuple[StaffView, Failure]],
                         now: dt.datetime) -> int:
    """Queue one message per person for a run's failed weekly reports: every active admin
    hears whose failed and why, each manager whose own failed hears why (reasons translated
    for each when sent). Returns how many people will be told."""
    if not failed:
        return 0
    admins = [row[0] for row in fetch_all(
        "select id from staff_user where role = ? and active = ? order by id",
        (Role.ADMIN.value, True))]
    lines = [{"code": FAILED_LINE, "params": {"name": staff.name, "reason": reason.as_param()}}
             for staff, reason in failed]
    managers = [(staff, reason) for staff, reason in failed if staff.id not in admins]
    with database.atomic():
        for admin_id in admins:
            notify(admin_id, FAILED, {"week": week.isoformat(), "count": len(failed),
                                      "failures": lines}, now)
        for staff, reason in managers:
            notify(staff.id, FAILED_YOURS, {"week": week.isoformat(),
                                            "reason": reason.as_param()}, now)
    return len(admins) + len(managers)
