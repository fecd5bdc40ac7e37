"""Chat conversations left half-way (a draft being typed), kept across a restart of the bot.

The interface hands over each Telegram user's state as opaque bytes. What users type into drafts
is personal data: it is stored sealed with the installation's key, only for active staff, and
dropped when their flow ends, when they are deactivated, or when the customer linked to that
Telegram account is erased."""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections.abc import Mapping

from crm import runtime
from crm.clock import utcnow
from storage.database import database, fetch_all, sql
from storage.errors import EncryptionKeyError
from storage.models import ConversationState

log = logging.getLogger(__name__)


def save_conversation_states(states: Mapping[int, bytes | None], *,
                             now: dt.datetime | None = None) -> None:
    """Store (bytes) or drop (None) each Telegram user's conversation state, in one
    transaction; anyone who is not active staff keeps none."""
    now = now or utcnow()
    ids = list(states)
    with database.atomic():
        keep = _active_staff(ids)
        ConversationState.delete().where(ConversationState.telegram_id.in_(ids)).execute()
        rows = [{"telegram_id": telegram_id, "updated_at": now,
                 "payload": runtime.encrypt(base64.b64encode(state).decode("ascii"))}
                for telegram_id, state in states.items()
                if state is not None and telegram_id in keep]
        if rows:
            ConversationState.insert_many(rows).execute()


def load_conversation_states() -> dict[int, bytes]:
    """Every active staff member's stored state; one no key opens any more is dropped."""
    found: dict[int, bytes] = {}
    unreadable: list[int] = []
    for telegram_id, payload in fetch_all(
            "select c.telegram_id, c.payload from conversation_state c"
            " join staff_user s on s.telegram_id = c.telegram_id where s.active"):
        try:
            found[telegram_id] = base64.b64decode(runtime.decrypt(bytes(payload)))
        except EncryptionKeyError:
            log.warning("a stored conversation no key opens was dropped")
            unreadable.append(telegram_id)
    if unreadable:
        save_conversation_states(dict.fromkeys(unreadable))
    return found


def drop_conversation_state(telegram_id: int | None) -> None:
    """Forget what a Telegram user had half-typed (deactivation, erasure)."""
    if telegram_id is not None:
        database.execute_sql(sql("delete from conversation_state where telegram_id = ?"),
                             (telegram_id,))


def forget_all_conversation_states() -> None:
    """Drop every stored conversation (a restored backup's are of another time)."""
    database.execute_sql("delete from conversation_state")


def _active_staff(telegram_ids: list[int]) -> set[int]:
    if not telegram_ids:
        return set()
    marks = ", ".join("?" * len(telegram_ids))
    return {row[0] for row in fetch_all(
        f"select telegram_id from staff_user where active and telegram_id in ({marks})",
        tuple(telegram_ids))}
