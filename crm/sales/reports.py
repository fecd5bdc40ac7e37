"""The sales figures for the bot and the reports: the visible rows, then crm.sales.figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crm.actors import Actor
from crm.clock import as_date, as_datetime
from crm.customers.load import require_visible
from crm.errors import ValidationError
from crm.localtime import zone_of
from crm.permissions import Action, require
from crm.sales import figures
from crm.sales.access import visible_clause
from crm.sales.figures import Conversion, DealFact, MonthFigure, StageFigure, WinRate
from crm.sales.money import from_minor
from crm.sales.pipelines import load_pipeline
from crm.sales.views import PipelineView
from storage.database import fetch_all

GROUPS = ("owner", "team")
_FACT_SQL = (
    "select d.id, d.customer_id, d.owner_id, s.team_id, d.stage_id, st.kind, st.probability,"
    " d.currency, d.amount_minor, d.expected_close, d.created_at, d.closed_at"
    " from deal d join customer c on c.id = d.customer_id"
    " join pipeline_stage st on st.id = d.stage_id"
    " left join staff_user s on s.id = d.owner_id"
    " where d.pipeline_id = ? and d.deleted_at is null and c.deleted_at is null"
)


def _filters(owner_id: int | None, team_id: int | None) -> tuple[str, tuple]:
    parts, params = "", ()
    if owner_id is not None:
        parts, params = parts + " and d.owner_id = ?", (*params, owner_id)
    if team_id is not None:
        parts, params = parts + " and s.team_id = ?", (*params, team_id)
    return parts, params


def deal_facts(actor: Actor, pipeline: PipelineView, *, owner_id: int | None = None,
               team_id: int | None = None) -> list[DealFact]:
    """The visible deals of a pipeline as figures need them."""
    require(actor, Action.READ)
    clause, params = visible_clause(actor)
    extra, extra_params = _filters(owner_id, team_id)
    rows = fetch_all(f"{_FACT_SQL}{extra}{clause} order by d.id",
                     (pipeline.id, *extra_params, *params))
    return [DealFact(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                     from_minor(r[8], r[7]) if r[8] is not None else Decimal(0),
                     as_date(r[9]), as_datetime(r[10]), as_datetime(r[11])) for r in rows]


def get_pipeline_figures(actor: Actor, *, pipeline_id: int | None = None,
                         group_by: str | None = None, owner_id: int | None = None,
                         team_id: int | None = None
                         ) -> dict[int | None, tuple[StageFigure, ...]]:
    """Count and amount per stage; one entry (key None) or one per owner or team."""
    pipeline = load_pipeline(pipeline_id)
    facts = deal_facts(actor, pipeline, owner_id=owner_id, team_id=team_id)
    if group_by is None:
        return {None: figures.pipeline_by_stage(facts, pipeline.stages)}
    if group_by not in GROUPS:
        raise ValidationError("validation.choice", field="group_by", value=group_by,
                              allowed=tuple(GROUPS))
    groups = figures.group_facts(facts, lambda f: f.owner_id if group_by == "owner"
                                 else f.team_id)
    return {key: figures.pipeline_by_stage(group, pipeline.stages)
            for key, group in groups.items()}


def get_forecast(actor: Actor, *, pipeline_id: int | None = None, owner_id: int | None = None,
                 team_id: int | None = None) -> list[MonthFigure]:
    """Open deals by expected-close month: amount and amount weighted by stage probability."""
    pipeline = load_pipeline(pipeline_id)
    return figures.weighted_forecast(deal_facts(actor, pipeline, owner_id=owner_id,
                                                team_id=team_id))


def get_won_by_month(actor: Actor, *, pipeline_id: int | None = None,
                     since: dt.datetime | None = None, until: dt.datetime | None = None,
                     owner_id: int | None = None, team_id: int | None = None
                     ) -> list[MonthFigure]:
    """Deals won per month of the actor's calendar (closing time in [since, until))."""
    facts = _closed(actor, pipeline_id, since, until, owner_id, team_id)
    return figures.won_by_month(facts, zone_of(actor))


