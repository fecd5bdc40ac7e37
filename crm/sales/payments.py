"""Payments against orders, and what is still outstanding; no overpayment unless asked."""

from __future__ import annotations

import datetime as dt

from crm import audit
from crm.actors import Actor
from crm.clock import as_date, as_datetime, utcnow
from crm.customers.views import TimelineEntry
from crm.errors import Conflict, NotFound, ValidationError
from crm.localtime import local_today
from crm.permissions import Action, require
from crm.sales import money
from crm.sales.orders import get_order, visible_order
from crm.sales.views import PAYMENT_METHODS, OrderView, PaymentView
from crm.validation import check_length, parse_date
from storage.database import database, fetch_all, fetch_one, insert, sql

NOTE_MAX = 500
_COLUMNS = ("id, order_id, customer_id, amount_minor, currency, method, paid_on, note,"
            " recorded_by_id, created_at, voided_at, void_reason")


def order_to_pay(actor: Actor, order_id: int) -> OrderView:
    """The order a payment is about to be recorded on, refused before the amount is asked when
    it takes none (cancelled, or paid in full since its card was shown)."""
    require(actor, Action.EDIT)
    order = get_order(actor, order_id)
    if order.status == "cancelled":
        raise Conflict("payment.order_cancelled")
    if order.outstanding <= 0:
        raise Conflict("payment.paid_in_full", number=order.number)
    return order


def _view(row: tuple) -> PaymentView:
    return PaymentView(row[0], row[1], row[2], money.from_minor(row[3], row[4]), row[4], row[5],
                       as_date(row[6]), row[7], row[8], as_datetime(row[9]),
                       as_datetime(row[10]), row[11])


def payments_of(order_id: int) -> tuple[PaymentView, ...]:
    """An order's payments, oldest first, void ones included (marked)."""
    rows = fetch_all(f"select {_COLUMNS} from payment where order_id = ?"
                     " order by paid_on, id", (order_id,))
    return tuple(_view(r) for r in rows)


def _method(value: str) -> str:
    lowered = (value or "").strip().lower()
    if lowered not in PAYMENT_METHODS:
        raise ValidationError("validation.choice", field="method", value=value,
                              allowed=tuple(PAYMENT_METHODS))
    return lowered


def _paid_on(value: str | dt.date | None, today: dt.date) -> dt.date:
    if value is None or (isinstance(value, str) and not value.strip()):
        return today
    return value if isinstance(value, dt.date) else parse_date(value, field="paid_on")


def record_payment(actor: Actor, order_id: int, amount: object, method: str, *,
                   paid_on: str | dt.date | None = None, note: str | None = None,
                   allow_overpayment: bool = False,
                   now: dt.datetime | None = None) -> PaymentView:
    """Record money received against an order; more than the outstanding balance is refused
    unless ``allow_overpayment``."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    checked_method = _method(method)
    day = _paid_on(paid_on, local_today(actor, now))
    text = check_length(note, field="note", max_length=NOTE_MAX)
    with database.atomic():
        row = visible_order(actor, order_id)
        code = row[6]
        minor = money.to_minor(money.typed_in(amount, code), code)
        if minor == 0:
            raise ValidationError("money.zero", field="amount")
        if row[7] == "cancelled":
            raise Conflict("payment.order_cancelled")
        _add_to_paid(order_id, minor, allow_overpayment, code, now)
        payment_id = insert("payment", {
            "order_id": order_id, "customer_id": row[2], "amount_minor": minor,
            "currency": code, "method": checked_method, "paid_on": day, "note": text,
            "recorded_by_id": actor.user_id, "created_at": now})
        audit.record(actor, "payment.record", "payment", payment_id, customer_id=row[2],
                     changes={"order": [None, row[1]], "amount": [None, str(amount)],
                              "method": [None, checked_method]}, now=now)
    return load_payment(payment_id)


def _add_to_paid(order_id: int, minor: int, allow_overpayment: bool, code: str,
                 now: dt.datetime) -> None:
    """Add to the order's paid sum in one conditional update, so two payments recorded at
    once cannot both slip under the balance."""
    guard = "" if allow_overpayment else " and paid_minor + ? <= total_minor"
    params = (minor, now, order_id) + (() if allow_overpayment else (minor,))
    cursor = database.execute_sql(sql(
        f"update sales_order set paid_minor = paid_minor + ?, updated_at = ? where id = ?{guard}"),
        params)
    if cursor.rowcount == 0:
        total, paid = fetch_one("select total_minor, paid_minor from sales_order where id = ?",
                                (order_id,))
        raise ValidationError("payment.overpayment", field="amount", currency=code,
                              amount=money.from_minor(minor, code),
                              outstanding=money.from_minor(max(total - paid, 0), code))


def load_payment(payment_id: int) -> PaymentView:
    """One payment without checks."""
    row = fetch_one(f"select {_COLUMNS} from payment where id = ?", (payment_id,))
    if row is None:
        raise NotFound("payment.not_found")
    return _view(row)


def void_payment(actor: Actor, payment_id: int, reason: str, *,
                 now: dt.datetime | None = None) -> PaymentView:
    """Cancel a payment recorded by mistake; it stays on file, marked void, with the reason."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    why = check_length(reason, field="reason", max_length=200, required=True)
    with database.atomic():
        current = load_payment(payment_id)
        row = visible_order(actor, current.order_id)
        if current.voided_at is not None:
            raise Conflict("payment.voided")
        minor = money.to_minor(current.amount, current.currency)
        database.execute_sql(sql("update payment set voided_at = ?, voided_by_id = ?,"
                                 " void_reason = ? where id = ?"),
                             (now, actor.user_id, why, payment_id))
        database.execute_sql(sql("update sales_order set paid_minor = paid_minor - ?,"
                                 " updated_at = ? where id = ?"), (minor, now, current.order_id))
        audit.record(actor, "payment.void", "payment", payment_id, customer_id=row[2],
                     changes={"voided": [False, True], "reason": [None, why]}, now=now)
    return load_payment(payment_id)


def payment_timeline(customer_id: int, count: int) -> list[TimelineEntry]:
    """Timeline source: a customer's payments, newest first."""
    rows = fetch_all(
        "select p.id, p.method, p.amount_minor, p.currency, p.paid_on, p.created_at, s.name,"
        " o.number, p.order_id, p.voided_at from payment p"
        " join sales_order o on o.id = p.order_id"
        " left join staff_user s on s.id = p.recorded_by_id where p.customer_id = ?"
        " order by p.created_at desc, p.id desc limit ?", (customer_id, count))
    return [TimelineEntry(as_datetime(r[5]), "payment", r[1], r[7], r[6], r[0],
                          {"order_id": r[8], "amount": money.from_minor(r[2], r[3]),
                           "currency": r[3], "paid_on": as_date(r[4]),
                           "voided": r[9] is not None}) for r in rows]
