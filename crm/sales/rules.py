"""Pure sales rules, without the database: stage moves, order transitions and line sums."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from crm.errors import ChangedSince, ValidationError
from crm.localtime import local_naive
from crm.sales import money
from crm.sales.views import LOST_REASONS, DealView, StageView
from crm.validation import check_length

LOST_NOTE_MAX = 500


def close_date_passed(day: dt.date, today: dt.date) -> bool:
    """A new deal expected to close before today is most likely a typo (2025 for 2026): the
    user confirms it first. (Still allowed: an old deal may be entered late.)"""
    return day < today

def check_seen_stage(deal: DealView, seen_stage_id: int | None, timezone: str) -> None:
    """A move chosen while the deal stood at ``seen_stage_id`` (an older card's button) is
    refused once the deal has left that stage: an old card must not reopen a won deal, lose
    it, or move it back from where a colleague took it."""
    if seen_stage_id is None or deal.stage.id == seen_stage_id:
        return
    if deal.stage.kind == "open" or deal.closed_at is None:
        raise ChangedSince("deal.moved_since", title=deal.title)
    day = local_naive(deal.closed_at, timezone).date().isoformat()
    raise ChangedSince(f"deal.already_{deal.stage.kind}", title=deal.title, day=day)


# Which status an order may take next. Completed and cancelled are final.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"confirmed", "cancelled"}),
    "confirmed": frozenset({"shipped", "completed", "cancelled"}),
    "shipped": frozenset({"completed"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
}


ORDER_LIFE_CYCLE = ("draft", "confirmed", "shipped", "completed", "cancelled")


def next_order_statuses(current: str, *, has_lines: bool, paid: bool) -> tuple[str, ...]:
    """The statuses an order may take next that would be accepted now, in life-cycle order:
    confirming needs a line, cancelling needs no payment left on it."""
    allowed = ORDER_TRANSITIONS.get(current, frozenset())
    refused = {"confirmed"} if not has_lines else set()
    if paid:
        refused.add("cancelled")
    return tuple(s for s in ORDER_LIFE_CYCLE if s in allowed and s not in refused)


def check_stage_move(target: StageView, lost_reason: str | None,
                     lost_note: str | None) -> tuple[str | None, str | None]:
    """The (reason, note) to keep with a move: a lost stage needs a reason from the list,
    and "other" needs a few words; other stages keep none."""
    if target.kind != "lost":
        return None, None
    if not (lost_reason or "").strip():
        raise ValidationError("deal.lost_reason_required", field="lost_reason",
                              allowed=tuple(LOST_REASONS))
    reason = lost_reason.strip().lower()  # type: ignore[union-attr]
    if reason not in LOST_REASONS:
        raise ValidationError("validation.choice", field="lost_reason", value=lost_reason,
                              allowed=tuple(LOST_REASONS))
    note = check_length(lost_note, field="lost_note", max_length=LOST_NOTE_MAX)
    if reason == "other" and note is None:
        raise ValidationError("deal.lost_note_required", field="lost_note")
    return reason, note


def check_order_transition(current: str, wanted: str) -> None:
    """Refuse a status change the order's life cycle does not allow."""
    if wanted not in ORDER_TRANSITIONS:
        raise ValidationError("validation.choice", field="status", value=wanted,
                              allowed=tuple(ORDER_TRANSITIONS))
    if wanted == current:  # asked again, e.g. from an older card
        raise ValidationError("order.already", field="status", status=wanted)
    if wanted not in ORDER_TRANSITIONS[current]:
        raise ValidationError("order.transition", field="status", current=current,
                              status=wanted)


def quantity_milli(value: object) -> int:
    """A quantity above 0 with at most three decimals, as thousandths."""
    number = money.parse_decimal(value, field="quantity")
    scaled = number.scaleb(3)
    if number <= 0 or scaled != scaled.to_integral_value() or scaled > money.MAX_MINOR:
        raise ValidationError("order.quantity", field="quantity", value=str(value))
    return int(scaled)


def discount_bp(value: object) -> int | None:
    """A percent discount (0-100, two decimals at most) in hundredths of a percent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = money.parse_decimal(str(value).rstrip("%") if isinstance(value, str) else value,
                                 field="discount")
    scaled = number.scaleb(2)
    if not 0 <= number <= 100 or scaled != scaled.to_integral_value():
        raise ValidationError("order.discount_percent", field="discount", value=str(value))
    return int(scaled)


@dataclass(frozen=True)
class LineAmounts:
    gross_minor: int
    discount_minor: int
    total_minor: int


def line_amounts(quantity: int, unit_price_minor: int, percent_bp: int | None,
                 amount_off_minor: int | None, currency: str) -> LineAmounts:
    """Quantity × price rounded half up to the minor unit, less a percent or fixed discount
    (itself rounded half up); the discount may not exceed the line."""
    if percent_bp is not None and amount_off_minor is not None:
        raise ValidationError("order.discount_both", field="discount")
    unit = money.from_minor(unit_price_minor, currency)
    gross = money.round_money(Decimal(quantity).scaleb(-3) * unit, currency)
    if percent_bp is not None:
        off = money.round_money(gross * Decimal(percent_bp).scaleb(-4), currency)
    else:
        off = money.from_minor(amount_off_minor or 0, currency)
    if off > gross:
        raise ValidationError("order.discount_too_big", field="discount", discount=off,
                              amount=gross, currency=currency)
    return LineAmounts(money.minor_of(gross, currency), money.minor_of(off, currency),
                       money.minor_of(gross - off, currency))


def weighted(amount: Decimal, win_probability: int) -> Decimal:
    """An amount times a whole-percent probability, not yet rounded."""
    return amount * Decimal(win_probability) / Decimal(100)


def round_days(days: Decimal) -> Decimal:
    """Days to one decimal, half up."""
    return days.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
