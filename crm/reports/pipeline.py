"""Pipeline by stage and owner: the open deals now, and the deals won or lost in the period,
counted and summed per stage, owner and currency (default pipeline). The headline chart is the
open pipeline (stage × owner); what was won and lost stands beside it as figures, since a
period's losses would otherwise be the tallest bar and dwarf the deals still to work on."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

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
from crm.reports.shaping import main_currency, money
from crm.reports.timebase import last_months
from crm.sales.money import round_money
from crm.sales.pipelines import load_pipeline
from crm.sales.rules import weighted
from crm.sales.views import StageView
from crm.search_terms import name_order
from storage.database import fetch_all

MATRIX_OWNERS = 10  # owners drawn one by one; the rest are added up as "others"
Group = tuple[int | None, str | None, StageView, str]  # owner id, owner name, stage, currency


def _groups(ctx: ReportContext) -> dict[Group, tuple[int, Decimal]]:
    """(owner, stage, currency) → (deals, amount) of the deals the report counts."""
    pipeline = load_pipeline(None)
    stages = {s.id: s for s in pipeline.stages}
    start, end = ctx.time.bounds(ctx.period)
    clause, params = customer_filter(ctx.scope, "d.customer_id", "d.owner_id")
    rows = fetch_all(
        "select d.owner_id, s.name, d.stage_id, d.currency, count(*),"
        " sum(coalesce(d.amount_minor, 0)) from deal d"
        " join pipeline_stage st on st.id = d.stage_id left join staff_user s"
        " on s.id = d.owner_id where d.pipeline_id = ? and d.deleted_at is null"
        " and (st.kind = 'open' or (d.closed_at >= ?"
        f" and d.closed_at < ?)){clause} group by d.owner_id, s.name, d.stage_id, d.currency",
        (pipeline.id, start, end, *params))
    return {(owner, name, stages[stage], code): (count, money(minor, code))
            for owner, name, stage, code, count, minor in rows if stage in stages}


def compute(ctx: ReportContext) -> Figures:
    """Per stage, per owner and stage, and the open stages × owner matrix of the chart
    currency."""
    stages = load_pipeline(None).stages
    groups = _groups(ctx)
    code = main_currency((g[3], n) for g, (n, _) in groups.items())
    open_stages = tuple(stage for stage in stages if stage.kind == "open")
    return Figures(summary=_summary(groups, code),
                   tables=(_by_stage(ctx, stages, groups, code), _by_owner(ctx, groups),
                           _matrix(ctx, open_stages, groups, code)),
                   charts=(Chart("pipeline", "pipeline_matrix", "column",
                                 tuple(range(1, len(_matrix_owners(groups, code)) + 1)),
                                 "amount", stacked=True, params=(("currency", code),)),))


def _summary(groups: dict[Group, tuple[int, Decimal]], code: str) -> tuple:
    def count(kind: str) -> int:  # deals of every currency: a count has no currency
        return sum(n for g, (n, _) in groups.items() if g[2].kind == kind)

    def amount(kind: str) -> Decimal:  # money of the chart currency only, never mixed
        return sum((a for g, (_, a) in groups.items() if g[2].kind == kind and g[3] == code),
                   Decimal(0))

    weighted_open = sum((weighted(a, g[2].probability) for g, (_, a) in groups.items()
                         if g[2].kind == "open" and g[3] == code), Decimal(0))
    open_deals, won, lost = count("open"), count("won"), count("lost")
    return (("open_deals", open_deals, ""), ("open_amount", amount("open"), code),
            ("weighted_amount", round_money(weighted_open, code), code),
            ("deals_won", won, ""), ("won_amount", amount("won"), code),
            ("deals_lost", lost, ""), ("lost_amount", amount("lost"), code))


def _by_stage(ctx: ReportContext, stages: tuple[StageView, ...],
              groups: dict[Group, tuple[int, Decimal]], code: str) -> Table:
    sums: dict[tuple[int, str], list] = defaultdict(lambda: [0, Decimal(0)])
    for (_, _, stage, currency), (count, amount) in groups.items():
        sums[(stage.id, currency)][0] += count
        sums[(stage.id, currency)][1] += amount
    rows = []
    for stage in stages:
        currencies = sorted({c for s, c in sums if s == stage.id}) or [code]
        for currency in currencies:
            count, amount = sums.get((stage.id, currency), (0, money(0, currency)))
            rows.append((stage.name(ctx.locale), currency, count, amount,
                         round_money(weighted(amount, stage.probability), currency)))
    return Table("pipeline_stages", (Column("stage"), Column("currency"),
                                     Column("deals", "count"), Column("amount", "money"),
                                     Column("weighted", "money")), tuple(rows))


def _owner_label(name: str | None) -> str | Label:
    return name if name is not None else Label("unassigned")


def _by_owner(ctx: ReportContext, groups: dict[Group, tuple[int, Decimal]]) -> Table:
    ordered = sorted(groups.items(), key=lambda item: (item[0][1] is None,
                                                       name_order(item[0][1] or ""),
                                                       item[0][0] or 0, item[0][2].position,
                                                       item[0][3]))
    rows = tuple((_owner_label(name), stage.name(ctx.locale), currency, count, amount)
                 for (_, name, stage, currency), (count, amount) in ordered)
    return Table("pipeline_owners", (Column("owner"), Column("stage"), Column("currency"),
                                     Column("deals", "count"), Column("amount", "money")), rows)


def _matrix_owners(groups: dict[Group, tuple[int, Decimal]], code: str
                   ) -> list[tuple[int | None, str | Label]]:
    """The owners drawn in the chart (largest open amount first), then "others" if any are
    left."""
    totals: dict[tuple[int | None, str | None], Decimal] = defaultdict(Decimal)
    for (owner, name, stage, currency), (_, amount) in groups.items():
        if currency == code and stage.kind == "open":
            totals[(owner, name)] += amount
    ranked = sorted(totals, key=lambda k: (-totals[k], k[1] is None, name_order(k[1] or ""),
                                           k[0] or 0))
    shown: list[tuple[int | None, str | Label]] = [(o, _owner_label(n))
                                                   for o, n in ranked[:MATRIX_OWNERS]]
    if len(ranked) > MATRIX_OWNERS:
        shown.append((-1, Label("others")))
    return shown or [(None, Label("total"))]  # an empty chart still has its one series


def _matrix(ctx: ReportContext, stages: tuple[StageView, ...],
            groups: dict[Group, tuple[int, Decimal]], code: str) -> Table:
    owners = _matrix_owners(groups, code)
    drawn = {owner for owner, _ in owners}
    cells: dict[tuple[int, int | None], Decimal] = defaultdict(Decimal)
    for (owner, _, stage, currency), (_, amount) in groups.items():
        if currency == code:
            cells[(stage.id, owner if owner in drawn else -1)] += amount
    columns = (Column("stage"), *(Column("amount", "money", title=label) for _, label in owners))
    rows = tuple((stage.name(ctx.locale), *(cells.get((stage.id, owner), money(0, code))
                                            for owner, _ in owners)) for stage in stages)
    return Table("pipeline_matrix", columns, rows)


register(ReportKind("pipeline", compute, last_months, 20))
