"""What the sales services return: plain frozen data, never live ORM rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from crm.customers.views import MergedFrom
from crm.paging import Page

__all__ = ["Page"]

STAGE_KINDS = ("open", "won", "lost")
LOST_REASONS = ("price", "competitor", "no_budget", "no_decision", "timing", "product_fit",
                "unresponsive", "other")
ORDER_STATUSES = ("draft", "confirmed", "shipped", "completed", "cancelled")
PAYMENT_METHODS = ("cash", "bank_transfer", "wechat_pay", "alipay", "card", "other")
ASSIGNMENT_MODES = ("off", "round_robin", "rules")
RULE_FIELDS = ("city", "province", "industry", "source")


@dataclass(frozen=True)
class StageView:
    id: int
    pipeline_id: int
    name_zh: str
    name_en: str
    position: int
    probability: int
    kind: str
    archived: bool = False

    def name(self, locale: str | None) -> str:
        """The stage name in a locale (Chinese unless English is asked for)."""
        return self.name_en if (locale or "").startswith("en") else self.name_zh


@dataclass(frozen=True)
class PipelineView:
    id: int
    key: str | None
    name_zh: str
    name_en: str
    stages: tuple[StageView, ...]  # active stages in order

    def first_open(self) -> StageView:
        """Where new deals start: the first open stage."""
        return next(s for s in self.stages if s.kind == "open")

    def stage(self, stage_id: int) -> StageView | None:
        """One of the active stages, or None."""
        return next((s for s in self.stages if s.id == stage_id), None)


@dataclass(frozen=True)
class DealView:
    id: int
    title: str
    customer_id: int
    customer_name: str
    company_id: int | None
    company_name: str | None
    owner_id: int | None
    owner_name: str | None
    amount: Decimal | None
    currency: str
    expected_close: dt.date | None
    pipeline_id: int
    stage: StageView
    source: str | None
    notes: str | None
    lost_reason: str | None
    lost_note: str | None
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    deleted_at: dt.datetime | None = None
    order_id: int | None = None  # the latest order made from this deal
    merged_from: MergedFrom | None = None  # came with a customer record merged into this one


@dataclass(frozen=True)
class DealSummary:
    """One line of a deal list."""

    id: int
    title: str
    customer_id: int
    customer_name: str
    owner_id: int | None
    amount: Decimal | None
    currency: str
    expected_close: dt.date | None
    stage_id: int


@dataclass(frozen=True)
class StageMove:
    id: int
    deal_id: int
    from_stage_id: int | None
    to_stage_id: int
    from_name_zh: str | None
    from_name_en: str | None
    to_name_zh: str
    to_name_en: str
    to_kind: str
    moved_at: dt.datetime
    moved_by_id: int | None
    moved_by_name: str | None
    lost_reason: str | None
    lost_note: str | None


@dataclass(frozen=True)
class ProductView:
    id: int
    name: str
    sku: str
    unit_price: Decimal
    currency: str
    active: bool


@dataclass(frozen=True)
class OrderLineInput:
    """A line as typed: a product (its price by default) or a description with a price."""

    quantity: Decimal | int | str = 1
    product_id: int | None = None
    description: str | None = None
    unit_price: Decimal | int | str | None = None
    discount_percent: Decimal | int | str | None = None
    discount_amount: Decimal | int | str | None = None


@dataclass(frozen=True)
class OrderLineView:
    id: int
    position: int
    product_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal | None
    discount_amount: Decimal | None
    gross: Decimal
    discount: Decimal
    total: Decimal


@dataclass(frozen=True)
class PaymentView:
    id: int
    order_id: int
    customer_id: int
    amount: Decimal
    currency: str
    method: str
    paid_on: dt.date
    note: str | None
    recorded_by_id: int | None
    created_at: dt.datetime
    voided_at: dt.datetime | None = None
    void_reason: str | None = None


@dataclass(frozen=True)
class OrderView:
    id: int
    number: str
    customer_id: int
    customer_name: str
    deal_id: int | None
    owner_id: int | None
    currency: str
    status: str
    subtotal: Decimal
    discount: Decimal
    total: Decimal
    paid: Decimal
    outstanding: Decimal  # negative when overpaid on purpose
    notes: str | None
    ordered_on: dt.date
    created_at: dt.datetime
    lines: tuple[OrderLineView, ...] = ()
    payments: tuple[PaymentView, ...] = ()
    merged_from: MergedFrom | None = None  # came with a customer record merged into this one


@dataclass(frozen=True)
class OrderSummary:
    id: int
    number: str
    status: str
    currency: str
    total: Decimal
    paid: Decimal
    ordered_on: dt.date


@dataclass(frozen=True)
class AssignmentRuleView:
    id: int
    position: int
    field: str
    value: str
    assignee_id: int
    assignee_name: str


@dataclass(frozen=True)
class AssignmentSettings:
    mode: str
    fallback_owner_id: int | None
    team_id: int | None
    rules: tuple[AssignmentRuleView, ...] = ()


@dataclass(frozen=True)
class AssignmentView:
    """One change of a customer's owner, by whom and through which door."""

    id: int
    customer_id: int
    from_owner_id: int | None
    to_owner_id: int | None
    reason: str  # rule, round_robin, fallback; manual, edit, import, whole_book, merge, bulk
    rule_id: int | None
    note: str | None
    at: dt.datetime
    by_id: int | None


@dataclass(frozen=True)
class NotificationView:
    """A message to send to one staff member in Telegram."""

    id: int
    staff_id: int
    telegram_id: int
    locale: str | None
    code: str
    params: dict = field(default_factory=dict)
    attempts: int = 0
    timezone: str | None = None  # the recipient's own, for the times in ``params``
