"""How report values become text: the reader's wording comes from the interface as a
``labels(key, **params)`` function (the bot's catalogues), so the domain holds no language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from crm.reports.base import Cell, Column, Label
from crm.sales.money import MINOR_UNITS, round_money

Labels = Callable[..., str]  # labels("reports.kind.funnel") → "Sales funnel"
# A headline figure with nothing to count from (a rate of no tickets): a dash, not "0 %" or "%".
NO_VALUE = "—"


def display(value: Cell, labels: Labels, kind: str = "text") -> str:
    """A value as a reader sees it in a chart or a message."""
    if value is None:
        return ""
    if isinstance(value, Label):
        return labels(f"reports.value.{value.key}", **dict(value.params))
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}" if kind == "month" else value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)


def header(column: Column, labels: Labels) -> str:
    """A column's header: its own title (from the data), else the catalogue's."""
    if column.title is not None:
        return display(column.title, labels)
    return labels(f"reports.column.{column.key}")


def figure_text(value: Cell, unit: str | Label, labels: Labels) -> str:
    """A headline figure with its unit (``43.8 %``, ``2,113,672 CNY``); a dash when there is
    no figure."""
    if value is None:
        return NO_VALUE
    return " ".join(filter(None, (display(in_currency(value, unit), labels),
                                  display(unit, labels))))


def in_currency(value: Cell, unit: str | Label) -> Cell:
    """A headline amount with its currency's decimals (no deals yet: 0.00 CNY, 0 JPY, as
    other amounts read); any other figure as it is."""
    if isinstance(value, Decimal) and isinstance(unit, str) and unit in MINOR_UNITS:
        return round_money(value, unit)
    return value
