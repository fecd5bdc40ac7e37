"""Exports to XLSX or CSV: customers, interactions, deals and orders, narrowed by tag, owner,
status or dates, only what the actor may see (the rule search uses), streamed so memory stays
bounded, and audited. Kinds are a registry (``crm.exports.kinds.register``): tickets, a later
feature, add theirs there and every interface offers them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from zoneinfo import ZoneInfo

from crm import audit, runtime, xlsx_helper
from crm.actors import Actor
from crm.clock import utcnow
from crm.errors import NotFound, ValidationError
from crm.exports.kinds import REGISTRY, ExportKind, Filters, Query, register
from crm.exports.writers import FORMATS, safe_csv_row, safe_xlsx_row, write_csv, write_xlsx
from crm.permissions import Action, require
from crm.users import StaffNames
from crm.validation import parse_date
from storage.database import database, fetch_one, is_sqlite

LEAN_CACHE_KIB = 2_000  # SQLite's page cache while an export reads (negative size: KiB)
Progress = Callable[[int, int], None]
Header = Callable[[str], str]  # a column's field name → its heading in the reader's language
Value = Callable[[str, str], str]  # (what, code) → the code in the reader's words

__all__ = ["FORMATS", "ExportKind", "ExportResult", "Filters", "check_filters",
           "customer_selection", "export_kinds", "export_records", "export_rows",
           "export_statuses", "filters_from_text", "owner_named", "read_filters", "register",
           "require_exporter"]


@dataclass(frozen=True)
class ExportResult:
    kind: str
    format: str
    rows: int
    filters: Filters = field(default_factory=Filters)
    owner_name: str | None = None  # the owner filter's staff member, to name the filters


def export_kinds() -> tuple[str, ...]:
    """The kinds that can be exported, in the order they were registered."""
    return tuple(REGISTRY)


def export_statuses(kind: str) -> tuple[str, ...]:
    """The statuses the kind's status filter takes (none: it has no status filter)."""
    return _kind(kind).statuses


def require_exporter(actor: Actor) -> None:
    """Refuse early anyone who may not export (before starting long work)."""
    require(actor, Action.EXPORT)


def filters_from_text(actor: Actor, kind: str, fmt: str, *, tag: str | None = None,
                      owner: str | None = None, status: str | None = None,
                      since: str | None = None, until: str | None = None) -> Filters:
    """An export request as typed (a chat message, command-line options), checked: the kind,
    the format, the owner by Telegram id, @username or name, dates like 2026-03-31."""
    require(actor, Action.EXPORT)
    filters = read_filters(tag=tag, owner=owner, status=status, since=since, until=until)
    _checked(_kind(kind), filters, (fmt or "").strip().lower())
    return filters


def read_filters(*, tag: str | None = None, owner: str | None = None,
                 status: str | None = None, since: str | None = None,
                 until: str | None = None) -> Filters:
    """Filters as typed, each value read (the owner by Telegram id, @username or name, dates
    like 2026-03-31); what a kind takes is checked by ``check_filters``."""
    return Filters(
        tag=(tag or "").strip().lstrip("#") or None, owner_id=_owner(owner),
        status=(status or "").strip().lower() or None,
        since=parse_date(since, field="since") if since else None,
        until=parse_date(until, field="until") if until else None)


def check_filters(kind: str, filters: Filters) -> None:
    """Refuse filters the kind does not take: a status it has not, dates the wrong way round,
    an owner who is no staff member."""
    _checked_filters(_kind(kind), filters)


def customer_selection(actor: Actor, filters: Filters) -> tuple[str, tuple]:
    """``from ... where ...`` of the live customers (aliased ``c``) a customers export with
    these filters would write for ``actor``: the same visibility and the same local days."""
    settings = runtime.config()
    query = Query(actor, filters, ZoneInfo(actor.timezone or settings.timezone),
                  actor.locale or settings.locale, lambda _what, code: code)
    return REGISTRY["customers"].where(query)


def owner_named(text: str | None) -> int | None:
    """The staff member ``text`` names, as the owner filter reads it (None for no text)."""
    return _owner(text)


def _owner(text: str | None) -> int | None:
    """A staff member by Telegram id, @username or name, with the words every interface uses
    when that names nobody or several (``users.StaffNames.one``)."""
    written = (text or "").strip()
    if not written:
        return None
    return StaffNames.load().one(written, field="owner").id


def _kind(name: str) -> ExportKind:
    kind = REGISTRY.get((name or "").strip().lower())
    if kind is None:
        raise ValidationError("validation.choice", field="export", value=name,
                              allowed=tuple(REGISTRY))
    return kind


