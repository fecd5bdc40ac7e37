"""Cell values as spreadsheets deliver them, turned into the text the validation expects:
phone numbers stored as floats (13800138000.0, 1.38001E+10), Excel dates as date cells or
serial numbers, several values in one cell."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from crm import validation
from crm.errors import ValidationError
from crm.imports.dates import UnsettledDate
from crm.imports.reading import Cell
from crm.search_terms import is_cjk
from crm.spreadsheets import FORMULA_STARTS

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel's 1900 leap-year bug aside)
SERIAL_MAX = 2_958_465  # 9999-12-31
EXACT_FLOAT = 2 ** 53  # beyond this a float no longer holds every whole number
_SCIENTIFIC = re.compile(r"[+-]?(\d+)(?:\.(\d*))?[eE]([+-]?\d+)")
_WHOLE_DECIMAL = re.compile(r"(\d+)\.0+")
_DATE_TIME = re.compile(r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?")
_SERIAL_TEXT = re.compile(r"\d{5}(\.0+)?")
_LIST_SEPARATORS = re.compile(r"[,;，；、|/\n]+")
_EMAIL_SEPARATORS = re.compile(r"[,;，；、|/\s]+")


def text(cell: Cell) -> str:
    """Any cell as trimmed text (whole floats without their ``.0``)."""
    if type(cell) is str:  # most cells: test the common type first
        value = cell.strip()
        if value[:1] == "'" and (value[1:2] in FORMULA_STARTS or value[1:2].isdigit()):
            # Neutralised by an export (safe_cell), or a number some system kept as text
            # ('13800138000, '1990-03-05): the value as it was typed.
            return value[1:]
        return value
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < EXACT_FLOAT else str(cell)
    if isinstance(cell, dt.datetime):
        return cell.isoformat(sep=" ")
    return text(str(cell))


def is_empty(cell: Cell) -> bool:
    """No value at all: None, or text that is only spaces."""
    return cell is None or (type(cell) is str and (not cell or cell.isspace()))


def digits(cell: Cell, field: str) -> str:
    """A number column (phone, ID card) as its digits, refusing what Excel already rounded:
    a float beyond 2^53 or scientific notation with fewer digits than the number has."""
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < EXACT_FLOAT:
            return str(int(cell))
        raise ValidationError("import.number_rounded", field=field, value=text(cell))
    value = text(cell)
    match = _SCIENTIFIC.fullmatch(value)
    if match:
        return _from_scientific(value, match, field)
    whole = _WHOLE_DECIMAL.fullmatch(value)
    return whole[1] if whole else value


def _from_scientific(value: str, match: re.Match[str], field: str) -> str:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    written = (match[1] + (match[2] or "")).lstrip("0")
    if number != number.to_integral_value() or len(written) < len(str(int(number))):
        raise ValidationError("import.number_rounded", field=field, value=value)
    return str(int(number))


def date_value(cell: Cell) -> dt.date | str:
    """A date column: date cells as they are, Excel serial numbers (a number cell, or five
    digits as text) as the day they count, date-times without their time; other text as is,
    for the date validation to read or refuse. A day-and-month date its column does not settle
    (crm.imports.dates) is refused with its two readings."""
    if isinstance(cell, UnsettledDate):
        raise cell.error("birthday")
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if 0 < cell <= validation.MAX_AGE:
            return text(cell)  # an age typed where the birthday goes, not a day of 1900
        return _serial(float(cell)) or text(cell)
    value = text(cell)
    if _SERIAL_TEXT.fullmatch(value):
        return _serial(float(value)) or value
    timed = _DATE_TIME.fullmatch(value)
    return timed[1] if timed else value


def _serial(number: float) -> dt.date | None:
    if number.is_integer() and 1 <= number <= SERIAL_MAX:
        return EXCEL_EPOCH + dt.timedelta(days=int(number))
    return None


def is_year_month_number(cell: Cell, today: dt.date) -> bool:
    """A number cell Excel made of a typed year and month (1975.3 → 1975.3): a year from 1900
    to this one and a month 1 to 12 after the point. Any other number stays a date cell."""
    if not isinstance(cell, float):
        return False
    parsed = validation.parse_year_month(text(cell))
    return (parsed is not None and validation.EARLIEST_BIRTHDAY.year <= parsed[0] <= today.year
            and 1 <= parsed[1] <= 12)


def is_unsure_month(cell: Cell) -> bool:
    """A year-and-month number whose month cannot be told: Excel stores a typed 1975.10 as
    the number 1975.1, so 1975.1 is January or October."""
    return isinstance(cell, float) and text(cell).endswith(".1")


def split_list(value: str) -> list[str]:
    """Several values in one cell: 138..., 139... or VIP、华东."""
    return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]


def split_tags(value: str) -> list[str]:
    """A tags cell: split like ``split_list``, and at spaces too when the cell holds Chinese
    and no other separator (``潜在 华东`` is two tags, as Chinese has no spaces inside a word;
    ``hot lead`` stays one). An ideographic space always separates."""
    value = value.replace("\u3000", ",")
    if not _LIST_SEPARATORS.search(value) and any(is_cjk(char) for char in value):
        return value.split()
    return split_list(value)


def split_emails(value: str) -> list[str]:
    """Several e-mail addresses in one cell, also separated by spaces."""
    return [part for part in _EMAIL_SEPARATORS.split(value) if part]
