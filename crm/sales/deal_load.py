"""Loading deals through the visibility rule, with prepared SQL on indexed paths (hot)."""

from __future__ import annotations

from crm.actors import Actor
from crm.clock import as_date, as_datetime
from crm.customers.interactions import merged_from
from crm.customers.load import require_visible
from crm.customers.views import TimelineEntry
from crm.errors import NotFound
from crm.permissions import Action, require
from crm.sales.access import admits, visible_clause
from crm.sales.money import from_minor
from crm.sales.pipelines import load_stage
from crm.sales.views import DealSummary, DealView, Page, StageMove
from storage.database import fetch_all, fetch_one

_DEAL_SQL = (
    "select d.id, d.title, d.customer_id, c.name, d.company_id, co.name, d.owner_id, s.name,"
    " d.amount_minor, d.currency, d.expected_close, d.pipeline_id, d.stage_id, d.source,"
    " d.notes, d.lost_reason, d.lost_note, d.closed_at, d.created_at, d.updated_at,"
    " d.deleted_at, c.owner_id, c.team_id, c.deleted_at,"
    " (select max(o.id) from sales_order o where o.deal_id = d.id),"
    " d.merged_from_id, m.name, m.erased_at"
    " from deal d join customer c on c.id = d.customer_id"
    " left join company co on co.id = d.company_id"
    " left join customer m on m.id = d.merged_from_id"
    " left join staff_user s on s.id = d.owner_id where d.id = ?"
)
_SUMMARY_COLUMNS = ("d.id, d.title, d.customer_id, c.name, d.owner_id, d.amount_minor,"
                    " d.currency, d.expected_close, d.stage_id")


def _view(row: tuple) -> DealView:
    return DealView(
        id=row[0], title=row[1], customer_id=row[2], customer_name=row[3], company_id=row[4],
        company_name=row[5], owner_id=row[6], owner_name=row[7],
        amount=from_minor(row[8], row[9]), currency=row[9], expected_close=as_date(row[10]),
        pipeline_id=row[11], stage=load_stage(row[12]), source=row[13], notes=row[14],
        lost_reason=row[15], lost_note=row[16], closed_at=as_datetime(row[17]),
        created_at=as_datetime(row[18]), updated_at=as_datetime(row[19]),
        deleted_at=as_datetime(row[20]), order_id=row[24], merged_from=merged_from(*row[25:28]))


def visible_row(actor: Actor, deal_id: int, *, deleted: bool = False) -> tuple:
    """The deal's row if the actor may see it (a deleted one only when asked); else NotFound."""
    require(actor, Action.READ)
    row = fetch_one(_DEAL_SQL, (deal_id,))
    if (row is None or (row[20] is not None) != deleted or row[23] is not None
            or not admits(actor, row[21], row[22], row[6])):
        raise NotFound("deal.not_found")
    return row


def load_deal(deal_id: int) -> DealView:
    """Build the view without checks (callers have checked)."""
    row = fetch_one(_DEAL_SQL, (deal_id,))
    if row is None:
        raise NotFound("deal.not_found")
    return _view(row)


def get_deal(actor: Actor, deal_id: int) -> DealView:
    """One deal the actor may see."""
    return _view(visible_row(actor, deal_id))


def _summaries(rows: list[tuple]) -> list[DealSummary]:
    return [DealSummary(r[0], r[1], r[2], r[3], r[4], from_minor(r[5], r[6]), r[6],
                        as_date(r[7]), r[8]) for r in rows]


def list_stage_deals(actor: Actor, stage_id: int, *, owner_id: int | None = None,
                     offset: int = 0, limit: int = 10) -> Page[DealSummary]:
    """The deals in one stage, recently changed first (index deal(stage_id, updated_at))."""
    require(actor, Action.READ)
    clause, params = visible_clause(actor)
    owner_sql, owner_params = (" and d.owner_id = ?", (owner_id,)) if owner_id else ("", ())
    rows = fetch_all(
        f"select {_SUMMARY_COLUMNS} from deal d join customer c on c.id = d.customer_id"
        f" where d.stage_id = ? and d.deleted_at is null and c.deleted_at is null{owner_sql}"
        f"{clause} order by d.updated_at desc, d.id desc limit ? offset ?",
        (stage_id, *owner_params, *params, limit + 1, offset))
    return Page(tuple(_summaries(rows[:limit])), offset, len(rows) > limit)


def list_customer_deals(actor: Actor, customer_id: int, *, offset: int = 0,
                        limit: int = 10) -> Page[DealSummary]:
    """A customer's deals, newest first (index deal(customer_id, created_at))."""
    require_visible(actor, customer_id)
    rows = fetch_all(
        f"select {_SUMMARY_COLUMNS} from deal d join customer c on c.id = d.customer_id"
        " where d.customer_id = ? and d.deleted_at is null"
        " order by d.created_at desc, d.id desc limit ? offset ?",
        (customer_id, limit + 1, offset))
    return Page(tuple(_summaries(rows[:limit])), offset, len(rows) > limit)


_HISTORY_COLUMNS = (
    "select h.id, h.deal_id, h.from_stage_id, h.to_stage_id, f.name_zh, f.name_en, t.name_zh,"
    " t.name_en, t.kind, h.moved_at, h.moved_by_id, s.name, h.lost_reason, h.lost_note")
_HISTORY_FROM = (
    " from deal_stage_history h join pipeline_stage t on t.id = h.to_stage_id"
    " left join pipeline_stage f on f.id = h.from_stage_id"
    " left join staff_user s on s.id = h.moved_by_id")


def _move(row: tuple) -> StageMove:
    return StageMove(*row[:9], as_datetime(row[9]), *row[10:])


def get_deal_history(actor: Actor, deal_id: int) -> list[StageMove]:
    """Every stage move of a deal, oldest first: who, when, from, to (and why it was lost)."""
    visible_row(actor, deal_id)
    rows = fetch_all(f"{_HISTORY_COLUMNS}{_HISTORY_FROM} where h.deal_id = ?"
                     " order by h.moved_at, h.id", (deal_id,))
    return [_move(r) for r in rows]


def deal_timeline(customer_id: int, count: int) -> list[TimelineEntry]:
    """Timeline source: the stage moves of a customer's deals, newest first."""
    rows = fetch_all(
        f"{_HISTORY_COLUMNS}, d.title{_HISTORY_FROM} join deal d on d.id = h.deal_id"
        " where d.customer_id = ? and d.deleted_at is null"
        " order by h.moved_at desc, h.id desc limit ?", (customer_id, count))
    return [TimelineEntry(
        as_datetime(r[9]), "deal_stage", r[8], r[14], r[11], r[0],
        {"deal_id": r[1], "from_zh": r[4], "from_en": r[5], "to_zh": r[6], "to_en": r[7],
         "lost_reason": r[12], "lost_note": r[13]}) for r in rows]
