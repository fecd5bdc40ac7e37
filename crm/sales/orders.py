"""Orders: numbered, with lines and discounts summed in Decimal, and a status life cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from crm import audit
from crm.actors import Actor
from crm.clock import as_date, as_datetime, utcnow
from crm.customers.interactions import merged_from
from crm.customers.load import require_visible
from crm.customers.views import TimelineEntry
from crm.errors import Conflict, NotFound, ValidationError
from crm.localtime import local_today
from crm.numbering import next_number
from crm.permissions import Action, allows, require
from crm.sales import money, rules
from crm.sales.access import admits, check_assignee
from crm.sales.products import load_product
from crm.sales.views import (
    OrderLineInput,
    OrderLineView,
    OrderSummary,
    OrderView,
    Page,
    PaymentView,
)
from crm.validation import check_length, parse_date
from storage.database import database, fetch_all, fetch_one, insert, sql

NOTES_MAX = 4000
DESCRIPTION_MAX = 200
NUMBER_PREFIX = "SO"
_STATUS_STAMPS = {"confirmed": "confirmed_at", "shipped": "shipped_at",
                  "completed": "completed_at", "cancelled": "cancelled_at"}
_ORDER_SQL = (
    "select o.id, o.number, o.customer_id, c.name, o.deal_id, o.owner_id, o.currency, o.status,"
    " o.subtotal_minor, o.discount_minor, o.total_minor, o.paid_minor, o.notes, o.ordered_on,"
    " o.created_at, c.owner_id, c.team_id, c.deleted_at, o.merged_from_id, m.name, m.erased_at"
    " from sales_order o join customer c on c.id = o.customer_id"
    " left join customer m on m.id = o.merged_from_id where o.id = ?"
)


def _checked_line(item: OrderLineInput, code: str) -> dict[str, Any]:
    """One line as stored, its amounts computed; a product lends its name and price."""
    product = load_product(item.product_id) if item.product_id is not None else None
    if product is not None and not product.active:
        raise ValidationError("product.inactive", field="product", name=product.name)
    if item.unit_price is None or (isinstance(item.unit_price, str)
                                   and not item.unit_price.strip()):
        if product is None:
            raise ValidationError("validation.required", field="unit_price")
        if product.currency != code:
            raise ValidationError("order.currency_mismatch", field="product", product=product.name,
                                  product_currency=product.currency, currency=code)
        price = money.to_minor(product.unit_price, code, field="unit_price")
    else:
        price = money.to_minor(money.typed_in(item.unit_price, code, field="unit_price"), code,
                               field="unit_price")
    description = check_length(item.description or (product.name if product else None),
                               field="description", max_length=DESCRIPTION_MAX, required=True)
    quantity = rules.quantity_milli(item.quantity)
    percent = rules.discount_bp(item.discount_percent)
    amount_off = (money.to_minor(money.typed_in(item.discount_amount, code, field="discount"),
                                 code, field="discount")
                  if item.discount_amount not in (None, "") else None)
    sums = rules.line_amounts(quantity, price, percent, amount_off, code)
    return {"product_id": product.id if product else None, "description": description,
            "quantity_milli": quantity, "unit_price_minor": price, "discount_bp": percent,
            "discount_amount_minor": amount_off, "gross_minor": sums.gross_minor,
            "discount_minor": sums.discount_minor, "total_minor": sums.total_minor}


def _totals(lines: Sequence[dict[str, Any]]) -> dict[str, int]:
    return {"subtotal_minor": sum(x["gross_minor"] for x in lines),
            "discount_minor": sum(x["discount_minor"] for x in lines),
            "total_minor": sum(x["total_minor"] for x in lines)}


def _insert_lines(order_id: int, lines: Sequence[dict[str, Any]]) -> None:
    for position, line in enumerate(lines):
        insert("order_line", {"order_id": order_id, "position": position, **line})


def create_order(actor: Actor, customer_id: int, lines: Sequence[OrderLineInput], *,
                 currency: str | None = None, deal_id: int | None = None,
                 owner_id: int | None = None, notes: str | None = None,
                 ordered_on: str | dt.date | None = None,
                 now: dt.datetime | None = None) -> OrderView:
    """A draft order for a customer, numbered SO-<year>-<serial>, its totals computed."""
    require(actor, Action.CREATE)
    now = now or utcnow()
    code = money.currency(currency)
    checked = [_checked_line(item, code) for item in lines]
    day = _day(ordered_on) or local_today(actor, now)
    text = check_length(notes, field="notes", max_length=NOTES_MAX)
    with database.atomic():
        customer = require_visible(actor, customer_id)
        _check_deal(actor, deal_id, customer_id)
        owner = owner_id if owner_id is not None else actor.user_id or customer.owner_id
        check_assignee(actor, owner)
        totals = _totals(checked)
        order_id = insert("sales_order", {
            "number": next_number(NUMBER_PREFIX, day.year), "customer_id": customer_id,
            "deal_id": deal_id, "owner_id": owner, "currency": code, "status": "draft",
            **totals, "paid_minor": 0, "notes": text, "ordered_on": day,
            "created_by_id": actor.user_id, "created_at": now, "updated_at": now})
        _insert_lines(order_id, checked)
        audit.record(actor, "order.create", "sales_order", order_id, customer_id=customer_id,
                     changes=audit.diff({}, {"currency": code, "deal_id": deal_id,
                                             "lines": len(checked), **totals}), now=now)
    return load_order(order_id)


def _day(value: str | dt.date | None) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value if isinstance(value, dt.date) else parse_date(value, field="ordered_on")


def _check_deal(actor: Actor, deal_id: int | None, customer_id: int) -> None:
    if deal_id is None:
        return
    from crm.sales.deal_load import visible_row

    if visible_row(actor, deal_id)[2] != customer_id:
        raise ValidationError("order.deal_customer", field="deal")


def visible_order(actor: Actor, order_id: int) -> tuple:
    """The order's row if the actor may see it; NotFound otherwise."""
    require(actor, Action.READ)
    row = fetch_one(_ORDER_SQL, (order_id,))
    if row is None or row[17] is not None or not admits(actor, row[15], row[16], row[5]):
        raise NotFound("order.not_found")
    return row


