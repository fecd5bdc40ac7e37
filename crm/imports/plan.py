"""The dry run: every row read and checked, duplicates inside the file found, and each valid row
matched to an existing customer by phone or e-mail (new, update, or refused)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from crm.actors import Actor
from crm.errors import CrmError, ValidationError
from crm.imports import cells
from crm.imports.apply import NewCustomer
from crm.imports.dates import column_order
from crm.imports.formulas import unsaved_formula_columns
from crm.imports.headers import ColumnMap, map_columns, names_customers
from crm.imports.parts import check_rows
from crm.imports.reading import Cell, Table, read_table
from crm.imports.rows import Checker, Staff, ValidRow, collect, is_footer, other_problems
from crm.visibility import can_see
from storage.database import fetch_all

Progress = Callable[[int, int], None]
MATCH_CHUNK = 500


@dataclass(frozen=True)
class Problem:
    """Why a row is not imported: a coded reason with its parameters, and the column."""

    row: int
    column: str
    code: str
    params: dict[str, Any]


@dataclass(frozen=True)
class RejectedRow:
    cells: tuple[Cell, ...]
    problem: Problem  # the first one found
    more: tuple[Problem, ...] = ()  # the row's other problems (each field checked alone)


@dataclass
class Parsed:
    """The file read and every row checked, before looking at the database."""

    table_kind: str
    encoding: str | None
    delimiter: str | None
    columns: ColumnMap
    rows: int  # data rows that are not empty
    valid: list[ValidRow]
    rejects: list[RejectedRow]
    duplicates: int
    cells: dict[int, tuple[Cell, ...]] = field(default_factory=dict)  # of valid rows
    national: dict[str, str] = field(default_factory=dict)  # phones' home digits (Checker)
    # Each valid row's rows as a new customer, by row number (crm.imports.apply.prepare_new).
    prepared: dict[int, NewCustomer] = field(default_factory=dict)
    # Columns whose cells are formulas without a saved value (crm.imports.formulas).
    unsaved_formulas: tuple[str, ...] = ()
    # The sheet read and the workbook's visible worksheets, when it has several.
    sheet: str | None = None
    sheets: tuple[str, ...] = ()

    @property
    def invalid(self) -> int:
        return len(self.rejects) - self.duplicates


@dataclass
class Matched:
    """Valid rows sorted by what happens to them."""

    new: list[ValidRow]
    existing: list[tuple[ValidRow, int]]  # (row, the customer it updates)
    rejects: list[RejectedRow]
    duplicates: int  # rows naming a customer an earlier row of the file already names


def parse(actor: Actor, content: bytes, file_name: str, today: dt.date, *,
          max_rows: int, progress: Progress | None = None) -> Parsed:
    """Read the file and check every row; refuses a file that is not a table of customers."""
    table = read_table(content, file_name, names_customers)
    columns = map_columns(table.rows)
    data = [(number, row) for number, row in enumerate(table.rows[columns.first_data_row:],
                                                        start=columns.first_data_row + 1)
            if not all(cells.is_empty(cell) for cell in row) and not is_footer(row, columns)]
    if not data:
        raise ValidationError("import.no_rows", field="file")
    if len(data) > max_rows:
        raise ValidationError("import.too_many_rows", field="file", rows=len(data),
                              max=max_rows)
    columns = _with_date_orders(columns, data)
    parsed = _check_rows(actor, table, columns, data, today, progress)
    parsed.unsaved_formulas = unsaved_formula_columns(table.place, table.rows, columns)
    if table.sheet is not None:
        parsed.sheet, parsed.sheets = table.sheet, table.sheets
    return parsed


def _with_date_orders(columns: ColumnMap, data: list[tuple[int, list[Cell]]]) -> ColumnMap:
    """The columns with the order of day and month each date column shows, decided once for
    the whole column before any row is checked."""
    orders = {index: order for index, name in columns.mapped if name == "birthday"
              for order in [column_order((number, row[index]) for number, row in data
                                         if index < len(row))] if order is not None}
    return dataclasses.replace(columns, date_orders=orders) if orders else columns


def _check_rows(actor: Actor, table: Table, columns: ColumnMap,
                data: list[tuple[int, list[Cell]]], today: dt.date,
                progress: Progress | None) -> Parsed:
    """Each row checked and prepared (crm.imports.parts), then repeats inside the file found in
    file order: a row naming a phone or e-mail an earlier valid row named is a duplicate."""
    parsed = Parsed(table.kind, table.encoding, table.delimiter, columns, len(data), [], [], 0)
    staff = Staff.load()
    checked = check_rows(actor, staff, columns, data, today, progress)
    first_with: dict[tuple[str, str], int] = {}
    checker: Checker | None = None  # for refused rows' other problems, made when needed
    for (number, row), (_, outcome) in zip(data, checked.outcomes, strict=True):
        if not isinstance(outcome, ValidRow):
            checker = checker or Checker(actor, staff, today)
            more = other_problems(checker, number, collect(row, columns, today), outcome)
            parsed.rejects.append(_reject(row, number, columns, outcome, more))
            continue
        earlier = next((first_with[k] for k in outcome.keys if k in first_with), None)
        if earlier is not None:
            parsed.duplicates += 1
            parsed.rejects.append(RejectedRow(tuple(row), Problem(
                number, "", "import.duplicate_in_file", {"row": earlier})))
            continue
        for key in outcome.keys:
            first_with[key] = number
        parsed.valid.append(outcome)
        parsed.cells[number] = tuple(row)
    parsed.national = checked.national
    parsed.prepared = checked.prepared
    return parsed


def _reject(row: Sequence[Cell], number: int, columns: ColumnMap, error: CrmError,
            more: Sequence[CrmError] = ()) -> RejectedRow:
    def problem(each: CrmError) -> Problem:
        params = dict(each.params)
        column = columns.label_of(params["field"]) if params.get("field") else ""
        return Problem(number, column, each.code, params)

    return RejectedRow(tuple(row), problem(error), tuple(problem(e) for e in more))


def existing_by_key(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[tuple]]:
    """Live customers holding each (kind, value): [(id, owner id, team id)]. Kinds are phone,
    email and id (``rows.record_key``)."""
    by_kind: dict[str, list[str]] = {}
    for kind, value in set(keys):
        by_kind.setdefault(kind, []).append(value)
    found = _by_record_id(by_kind.pop("id", []))
    for kind, values in by_kind.items():
        for start in range(0, len(values), MATCH_CHUNK):
            chunk = values[start:start + MATCH_CHUNK]
            rows = fetch_all(
                "select ch.value, c.id, c.owner_id, c.team_id from contact_channel ch"
                " join customer c on c.id = ch.customer_id"
                f" where ch.kind = ? and ch.value in ({', '.join('?' * len(chunk))})"
                " and c.deleted_at is null", (kind, *chunk))
            for value, *customer in rows:
                found.setdefault((kind, value), []).append(tuple(customer))
    return found


def _by_record_id(values: list[str]) -> dict[tuple[str, str], list[tuple]]:
    """The live customers that ``id`` keys name: the one with that id and that name."""
    wanted = set(values)
    ids = sorted({int(value.partition(" ")[0]) for value in values})
    found: dict[tuple[str, str], list[tuple]] = {}
    for start in range(0, len(ids), MATCH_CHUNK):
        chunk = ids[start:start + MATCH_CHUNK]
        for customer_id, owner_id, team_id, name in fetch_all(
                "select id, owner_id, team_id, name_norm from customer"
                f" where id in ({', '.join('?' * len(chunk))}) and deleted_at is null", chunk):
            key = f"{customer_id} {name}"
            if key in wanted:
                found[("id", key)] = [(customer_id, owner_id, team_id)]
    return found


def match(actor: Actor, parsed: Parsed) -> Matched:
    """New rows, updates of customers the actor sees, and rows that cannot be imported: a
    match the actor may not see, or one row matching two customers."""
    found = existing_by_key(k for row in parsed.valid for k in row.keys)
    matched = Matched([], [], [], 0)
    first_row_of: dict[int, int] = {}
    for row in parsed.valid:
        customers = {c for key in row.keys for c in found.get(key, ())}
        ids = {c[0] for c in customers}
        problem = None
        if not ids:
            matched.new.append(row)
            continue
        if len(ids) > 1:
            problem = ("import.matches_several", {"count": len(ids)})
        else:
            customer_id, owner_id, team_id = next(iter(customers))
            if not can_see(actor, owner_id, team_id):
                problem = ("import.not_visible", {})
            elif customer_id in first_row_of:
                matched.duplicates += 1
                problem = ("import.duplicate_in_file", {"row": first_row_of[customer_id]})
            else:
                first_row_of[customer_id] = row.row
                matched.existing.append((row, customer_id))
                continue
        matched.rejects.append(RejectedRow(parsed.cells[row.row],
                                           Problem(row.row, "", problem[0], problem[1])))
    return matched


def birth_month_notices(columns: ColumnMap, matched: Matched) -> list[Problem]:
    """The rows to import whose birthday has a year and month but no day, by row: a new
    customer gets no birthday and the month in its notes (said when the month may be 1 or
    10), an existing one keeps its birthday."""
    label = columns.label_of("birthday")
    found = [(row, "import.birth_month_unsure" if row.birth_month_unsure
              else "import.birth_month_noted") for row in matched.new if row.birth_month]
    found += [(row, "import.birth_month_kept") for row, _ in matched.existing
              if row.birth_month]
    return sorted((Problem(row.row, label, code, _month_params(code, row.birth_month))
                   for row, code in found), key=lambda problem: problem.row)


def _month_params(code: str, value: str) -> dict[str, str]:
    if code == "import.birth_month_unsure":
        return {"value": value, "october": value + "0"}  # 1975.1 → 1975.10
    return {"value": value}
