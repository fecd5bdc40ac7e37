"""Customer segments by recency, frequency and monetary value (RFM) of the orders that count
as value (completed, or confirmed and paid in full, as for lifetime value) ordered in the
period. Each customer is scored per currency they bought in (amounts never mix currencies):

- recency, days from their last order to the period's last day: ≤30 → 5, ≤90 → 4, ≤180 → 3,
  ≤365 → 2, else 1;
- frequency, orders in the period: ≥10 → 5, ≥5 → 4, ≥3 → 3, 2 → 2, 1 → 1;
- monetary, by rank among the customers of that currency: 1 + ⌊5 × (customers who spent
  less) / customers⌋, so equal amounts score alike.

Segments, first match wins: champions (R≥4, F≥4, M≥4), loyal (R≥3, F≥3), new (R≥4, F=1),
promising (R≥4), at risk (R≤2, F≥3), hibernating (R≤2), needs attention (the rest).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from crm.clock import as_date
from crm.reports.access import customer_filter
from crm.reports.base import (
    Chart,
    Column,
    Figures,
    Label,
    ReportContext,
    ReportKind,
    Table,
    register,
)
from crm.reports.shaping import average, money
from crm.reports.timebase import last_months
from crm.sales.figures import percent
from crm.sales.money import round_money
from storage.database import fetch_all

SEGMENTS = ("champions", "loyal", "new", "promising", "at_risk", "hibernating",
            "need_attention")
RECENCY_DAYS = (30, 90, 180, 365)  # at most this many days → 5, 4, 3, 2; older → 1
FREQUENCY_ORDERS = (10, 5, 3, 2)  # at least this many orders → 5, 4, 3, 2; one → 1


@dataclass(frozen=True)
class Buyer:
    """One customer's value orders in one currency."""

    customer_id: int
    currency: str
    last_order: dt.date
    orders: int
    amount: Decimal


def recency_score(days: int) -> int:
    return 5 - next((i for i, limit in enumerate(RECENCY_DAYS) if days <= limit), 4)


def frequency_score(orders: int) -> int:
    return 5 - next((i for i, least in enumerate(FREQUENCY_ORDERS) if orders >= least), 4)


def monetary_scores(amounts: list[Decimal]) -> list[int]:
    """1-5 by rank: 1 + ⌊5 × (how many are smaller) / how many there are⌋."""
    ordered = sorted(amounts)
    return [1 + 5 * bisect.bisect_left(ordered, a) // len(ordered) for a in amounts]


def segment_of(r: int, f: int, m: int) -> str:
    """The segment of one set of scores (the rules in the module's docstring)."""
    if r >= 4 and f >= 4 and m >= 4:
        return "champions"
    if r >= 3 and f >= 3:
        return "loyal"
    if r >= 4:
        return "new" if f == 1 else "promising"
    if r <= 2:
        return "at_risk" if f >= 3 else "hibernating"
    return "need_attention"


def _buyers(ctx: ReportContext) -> list[Buyer]:
    clause, params = customer_filter(ctx.scope, "o.customer_id", "o.owner_id")
    rows = fetch_all(
        "select o.customer_id, o.currency, max(o.ordered_on), count(*), sum(o.total_minor)"
        " from sales_order o"
        " where (o.status = 'completed' or (o.status in ('confirmed', 'shipped')"
        " and o.paid_minor >= o.total_minor)) and o.ordered_on >= ? and o.ordered_on < ?"
        f"{clause} group by o.customer_id, o.currency",
        (ctx.period.since, ctx.period.until, *params))
    return [Buyer(r[0], r[1], as_date(r[2]), r[3], money(r[4], r[1]))  # type: ignore[arg-type]
            for r in rows]


def compute(ctx: ReportContext) -> Figures:
    """Segments per currency, the recency × frequency grid, and customers per segment."""
    buyers = _buyers(ctx)
    by_currency: dict[str, list[Buyer]] = defaultdict(list)
    for buyer in buyers:
        by_currency[buyer.currency].append(buyer)
    groups: dict[tuple[str, str], list[tuple[Buyer, int]]] = defaultdict(list)
    grid: dict[tuple[int, int], int] = defaultdict(int)
    for code, members in by_currency.items():
        for buyer, m in zip(members, monetary_scores([b.amount for b in members]), strict=True):
            recency = (ctx.period.last - buyer.last_order).days
            r, f = recency_score(recency), frequency_score(buyer.orders)
            groups[(segment_of(r, f, m), code)].append((buyer, recency))
            grid[(r, f)] += 1
    return Figures(summary=_summary(buyers, groups), tables=(
        _segments(groups, len(buyers)), _grid(grid), _chart(groups)),
        charts=(Chart("segments", "segments_chart", "bar", (1,)),))


def _summary(buyers: list[Buyer], groups: dict) -> tuple:
    def count(segment: str) -> int:
        return sum(len(v) for (s, _), v in groups.items() if s == segment)

    return (("buyers", len({b.customer_id for b in buyers}), ""),
            ("champions", count("champions"), ""), ("at_risk", count("at_risk"), ""),
            ("hibernating", count("hibernating"), ""))


def _segments(groups: dict[tuple[str, str], list[tuple[Buyer, int]]], total: int) -> Table:
    rows = []
    for segment in SEGMENTS:
        for code in sorted(c for s, c in groups if s == segment):
            members = groups[(segment, code)]
            amount = sum((b.amount for b, _ in members), Decimal(0))
            rows.append((Label(f"segment.{segment}"), code, len(members),
                         percent(len(members), total),
                         average(sum(r for _, r in members), len(members)),
                         average(sum(b.orders for b, _ in members), len(members)),
                         amount, round_money(amount / len(members), code)))
    return Table("segments", (
        Column("segment"), Column("currency"), Column("customers", "count"),
        Column("share", "percent"), Column("recency_days", "days"),
        Column("orders", "decimal"), Column("monetary", "money"),
        Column("average_monetary", "money")), tuple(rows))


def _grid(grid: dict[tuple[int, int], int]) -> Table:
    columns = (Column("recency_score", "count"),
               *(Column("frequency_score", "count", title=f"F{f}") for f in range(1, 6)))
    rows = tuple((r, *(grid.get((r, f), 0) for f in range(1, 6))) for r in range(5, 0, -1))
    return Table("segments_grid", columns, rows)


def _chart(groups: dict[tuple[str, str], list]) -> Table:
    rows = tuple((Label(f"segment.{segment}"),
                  sum(len(v) for (s, _), v in groups.items() if s == segment))
                 for segment in SEGMENTS)
    return Table("segments_chart", (Column("segment"), Column("customers", "count")), rows)


register(ReportKind("segments", compute, last_months, 60))
