"""Bulk import of customers from CSV and Excel files, the same for the bot and the command line.

1. ``check_upload`` refuses a file too large before it is even fetched.
2. ``preview_import`` (the dry run) reads and checks every row and prepares each valid one as
   a new customer (on two cores for a large file: crm.imports.parts), matches existing
   customers by phone or e-mail, keeps the file for the confirmation and says what would
   happen; it is ``check_file`` (no writes: off the database thread) then ``keep_preview`` (a
   short write).
3. ``load_import`` takes the dry run's checked rows when nothing they depend on changed
   (crm.imports.kept), else reads and checks the kept file again (CPU work, no writes: run it
   off the database thread); ``apply_import`` writes them in one transaction.
   ``confirm_import`` does both, for callers with one thread.
4. ``cancel_import`` drops a preview; an unconfirmed one expires after ``import.keep_hours``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from crm import audit, runtime
from crm.actors import Actor
from crm.clock import utcnow
from crm.errors import ValidationError
from crm.imports import kept, store
from crm.imports.apply import (
    assign_leads,
    create_new,
    lock_new_companies,
    record_summary,
    update_existing,
)
from crm.imports.gcpause import collector_paused
from crm.imports.headers import ColumnMap
from crm.imports.plan import (
    Matched,
    Parsed,
    Problem,
    RejectedRow,
    birth_month_notices,
    match,
    parse,
)
from crm.imports.report import rejects_workbook
from crm.localtime import local_today
from crm.permissions import Action, require
from storage.database import database

Progress = Callable[[int, int], None]
MODES = ("update", "skip")
PROBLEMS_SHOWN = 10

__all__ = ["MODES", "CheckedFile", "ImportPreview", "ImportResult", "LoadedImport", "Problem",
           "RejectedRow", "apply_import", "cancel_import", "check_file", "check_upload",
           "confirm_import", "keep_preview", "load_import", "preview_import", "rejects_workbook"]


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do. ``token`` confirms it; None when nothing can be imported."""

    token: str | None
    file_name: str
    kind: str  # xlsx or csv
    encoding: str | None
    delimiter: str | None
    rows: int
    new: int
    existing: int
    duplicates: int
    invalid: int
    columns: tuple[tuple[str, str], ...]  # (header, field) of the columns imported
    unknown_columns: tuple[str, ...]
    problems: tuple[Problem, ...]  # the first few
    headers: tuple[str, ...]
    rejects: tuple[RejectedRow, ...]
    expires_at: dt.datetime | None
    # Rows imported with something the importer should know (a birthday without a day): how
    # many, and the first few.
    notices: tuple[Problem, ...] = ()
    notice_count: int = 0
    # A customers export's read-only columns (创建时间, 最近联系): known, and left out.
    bookkeeping_columns: tuple[str, ...] = ()
    # Columns of formulas saved without their results (a file written by a program): they
    # read as empty until the file is opened and saved in Excel or WPS.
    unsaved_formulas: tuple[str, ...] = ()
    # The sheet read when the workbook has several visible ones (all named in ``sheets``), so
    # that whoever meant another notices.
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    # Date columns whose day-and-month dates (03/04/1990) are read in the order other rows
    # show: (column, "day_first" or "month_first", the row that shows it, its value).
    date_orders: tuple[tuple[str, str, int, str], ...] = ()


@dataclass(frozen=True)
class ImportResult:
    file_name: str
    mode: str
    created: int
    updated: int
    unchanged: int  # existing customers the file had nothing new for
    skipped: int  # existing customers left alone (mode skip)
    rejected: int
    assigned: int  # new leads given an owner by the assignment rules
    headers: tuple[str, ...]
    rejects: tuple[RejectedRow, ...]


@dataclass(frozen=True)
class LoadedImport:
    """A pending import's checked and prepared rows, ready for ``apply_import``."""

    job: store.Job
    parsed: Parsed


def _limits() -> tuple[int, int]:
    settings = runtime.config()
    return settings["import.max_file_mb"] * 1024 * 1024, settings["import.max_rows"]


