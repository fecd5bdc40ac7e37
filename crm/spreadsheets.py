"""Writing spreadsheets safely: user-typed text never becomes a formula, memory stays bounded."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import chain, islice
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 32_767  # Excel's limit for one cell
# Control characters an XLSX file cannot hold (tab and line breaks aside): openpyxl refuses
# the whole file for one of them, and in a CSV they only confuse the reader.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
Tick = Callable[[int], None]  # rows written so far
# What no file name may hold on some system (Windows' reserved characters, controls).
_NOT_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def file_name_part(text: str) -> str:
    """``text`` as a part of a file's name every system takes: refused characters become _."""
    return _NOT_IN_FILE_NAMES.sub("_", text).strip()


def safe_cell(value: Any) -> Any:
    """A value ready for a cell: text that a spreadsheet would run as a formula is quoted."""
    text = _text(value)
    if text is None:
        return value
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text[:MAX_CELL]


def _text(value: Any) -> str | None:
    """``value`` as writable text, or None for what goes in as it is (numbers, dates, None)."""
    if type(value) is str:  # most cells, so tested first
        return writable(value)
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.datetime):
        return None
    return writable(str(value))


class FormulaText(str):
    """Text that starts like a formula (= + - @), bound for an XLSX file: written as text with
    Excel's quote prefix (``quoted_text``), it shows as typed and never runs. A plain string
    otherwise, so it crosses the XLSX helper's pipe (``crm.xlsx_helper``)."""

    __slots__ = ()


def writable(text: str) -> str:
    """``text`` without the control characters no file can hold, cut to a cell's limit."""
    if UNWRITABLE.search(text):
        text = UNWRITABLE.sub("", text)
    return text[:MAX_CELL]


def quoted_text(sheet: Any, value: Any) -> Any:
    """A value for a cell of an XLSX file: text that would start a formula is written as text
    marked the way Excel marks a typed ``'=...`` (its quote prefix): it shows as it was
    (``+86 (138) 0013-8012``, no apostrophe to see) and stays text when edited."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return safe_cell(value)
    cell = WriteOnlyCell(sheet, value=writable(value))
    cell.data_type = "s"  # openpyxl would make a formula of a leading =
    cell.quotePrefix = True
    return cell


# A column is as wide as its widest value (Chinese characters count two), within these bounds:
# Excel's default width (8.43) shows a date-time or 1,234,567.00 as ########.
MIN_WIDTH, MAX_WIDTH = 8, 50
WIDTH_SAMPLE = 200  # rows a streamed sheet's widths are measured on


def text_width(value: Any) -> int:
    """About how many character widths a value takes as Excel shows it."""
    if isinstance(value, dt.datetime):
        return 19  # yyyy-mm-dd h:mm:ss
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, bool) or value is None:
        return 5 if value is not None else 0
    if isinstance(value, int):
        return len(f"{value:,}")
    if isinstance(value, float | Decimal):
        return len(f"{value:,.2f}")
    return max((columns(line) for line in str(value).split("\n")), default=0)



def columns(text: str) -> int:
    """How many columns ``text`` takes in a terminal or a spreadsheet cell: Chinese,
    Japanese, Korean and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)

def set_widths(sheet: Any, rows: Iterable[Sequence[Any]]) -> None:
    """Each column as wide as the widest of ``rows`` (headers included) shows; on a streamed
    sheet, call it before the first row is written."""
    widths: dict[int, int] = {}
    for row in rows:
        for index, value in enumerate(row):
            widths[index] = max(widths.get(index, 0), text_width(value))
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width + 2))


def money_format(amount: Decimal) -> str:
    """Excel's format for an amount: thousands separated and the decimals it carries, which
    are its currency's minor units (12,500.50; a yen or won amount: 12,500)."""
    places = max(0, -int(amount.as_tuple().exponent))
    return "#,##0." + "0" * places if places else "#,##0"


