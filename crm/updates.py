"""Exactly-once handling of incoming messages: Telegram redelivers updates (webhook retries, a
restart replays unconfirmed ones); each update id is claimed once."""

from __future__ import annotations

import datetime as dt

from crm.clock import utcnow
from crm.users import StaffView, identify
from storage.database import database, is_sqlite, sql

KEEP = dt.timedelta(days=2)  # Telegram keeps unconfirmed updates for 24 hours


def claim_update(update_id: int, *, now: dt.datetime | None = None) -> bool:
    """True the first time an update id is seen, False for a redelivery."""
    # One self-committing statement (no explicit transaction: it runs on every update).
    verb = "insert or ignore into" if is_sqlite(database) else "insert into"
    tail = "" if is_sqlite(database) else " on conflict do nothing"
    cursor = database.execute_sql(
        sql(f"{verb} processed_update (update_id, at) values (?, ?){tail}"),
        (update_id, now or utcnow()))
    return cursor.rowcount == 1


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
