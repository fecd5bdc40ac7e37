"""Small pure helpers the report kinds share: money sums per currency, the chart currency,
averages and the engine-specific bits of SQL."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from crm.sales.money import DEFAULT_CURRENCY, from_minor
from storage.database import database, is_sqlite

ONE_DECIMAL = Decimal("0.1")


def money(minor: int | None, code: str) -> Decimal:
    """Whole minor units as the currency's Decimal amount (none: a zero with the currency's
    decimals, 0.00 CNY, as the other amounts of a column show)."""
    amount = from_minor(int(minor or 0), code)
    return amount if amount is not None else Decimal(0)


def main_currency(counts: Iterable[tuple[str, int]]) -> str:
    """The currency with the most deals or orders (charts draw one currency; ties by code)."""
    totals: dict[str, int] = {}
    for code, count in counts:
        totals[code] = totals.get(code, 0) + count
    if not totals:
        return DEFAULT_CURRENCY
    return min(totals, key=lambda code: (-totals[code], code))


def average(total: Decimal | int, count: int) -> Decimal | None:
    """total / count to one decimal, half up; None when count is 0."""
    if count == 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def seconds_between_sql(start: str, end: str) -> str:
    """SQL for the seconds from timestamp column ``start`` to ``end``."""
    if is_sqlite(database):
        return f"((julianday({end}) - julianday({start})) * 86400.0)"
    return f"extract(epoch from ({end} - {start}))"