def update_order_lines(actor: Actor, order_id: int, lines: Sequence[OrderLineInput], *,
                       now: dt.datetime | None = None) -> OrderView:
    """Replace the lines of a draft order and recompute its totals."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    with database.atomic():
        row = visible_order(actor, order_id)
        if row[7] != "draft":
            raise Conflict("order.not_draft", status=row[7])
        checked = [_checked_line(item, row[6]) for item in lines]
        totals = _totals(checked)
        if totals["total_minor"] < row[11]:
            raise ValidationError("order.total_below_paid", field="lines", currency=row[6],
                                  total=money.from_minor(totals["total_minor"], row[6]),
                                  paid=money.from_minor(row[11], row[6]))
        database.execute_sql(sql("delete from order_line where order_id = ?"), (order_id,))
        _insert_lines(order_id, checked)
        database.execute_sql(sql(
            "update sales_order set subtotal_minor = ?, discount_minor = ?, total_minor = ?,"
            " updated_at = ? where id = ?"),
            (totals["subtotal_minor"], totals["discount_minor"], totals["total_minor"], now,
             order_id))
        audit.record(actor, "order.lines", "sales_order", order_id, customer_id=row[2],
                     changes=audit.diff({"total_minor": row[10]},
                                        {"total_minor": totals["total_minor"]}), now=now)
    return load_order(order_id)


def order_moves(actor: Actor, order: OrderView) -> tuple[str, ...]:
    """The statuses ``actor`` may move a visible order to now (none without the right to
    edit); ``change_order_status`` checks again when asked."""
    if not allows(actor, Action.EDIT):
        return ()
    return rules.next_order_statuses(order.status, has_lines=bool(order.lines),
                                     paid=order.paid > 0)


def order_to_cancel(actor: Actor, order_id: int) -> OrderView:
    """The order about to be cancelled (the user is asked first), refused at once when it can
    no longer be: cancelled, shipped or completed already, or paid on."""
    require(actor, Action.EDIT)
    order = get_order(actor, order_id)
    rules.check_order_transition(order.status, "cancelled")
    if order.paid > 0:
        raise Conflict("order.has_payments", paid=order.paid, currency=order.currency)
    return order


def change_order_status(actor: Actor, order_id: int, status: str, *,
                        now: dt.datetime | None = None) -> OrderView:
    """Move an order along draft → confirmed → shipped → completed, or cancel it."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    wanted = (status or "").strip().lower()
    with database.atomic():
        row = visible_order(actor, order_id)
        rules.check_order_transition(row[7], wanted)
        if wanted == "confirmed" and not fetch_one(
                "select 1 from order_line where order_id = ?", (order_id,)):
            raise ValidationError("order.empty", field="lines")
        if wanted == "cancelled" and row[11] > 0:
            raise Conflict("order.has_payments", paid=money.from_minor(row[11], row[6]),
                           currency=row[6])
        stamp = _STATUS_STAMPS[wanted]
        database.execute_sql(sql(f"update sales_order set status = ?, {stamp} = ?,"
                                 " updated_at = ? where id = ?"), (wanted, now, now, order_id))
        audit.record(actor, "order.status", "sales_order", order_id, customer_id=row[2],
                     changes={"status": [row[7], wanted]}, now=now)
    return load_order(order_id)