def _checked(kind: ExportKind, filters: Filters, fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationError("validation.choice", field="format", value=fmt,
                              allowed=tuple(FORMATS))
    _checked_filters(kind, filters)


def _checked_filters(kind: ExportKind, filters: Filters) -> None:
    if filters.status and filters.status not in kind.statuses:
        raise ValidationError("validation.choice", field="status", value=filters.status,
                              allowed=tuple(kind.statuses) or ("-",))
    if filters.since and filters.until and filters.since > filters.until:
        raise ValidationError("export.dates", field="since", since=filters.since.isoformat(),
                              until=filters.until.isoformat())
    if filters.owner_id is not None and fetch_one("select 1 from staff_user where id = ?",
                                                  (filters.owner_id,)) is None:
        raise ValidationError("user.not_named", field="owner", name=str(filters.owner_id))


def export_records(actor: Actor, kind: str, target: BinaryIO, *, fmt: str = "xlsx",
                   filters: Filters | None = None, header: Header | None = None,
                   value: Value | None = None, progress: Progress | None = None,
                   now: dt.datetime | None = None) -> ExportResult:
    """Write every matching record the actor may see to ``target``; ``header`` and ``value``
    put column names and coded values (statuses, kinds) in the reader's language. NotFound,
    with nothing written, when no record matches."""
    chosen, query, fmt = _prepared(actor, kind, filters, value, fmt)
    filters = query.filters
    headers = [(header or str)(column) for column in chosen.columns]

    def rows() -> Iterator[list[object]]:
        if fmt == "csv":
            kept = [i for i, column in enumerate(chosen.columns) if column in chosen.identifiers]
            return (safe_csv_row(row, kept) for row in chosen.rows(query))
        return map(safe_xlsx_row, chosen.rows(query))

    with _lean_reads():
        total = chosen.count(query)
        if total == 0:  # a file of headings alone reads as a broken export: say why instead
            raise _nothing_found(chosen.name, filters)
        tick = (lambda done: progress(done, total)) if progress else None
        if fmt == "csv":
            count = write_csv(target, headers, rows(), tick)
        else:
            money = [i for i, column in enumerate(chosen.columns) if column in chosen.money]
            title = (header or str)(chosen.name)
            if total >= xlsx_helper.HELPER_ROWS:  # the count is known: no rows held to decide
                count = xlsx_helper.write_xlsx_on_two_cores(target, title, headers, rows, tick,
                                                            money)
            else:
                count = write_xlsx(target, title, headers, rows(), tick, money)
    with database.atomic():
        audit.record(actor, audit.EXPORT_ACTION + chosen.name, "export", None, changes={
            "format": [None, fmt], "rows": [None, count],
            **{k: [None, logged_filter(v)] for k, v in vars(filters).items() if v is not None}},
            now=now or utcnow())
    owner = fetch_one("select name from staff_user where id = ?", (filters.owner_id,)) \
        if filters.owner_id is not None else None
    return ExportResult(chosen.name, fmt, count, filters, owner[0] if owner else None)


def _nothing_found(kind: str, filters: Filters) -> NotFound:
    """Why no file was written: the filters match nothing, or there is nothing at all yet."""
    narrowed = any(value is not None for value in vars(filters).values())
    return NotFound("export.no_match" if narrowed else "export.none", kind=kind)


def logged_filter(value: object) -> object:
    """A filter as the audit log keeps it: an owner's id stays a number (read back as their
    name), dates and words as text."""
    return value if isinstance(value, int) and not isinstance(value, bool) else str(value)


@contextlib.contextmanager
def _lean_reads() -> Iterator[None]:
    """On SQLite, read through a small page cache instead of the memory mapping: an export
    reads every page of its tables once, and mapped pages count in the process's resident
    memory (~50 MB for 100,000 customers) where pages read are copied into 2 MB and left to
    the operating system's cache. The connection's settings are restored afterwards."""
    if not is_sqlite(database):
        yield
        return
    mapped = fetch_one("pragma mmap_size")[0]
    cached = fetch_one("pragma cache_size")[0]
    database.execute_sql("pragma mmap_size = 0")
    database.execute_sql(f"pragma cache_size = {-LEAN_CACHE_KIB}")
    try:
        yield
    finally:
        database.execute_sql(f"pragma mmap_size = {int(mapped)}")
        database.execute_sql(f"pragma cache_size = {int(cached)}")


def export_rows(actor: Actor, kind: str, *, filters: Filters | None = None,
                value: Value | None = None) -> Iterator[list[object]]:
    """The rows ``export_records`` writes, cells neutralised, without writing or auditing
    them in an XLSX file (what the benchmark's bare write is given)."""
    chosen, query, _ = _prepared(actor, kind, filters, value, "xlsx")
    return map(safe_xlsx_row, chosen.rows(query))


def _prepared(actor: Actor, kind: str, filters: Filters | None, value: Value | None,
              fmt: str) -> tuple[ExportKind, Query, str]:
    require(actor, Action.EXPORT)
    chosen, filters = _kind(kind), filters or Filters()
    fmt = (fmt or "").strip().lower()
    _checked(chosen, filters, fmt)
    settings = runtime.config()
    return chosen, Query(actor, filters, ZoneInfo(actor.timezone or settings.timezone),
                         actor.locale or settings.locale,
                         value or (lambda _what, code: code)), fmt

# Later features' kinds register themselves when imported.
from crm.exports import tickets as _tickets  # noqa: E402, F401
