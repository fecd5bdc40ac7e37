"""The scheduler's record of its own jobs: when each last ran, how it ended, and when it should
run next; admins are told (once per problem) when a job fails or does not run in time, because
a reminder system that fails silently is worse than none.

A verified backup made by hand (`crm backup`, /backup) counts as a run of the backup job: made
after the scheduled one was due, it stands in for it. The backup folder says when one was made
(each file's manifest records why it was made), so nothing else has to be kept in step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from crm import runtime
from crm.actors import Actor
from crm.clock import as_datetime
from crm.failures import Failure
from crm.permissions import Action, require
from crm.sales.outbox import moment, notify
from storage import backup as backup_store
from storage.database import database, fetch_all, sql

OUTCOME_MAX = 300
ERROR_MAX = 500
# How late each job may still start: a run this late still happens; later, admins hear of it.
# A job's recorded "expected by" is its due time plus this.
GRACE: dict[str, dt.timedelta] = {
    "reminders": dt.timedelta(minutes=2), "notifications": dt.timedelta(minutes=2),
    "relays": dt.timedelta(minutes=2), "sla": dt.timedelta(minutes=5),
    "agenda": dt.timedelta(minutes=30), "rules": dt.timedelta(hours=1),
    "backup": dt.timedelta(hours=2), "weekly_report": dt.timedelta(hours=6),
    "watchdog": dt.timedelta(minutes=5),
}


BACKUP = "backup"  # the scheduled backup job
BY_HAND = "manual"  # why a backup made with `crm backup` or /backup was made, in its manifest


def due_time(name: str, expected_by: dt.datetime) -> dt.datetime:
    """When a job is due to run, from when it should have started by (minus its grace)."""
    return expected_by - GRACE.get(name, dt.timedelta(0))


def last_backup_by_hand(folder: Path | None = None) -> dt.datetime | None:
    """When the newest verified backup made by hand was taken (naive UTC), in ``folder`` or
    the configured backup folder; a failed one never counts."""
    return backup_store.last_verified(folder or runtime.config().backup_dir, reason=BY_HAND)


def made_up_by_hand(name: str, expected_by: dt.datetime | None,
                    by_hand: dt.datetime | None) -> bool:
    """Whether a backup made by hand after the scheduled backup was due stands in for it."""
    return (name == BACKUP and expected_by is not None and by_hand is not None
            and by_hand >= due_time(name, expected_by))


@dataclass(frozen=True)
class JobHealth:
    name: str
    last_started_at: dt.datetime | None
    last_finished_at: dt.datetime | None
    last_ok: bool | None
    last_outcome: str | None
    last_error: str | None  # the Failure as JSON (crm.failures.from_stored reads it)
    runs: int
    failures: int
    expected_by: dt.datetime | None

    def overdue(self, now: dt.datetime) -> bool:
        """Whether the job should have started by now and has not."""
        return self.expected_by is not None and self.expected_by < now


def _ensure(name: str) -> None:
    database.execute_sql(sql("insert into job_run (name, runs, failures) values (?, 0, 0)"
                             " on conflict (name) do nothing"), (name,))


def expect_job(name: str, expected_by: dt.datetime | None) -> None:
    """Note when a job should next have started by (its next fire time plus grace)."""
    with database.atomic():
        _ensure(name)
        database.execute_sql(sql("update job_run set expected_by = ? where name = ?"),
                             (expected_by, name))


def job_started(name: str, now: dt.datetime) -> None:
    """Record the start of a run."""
    with database.atomic():
        _ensure(name)
        database.execute_sql(sql("update job_run set last_started_at = ?, runs = runs + 1,"
                                 " expected_by = null where name = ?"), (now, name))


def job_finished(name: str, now: dt.datetime, *, ok: bool, outcome: str = "",
                 failure: Failure | None = None, expected_by: dt.datetime | None = None,
                 alert: bool = True) -> bool:
    """Record how a run ended; a failure (why: ``failure``, kept as a code for every reader's
    language) tells the admins unless they already know (or the job told them itself:
    ``alert=False``). Returns whether admins were told."""
    failure = failure or Failure("failure.unknown", {"id": "-", "detail": "-"})
    with database.atomic():
        _ensure(name)
        database.execute_sql(sql(
            "update job_run set last_finished_at = ?, last_ok = ?, last_outcome = ?,"
            " last_error = ?, failures = failures + ?, expected_by = ? where name = ?"),
            (now, ok, outcome[:OUTCOME_MAX] or None, None if ok else failure.to_json(ERROR_MAX),
             0 if ok else 1, expected_by, name))
        if ok:
            database.execute_sql(sql("update job_run set alerted_at = null where name = ?"),
                                 (name,))
            return False
        if not alert:
            return False
        return _alert(name, "job.failed", {"job": name, "error": failure.as_param()}, now)


def check_overdue_jobs(now: dt.datetime, *, names: list[str] | None = None) -> list[str]:
    """Jobs that should have started and have not (of ``names``, else all): tell the admins
    once; returns their names. A backup made by hand since the scheduled one was due is no
    missed backup."""
    rows = [(name, as_datetime(expected_by)) for name, expected_by in fetch_all(
                "select name, expected_by from job_run where expected_by < ?"
                " and alerted_at is null order by name", (now,))
            if names is None or name in names]
    if any(name == BACKUP for name, _ in rows):
        by_hand = last_backup_by_hand()
        rows = [(name, expected_by) for name, expected_by in rows
                if not made_up_by_hand(name, expected_by, by_hand)]
    told = []
    with database.atomic():
        for name, expected_by in rows:
            if _alert(name, "job.missed", missed_params(name, expected_by, now), now):
                told.append(name)
    return told


def missed_params(name: str, expected_by: dt.datetime, now: dt.datetime) -> dict:
    """A missed job's alert: when the run was due (not the end of its grace, which is no
    time anyone scheduled) and how many minutes late it is now."""
    due = due_time(name, expected_by)
    return {"job": name, "due": moment(due), "late_minutes": late_minutes(due, now)}


def late_minutes(due: dt.datetime, now: dt.datetime) -> int:
    """Whole minutes from ``due`` to ``now`` (never negative)."""
    return max(int((now - due).total_seconds()) // 60, 0)


def _alert(name: str, code: str, params: dict, now: dt.datetime) -> bool:
    cursor = database.execute_sql(sql("update job_run set alerted_at = ? where name = ?"
                                      " and alerted_at is null"), (now, name))
    if cursor.rowcount != 1:
        return False
    for (admin_id,) in fetch_all("select id from staff_user where role = 'admin' and active = ?"
                                 " order by id", (True,)):
        notify(admin_id, code, params, now)
    return True


def _health(where: str = "", params: tuple = ()) -> list[JobHealth]:
    rows = fetch_all("select name, last_started_at, last_finished_at, last_ok, last_outcome,"
                     f" last_error, runs, failures, expected_by from job_run {where}"
                     " order by name", params)
    return [JobHealth(r[0], as_datetime(r[1]), as_datetime(r[2]),
                      None if r[3] is None else bool(r[3]), r[4], r[5], r[6], r[7],
                      as_datetime(r[8])) for r in rows]


def job_health() -> list[JobHealth]:
    """Every job's record (for `crm check`, which runs as the operator)."""
    return _health()


def list_job_health(actor: Actor) -> list[JobHealth]:
    """Every job's record, for admins (``/status``)."""
    require(actor, Action.STATUS)
    return _health()


def get_job(name: str) -> JobHealth | None:
    """One job's record."""
    found = _health("where name = ?", (name,))
    return found[0] if found else None