def check_upload(actor: Actor, file_name: str, size: int | None) -> None:
    """Refuse early: the actor may not import, or the file is larger than allowed."""
    require(actor, Action.IMPORT)
    limit = _limits()[0]
    if size is not None and size > limit:
        raise ValidationError("import.too_large", field="file", name=file_name,
                              size_mb=round(size / 1024 / 1024, 1),
                              max_mb=runtime.config()["import.max_file_mb"])


@dataclass(frozen=True)
class CheckedFile:
    """A file read, checked and matched (``check_file``), not kept yet (``keep_preview``)."""

    file_name: str
    content: bytes
    parsed: Parsed
    matched: Matched
    basis: kept.Basis  # what the checks read besides the file, for the confirmation


def check_file(actor: Actor, file_name: str, content: bytes, *,
               progress: Progress | None = None,
               now: dt.datetime | None = None) -> CheckedFile:
    """The dry run's reading part: every row read, checked and matched (no writes; run it off
    the database thread)."""
    check_upload(actor, file_name, len(content))
    now = now or utcnow()
    today = local_today(actor, now)
    basis = kept.basis_of(actor, hashlib.sha256(content).hexdigest(), today)
    with collector_paused():
        parsed = parse(actor, content, file_name, today, max_rows=_limits()[1],
                       progress=progress)
        return CheckedFile(file_name, content, parsed, match(actor, parsed), basis)


def keep_preview(actor: Actor, checked: CheckedFile, *, progress: Progress | None = None,
                 now: dt.datetime | None = None) -> ImportPreview:
    """The dry run's result; the file is kept for the confirmation when anything can be
    imported (a short write; previews nobody confirmed in time are dropped here)."""
    require(actor, Action.IMPORT)
    now = now or utcnow()
    store.expire_old(now)
    parsed, matched = checked.parsed, checked.matched
    rejects = (*parsed.rejects, *matched.rejects)
    counts = {"rows": parsed.rows, "new": len(matched.new), "existing": len(matched.existing),
              "duplicates": parsed.duplicates + matched.duplicates,
              "invalid": len(rejects) - parsed.duplicates - matched.duplicates}
    token, expires = None, None
    if matched.new or matched.existing:
        with database.atomic():
            token = store.save_upload(actor, checked.file_name, checked.content, counts, now)
            audit.record(actor, "import.preview", "import_job", None,
                         changes={"file": [None, checked.file_name]} |
                         {k: [None, v] for k, v in counts.items()}, now=now)
        expires = now + dt.timedelta(hours=runtime.config()["import.keep_hours"])
        kept.keep(token, checked.basis, parsed)
    columns = parsed.columns
    notices = birth_month_notices(columns, matched)
    return ImportPreview(
        token, checked.file_name, parsed.table_kind, parsed.encoding, parsed.delimiter,
        **counts,
        columns=tuple((label, field) for label, field in zip(columns.labels, columns.fields,
                                                             strict=True) if field),
        unknown_columns=columns.unknown,
        problems=tuple(sorted((r.problem for r in rejects), key=lambda p: p.row)
                       [:PROBLEMS_SHOWN]),
        headers=columns.labels, rejects=tuple(rejects), expires_at=expires,
        notices=tuple(notices[:PROBLEMS_SHOWN]), notice_count=len(notices),
        bookkeeping_columns=columns.bookkeeping, unsaved_formulas=parsed.unsaved_formulas,
        sheet=parsed.sheet, sheets=parsed.sheets, date_orders=_date_orders(columns))


def _date_orders(columns: ColumnMap) -> tuple[tuple[str, str, int, str], ...]:
    """The date columns read in an order their rows settle, with the row that settles it."""
    found = []
    for index, order in sorted(columns.date_orders.items()):
        if order.settled:
            way, example = (("day_first", order.day_first) if order.day_first
                            else ("month_first", order.month_first))
            assert example is not None
            found.append((columns.labels[index], way, example.row, example.value))
    return tuple(found)