# An international phone as the product stores it (E.164: "+" and digits only). In an XLSX
# file a text cell is never run, and typed again it would be at most a number, so it is
# written as it is: an apostrophe in front would show in the cell ('+6586997611). A CSV cell
# keeps it (Excel reads CSV as typed input, and would turn the phone into 6.59E+09).
_INTERNATIONAL_PHONE = re.compile(r"\+[1-9]\d{6,14}")


def safe_xlsx_cell(value: Any) -> Any:
    """``safe_cell`` for a cell of an XLSX file: text that would start a formula is kept as
    typed, as ``FormulaText`` (``write_xlsx`` gives it the quote prefix); international phones,
    text Excel never runs, stay plain (no style to write on every phone of a long list)."""
    if type(value) is str and _INTERNATIONAL_PHONE.fullmatch(value):
        return value
    text = _text(value)
    if text is None:
        return value
    return FormulaText(text) if text.startswith(FORMULA_STARTS) else text


def _wrapped(sheet: Any, text: str) -> WriteOnlyCell:
    """Text of several lines, shown on its lines (Excel shows a line break only in a cell
    that wraps)."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


# Excel's General format shows at most 11 digits: a longer whole number (a phone or an ID
# card kept as a number) would show as 1.39444E+11, so it gets a format of whole digits.
LONG_NUMBER = 10**11


def _whole_digits(sheet: Any, number: int | float) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=number)
    cell.number_format = "0"
    return cell


def _cell(sheet: Any, value: Any) -> Any:
    """A value as written: as it is, or a cell formatted so that Excel shows it whole."""
    if isinstance(value, Cell):
        if isinstance(value.value, str) and "\n" in value.value:
            value.alignment = Alignment(wrap_text=True, vertical="top")
        return value
    if isinstance(value, str) and "\n" in value:
        return _wrapped(sheet, value)
    if type(value) in (int, float) and abs(value) >= LONG_NUMBER and value == int(value):
        return _whole_digits(sheet, value)
    return value


def _heading_cells(sheet: Any, headers: Sequence[str]) -> list[Cell]:
    """The heading row: bold, each heading as typed (``quoted_text``)."""
    bold = Font(bold=True)
    cells = []
    for header in headers:
        cell = quoted_text(sheet, header)
        cell = cell if isinstance(cell, Cell) else WriteOnlyCell(sheet, value=cell)
        cell.font = bold
        cells.append(cell)
    return cells


def workbook_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An XLSX file with one sheet per (title, headers, rows), written in streaming mode, each
    under a bold, frozen heading row; text that would start a formula is ``quoted_text``."""
    book = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"  # the headings stay in sight down a long list
        rows = iter(rows)
        first = list(islice(rows, WIDTH_SAMPLE))
        set_widths(sheet, [headers, *first])
        sheet.append(_heading_cells(sheet, headers))
        for row in chain(first, rows):
            sheet.append([_cell(sheet, quoted_text(sheet, value)) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_xlsx(target: BinaryIO, title: str, headers: Sequence[str],
               rows: Iterable[list[Any]], tick: Tick | None = None,
               money: Sequence[int] = ()) -> int:
    """One sheet with a bold, frozen header row and columns as wide as their first rows need;
    the cells of the ``money`` columns show thousands and the currency's decimals; rows
    (neutralised: ``safe_xlsx_row``) are streamed, memory stays bounded; their ``FormulaText``
    is written with the quote prefix."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"  # the headings stay in sight down a long list
    rows = iter(rows)
    first = list(islice(rows, WIDTH_SAMPLE))
    set_widths(sheet, [headers, *first])
    sheet.append(_heading_cells(sheet, headers))
    count = 0
    for row in chain(first, rows):
        for index in money:
            if row[index] is not None:
                row[index] = _money_cell(sheet, row[index])
        if FormulaText in map(type, row):  # rare: ~1 µs a row to look, ~100 to write one
            row = [quoted_text(sheet, v) if type(v) is FormulaText else v for v in row]
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
