"""What sales holds about one person, for the privacy export: deals with their stage moves,
orders with their lines and payments, and who owned the customer when."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm.privacy import Moment
from crm.sales.money import from_minor
from storage.database import fetch_all

Row = dict[str, Any]


def _names(en: str | None, zh: str | None) -> dict[str, str] | None:
    """A pipeline or stage name in every language it has (the reader picks theirs)."""
    return None if en is None and zh is None else {"en": en or zh, "zh-CN": zh or en}


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def deals_of(customer_id: int, at: Moment) -> list[Row]:
    """Every deal of the customer (deleted ones too), each with its stage history."""
    rows = fetch_all(
        "select d.id, d.title, p.name_en, p.name_zh, s.name_en, s.name_zh, s.kind,"
        " d.amount_minor, d.currency, d.expected_close, d.source, d.notes, d.lost_reason,"
        " d.lost_note, o.name, d.created_at, d.closed_at, d.deleted_at from deal d"
        " join pipeline p on p.id = d.pipeline_id join pipeline_stage s on s.id = d.stage_id"
        " left join staff_user o on o.id = d.owner_id where d.customer_id = ?"
        " order by d.created_at, d.id", (customer_id,))
    return [{"id": r[0], "title": r[1], "pipeline": _names(r[2], r[3]),
             "stage": _names(r[4], r[5]), "status": r[6],
             "amount": from_minor(r[7], r[8]), "currency": r[8], "expected_close": _day(r[9]),
             "source": r[10], "notes": r[11], "lost_reason": r[12], "lost_note": r[13],
             "owner": r[14], "created_at": at(r[15]), "closed_at": at(r[16]),
             "deleted_at": at(r[17]), "stage_history": _stage_moves(r[0], at)} for r in rows]


def _stage_moves(deal_id: int, at: Moment) -> list[Row]:
    rows = fetch_all(
        "select h.moved_at, f.name_en, f.name_zh, t.name_en, t.name_zh, m.name, h.lost_reason,"
        " h.lost_note from deal_stage_history h"
        " left join pipeline_stage f on f.id = h.from_stage_id"
        " join pipeline_stage t on t.id = h.to_stage_id"
        " left join staff_user m on m.id = h.moved_by_id where h.deal_id = ?"
        " order by h.moved_at, h.id", (deal_id,))
    return [{"at": at(r[0]), "from_stage": _names(r[1], r[2]), "to_stage": _names(r[3], r[4]),
             "by": r[5], "lost_reason": r[6], "lost_note": r[7]} for r in rows]


def orders_of(customer_id: int, at: Moment) -> list[Row]:
    """Every order of the customer with its lines and payments (voided ones too)."""
    rows = fetch_all(
        "select o.id, o.number, o.status, o.ordered_on, o.currency, o.subtotal_minor,"
        " o.discount_minor, o.total_minor, o.paid_minor, o.notes, s.name, o.created_at"
        " from sales_order o left join staff_user s on s.id = o.owner_id"
        " where o.customer_id = ? order by o.created_at, o.id", (customer_id,))
    return [{"number": r[1], "status": r[2], "ordered_on": _day(r[3]), "currency": r[4],
             "subtotal": from_minor(r[5], r[4]), "discount": from_minor(r[6], r[4]),
             "total": from_minor(r[7], r[4]), "paid": from_minor(r[8], r[4]), "notes": r[9],
             "owner": r[10], "created_at": at(r[11]), "lines": _lines(r[0], r[4]),
             "payments": _payments(r[0], at)} for r in rows]


def _lines(order_id: int, code: str) -> list[Row]:
    rows = fetch_all(
        "select position, description, quantity_milli, unit_price_minor, discount_minor,"
        " total_minor from order_line where order_id = ? order by position", (order_id,))
    return [{"position": r[0], "description": r[1],
             "quantity": (Decimal(r[2]) / 1000).normalize(),
             "unit_price": from_minor(r[3], code), "discount": from_minor(r[4], code),
             "total": from_minor(r[5], code)} for r in rows]


def _payments(order_id: int, at: Moment) -> list[Row]:
    rows = fetch_all(
        "select p.paid_on, p.amount_minor, p.currency, p.method, p.note, s.name, p.voided_at,"
        " p.void_reason from payment p left join staff_user s on s.id = p.recorded_by_id"
        " where p.order_id = ? order by p.created_at, p.id", (order_id,))
    return [{"paid_on": _day(r[0]), "amount": from_minor(r[1], r[2]), "currency": r[2],
             "method": r[3], "note": r[4], "by": r[5], "voided_at": at(r[6]),
             "void_reason": r[7]} for r in rows]


def assignments_of(customer_id: int, at: Moment) -> list[Row]:
    """Who owned the customer when: every change of owner, why, and by whom."""
    rows = fetch_all(
        "select a.at, f.name, t.name, a.reason, a.note, b.name from lead_assignment a"
        " left join staff_user f on f.id = a.from_owner_id"
        " left join staff_user t on t.id = a.to_owner_id"
        " left join staff_user b on b.id = a.by_id where a.customer_id = ?"
        " order by a.at, a.id", (customer_id,))
    return [{"at": at(r[0]), "from_owner": r[1], "to_owner": r[2], "reason": r[3],
             "note": r[4], "by": r[5]} for r in rows]
