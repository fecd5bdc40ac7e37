"""Database trips of the sales screens: each runs on the database thread as one awaited call
and composes crm services (every permission and rule stays in crm)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm import customers, sales
from crm.actors import Actor
from crm.customers.views import CustomerCard
from crm.errors import NotFound
from crm.permissions import Action, allows, require
from crm.sales import figures, reports
from crm.sales.figures import MonthFigure, StageFigure
from crm.sales.views import (
    DealSummary,
    DealView,
    OrderLineInput,
    OrderLineView,
    OrderSummary,
    OrderView,
    Page,
    PaymentView,
    PipelineView,
    ProductView,
    StageMove,
    StageView,
)


@dataclass(frozen=True)
class DealScreen:
    """A deal with the stages of its pipeline (for the "move to" buttons), and whether the
    viewer's role may change it and make its order (crm.permissions: only buttons they may
    use are shown)."""

    deal: DealView
    pipeline: PipelineView
    may_edit: bool = True
    may_order: bool = True


@dataclass(frozen=True)
class Overview:
    """/deals: deals now in each open stage; won and lost ones closed since ``since``."""

    pipeline: PipelineView
    current: tuple[StageFigure, ...]
    closed: tuple[StageFigure, ...]


@dataclass(frozen=True)
class Forecast:
    weighted: list[MonthFigure]
    won: list[MonthFigure]


@dataclass(frozen=True)
class LinesScreen:
    """A draft order and the catalogue to add lines from."""

    order: OrderView
    products: list[ProductView]


def _screen(actor: Actor, deal: DealView) -> DealScreen:
    return DealScreen(deal, sales.get_pipeline(actor, deal.pipeline_id),
                      may_edit=allows(actor, Action.EDIT), may_order=allows(actor, Action.CREATE))


def deal_screen(actor: Actor, deal_id: int) -> DealScreen:
    """One visible deal and its pipeline."""
    return _screen(actor, sales.get_deal(actor, deal_id))


def move_or_ask(actor: Actor, deal_id: int, stage_id: int,
                seen_stage_id: int | None = None) -> tuple[DealScreen, StageView | None]:
    """Move to an open stage at once; a won or lost stage comes back so the user is asked.
    A deal that has left ``seen_stage_id`` since is neither moved nor asked about."""
    screen = deal_screen(actor, deal_id)
    sales.check_deal_unmoved(actor, screen.deal, seen_stage_id)
    target = screen.pipeline.stage(stage_id)
    if target is None:
        raise NotFound("stage.not_found")
    if target.kind != "open":
        require(actor, Action.EDIT)
        return screen, target
    return move(actor, deal_id, stage_id, seen_stage_id=seen_stage_id), None


def move(actor: Actor, deal_id: int, stage_id: int, *, lost_reason: str | None = None,
         lost_note: str | None = None, create_order: bool = False,
         seen_stage_id: int | None = None) -> DealScreen:
    """Move a deal (the history row, the lost reason and the order are crm's)."""
    deal = sales.move_deal_to_stage(actor, deal_id, stage_id, lost_reason=lost_reason,
                                    lost_note=lost_note, create_order=create_order,
                                    seen_stage_id=seen_stage_id)
    return _screen(actor, deal)


def win(actor: Actor, deal_id: int, stage_id: int, create_order: bool,
        seen_stage_id: int | None = None) -> tuple[DealScreen, OrderView | None]:
    """Move to a won stage; the order made for it, when one was asked for."""
    screen = move(actor, deal_id, stage_id, create_order=create_order,
                  seen_stage_id=seen_stage_id)
    order_id = screen.deal.order_id if create_order else None
    return screen, sales.get_order(actor, order_id) if order_id else None


def create_deal(actor: Actor, customer_id: int, title: str, amount: str | None,
                currency: str | None, expected_close: str | None) -> DealScreen:
    """A new deal in the first open stage."""
    deal = sales.create_deal(actor, customer_id, title, amount=amount, currency=currency,
                             expected_close=expected_close)
    return _screen(actor, deal)


def edit_deal(actor: Actor, deal_id: int, field: str, value: object,
              currency: str | None = None) -> DealScreen:
    """Change one field; an amount typed with another currency changes the currency first."""
    if currency is not None:
        sales.update_deal(actor, deal_id, "currency", currency)
    return _screen(actor, sales.update_deal(actor, deal_id, field, value))


def overview(actor: Actor, since: dt.datetime) -> Overview:
    """The actor's visible pipeline by stage, and what closed since ``since`` (naive UTC)."""
    pipeline = sales.get_pipeline(actor)
    facts = reports.deal_facts(actor, pipeline)
    now_in = figures.pipeline_by_stage(facts, pipeline.stages)
    closed = figures.pipeline_by_stage(figures.closed_between(facts, since, None),
                                       pipeline.stages)
    return Overview(pipeline, tuple(f for f in now_in if f.stage.kind == "open"),
                    tuple(f for f in closed if f.stage.kind != "open"))


def stage_page(actor: Actor, stage_id: int, offset: int,
               limit: int) -> tuple[StageView, Page[DealSummary]]:
    """One page of a stage's visible deals, with the stage."""
    page = sales.list_stage_deals(actor, stage_id, offset=offset, limit=limit)
    for pipeline in sales.list_pipelines(actor):
        stage = pipeline.stage(stage_id)
        if stage is not None:
            return stage, page
    raise NotFound("stage.not_found")


@dataclass(frozen=True)
class CustomerDeals:
    """A page of one customer's deals, newest first, with every stage they stand in."""

    customer: CustomerCard
    page: Page[DealSummary]
    stages: dict[int, StageView]


def customer_deals(actor: Actor, customer_id: int, offset: int, limit: int) -> CustomerDeals:
    """The customer's visible deals (the customer must be visible)."""
    card = customers.get_customer(actor, customer_id)
    page = sales.list_customer_deals(actor, customer_id, offset=offset, limit=limit)
    stages = {stage.id: stage for pipeline in sales.list_pipelines(actor)
              for stage in pipeline.stages}
    return CustomerDeals(card, page, stages)


def history(actor: Actor, deal_id: int) -> tuple[DealView, list[StageMove]]:
    """A deal and its stage moves, oldest first."""
    return sales.get_deal(actor, deal_id), sales.get_deal_history(actor, deal_id)


def forecast(actor: Actor, since: dt.datetime) -> Forecast:
    """Weighted forecast by expected-close month, and won per month since ``since``."""
    return Forecast(*sales.get_team_forecast(actor, since=since))


def _as_input(line: OrderLineView) -> OrderLineInput:
    return OrderLineInput(quantity=line.quantity, product_id=line.product_id,
                          description=line.description, unit_price=line.unit_price,
                          discount_percent=line.discount_percent,
                          discount_amount=line.discount_amount)


def lines_screen(actor: Actor, order_id: int, line: OrderLineInput | None = None,
                 *, drop_last: bool = False) -> LinesScreen:
    """A draft order after adding ``line`` (or dropping the last line), with the catalogue."""
    order = sales.get_order(actor, order_id)
    if line is not None or drop_last:
        kept = [_as_input(x) for x in order.lines]
        lines = kept[:-1] if drop_last else [*kept, line]
        order = sales.update_order_lines(actor, order_id, lines)
    return LinesScreen(order, sales.list_products(actor))


def new_order(actor: Actor, customer_id: int, deal_id: int | None) -> LinesScreen:
    """An empty draft order for a customer (in the deal's currency when it comes from one)."""
    currency = sales.get_deal(actor, deal_id).currency if deal_id else None
    order = sales.create_order(actor, customer_id, [], currency=currency, deal_id=deal_id)
    return LinesScreen(order, sales.list_products(actor))


def confirm_order(actor: Actor, order_id: int) -> OrderView:
    """Draft → confirmed."""
    return sales.change_order_status(actor, order_id, "confirmed")


def pay(actor: Actor, order_id: int, amount: str, method: str) -> tuple[PaymentView, OrderView]:
    """Record a payment; the order after it (its outstanding balance)."""
    payment = sales.record_payment(actor, order_id, amount, method)
    return payment, sales.get_order(actor, order_id)


def customer_orders(actor: Actor, customer_id: int, offset: int,
                    limit: int) -> tuple[CustomerCard, Page[OrderSummary]]:
    """A customer's orders, newest first."""
    card = customers.get_customer(actor, customer_id)
    return card, sales.list_customer_orders(actor, customer_id, offset=offset, limit=limit)
