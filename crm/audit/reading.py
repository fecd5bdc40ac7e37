"""Reading the log: pages of entries for admins, every entry for exports, and what was done
to one record for services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm.actors import Actor
from crm.audit.entries import AuditEntry, _entry, _readable, _with_currencies, _with_names
from crm.localtime import day_start_utc, zone_of
from crm.paging import Page
from crm.permissions import Action, require
from storage.database import fetch_all


def changes_of(action: str, entity: str, entity_id: int, *,
               customer_id: int) -> list[dict[str, Any]]:
    """The changes of every entry of ``action`` about one record of a customer, oldest first:
    for a service to learn what was done before where the record itself keeps no trace (not
    for reading the log, which is the admins'); details erased with the customer are left
    out. The customer narrows the search to their entries (an index has them)."""
    rows = fetch_all(
        "select id, at, actor_id, actor_name, channel, action, entity, entity_id, customer_id,"
        " changes, sealed from audit_log where customer_id = ? and action = ? and entity = ?"
        " and entity_id = ? order by at, id", (customer_id, action, entity, entity_id))
    return [entry.changes for entry in map(_entry, rows) if isinstance(entry.changes, dict)]


def require_reader(actor: Actor) -> None:
    """Refuse anyone who may not read the log (checked before starting long exports)."""
    require(actor, Action.AUDIT)


def list_audit(actor: Actor, *, user_id: int | None = None, customer_id: int | None = None,
               since: dt.date | None = None, until: dt.date | None = None,
               offset: int = 0, limit: int = 20) -> Page[AuditEntry]:
    """Entries newest first, filtered by staff user, customer and days (local days of the
    actor, ``until`` excluded); admins only."""
    require(actor, Action.AUDIT)
    where, params = _filters(actor, user_id, customer_id, since, until)
    rows = fetch_all(
        "select id, at, actor_id, actor_name, channel, action, entity, entity_id, customer_id,"
        f" changes, sealed from audit_log{where} order by at desc, id desc limit ? offset ?",
        (*params, limit + 1, offset))
    entries = tuple(_readable(_with_names(_with_currencies([_entry(r) for r in rows[:limit]]))))
    return Page(entries, offset, len(rows) > limit)


def iter_audit(actor: Actor, *, user_id: int | None = None, customer_id: int | None = None,
               since: dt.date | None = None, until: dt.date | None = None,
               batch: int = 1000):
    """Every matching entry, oldest first, for exports (admins only)."""
    require(actor, Action.AUDIT)
    where, params = _filters(actor, user_id, customer_id, since, until)
    last = 0
    while True:
        joiner = " and" if where else " where"
        rows = fetch_all(
            "select id, at, actor_id, actor_name, channel, action, entity, entity_id,"
            f" customer_id, changes, sealed from audit_log{where}{joiner} id > ?"
            " order by id limit ?", (*params, last, batch))
        yield from _readable(_with_names(_with_currencies([_entry(r) for r in rows])))
        if len(rows) < batch:
            return
        last = rows[-1][0]


def _filters(actor: Actor, user_id: int | None, customer_id: int | None,
             since: dt.date | None, until: dt.date | None) -> tuple[str, tuple]:
    zone = zone_of(actor)
    parts, params = [], []
    if user_id is not None:  # what they did, and what was done to them (role, access, team)
        parts.append("(actor_id = ? or (entity = 'staff_user' and entity_id = ?))")
        params += [user_id, user_id]
    for column, operator, value in (
            ("customer_id", "=", customer_id),
            ("at", ">=", since and day_start_utc(since, zone)),
            ("at", "<", until and day_start_utc(until, zone))):
        if value is not None:
            parts.append(f"{column} {operator} ?")
            params.append(value)
    return (" where " + " and ".join(parts) if parts else ""), tuple(params)
