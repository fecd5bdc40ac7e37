"""Sales figures as pure functions over query results (see crm.sales.reports for the queries).

Amounts are kept per currency, never added across currencies; rounding is half up to the
currency's minor unit, done once on each total.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from crm.localtime import local_now
from crm.sales.money import round_money
from crm.sales.rules import round_days, weighted
from crm.sales.views import StageView


@dataclass(frozen=True)
class DealFact:
    """What the figures need of one deal."""

    id: int
    customer_id: int
    owner_id: int | None
    team_id: int | None  # the owner's team
    stage_id: int
    stage_kind: str
    probability: int
    currency: str
    amount: Decimal  # 0 when the deal has no amount yet
    expected_close: dt.date | None
    created_at: dt.datetime
    closed_at: dt.datetime | None


@dataclass(frozen=True)
class StageFigure:
    stage: StageView
    count: int
    amounts: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class MonthFigure:
    """One month (its first day; None for deals without a date) in one currency."""

    month: dt.date | None
    currency: str
    count: int
    amount: Decimal
    weighted: Decimal | None = None  # forecast only


@dataclass(frozen=True)
class Conversion:
    from_stage: StageView
    to_stage: StageView
    reached_from: int
    reached_to: int
    rate: Decimal | None  # percent, one decimal; None when no deal reached from_stage


@dataclass(frozen=True)
class WinRate:
    won: int
    lost: int
    rate: Decimal | None  # percent of closed deals won, one decimal


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percent with one decimal, half up; None for an empty whole."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def month_of(day: dt.date | dt.datetime | None) -> dt.date | None:
    """The first day of the month of a date or timestamp."""
    return None if day is None else dt.date(day.year, day.month, 1)


def _totals(facts: Iterable[DealFact]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for fact in facts:
        totals[fact.currency] = totals.get(fact.currency, Decimal(0)) + fact.amount
    return {code: round_money(amount, code) for code, amount in totals.items()}


def pipeline_by_stage(facts: Sequence[DealFact],
                      stages: Sequence[StageView]) -> tuple[StageFigure, ...]:
    """Count and amount of the deals now in each stage, in pipeline order (empty stages too)."""
    by_stage: dict[int, list[DealFact]] = defaultdict(list)
    for fact in facts:
        by_stage[fact.stage_id].append(fact)
    return tuple(StageFigure(s, len(by_stage[s.id]), _totals(by_stage[s.id])) for s in stages)


def group_facts(facts: Iterable[DealFact],
                key: Callable[[DealFact], int | None]) -> dict[int | None, list[DealFact]]:
    """Facts split by a key (owner_id, team_id...), keys in first-seen order."""
    groups: dict[int | None, list[DealFact]] = {}
    for fact in facts:
        groups.setdefault(key(fact), []).append(fact)
    return groups


def weighted_forecast(facts: Iterable[DealFact]) -> list[MonthFigure]:
    """Open deals by expected-close month and currency: amount, and amount × win probability."""
    groups: dict[tuple[dt.date | None, str], list[DealFact]] = defaultdict(list)
    for fact in facts:
        if fact.stage_kind == "open":
            groups[(month_of(fact.expected_close), fact.currency)].append(fact)
    return [MonthFigure(month, code, len(group), round_money(sum(
        (f.amount for f in group), Decimal(0)), code), round_money(sum(
            (weighted(f.amount, f.probability) for f in group), Decimal(0)), code))
        for (month, code), group in sorted(groups.items(), key=_month_key)]


def _month_key(item: tuple[tuple[dt.date | None, str], object]) -> tuple:
    (month, code), _ = item
    return (month is None, month or dt.date.min, code)


def won_by_month(facts: Iterable[DealFact], zone: str) -> list[MonthFigure]:
    """Won deals by the month (in ``zone``) they were won, per currency."""
    groups: dict[tuple[dt.date | None, str], list[DealFact]] = defaultdict(list)
    for fact in facts:
        if fact.stage_kind == "won":
            # on the zone's clock: won at 07:00 on 1 December in Shanghai is December's
            closed = fact.closed_at and local_now(zone, fact.closed_at)
            groups[(month_of(closed), fact.currency)].append(fact)
    return [MonthFigure(month, code, len(group),
                        round_money(sum((f.amount for f in group), Decimal(0)), code))
            for (month, code), group in sorted(groups.items(), key=_month_key)]


def closed_between(facts: Iterable[DealFact], since: dt.datetime | None,
                   until: dt.datetime | None) -> list[DealFact]:
    """Closed deals whose closing time falls in [since, until)."""
    return [f for f in facts if f.closed_at is not None and f.stage_kind != "open"
            and (since is None or f.closed_at >= since) and (until is None or f.closed_at < until)]


def win_rate(facts: Iterable[DealFact]) -> WinRate:
    """Won deals as a share of the closed (won + lost) ones."""
    kinds = [f.stage_kind for f in facts]
    won, lost = kinds.count("won"), kinds.count("lost")
    return WinRate(won, lost, percent(won, won + lost))


def average_days_to_close(facts: Iterable[DealFact]) -> Decimal | None:
    """Mean days from a deal's creation to its win, one decimal; None without won deals."""
    spans = [f.closed_at - f.created_at for f in facts
             if f.stage_kind == "won" and f.closed_at is not None]
    if not spans:
        return None
    seconds = sum(Decimal(int(s.total_seconds())) for s in spans)
    return round_days(seconds / Decimal(86400) / Decimal(len(spans)))


def stage_conversion(moves: Iterable[tuple[int, int]],
                     stages: Sequence[StageView]) -> list[Conversion]:
    """From the stage history ((deal id, stage reached) pairs): of the deals that reached each
    stage, the share that went on to reach the next one (or any later one: skipping a stage
    counts as passing it). Open stages in order, then won; lost stages are not a step."""
    steps = [s for s in stages if s.kind == "open"] + [s for s in stages if s.kind == "won"]
    rank = {s.id: i for i, s in enumerate(steps)}
    furthest: dict[int, int] = {}
    for deal_id, stage_id in moves:
        if stage_id in rank:
            furthest[deal_id] = max(furthest.get(deal_id, -1), rank[stage_id])
    reached = [sum(1 for r in furthest.values() if r >= i) for i in range(len(steps))]
    # Several won stages are one final step: the first of them stands for all.
    last = next((i for i, s in enumerate(steps) if s.kind == "won"), len(steps) - 1)
    return [Conversion(steps[i], steps[i + 1], reached[i], reached[i + 1],
                       percent(reached[i + 1], reached[i]))
            for i in range(min(last, len(steps) - 1))]


def counts_as_value(status: str, total_minor: int, paid_minor: int) -> bool:
    """An order adds to lifetime value once completed, or confirmed and paid in full."""
    return status == "completed" or (status in ("confirmed", "shipped")
                                     and paid_minor >= total_minor)


def lifetime_values(orders: Iterable[tuple[int, str, str, Decimal, int, int]]
                    ) -> dict[int, dict[str, Decimal]]:
    """Per customer and currency, the total of orders that count as value.

    Each order is (customer id, status, currency, total, total_minor, paid_minor).
    """
    values: dict[int, dict[str, Decimal]] = {}
    for customer_id, status, code, total, total_minor, paid_minor in orders:
        if counts_as_value(status, total_minor, paid_minor):
            mine = values.setdefault(customer_id, {})
            mine[code] = mine.get(code, Decimal(0)) + total
    return values
