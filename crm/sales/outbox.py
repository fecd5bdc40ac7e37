"""The notification outbox: messages for staff, written in the transaction of the change that
causes them and sent later by the bot's job (crm cannot talk to Telegram).

A sender claims rows (storage.claims), so two processes never send the same row;
a claim that is never settled (a crashed sender) may be taken again after ``CLAIM_LEASE``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from crm.clock import as_datetime
from crm.sales.views import NotificationView
from storage.claims import claim_ids
from storage.database import database, fetch_all, insert, sql

CLAIM_LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
ERROR_MAX = 500


def notify(staff_id: int, code: str, params: dict[str, Any], now: dt.datetime, *,
           customer_id: int | None = None) -> int:
    """Queue a message for a staff member (call inside the change's transaction)."""
    return insert("notification", {
        "staff_id": staff_id, "customer_id": customer_id, "code": code,
        "params": json.dumps(params, ensure_ascii=False, default=str), "created_at": now,
        "available_at": now, "attempts": 0})


def moment(at: dt.datetime) -> dict[str, str]:
    """A stored (naive UTC) time as a message parameter: the sender shows it in the
    recipient's time zone, which is only known then."""
    return {"utc": at.isoformat(sep=" ", timespec="minutes")}


_PENDING = (
    "select n.id from notification n join staff_user s on s.id = n.staff_id"
    " where n.sent_at is null and n.failed_at is null and n.available_at <= ?"
    " and (n.claimed_at is null or n.claimed_at < ?) and s.active = ?"
    " order by n.available_at, n.id limit ?"
)


def claim_notifications(limit: int, now: dt.datetime) -> list[NotificationView]:
    """Take up to ``limit`` due messages for sending; each row goes to one claimer only."""
    stale = now - CLAIM_LEASE
    with database.atomic():
        ids = claim_ids("notification", "n", _PENDING, (now, stale, True, limit),
                        "claimed_at = ?, attempts = attempts + 1", (now,))
        if not ids:
            return []
        found = fetch_all(
            "select n.id, n.staff_id, s.telegram_id, s.locale, n.code, n.params, n.attempts,"
            " s.timezone from notification n join staff_user s on s.id = n.staff_id"
            f" where n.id in ({', '.join('?' * len(ids))}) order by n.id", tuple(ids))
    return [NotificationView(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7])
            for r in found]


def mark_sent(notification_id: int, now: dt.datetime, *, message_id: int | None = None) -> bool:
    """Record a message as delivered, with the id of the Telegram message that carried it (to
    correct it later); False when it was not claimed (or already settled)."""
    with database.atomic():
        cursor = database.execute_sql(sql(
            "update notification set sent_at = ?, last_error = null, telegram_message_id = ?"
            " where id = ? and sent_at is null and failed_at is null and claimed_at is not null"),
            (now, message_id, notification_id))
    return cursor.rowcount == 1


def mark_failed(notification_id: int, error: str, now: dt.datetime, permanent: bool) -> bool:
    """Record a failed delivery: given up for good when ``permanent`` (the user blocked the
    bot) or after MAX_ATTEMPTS; otherwise retried later with a growing pause."""
    message = (error or "")[:ERROR_MAX]
    row = fetch_all("select attempts from notification where id = ?", (notification_id,))
    if not row:
        return False
    attempts = row[0][0]
    with database.atomic():
        if permanent or attempts >= MAX_ATTEMPTS:
            cursor = database.execute_sql(sql(
                "update notification set failed_at = ?, claimed_at = null, last_error = ?"
                " where id = ? and sent_at is null and failed_at is null"),
                (now, message, notification_id))
        else:
            retry_at = now + backoff(attempts)
            cursor = database.execute_sql(sql(
                "update notification set available_at = ?, claimed_at = null, last_error = ?"
                " where id = ? and sent_at is null and failed_at is null"),
                (retry_at, message, notification_id))
    return cursor.rowcount == 1


def backoff(attempts: int) -> dt.timedelta:
    """The pause before the next try: 1, 2, 4, 8... minutes, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def pending_for(staff_id: int) -> list[tuple[str, dict, dt.datetime]]:
    """Unsent messages of one staff member (code, params, created) for tests and status."""
    rows = fetch_all("select code, params, created_at from notification where staff_id = ?"
                     " and sent_at is null and failed_at is null order by id", (staff_id,))
    return [(r[0], json.loads(r[1]), as_datetime(r[2])) for r in rows]
