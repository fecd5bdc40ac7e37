"""Deals: creating, editing, moving through the stages (each move kept), deleting."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm import audit
from crm.actors import Actor
from crm.clock import utcnow
from crm.customers.load import require_visible
from crm.errors import Conflict, NotFound, ValidationError
from crm.localtime import zone_of
from crm.permissions import Action, require
from crm.sales import money
from crm.sales.access import check_assignee
from crm.sales.deal_load import load_deal, visible_row
from crm.sales.pipelines import load_pipeline, load_stage
from crm.sales.rules import check_seen_stage, check_stage_move
from crm.sales.views import DealView, PipelineView, StageView
from crm.validation import check_length, parse_date
from storage.database import database, fetch_one, insert, sql

TITLE_MAX = 200
NOTES_MAX = 4000
EDITABLE_FIELDS = ("title", "amount", "currency", "expected_close", "source", "notes",
                   "owner_id", "company_id")


def _title(value: str | None) -> str:
    checked = check_length(" ".join((value or "").split()), field="title",
                           max_length=TITLE_MAX, required=True)
    assert checked is not None
    return checked


def _close_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value if isinstance(value, dt.date) else parse_date(value, field="expected_close")


def _amount(value: object, currency: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return money.to_minor(value, currency)


def create_deal(actor: Actor, customer_id: int, title: str, *, amount: object = None,
                currency: str | None = None, expected_close: str | dt.date | None = None,
                stage_id: int | None = None, pipeline_id: int | None = None,
                source: str | None = None, notes: str | None = None,
                owner_id: int | None = None, now: dt.datetime | None = None) -> DealView:
    """Open a deal on a customer, in the first open stage unless another open stage is named."""
    require(actor, Action.CREATE)
    now = now or utcnow()
    code = money.currency(currency)
    values = {"title": _title(title), "amount_minor": _amount(amount, code), "currency": code,
              "expected_close": _close_date(expected_close),
              "source": check_length(source, field="source", max_length=50),
              "notes": check_length(notes, field="notes", max_length=NOTES_MAX)}
    with database.atomic():
        customer = require_visible(actor, customer_id)
        pipeline = load_pipeline(pipeline_id)
        stage = _initial_stage(pipeline, stage_id)
        owner = owner_id if owner_id is not None else actor.user_id or customer.owner_id
        check_assignee(actor, owner)
        deal_id = insert("deal", {
            **values, "pipeline_id": pipeline.id, "stage_id": stage.id,
            "customer_id": customer_id, "company_id": customer.company_id, "owner_id": owner,
            "created_by_id": actor.user_id, "created_at": now, "updated_at": now})
        _record_move(actor, deal_id, None, stage.id, now)
        audit.record(actor, "deal.create", "deal", deal_id, customer_id=customer_id,
                     changes=audit.diff({}, {**values, "stage_id": stage.id,
                                             "owner_id": owner}), now=now)
    return load_deal(deal_id)


def _initial_stage(pipeline: PipelineView, stage_id: int | None) -> StageView:
    if stage_id is None:
        return pipeline.first_open()
    stage = pipeline.stage(stage_id)
    if stage is None or stage.kind != "open":
        raise ValidationError("deal.initial_stage", field="stage")
    return stage


def _record_move(actor: Actor, deal_id: int, from_stage: int | None, to_stage: int,
                 now: dt.datetime, reason: str | None = None, note: str | None = None) -> None:
    insert("deal_stage_history", {"deal_id": deal_id, "from_stage_id": from_stage,
                                  "to_stage_id": to_stage, "moved_at": now,
                                  "moved_by_id": actor.user_id, "lost_reason": reason,
                                  "lost_note": note})


def move_deal_to_stage(actor: Actor, deal_id: int, stage_id: int, *,
                       lost_reason: str | None = None, lost_note: str | None = None,
                       create_order: bool = False, seen_stage_id: int | None = None,
                       now: dt.datetime | None = None) -> DealView:
    """Move a deal to another stage of its pipeline, keeping the move in its history.

    A lost stage needs a reason (see LOST_REASONS); a won stage can open a draft order for the
    deal's amount (``create_order``); moving back to an open stage reopens the deal. With
    ``seen_stage_id`` (the stage the actor saw it in), a deal moved since is left alone:
    ChangedSince says it was won, lost or moved.
    """
    require(actor, Action.EDIT)
    now = now or utcnow()
    with database.atomic():
        row = visible_row(actor, deal_id)
        if seen_stage_id is not None and row[12] != seen_stage_id:
            check_deal_unmoved(actor, load_deal(deal_id), seen_stage_id)
        target = load_stage(stage_id)
        _check_target(row[11], target)
        if target.id == row[12]:
            return load_deal(deal_id)
        reason, note = check_stage_move(target, lost_reason, lost_note)
        closed_at = now if target.kind != "open" else None
        # Conditional on the stage read above, so a concurrent move cannot leave a history row
        # whose "from" is not where the deal really was.
        moved = database.execute_sql(sql(
            "update deal set stage_id = ?, closed_at = ?, lost_reason = ?, lost_note = ?,"
            " updated_at = ? where id = ? and stage_id = ?"),
            (target.id, closed_at, reason, note, now, deal_id, row[12]))
        if moved.rowcount != 1:
            raise Conflict("deal.moved_meanwhile")
        _record_move(actor, deal_id, row[12], target.id, now, reason, note)
        changes = audit.diff({"stage_id": row[12], "lost_reason": row[15], "lost_note": row[16]},
                             {"stage_id": target.id, "lost_reason": reason, "lost_note": note})
        audit.record(actor, "deal.move", "deal", deal_id, customer_id=row[2], changes=changes,
                     now=now)
        if target.kind == "won" and create_order:
            _order_from_deal(actor, deal_id, now)
    return load_deal(deal_id)


def check_deal_unmoved(actor: Actor, deal: DealView, seen_stage_id: int | None) -> None:
    """Raise ChangedSince when ``deal`` has left the stage the actor saw it in (its closing day
    in the actor's time zone)."""
    check_seen_stage(deal, seen_stage_id, zone_of(actor))


def _check_target(pipeline_id: int, target: StageView) -> None:
    if target.pipeline_id != pipeline_id:
        raise ValidationError("deal.stage_other_pipeline", field="stage")
    if target.archived:
        raise ValidationError("deal.stage_archived", field="stage")


def _order_from_deal(actor: Actor, deal_id: int, now: dt.datetime) -> None:
    """A draft order for the won deal, unless one is already open for it."""
    from crm.sales.orders import create_order
    from crm.sales.views import OrderLineInput

    if fetch_one("select 1 from sales_order where deal_id = ? and status <> 'cancelled'",
                 (deal_id,)):
        return
    deal = load_deal(deal_id)
    lines = ([OrderLineInput(quantity=1, description=deal.title, unit_price=deal.amount)]
             if deal.amount is not None else [])
    create_order(actor, deal.customer_id, lines, currency=deal.currency, deal_id=deal_id,
                 owner_id=deal.owner_id, now=now)


def update_deal(actor: Actor, deal_id: int, field: str, value: Any, *,
                now: dt.datetime | None = None) -> DealView:
    """Change one field of a deal (not its stage: see move_deal_to_stage)."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    if field not in EDITABLE_FIELDS:
        raise ValidationError("deal.field", field=field, name=field)
    with database.atomic():
        row = visible_row(actor, deal_id)
        current = load_deal(deal_id)
        changes = _checked_change(actor, current, field, value)
        before = {k: _stored(current, k) for k in changes}
        assignments = ", ".join(f"{k} = ?" for k in changes)
        database.execute_sql(sql(f"update deal set {assignments}, updated_at = ? where id = ?"),
                             (*changes.values(), now, deal_id))
        audit.record(actor, "deal.update", "deal", deal_id, customer_id=row[2],
                     changes=audit.diff(before, changes), now=now)
    return load_deal(deal_id)


def _stored(deal: DealView, column: str) -> Any:
    if column == "amount_minor":
        return money.to_minor(deal.amount, deal.currency) if deal.amount is not None else None
    return getattr(deal, column)


def _checked_change(actor: Actor, deal: DealView, field: str, value: Any) -> dict[str, Any]:
    if field == "title":
        return {"title": _title(value)}
    if field == "amount":
        return {"amount_minor": _amount(value, deal.currency)}
    if field == "currency":
        code = money.currency(value)
        return {"currency": code, "amount_minor": _amount(deal.amount, code)}
    if field == "expected_close":
        return {"expected_close": _close_date(value)}
    if field in ("source", "notes"):
        limit = 50 if field == "source" else NOTES_MAX
        return {field: check_length(value, field=field, max_length=limit)}
    target = int(value) if value not in (None, "") else None
    if field == "company_id":
        if target is not None and not fetch_one("select 1 from company where id = ?", (target,)):
            raise NotFound("not_found")
        return {"company_id": target}
    require(actor, Action.REASSIGN)
    check_assignee(actor, target)
    return {"owner_id": target}


def delete_deal(actor: Actor, deal_id: int, *, now: dt.datetime | None = None) -> None:
    """Soft-delete a deal: hidden from lists and figures, restorable."""
    require(actor, Action.DELETE)
    now = now or utcnow()
    with database.atomic():
        row = visible_row(actor, deal_id)
        database.execute_sql(sql("update deal set deleted_at = ?, updated_at = ? where id = ?"),
                             (now, now, deal_id))
        audit.record(actor, "deal.delete", "deal", deal_id, customer_id=row[2], now=now)


def restore_deal(actor: Actor, deal_id: int, *, now: dt.datetime | None = None) -> DealView:
    """Bring back a soft-deleted deal."""
    require(actor, Action.DELETE)
    now = now or utcnow()
    with database.atomic():
        row = visible_row(actor, deal_id, deleted=True)
        database.execute_sql(sql("update deal set deleted_at = null, updated_at = ?"
                                 " where id = ?"), (now, deal_id))
        audit.record(actor, "deal.restore", "deal", deal_id, customer_id=row[2], now=now)
    return load_deal(deal_id)