def preview_import(actor: Actor, file_name: str, content: bytes, *,
                   progress: Progress | None = None,
                   now: dt.datetime | None = None) -> ImportPreview:
    """The dry run: counts of new, existing, duplicate and invalid rows with the first
    problems; the file is kept for the confirmation when anything can be imported."""
    checked = check_file(actor, file_name, content, progress=progress, now=now)
    return keep_preview(actor, checked, now=now)


def load_import(actor: Actor, token: str, *, progress: Progress | None = None,
                now: dt.datetime | None = None) -> LoadedImport:
    """A pending import's checked and prepared rows: the dry run's, else the kept file read
    and checked again (no writes)."""
    require(actor, Action.IMPORT)
    now = now or utcnow()
    job = store.load_job(actor, token, now)
    today = local_today(actor, now)
    parsed = kept.take(token, kept.basis_of(actor, job.sha256, today))
    if parsed is None:
        with collector_paused():
            parsed = parse(actor, store.read_file(job), job.file_name, today,
                           max_rows=_limits()[1], progress=progress)
    if progress:
        progress(100, 100)
    return LoadedImport(job, parsed)


def _share(progress: Progress | None, start: int, span: int) -> Progress | None:
    """Report a step's progress as its share of the whole (percent ``start`` to +``span``)."""
    if progress is None:
        return None
    return lambda done, total: progress(start + span * done // max(total, 1), 100)


def apply_import(actor: Actor, loaded: LoadedImport, mode: str, *,
                 progress: Progress | None = None,
                 now: dt.datetime | None = None) -> ImportResult:
    """Write a loaded import in one transaction: every accepted row, or nothing."""
    require(actor, Action.IMPORT)
    if mode not in MODES:
        raise ValidationError("validation.choice", field="mode", value=mode,
                              allowed=tuple(MODES))
    now = now or utcnow()
    parsed, job = loaded.parsed, loaded.job
    with collector_paused(), database.atomic():
        store.claim(job.token, store.APPLIED, mode, {}, now)
        matched = match(actor, parsed)
        lock_new_companies([*matched.new, *(row for row, _ in matched.existing
                                             if mode == "update")])
        new_ids = create_new(actor, matched.new, parsed.prepared, now,
                             _share(progress, 0, 80 if mode == "update" else 95))
        updated = update_existing(actor, matched.existing, now) if mode == "update" else 0
        unowned = [cid for cid, row in zip(new_ids, matched.new, strict=True)
                   if row.owner_id is None]
        assigned = assign_leads(actor, unowned, now)
        rejects = (*parsed.rejects, *matched.rejects)
        result = ImportResult(
            job.file_name, mode, len(new_ids), updated,
            len(matched.existing) - updated if mode == "update" else 0,
            len(matched.existing) if mode == "skip" else 0, len(rejects), assigned,
            parsed.columns.labels, tuple(rejects))
        counts = {k: getattr(result, k) for k in ("created", "updated", "unchanged", "skipped",
                                                   "rejected", "assigned")}
        store.set_summary(job.token, counts)
        record_summary(actor, job.file_name, counts, now)
    store.remove_file(job)
    if progress:
        progress(100, 100)
    return result


def confirm_import(actor: Actor, token: str, mode: str, *, progress: Progress | None = None,
                   now: dt.datetime | None = None) -> ImportResult:
    """Load and apply a pending import in one call (the command line)."""
    loaded = load_import(actor, token, progress=_share(progress, 0, 50), now=now)
    return apply_import(actor, loaded, mode, progress=_share(progress, 50, 50), now=now)


def cancel_import(actor: Actor, token: str, *, now: dt.datetime | None = None) -> None:
    """Drop a pending import and its file."""
    require(actor, Action.IMPORT)
    now = now or utcnow()
    job = store.load_job(actor, token, now)
    with database.atomic():
        store.claim(token, store.CANCELLED, None, {}, now)
        audit.record(actor, "import.cancel", "import_job", None,
                     changes={"file": [None, job.file_name]}, now=now)
    kept.forget(token)
    store.remove_file(job)
