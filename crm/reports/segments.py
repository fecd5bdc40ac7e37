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

import functools
from collections import defaultdict
from collections.abc import Sequence
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


class _Segment:
    """Running totals of one segment in one currency (amounts in whole minor units)."""

    def __init__(self) -> None:
        self.customers = self.recency = self.orders = self.minor = 0

    def add(self, recency: int, orders: int, minor: int) -> None:
        self.customers += 1
        self.recency += recency
        self.orders += orders
        self.minor += minor


def recency_score(days: int) -> int:
    """5 for an order in the last 30 days … 1 for none in a year."""
    for score, limit in zip((5, 4, 3, 2), RECENCY_DAYS, strict=True):
        if days <= limit:
            return score
    return 1


def frequency_score(orders: int) -> int:
    """5 for ten orders or more … 1 for a single one."""
    for score, least in zip((5, 4, 3, 2), FREQUENCY_ORDERS, strict=True):
        if orders >= least:
            return score
    return 1


def monetary_scores(amounts: Sequence[int | Decimal]) -> list[int]:
    """1-5 by rank: 1 + ⌊5 × (how many are smaller) / how many there are⌋."""
    smaller: dict[int | Decimal, int] = {}
    for index, amount in enumerate(sorted(amounts)):
        smaller.setdefault(amount, index)
    return [1 + 5 * smaller[a] // len(amounts) for a in amounts]


@functools.cache
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


def _buyers(ctx: ReportContext) -> dict[str, list[tuple]]:
    """Per currency: (customer id, last order day, orders, spent in minor units)."""
    clause, params = customer_filter(ctx.scope, "o.customer_id", "o.owner_id")
    found: dict[str, list[tuple]] = defaultdict(list)
    for customer_id, code, last, orders, minor in fetch_all(
            "select o.customer_id, o.currency, max(o.ordered_on), count(*), sum(o.total_minor)"
            " from sales_order o"
            " where (o.status = 'completed' or (o.status in ('confirmed', 'shipped')"
            " and o.paid_minor >= o.total_minor)) and o.ordered_on >= ? and o.ordered_on < ?"
            f"{clause} group by o.customer_id, o.currency",
            (ctx.period.since, ctx.period.until, *params)):
        found[code].append((customer_id, as_date(last), orders, int(minor)))
    return found


def compute(ctx: ReportContext) -> Figures:
    """Segments per currency, the recency × frequency grid, and customers per segment."""
    buyers = _buyers(ctx)
    groups: dict[tuple[str, str], _Segment] = defaultdict(_Segment)
    grid: dict[tuple[int, int], int] = defaultdict(int)
    last_day = ctx.period.last
    for code, members in buyers.items():
        scores = monetary_scores([minor for *_, minor in members])
        for (_, last, orders, minor), m in zip(members, scores, strict=True):
            recency = (last_day - last).days
            r, f = recency_score(recency), frequency_score(orders)
            groups[(segment_of(r, f, m), code)].add(recency, orders, minor)
            grid[(r, f)] += 1
    people = len({member[0] for members in buyers.values() for member in members})
    units = sum(len(members) for members in buyers.values())
    return Figures(summary=_summary(people, groups), tables=(
        _segments(groups, units), _grid(grid), _chart(groups)),
        charts=(Chart("segments", "segments_chart", "bar", (1,), "customers"),))


def _count(groups: dict[tuple[str, str], _Segment], segment: str) -> int:
    return sum(g.customers for (s, _), g in groups.items() if s == segment)


def _summary(people: int, groups: dict[tuple[str, str], _Segment]) -> tuple:
    return (("buyers", people, ""), ("champions", _count(groups, "champions"), ""),
            ("at_risk", _count(groups, "at_risk"), ""),
            ("hibernating", _count(groups, "hibernating"), ""))


def _segments(groups: dict[tuple[str, str], _Segment], total: int) -> Table:
    rows = []
    for segment in SEGMENTS:
        for code in sorted(c for s, c in groups if s == segment):
            group = groups[(segment, code)]
            amount = money(group.minor, code)
            rows.append((Label(f"segment.{segment}"), code, group.customers,
                         percent(group.customers, total),
                         average(group.recency, group.customers),
                         average(group.orders, group.customers),
                         amount, round_money(amount / group.customers, code)))
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


def _chart(groups: dict[tuple[str, str], _Segment]) -> Table:
    rows = tuple((Label(f"segment.{segment}"), _count(groups, segment)) for segment in SEGMENTS)
    return Table("segments_chart", (Column("segment"), Column("customers", "count")), rows)


register(ReportKind("segments", compute, last_months, 60))
