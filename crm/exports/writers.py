"""Streaming file writers: XLSX through openpyxl's write-only mode and CSV in UTF-8 with a BOM
(so Excel shows Chinese correctly). Rows come neutralised against formula injection
(``safe_row``); headers are neutralised here."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import chain, islice
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from crm.spreadsheets import (
    FORMULA_STARTS,
    MAX_CELL,
    UNWRITABLE,
    WIDTH_SAMPLE,
    money_format,
    safe_cell,
    safe_xlsx_cell,
    set_widths,
)

FORMATS = ("xlsx", "csv")
Tick = Callable[[int], None]  # rows written so far
_unwritable = UNWRITABLE.search
_AS_IS = frozenset({type(None), int, float, bool, Decimal, dt.date, dt.datetime})


def safe_row(row: Iterable[Any]) -> list[Any]:
    """``safe_cell`` of every value, with what needs nothing (numbers, dates, text that starts
    harmlessly) passed by without a call: two million cells in an export of 100,000."""
    return _neutralised(row, safe_cell)


def safe_xlsx_row(row: Iterable[Any]) -> list[Any]:
    """``safe_row`` for an XLSX file, where international phones need no apostrophe
    (``safe_xlsx_cell``)."""
    return _neutralised(row, safe_xlsx_cell)


def _neutralised(row: Iterable[Any], safe: Callable[[Any], Any]) -> list[Any]:
    return [value if value.__class__ in _AS_IS or (
        value.__class__ is str and not value.startswith(FORMULA_STARTS)
        and len(value) <= MAX_CELL and not _unwritable(value)) else safe(value)
        for value in row]


def write_xlsx(target: BinaryIO, title: str, headers: Sequence[str],
               rows: Iterable[list[Any]], tick: Tick | None = None,
               money: Sequence[int] = ()) -> int:
    """One sheet with a bold, frozen header row and columns as wide as their first rows need;
    the cells of the ``money`` columns show thousands and the currency's decimals; rows
    (neutralised: ``safe_row``) are streamed, memory stays bounded."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"  # the headings stay in sight down a long list
    rows = iter(rows)
    first = list(islice(rows, WIDTH_SAMPLE))
    set_widths(sheet, [headers, *first])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_cell(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in chain(first, rows):
        for index in money:
            if row[index] is not None:
                row[index] = _money_cell(sheet, row[index])
        sheet.append(row)
        count += 1
        if tick and count % 1000 == 0:
            tick(count)
    book.save(target)
    return count


def _money_cell(sheet: Any, amount: Decimal) -> WriteOnlyCell:
    """An amount as a number shown like money: 12,500.50 (a yen amount: 12,500)."""
    cell = WriteOnlyCell(sheet, value=amount)
    cell.number_format = money_format(amount)
    return cell


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
