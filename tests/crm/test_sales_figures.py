"""Sales figures on a fixed data set whose right answers were worked out by hand.

Default pipeline: Lead 10%, Contacted 20%, Qualified 40%, Proposal 60%, Negotiation 80%,
Won, Lost. Owners: A = agent, B = teammate (both in team 华南), C = other agent (team 华北).
Deals, created 2026-01-05 09:00 (T0), CNY unless said:

    D1  A  10,000.00  close 2026-02-15  Lead → Contacted → Qualified → Proposal
    D2  A  20,000.00  close 2026-02-20  Lead → Contacted
    D3  B   5,000.05  close 2026-03-10  Lead
    D4  B   8,000.00  close 2026-03-31  Lead → Contacted → Qualified → Proposal → Negotiation
    D5  A  12,000.00                    Lead → Contacted → Qualified → Won   (T0 + 10 days)
    D6  C  30,000.00                    Lead → Qualified → Proposal → Negotiation → Won (T0 + 45 d)
    D7  C   7,000.00                    Lead → Contacted → Lost, price       (T0 + 20 days)
    D8  B   4,000.00                    Lead → Lost, unresponsive            (T0 + 5 days)
    D9  A  USD 1,000.00 close 2026-02-28 Lead → Proposal
    D10 B  (no amount, no date)         Lead
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee
import pytest

from crm import sales, users
from crm.sales import figures
from crm.sales.figures import DealFact
from tests.crm.cast import SYSTEM, customer, make_cast

T0 = dt.datetime(2026, 1, 5, 9, 0)
D = Decimal
PLAN = [
    ("D1", "A", "10000.00", "2026-02-15", ["Contacted", "Qualified", "Proposal"], None),
    ("D2", "A", "20000.00", "2026-02-20", ["Contacted"], None),
    ("D3", "B", "5000.05", "2026-03-10", [], None),
    ("D4", "B", "8000.00", "2026-03-31", ["Contacted", "Qualified", "Proposal", "Negotiation"],
     None),
    ("D5", "A", "12000.00", None, ["Contacted", "Qualified", "Won"], 10),
    ("D6", "C", "30000.00", None, ["Qualified", "Proposal", "Negotiation", "Won"], 45),
    ("D7", "C", "7000.00", None, ["Contacted", "Lost"], 20),
    ("D8", "B", "4000.00", None, ["Lost"], 5),
    ("D9", "A", "USD 1000.00", "2026-02-28", ["Proposal"], None),
    ("D10", "B", None, None, [], None),
]
LOST_REASONS = {"D7": "price", "D8": "unresponsive"}


@pytest.fixture
def book(db: peewee.Database):
    """The cast, the teams, and the ten deals moved through their stages."""
    cast = make_cast()
    south, north = users.create_team(cast.admin, "华南"), users.create_team(cast.admin, "华北")
    for member, team in ((cast.agent, south), (cast.teammate, south), (cast.other_agent, north)):
        users.set_team(cast.admin, member.telegram_id, team.id)
    owners = {"A": cast.agent, "B": cast.teammate, "C": cast.other_agent}
    stages = {s.name_en: s.id for s in sales.get_pipeline(SYSTEM).stages}
    deals = {}
    for name, owner, amount, close, path, closed_after in PLAN:
        actor = owners[owner]
        buyer = customer(actor, f"客户{name}", now=T0)
        currency, _, value = (amount or "").rpartition(" ")
        deal = sales.create_deal(actor, buyer.id, name, amount=value or None,
                                 currency=currency or None, expected_close=close, now=T0)
        for step, stage in enumerate(path, start=1):
            last = step == len(path)
            when = T0 + (dt.timedelta(days=closed_after) if last and closed_after
                         else dt.timedelta(hours=step))
            sales.move_deal_to_stage(actor, deal.id, stages[stage], now=when,
                                     lost_reason=LOST_REASONS.get(name))
        deals[name] = deal.id
    return cast, south, north, deals


def counts_and_amounts(figures_: tuple) -> list[tuple[str, int, dict]]:
    return [(f.stage.name_en, f.count, f.amounts) for f in figures_]


def test_the_pipeline_by_stage_counts_and_sums_each_stage(book) -> None:
    cast = book[0]
    [(key, stages)] = sales.get_pipeline_figures(cast.manager).items()
    assert key is None
    assert counts_and_amounts(stages) == [
        ("Lead", 2, {"CNY": D("5000.05")}),
        ("Contacted", 1, {"CNY": D("20000.00")}),
        ("Qualified", 0, {}),
        ("Proposal", 2, {"CNY": D("10000.00"), "USD": D("1000.00")}),
        ("Negotiation", 1, {"CNY": D("8000.00")}),
        ("Won", 2, {"CNY": D("42000.00")}),
        ("Lost", 2, {"CNY": D("11000.00")}),
    ]


def test_the_pipeline_splits_by_owner_and_by_team(book) -> None:
    cast, south, north, _ = book
    by_owner = sales.get_pipeline_figures(cast.manager, group_by="owner")
    mine = {f.stage.name_en: (f.count, f.amounts) for f in by_owner[cast.agent.user_id]}
    assert {k: v for k, v in mine.items() if v[0]} == {
        "Contacted": (1, {"CNY": D("20000.00")}),
        "Proposal": (2, {"CNY": D("10000.00"), "USD": D("1000.00")}),
        "Won": (1, {"CNY": D("12000.00")})}
    by_team = sales.get_pipeline_figures(cast.manager, group_by="team")
    assert set(by_team) == {south.id, north.id}
    assert [f.count for f in by_team[south.id]] == [2, 1, 0, 2, 1, 1, 1]
    assert [f.count for f in by_team[north.id]] == [0, 0, 0, 0, 0, 1, 1]
    only_c = sales.get_pipeline_figures(cast.manager, owner_id=cast.other_agent.user_id)
    assert [f.amounts for f in only_c[None]][5:] == [{"CNY": D("30000.00")},
                                                     {"CNY": D("7000.00")}]


def test_the_weighted_forecast_groups_open_deals_by_close_month(book) -> None:
    """Feb CNY: 10,000 × 60% + 20,000 × 20% = 10,000.00; Feb USD: 1,000 × 60% = 600.00;
    Mar CNY: 5,000.05 × 10% + 8,000 × 80% = 500.005 + 6,400 = 6,900.005 → 6,900.01 (half up);
    no date: D10 with nothing to weigh."""
    months = sales.get_forecast(book[0].manager)
    assert [(m.month, m.currency, m.count, m.amount, m.weighted) for m in months] == [
        (dt.date(2026, 2, 1), "CNY", 2, D("30000.00"), D("10000.00")),
        (dt.date(2026, 2, 1), "USD", 1, D("1000.00"), D("600.00")),
        (dt.date(2026, 3, 1), "CNY", 2, D("13000.05"), D("6900.01")),
        (None, "CNY", 1, D("0.00"), D("0.00")),
    ]


def test_won_per_month_win_rate_and_days_to_close(book) -> None:
    manager = book[0].manager
    won = sales.get_won_by_month(manager)
    assert [(m.month, m.count, m.amount) for m in won] == [
        (dt.date(2026, 1, 1), 1, D("12000.00")), (dt.date(2026, 2, 1), 1, D("30000.00"))]
    february = sales.get_won_by_month(manager, since=dt.datetime(2026, 2, 1))
    assert [m.month for m in february] == [dt.date(2026, 2, 1)]
    assert sales.get_win_rate(manager) == figures.WinRate(2, 2, D("50.0"))
    assert sales.get_average_days_to_close(manager) == D("27.5")  # (10 + 45) / 2
    january = sales.get_win_rate(manager, until=dt.datetime(2026, 2, 1))
    assert january == figures.WinRate(1, 2, D("33.3"))  # D5 won; D7, D8 lost in January


def test_stage_to_stage_conversion_from_the_history(book) -> None:
    """Furthest stage reached (skipping counts as passing): D1 Proposal, D2 Contacted, D3 Lead,
    D4 Negotiation, D5 Won, D6 Won, D7 Contacted, D8 Lead, D9 Proposal, D10 Lead.
    Reached: Lead 10, Contacted 7, Qualified 5, Proposal 5, Negotiation 3, Won 2."""
    steps = sales.get_stage_conversion(book[0].manager)
    assert [(c.from_stage.name_en, c.to_stage.name_en, c.reached_from, c.reached_to, c.rate)
            for c in steps] == [
        ("Lead", "Contacted", 10, 7, D("70.0")),
        ("Contacted", "Qualified", 7, 5, D("71.4")),
        ("Qualified", "Proposal", 5, 5, D("100.0")),
        ("Proposal", "Negotiation", 5, 3, D("60.0")),
        ("Negotiation", "Won", 3, 2, D("66.7")),
    ]


def test_an_agent_sees_figures_of_their_own_deals_only(book) -> None:
    cast = book[0]
    [stages] = sales.get_pipeline_figures(cast.agent).values()
    assert [f.count for f in stages] == [0, 1, 0, 2, 0, 1, 0]
    assert sales.get_win_rate(cast.agent) == figures.WinRate(1, 0, D("100.0"))
    assert sales.get_average_days_to_close(cast.agent) == D("10.0")
    assert [c.reached_from for c in sales.get_stage_conversion(cast.agent)] == [4, 4, 3, 3, 1]
    assert sales.get_forecast(cast.other_agent) == []


def fact(stage_kind: str, amount: str, probability: int = 0, *, created: int = 0,
         closed: int | None = None, close: dt.date | None = None) -> DealFact:
    return DealFact(1, 1, 1, None, 1, stage_kind, probability, "CNY", D(amount), close,
                    T0 + dt.timedelta(days=created),
                    T0 + dt.timedelta(days=closed) if closed is not None else None)


def test_the_pure_figures_handle_the_edges() -> None:
    assert figures.win_rate([]) == figures.WinRate(0, 0, None)
    assert figures.average_days_to_close([fact("lost", "1", closed=3)]) is None
    assert figures.average_days_to_close([fact("won", "1", created=0, closed=1),
                                          fact("won", "1", created=0, closed=2),
                                          fact("won", "1", created=0, closed=2)]) == D("1.7")
    half_cent = [fact("open", "0.05", 10, close=dt.date(2026, 5, 9))]  # 0.005 → 0.01
    assert figures.weighted_forecast(half_cent)[0].weighted == D("0.01")
    assert figures.percent(1, 3) == D("33.3") and figures.percent(2, 3) == D("66.7")
    assert figures.stage_conversion([], ()) == []
