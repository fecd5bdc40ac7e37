"""Staff answers on their way to the customer's chat, sent once: claimed with a conditional
update (SKIP LOCKED on PostgreSQL), settled after Telegram accepted them."""

from __future__ import annotations

import datetime as dt

from crm.service.views import Relay
from storage.claims import claim_ids
from storage.database import database, fetch_all, fetch_one, sql

CLAIM_LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 6
ERROR_MAX = 500

_PENDING = (
    "select m.id from ticket_message m join ticket t on t.id = m.ticket_id"
    " join customer c on c.id = t.customer_id where m.relay_status = 'pending'"
    " and c.telegram_user_id is not null"
    " and (m.relay_claimed_at is null or m.relay_claimed_at < ?)"
    " order by m.created_at, m.id limit ?")


def claim_relays(limit: int, now: dt.datetime) -> list[tuple[Relay, str | None]]:
    """Up to ``limit`` messages to pass on, each to one sender only, with the customer's
    language."""
    stale = now - CLAIM_LEASE
    with database.atomic():
        ids = claim_ids("ticket_message", "m", _PENDING, (stale, limit),
                        "relay_claimed_at = ?, relay_attempts = relay_attempts + 1", (now,))
        if not ids:
            return []
        rows = fetch_all(
            "select m.id, t.id, t.number, c.telegram_user_id, m.body, m.file_id, m.file_kind,"
            " s.name, t.status, t.rating is not null, c.telegram_locale from ticket_message m"
            " join ticket t on t.id = m.ticket_id join customer c on c.id = t.customer_id"
            " left join staff_user s on s.id = m.staff_id"
            f" where m.id in ({', '.join('?' * len(ids))}) order by m.created_at, m.id",
            tuple(ids))
    return [(Relay(*r[:9], rated=bool(r[9])), r[10]) for r in rows]


def mark_relayed(message_id: int, now: dt.datetime) -> bool:
    """The customer has it."""
    with database.atomic():
        cursor = database.execute_sql(sql(
            "update ticket_message set relay_status = 'sent', relay_claimed_at = null,"
            " relay_error = null where id = ? and relay_status = 'pending'"), (message_id,))
    return cursor.rowcount == 1


def mark_relay_failed(message_id: int, error: str, now: dt.datetime, *, permanent: bool) -> bool:
    """Not passed on: given up for good when the customer blocked the bot or after
    MAX_ATTEMPTS; otherwise tried again once the claim lapses."""
    row = fetch_one("select relay_attempts from ticket_message where id = ?", (message_id,))
    if row is None:
        return False
    give_up = permanent or row[0] >= MAX_ATTEMPTS
    with database.atomic():
        cursor = database.execute_sql(sql(
            "update ticket_message set relay_status = ?, relay_error = ?,"
            " relay_claimed_at = ? where id = ? and relay_status = 'pending'"),
            ("failed" if give_up else "pending", (error or "")[:ERROR_MAX],
             None if give_up else now - CLAIM_LEASE + dt.timedelta(seconds=30 * row[0]),
             message_id))
    return cursor.rowcount == 1
