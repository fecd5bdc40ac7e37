"""Sales funnel and stage conversion: of the deals created in the period (default pipeline),
how many reached each stage and how many of those went on, from the stage history."""

from __future__ import annotations

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
from crm.reports.shaping import average, seconds_between_sql
from crm.reports.timebase import last_months
from crm.sales import figures
from crm.sales.pipelines import load_pipeline
from crm.sales.views import StageView
from storage.database import fetch_all

# The cohort: deals of the pipeline created in the period (customer_filter adds the rest).
_COHORT = (" where d.pipeline_id = ? and d.deleted_at is null"
           " and d.created_at >= ? and d.created_at < ?")


def compute(ctx: ReportContext) -> Figures:
    """Funnel steps with conversion, and the cohort's outcome."""
    pipeline = load_pipeline(None)
    start, end = ctx.time.bounds(ctx.period)
    clause, params = customer_filter(ctx.scope, "d.customer_id", "d.owner_id")
    moves = fetch_all(
        "select h.deal_id, h.to_stage_id from deal_stage_history h join deal d"
        f" on d.id = h.deal_id{_COHORT}{clause}",
        (pipeline.id, start, end, *params))
    steps = _steps(figures.stage_conversion(moves, pipeline.stages), pipeline.stages)
    outcome = _outcome(pipeline.id, (start, end), clause, params)
    rows = tuple((stage.name(ctx.locale), reached, rate, figures.percent(reached, steps[0][1]))
                 for stage, reached, rate in steps) if steps else ()
    table = Table("funnel", (Column("stage"), Column("deals_reached", "count"),
                             Column("conversion_next", "percent"),
                             Column("conversion_total", "percent")), rows)
    return Figures(summary=outcome, tables=(table,),
                   charts=(Chart("funnel", "funnel", "bar", (1,), "deals"),))


def _steps(conversions: list[figures.Conversion], stages: tuple[StageView, ...]
           ) -> list[tuple[StageView, int, Decimal | None]]:
    """(stage, deals that reached it, share of them that went on) for each funnel step."""
    if not conversions:
        first = next((s for s in stages if s.kind == "open"), None)
        return [] if first is None else [(first, 0, None)]
    steps = [(c.from_stage, c.reached_from, c.rate) for c in conversions]
    last = conversions[-1]
    return [*steps, (last.to_stage, last.reached_to, None)]


def _outcome(pipeline_id: int, bounds: tuple, clause: str, params: tuple
             ) -> tuple[tuple[str, object, str | Label], ...]:
    """Created, won and lost deals of the cohort, the win rate and the mean days to a win."""
    seconds = seconds_between_sql("d.created_at", "d.closed_at")
    rows = fetch_all(
        f"select st.kind, count(*), sum(case when st.kind = 'won' then {seconds} end)"
        f" from deal d join pipeline_stage st on st.id = d.stage_id{_COHORT}{clause}"
        " group by st.kind",
        (pipeline_id, *bounds, *params))
    counts = {kind: count for kind, count, _ in rows}
    won, lost = counts.get("won", 0), counts.get("lost", 0)
    won_seconds = next((s for kind, _, s in rows if kind == "won"), None) or 0
    days = average(Decimal(round(won_seconds)) / Decimal(86400), won) if won else None
    return (("deals_created", sum(counts.values()), ""), ("deals_won", won, ""),
            ("deals_lost", lost, ""), ("win_rate", figures.percent(won, won + lost), "%"),
            ("days_to_win", days, Label("days")))


register(ReportKind("funnel", compute, last_months, 10))
