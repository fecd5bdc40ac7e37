"""Delivering reminders exactly once: claim due rows, send, then record the outcome.

A sender claims rows with one conditional update (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
two bot processes take different rows); the row is settled only after Telegram accepted the
message. A claim that is never settled (a crashed sender) may be taken again after
``CLAIM_LEASE``.
"""

from __future__ import annotations

import datetime as dt

from crm.clock import as_datetime
from crm.reminders.service import VIEW_SQL, following_due, view_of
from crm.reminders.views import ReminderDelivery
from storage.claims import claim_ids
from storage.database import database, fetch_all, fetch_one, sql

CLAIM_LEASE = dt.timedelta(minutes=5)
LATE_AFTER = dt.timedelta(minutes=1)  # delivered later than this after its time: "late"
MAX_ATTEMPTS = 8
ERROR_MAX = 500

_PENDING = (
    "select r.id from reminder r join staff_user s on s.id = r.staff_id"
    " where r.status = 'pending' and r.next_attempt_at <= ?"
    " and (r.claimed_at is null or r.claimed_at < ?) and s.active = ?"
    " order by r.next_attempt_at, r.id limit ?"
)
_STAMP = ("claimed_at = ?, attempts = attempts + 1,"
          " late = case when due_at < ? then ? else late end")


def claim_due_reminders(limit: int, now: dt.datetime) -> list[ReminderDelivery]:
    """Take up to ``limit`` due reminders for sending; each goes to one claimer only."""
    with database.atomic():
        ids = claim_ids("reminder", "r", _PENDING, (now, now - CLAIM_LEASE, True, limit),
                        _STAMP, (now, now - LATE_AFTER, True))
        if not ids:
            return []
        rows = fetch_all(
            VIEW_SQL.replace("select r.id", "select s.telegram_id, s.locale, s.timezone, r.id", 1)
            + f" join staff_user s on s.id = r.staff_id where r.id in ({', '.join('?' * len(ids))})"
            " order by r.next_attempt_at, r.id", tuple(ids))
    return [ReminderDelivery(view_of(r[3:]), r[0], r[1], r[2]) for r in rows]


def mark_reminder_sent(reminder_id: int, now: dt.datetime) -> bool:
    """Record a delivery: a one-off reminder is sent; a repeating one moves to its next
    occurrence. False when the row was not (or no longer) claimed, e.g. snoozed meanwhile."""
    row = fetch_one(VIEW_SQL.replace("select r.id", "select r.first_due_at, r.id", 1)
                    + " where r.id = ?", (reminder_id,))
    if row is None:
        return False
    reminder = view_of(row[1:])
    with database.atomic():
        if reminder.repeat:
            following = following_due(reminder, max(now, reminder.due_at),
                                      as_datetime(row[0]))
            changes, params = ("due_at = ?, next_attempt_at = ?, late = ?, attempts = 0",
                               (following, following, False))
        else:
            changes, params = "status = 'sent'", ()
        cursor = database.execute_sql(sql(
            f"update reminder set {changes}, sent_at = ?, claimed_at = null, last_error = null,"
            " updated_at = ? where id = ? and status = 'pending' and claimed_at is not null"),
            (*params, now, now, reminder_id))
    return cursor.rowcount == 1


def mark_reminder_failed(reminder_id: int, error: str, now: dt.datetime, *,
                         permanent: bool) -> bool:
    """Record a failed delivery: given up when ``permanent`` (the user blocked the bot) or after
    MAX_ATTEMPTS, visible to admins; otherwise tried again after a growing pause."""
    message = (error or "")[:ERROR_MAX]
    row = fetch_one("select attempts from reminder where id = ?", (reminder_id,))
    if row is None:
        return False
    guard = " where id = ? and status = 'pending' and claimed_at is not null"
    with database.atomic():
        if permanent or row[0] >= MAX_ATTEMPTS:
            cursor = database.execute_sql(sql(
                "update reminder set status = 'failed', failed_at = ?, claimed_at = null,"
                " last_error = ?, updated_at = ?" + guard), (now, message, now, reminder_id))
        else:
            cursor = database.execute_sql(sql(
                "update reminder set next_attempt_at = ?, claimed_at = null, last_error = ?,"
                " updated_at = ?" + guard), (now + retry_pause(row[0]), message, now, reminder_id))
    return cursor.rowcount == 1


def retry_pause(attempts: int) -> dt.timedelta:
    """The pause before the next try: 15 s, 30 s, 1 min... at most 15 minutes."""
    return dt.timedelta(seconds=min(15 * 2 ** max(attempts - 1, 0), 900))