def _lines(order_id: int, code: str) -> tuple[OrderLineView, ...]:
    rows = fetch_all(
        "select id, position, product_id, description, quantity_milli, unit_price_minor,"
        " discount_bp, discount_amount_minor, gross_minor, discount_minor, total_minor"
        " from order_line where order_id = ? order by position, id", (order_id,))
    return tuple(OrderLineView(
        r[0], r[1], r[2], r[3], Decimal(r[4]).scaleb(-3).normalize(),
        money.from_minor(r[5], code),
        Decimal(r[6]).scaleb(-2).normalize() if r[6] is not None else None,
        money.from_minor(r[7], code), money.from_minor(r[8], code),
        money.from_minor(r[9], code), money.from_minor(r[10], code)) for r in rows)


def order_payments(order_id: int) -> tuple[PaymentView, ...]:
    """The payments of an order, oldest first (void ones included, marked)."""
    from crm.sales.payments import payments_of

    return payments_of(order_id)


def load_order(order_id: int) -> OrderView:
    """Build the whole order without checks (callers have checked)."""
    row = fetch_one(_ORDER_SQL, (order_id,))
    if row is None:
        raise NotFound("order.not_found")
    code = row[6]
    return OrderView(
        id=row[0], number=row[1], customer_id=row[2], customer_name=row[3], deal_id=row[4],
        owner_id=row[5], currency=code, status=row[7], subtotal=money.from_minor(row[8], code),
        discount=money.from_minor(row[9], code), total=money.from_minor(row[10], code),
        paid=money.from_minor(row[11], code),
        outstanding=money.from_minor(row[10], code) - money.from_minor(row[11], code),
        notes=row[12], ordered_on=as_date(row[13]), created_at=as_datetime(row[14]),
        lines=_lines(order_id, code), payments=order_payments(order_id),
        merged_from=merged_from(*row[18:21]))


def get_order(actor: Actor, order_id: int) -> OrderView:
    """One order with its lines and payments."""
    visible_order(actor, order_id)
    return load_order(order_id)


def find_order(actor: Actor, number: str) -> OrderView:
    """An order by its number (SO-2026-000123)."""
    row = fetch_one("select id from sales_order where number = ?",
                    ((number or "").strip().upper(),))
    if row is None:
        raise NotFound("order.not_found")
    return get_order(actor, row[0])


def list_customer_orders(actor: Actor, customer_id: int, *, offset: int = 0,
                         limit: int = 10) -> Page[OrderSummary]:
    """A customer's orders, newest first (index sales_order(customer_id, created_at))."""
    require_visible(actor, customer_id)
    rows = fetch_all(
        "select id, number, status, currency, total_minor, paid_minor, ordered_on"
        " from sales_order where customer_id = ? order by created_at desc, id desc"
        " limit ? offset ?", (customer_id, limit + 1, offset))
    items = tuple(OrderSummary(r[0], r[1], r[2], r[3], money.from_minor(r[4], r[3]),
                               money.from_minor(r[5], r[3]), as_date(r[6]))
                  for r in rows[:limit])
    return Page(items, offset, len(rows) > limit)


def order_timeline(customer_id: int, count: int) -> list[TimelineEntry]:
    """Timeline source: a customer's orders, newest first (and the merged record each came
    with)."""
    rows = fetch_all(
        "select o.id, o.number, o.status, o.currency, o.total_minor, o.paid_minor, o.created_at,"
        " s.name, o.merged_from_id, m.name, m.erased_at from sales_order o"
        " left join staff_user s on s.id = o.created_by_id"
        " left join customer m on m.id = o.merged_from_id"
        " where o.customer_id = ? order by o.created_at desc, o.id desc limit ?",
        (customer_id, count))
    return [TimelineEntry(as_datetime(r[6]), "order", r[2], r[1], r[7], r[0],
                          {"number": r[1], "currency": r[3],
                           "total": money.from_minor(r[4], r[3]),
                           "paid": money.from_minor(r[5], r[3])}, merged_from(*r[8:11]))
            for r in rows]
