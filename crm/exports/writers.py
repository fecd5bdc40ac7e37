"""Streaming file writers: XLSX through openpyxl's write-only mode (``crm.spreadsheets``, where a
helper process can reach it without the database: see ``crm.xlsx_helper``) and CSV in UTF-8 with
a BOM (so Excel shows Chinese correctly). Rows come neutralised against formula injection
(``safe_row``); headers are neutralised here."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from crm.spreadsheets import (
    FORMULA_STARTS,
    MAX_CELL,
    UNWRITABLE,
    Tick,
    safe_cell,
    safe_xlsx_cell,
    write_xlsx,
)

FORMATS = ("xlsx", "csv")
__all__ = ["FORMATS", "Tick", "safe_csv_row", "safe_row", "safe_xlsx_row", "write_csv",
           "write_xlsx"]
_unwritable = UNWRITABLE.search
_AS_IS = frozenset({type(None), int, float, bool, Decimal, dt.date, dt.datetime})


def safe_row(row: Iterable[Any]) -> list[Any]:
    """``safe_cell`` of every value, with what needs nothing (numbers, dates, text that starts
    harmlessly) passed by without a call: two million cells in an export of 100,000."""
    return _neutralised(row, safe_cell)


def safe_xlsx_row(row: Iterable[Any]) -> list[Any]:
    """``safe_row`` for an XLSX file: no apostrophe, text that would start a formula goes
    with Excel's hidden quote prefix instead (``safe_xlsx_cell``)."""
    return _neutralised(row, safe_xlsx_cell)


# An identifier Excel would read from a CSV as a number or a date: digits (an international
# phone's + in front), maybe parted like a number or a date (1.5, 2026-03-07, 12:30, 1E5).
# Excel would show 18500001234 as 1.85E+10, drop a postal code's leading 0, and save what it
# shows. A tab in front keeps the cell text in Excel and WPS, shows nothing, and is no formula:
# what follows it is digits. Python's csv module reads it back; the import trims it. (The
# apostrophe that neutralises formulas would show in the cell; ="…" would be a formula.)
_NUMBER_LIKE = re.compile(r"\+?\d+(?:[-./:,eE]\d+)*")
TEXT_MARK = "\t"


def safe_csv_row(row: Sequence[Any], identifiers: Sequence[int] = ()) -> list[Any]:
    """``safe_row`` for a CSV file, where the ``identifiers`` columns that Excel would read as
    numbers or dates are marked as text (``TEXT_MARK``)."""
    kept = [(i, TEXT_MARK + row[i]) for i in identifiers
            if row[i].__class__ is str and _NUMBER_LIKE.fullmatch(row[i])]
    cells = _neutralised(row, safe_cell)
    for index, value in kept:
        cells[index] = value
    return cells


def _neutralised(row: Iterable[Any], safe: Callable[[Any], Any]) -> list[Any]:
    return [value if value.__class__ in _AS_IS or (
        value.__class__ is str and not value.startswith(FORMULA_STARTS)
        and len(value) <= MAX_CELL and not _unwritable(value)) else safe(value)
        for value in row]


def write_csv(target: BinaryIO, headers: Sequence[str], rows: Iterable[Sequence[Any]],
              tick: Tick | None = None) -> int:
    """UTF-8 with a byte-order mark, comma separated, every text cell quoted when needed; rows
    neutralised (``safe_row``)."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([safe_cell(h) for h in headers])
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if tick and count % 1000 == 0:
            tick(count)
    text.flush()
    text.detach()  # the caller owns the file
    return count
