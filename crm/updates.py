"""Exactly-once handling of incoming messages: Telegram redelivers updates (webhook retries, a
restart replays unconfirmed ones); each update id is claimed once."""

from __future__ import annotations

import datetime as dt

import peewee

from crm.clock import utcnow
from crm.users import StaffView, identify
from storage.database import database, sql

KEEP = dt.timedelta(days=2)  # Telegram keeps unconfirmed updates for 24 hours


def claim_update(update_id: int, *, now: dt.datetime | None = None) -> bool:
    """True the first time an update id is seen, False for a redelivery."""
    try:
        with database.atomic():
            database.execute_sql(sql("insert into processed_update (update_id, at)"
                                     " values (?, ?)"), (update_id, now or utcnow()))
    except peewee.IntegrityError:
        return False
    return True


def forget_old_updates(*, now: dt.datetime | None = None) -> int:
    """Drop claims older than Telegram could redeliver; returns how many."""
    cursor = database.execute_sql(sql("delete from processed_update where at < ?"),
                                  ((now or utcnow()) - KEEP,))
    return cursor.rowcount


def admit(update_id: int, telegram_id: int | None, *,
          now: dt.datetime | None = None) -> tuple[bool, StaffView | None]:
    """Claim the update and identify its sender in one trip to the database: (first time
    seen?, the active staff user or None)."""
    if not claim_update(update_id, now=now):
        return False, None
    return True, identify(telegram_id) if telegram_id is not None else None
