"""Dates written with the day and the month as numbers (03/04/1990). Whether the day or the
month comes first is decided once per column, by the values that can be read one way only:
25/03/1990 says day first, 03/25/1990 month first. A value that could be read either way is
read in the column's order; when no value tells, or values tell both, it is refused with its
two readings, never guessed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from crm.errors import ValidationError
from crm.imports.reading import Cell

# Day and month (in either order), then a four-digit year; a time after it is left out.
NUMERIC_DATE = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
MONTHS = 12


@dataclass(frozen=True)
class Example:
    """A value of the column that can be read one way only, and its row."""

    row: int
    value: str


@dataclass(frozen=True)
class DateOrder:
    """How a column writes its day-and-month dates: its first value that can only be day
    first, its first that can only be month first (neither: nothing tells)."""

    day_first: Example | None = None
    month_first: Example | None = None

    @property
    def settled(self) -> bool:
        return (self.day_first is None) != (self.month_first is None)

    def read(self, cell: Cell) -> Cell | UnsettledDate:
        """The cell as a date when its reading is known; an ``UnsettledDate`` when it could
        be either and the column does not settle it; otherwise the cell as it is (not such a
        date, or no day of the calendar: the date check refuses it as written)."""
        if type(cell) is not str:
            return cell
        written = _written(cell)
        match = NUMERIC_DATE.fullmatch(written)
        if match is None:
            return cell
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        day_first = _date(year, second, first)
        month_first = _date(year, first, second)
        if day_first is None or month_first is None or first == second:
            return day_first or month_first or cell  # one reading at most (00/04/1990: none)
        if self.settled:
            return day_first if self.day_first is not None else month_first
        return UnsettledDate(written, day_first, month_first, self)


@dataclass(frozen=True)
class UnsettledDate:
    """A value that reads as two dates and that its column does not settle; checking it
    refuses it with both readings (``cells.date_value``)."""

    value: str
    day_first: dt.date
    month_first: dt.date
    order: DateOrder

    def __str__(self) -> str:
        return self.value

    def error(self, field: str) -> ValidationError:
        """Why the value is refused: what it could mean, and how to write it."""
        readings: dict[str, Any] = {
            "value": self.value, "day_first": reading(self.day_first),
            "month_first": reading(self.month_first),
            "day_first_iso": self.day_first.isoformat(),
            "month_first_iso": self.month_first.isoformat()}
        day, month = self.order.day_first, self.order.month_first
        if day is None or month is None:
            return ValidationError("import.date_ambiguous", field=field, **readings)
        return ValidationError("import.date_orders_mixed", field=field, **readings,
                               day_first_row=day.row, day_first_example=day.value,
                               month_first_row=month.row, month_first_example=month.value)


def reading(date: dt.date) -> dict[str, Any]:
    """A date as a message the interface words in the reader's language (3 April 1990,
    1990年4月3日)."""
    return {"code": "import.date_reading",
            "params": {"year": date.year, "month": {"code": f"import.month.{date.month}"},
                       "day": date.day}}


def column_order(values: Iterable[tuple[int, Cell]]) -> DateOrder | None:
    """The order a column's (row, cell) values show: the first value of each order that can
    be read that way only, as a day of the calendar (31/04/1990 tells nothing: it is no date
    either way); None when no value is a day-and-month date."""
    day_first = month_first = None
    any_such = False
    for row, cell in values:
        if type(cell) is not str:
            continue
        match = NUMERIC_DATE.fullmatch(_written(cell))
        if match is None:
            continue
        any_such = True
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        if day_first is None and first > MONTHS >= second and _date(year, second, first):
            day_first = Example(row, _written(cell))
        elif month_first is None and second > MONTHS >= first and _date(year, first, second):
            month_first = Example(row, _written(cell))
        if day_first and month_first:
            break
    return DateOrder(day_first, month_first) if any_such else None


def _written(cell: str) -> str:
    """The cell as typed: trimmed, without the apostrophe that keeps a number as text."""
    value = cell.strip()
    return value[1:] if value[:1] == "'" else value


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