def _closed(actor: Actor, pipeline_id: int | None, since: dt.datetime | None,
            until: dt.datetime | None, owner_id: int | None,
            team_id: int | None) -> list[DealFact]:
    pipeline = load_pipeline(pipeline_id)
    facts = deal_facts(actor, pipeline, owner_id=owner_id, team_id=team_id)
    return figures.closed_between(facts, since, until)


def get_win_rate(actor: Actor, *, pipeline_id: int | None = None,
                 since: dt.datetime | None = None, until: dt.datetime | None = None,
                 owner_id: int | None = None, team_id: int | None = None) -> WinRate:
    """Won as a share of deals closed in [since, until)."""
    return figures.win_rate(_closed(actor, pipeline_id, since, until, owner_id, team_id))


def get_average_days_to_close(actor: Actor, *, pipeline_id: int | None = None,
                              since: dt.datetime | None = None,
                              until: dt.datetime | None = None, owner_id: int | None = None,
                              team_id: int | None = None) -> Decimal | None:
    """Mean days from creation to win of the deals won in [since, until)."""
    facts = _closed(actor, pipeline_id, since, until, owner_id, team_id)
    return figures.average_days_to_close(facts)


def get_stage_conversion(actor: Actor, *, pipeline_id: int | None = None,
                         owner_id: int | None = None,
                         team_id: int | None = None) -> list[Conversion]:
    """Stage-to-stage conversion of the visible deals, from their stage history."""
    require(actor, Action.READ)
    pipeline = load_pipeline(pipeline_id)
    clause, params = visible_clause(actor)
    extra, extra_params = _filters(owner_id, team_id)
    rows = fetch_all(
        "select h.deal_id, h.to_stage_id from deal_stage_history h"
        " join deal d on d.id = h.deal_id join customer c on c.id = d.customer_id"
        " left join staff_user s on s.id = d.owner_id"
        f" where d.pipeline_id = ? and d.deleted_at is null and c.deleted_at is null{extra}"
        f"{clause}", (pipeline.id, *extra_params, *params))
    return figures.stage_conversion([(r[0], r[1]) for r in rows], pipeline.stages)


_ORDER_SQL = (
    "select o.customer_id, o.status, o.currency, o.total_minor, o.paid_minor"
    " from sales_order o join customer c on c.id = o.customer_id"
    " where o.status in ('confirmed', 'shipped', 'completed')"
)


def _order_rows(rows: list[tuple]) -> list[tuple[int, str, str, Decimal, int, int]]:
    return [(r[0], r[1], r[2], from_minor(r[3], r[2]), r[3], r[4]) for r in rows]


def get_lifetime_value(actor: Actor, customer_id: int) -> dict[str, Decimal]:
    """What a customer has bought: completed orders, and confirmed ones paid in full."""
    require_visible(actor, customer_id)
    rows = fetch_all(f"{_ORDER_SQL} and o.customer_id = ?", (customer_id,))
    return figures.lifetime_values(_order_rows(rows)).get(customer_id, {})


def get_lifetime_values(actor: Actor) -> dict[int, dict[str, Decimal]]:
    """Lifetime value of every visible customer that has any."""
    require(actor, Action.READ)
    clause, params = visible_clause(actor, "o")
    rows = fetch_all(f"{_ORDER_SQL} and c.deleted_at is null{clause}", params)
    return figures.lifetime_values(_order_rows(rows))


def get_team_forecast(actor: Actor, *, since: dt.datetime) -> tuple[list[MonthFigure], list]:
    """The forecast screen of managers and admins: weighted forecast by expected-close month
    and won per month since ``since``, over everything they see."""
    require(actor, Action.FORECAST)
    return get_forecast(actor), get_won_by_month(actor, since=since)
