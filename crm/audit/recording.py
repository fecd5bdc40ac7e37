"""Appending entries: one at a time inside the caller's transaction, or in bulk for imports
and bulk changes."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from crm import runtime
from crm.actors import Actor
from crm.audit.actions import _known
from crm.audit.sealing import _customer_key, _seal
from crm.clock import utcnow
from storage import bulk
from storage.database import fetch_all, insert

CHANGED = "(changed)"  # what the log shows for an encrypted field instead of its values
SYSTEM_NAME = "system"  # the name entries of the system actor (the command line, a job) carry


def diff(before: dict[str, Any], after: dict[str, Any],
         hidden: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
    """Fields whose value differs: {field: [before, after]}; hidden fields only say so."""
    changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old != new:
            changes[field] = [CHANGED, CHANGED] if field in hidden else [old, new]
    return changes


def record(actor: Actor, action: str, entity: str, entity_id: int | None = None, *,
           customer_id: int | None = None, changes: dict[str, Any] | None = None,
           now: dt.datetime | None = None) -> None:
    """Append one entry (inside the caller's transaction, so it commits with the change)."""
    _known(action)
    payload = json.dumps(changes, ensure_ascii=False, default=str).encode() if changes else None
    sealed = bool(payload and customer_id)
    if sealed:
        payload = _seal(_customer_key(customer_id, create=True), payload)
    insert("audit_log", {
        "at": now or utcnow(), "actor_id": actor.user_id,
        "actor_name": actor.name or SYSTEM_NAME, "channel": str(actor.channel),
        "action": action, "entity": entity, "entity_id": entity_id, "customer_id": customer_id,
        "changes": payload, "sealed": sealed})


def record_new_customers(actor: Actor, action: str,
                         entries: Iterable[tuple[int, bytes, bytes]],
                         now: dt.datetime) -> int:
    """Append one entry per new customer from ``seal_new_customers`` output, given as
    (customer id, wrapped key, sealed changes), in bulk inside the caller's transaction."""
    _known(action)
    keys: list[tuple[int, bytes]] = []
    rows: list[tuple] = []
    name, channel = actor.name or SYSTEM_NAME, str(actor.channel)
    for customer_id, wrapped, sealed in entries:
        keys.append((customer_id, wrapped))
        rows.append((now, actor.user_id, name, channel, action, "customer", customer_id,
                     customer_id, sealed, True))
    bulk.insert_rows("customer_key", ("customer_id", "key_enc"), keys)
    return bulk.insert_rows("audit_log", (
        "at", "actor_id", "actor_name", "channel", "action", "entity", "entity_id",
        "customer_id", "changes", "sealed"), rows)


def record_for_customers(actor: Actor, entries: Sequence[tuple[str, int, dict[str, Any]]],
                         now: dt.datetime) -> int:
    """Append (action, customer id, changes) entries about existing customers in bulk, each
    sealed with its customer's key as ``record`` seals it (inside the caller's transaction)."""
    for action in {action for action, _, _ in entries}:
        _known(action)
    ids = sorted({customer_id for _, customer_id, _ in entries})
    keys: dict[int, bytes] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = fetch_all("select customer_id, key_enc from customer_key where customer_id in"
                         f" ({', '.join('?' * len(chunk))})", tuple(chunk))
        keys |= {cid: base64.b64decode(runtime.decrypt(bytes(key))) for cid, key in rows}
    for customer_id in ids:
        if customer_id not in keys:
            keys[customer_id] = _customer_key(customer_id, create=True)  # type: ignore[assignment]
    name, channel = actor.name or SYSTEM_NAME, str(actor.channel)
    return bulk.insert_rows("audit_log", (
        "at", "actor_id", "actor_name", "channel", "action", "entity", "entity_id",
        "customer_id", "changes", "sealed"),
        [(now, actor.user_id, name, channel, action, "customer", customer_id, customer_id,
          _seal(keys[customer_id], json.dumps(changes, ensure_ascii=False,
                                              default=str).encode()), True)
         for action, customer_id, changes in entries])
