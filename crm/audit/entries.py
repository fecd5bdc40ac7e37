"""An entry as read back: its details unsealed (or marked erased with their customer), ids an
older entry wrote as text read as ids, the records it refers to named and its amounts' currency
found, each looked up once per kind of record for a whole batch."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import Any

from cryptography.exceptions import InvalidTag

from crm.audit.actions import EXPORT_ACTION
from crm.audit.kinds import _CURRENCY_TABLES, ENTITY_REFERENCES, REFERENCES, Name, value_kind
from crm.audit.sealing import _customer_key, _unseal
from crm.clock import as_datetime
from storage.database import fetch_all

# What stands, in a merge entry, for the merged record's details once that customer is erased
# (readers word it as their other erased details).
ERASED = "(erased)"
MERGED_SNAPSHOT = "from"  # the group of a merge entry's fields holding the merged record's details


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    channel: str
    action: str
    entity: str
    entity_id: int | None
    customer_id: int | None
    changes: dict[str, Any] | None
    erased: bool  # the details belonged to a customer who has since been erased
    currency: str | None = None  # the record's currency, for its amounts (deal, order...)
    # The names of the records its changes refer to by id ((kind, id) → name); None for a
    # customer erased since, whose name must not come back through the log.
    names: Mapping[tuple[str, int | str], Name] = dataclass_field(default_factory=dict)


def _entry(row: tuple) -> AuditEntry:
    changes, erased = None, False
    blob = bytes(row[9]) if row[9] is not None else None
    if blob is not None and row[10]:
        key = _customer_key(row[8], create=False)
        if key is None:
            erased = True
        else:
            try:
                changes = json.loads(_unseal(key, blob))
            except InvalidTag:
                erased = True
    elif blob is not None:
        changes = json.loads(blob)
    return AuditEntry(row[0], as_datetime(row[1]), row[2], row[3], row[4], row[5], row[6],
                      row[7], row[8], _ids_as_numbers(row[5], changes), erased)


# Filters older entries recorded as text ("3") though they hold ids: by action (any kind of
# export by its prefix) and field. Read as ids, they are named as new entries are.
_IDS_AS_TEXT = {EXPORT_ACTION: ("owner_id",), "audit.export": ("user_id", "customer_id")}


def _ids_as_numbers(action: str, changes: Any) -> Any:
    """An entry's changes with ids an older entry recorded as text as numbers, to be named;
    other text (a name typed as a filter) as it is."""
    if not isinstance(changes, dict):
        return changes
    fields = _IDS_AS_TEXT.get(EXPORT_ACTION if action.startswith(EXPORT_ACTION) else action, ())
    fixed = {name: [_as_id(v) for v in changes[name]] for name in fields
             if isinstance(changes.get(name), list)}
    return changes | fixed if fixed else changes


def _as_id(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() \
        else value


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _with_currencies(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Entries about records with amounts (deals, orders...), each with its record's
    currency, looked up once per kind of record for the whole batch."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.entity in _CURRENCY_TABLES and entry.entity_id is not None and entry.changes:
            wanted.setdefault(entry.entity, set()).add(entry.entity_id)
    found: dict[tuple[str, int], str] = {}
    for entity, ids in wanted.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            rows = fetch_all(f"select id, currency from {entity} where id in"
                             f" ({', '.join('?' * len(chunk))})", tuple(chunk))
            found |= {(entity, row_id): code for row_id, code in rows}
    return [replace(e, currency=found.get((e.entity, e.entity_id or 0))) if e.entity in wanted
            else e for e in entries]


def _with_names(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Entries whose changes refer to other records by id (owners, teams, deals...), each
    with those records' names, looked up once per kind of record for the whole batch."""
    wanted: dict[str, set[int | str]] = {}
    for entry in entries:
        for kind, key in _referred(entry):
            wanted.setdefault(kind, set()).add(key)
    found: dict[tuple[str, int | str], Name] = {}
    for kind, keys in wanted.items():
        found |= _names(kind, sorted(k for k in keys if isinstance(k, int)))
        if kind == "stage":
            found |= _stages_by_english_name(sorted(k for k in keys if isinstance(k, str)))
    return [replace(e, names={ref: found[ref] for ref in _referred(e) if ref in found})
            for e in entries]


def is_erased_snapshot(field: str, value: Any) -> bool:
    """Whether a merge entry's field stands for the details of a merged record since erased."""
    return field == MERGED_SNAPSHOT and value == [None, ERASED]


def _readable(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Entries as anyone may read them now: a merge keeps a copy of the merged record's
    details under the survivor (its own key), which must go when that customer is erased."""
    return [_merged_details_erased(e) if e.action == "customer.merge" else e for e in entries]


def _merged_details_erased(entry: AuditEntry) -> AuditEntry:
    """A merge entry with the merged record's details as erased once that record is."""
    merged = (entry.changes or {}).get("merged_from")
    merged_id = merged[-1] if isinstance(merged, list) and merged else None
    if not _is_id(merged_id) or entry.names.get(("customer", merged_id), "") is not None:
        return entry  # not erased (or gone for good with nothing to look up)
    prefix = MERGED_SNAPSHOT + "."
    kept = {k: v for k, v in (entry.changes or {}).items() if not k.startswith(prefix)}
    return replace(entry, changes=kept | {MERGED_SNAPSHOT: [None, ERASED]})


def _names(kind: str, ids: list[int]) -> dict[tuple[str, int | str], Name]:
    table, columns = REFERENCES[kind]
    erased = "erased_at" if table == "customer" else "null"
    found: dict[tuple[str, int | str], Name] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row_id, *names, gone in fetch_all(
                f"select id, {columns}, {erased} from {table} where id in"
                f" ({', '.join('?' * len(chunk))})", tuple(chunk)):
            found[(kind, row_id)] = None if gone else names[0] if len(names) == 1 \
                else (names[0], names[1])
    return found


def _stages_by_english_name(names: list[str]) -> dict[tuple[str, int | str], Name]:
    """Stages older entries recorded by their English name, with their names in both."""
    found: dict[tuple[str, int | str], Name] = {}
    for start in range(0, len(names), 500):
        chunk = names[start:start + 500]
        for name_zh, name_en in fetch_all(
                "select name_zh, name_en from pipeline_stage where name_en in"
                f" ({', '.join('?' * len(chunk))}) order by id desc", tuple(chunk)):
            found[("stage", name_en)] = (name_zh, name_en)  # the first stage of that name wins
    return found


def _referred(entry: AuditEntry) -> set[tuple[str, int | str]]:
    """(kind, id) of the record the entry is about and of every record its changes refer to
    by id (a stage's English name in older entries)."""
    found: set[tuple[str, int | str]] = set()
    if entry.entity in ENTITY_REFERENCES and _is_id(entry.entity_id):  # the record itself
        found.add((ENTITY_REFERENCES[entry.entity], entry.entity_id))
    if not isinstance(entry.changes, dict):
        return found
    for name, value in entry.changes.items():
        kind = value_kind(entry.entity, name, entry.action)
        if kind in REFERENCES:
            found |= {(kind, item) for item in (value if isinstance(value, list) else [value])
                      if _is_id(item) or (kind == "stage" and isinstance(item, str))}
    return found
