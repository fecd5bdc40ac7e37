"""Money as Decimal with a currency code, stored as whole minor units; pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from crm.errors import ValidationError

DEFAULT_CURRENCY = "CNY"
# ISO 4217 minor units of the currencies the CRM accepts.
MINOR_UNITS: dict[str, int] = {
    "CNY": 2, "HKD": 2, "MOP": 2, "TWD": 2, "USD": 2, "EUR": 2, "GBP": 2, "SGD": 2, "AUD": 2,
    "CAD": 2, "CHF": 2, "JPY": 0, "KRW": 0,
}
MAX_MINOR = 10**17  # far above any real order, well below BIGINT (9.2e18)
# How people write round sums: 8万 is 80,000, 1.5亿 is 150,000,000, 20k is 20,000.
MAGNITUDES = {"万": 10_000, "千": 1_000, "亿": 100_000_000, "k": 1_000, "K": 1_000}


def currency(value: str | None) -> str:
    """A supported ISO currency code, upper case; the default when empty."""
    code = (value or DEFAULT_CURRENCY).strip().upper()
    if code not in MINOR_UNITS:
        raise ValidationError("validation.choice", field="currency", value=value,
                              allowed=", ".join(MINOR_UNITS))
    return code


def quantum(code: str) -> Decimal:
    """The smallest unit of a currency as a Decimal exponent: 0.01 for CNY, 1 for JPY."""
    return Decimal(1).scaleb(-MINOR_UNITS[code])


def parse_decimal(value: object, *, field: str) -> Decimal:
    """A Decimal from a Decimal, int or text (commas, ¥/$ signs, a trailing 元 and the
    magnitudes 万 千 亿 k allowed: ``¥1.5万元`` is 15000); floats refused."""
    if isinstance(value, bool | float):
        # A float has already lost the exact amount the user typed.
        raise ValidationError("money.invalid", field=field, value=str(value))
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    else:
        text = str(value or "").strip().replace(",", "").replace("，", "")
        text = text.lstrip("¥￥$€£").strip().removesuffix("元").strip()
        scale = MAGNITUDES.get(text[-1:], 1)
        if scale != 1:
            text = text[:-1].strip()
        try:
            number = Decimal(text) * scale
        except InvalidOperation as exc:
            raise ValidationError("money.invalid", field=field, value=str(value)) from exc
    if not number.is_finite():
        raise ValidationError("money.invalid", field=field, value=str(value))
    return number


def to_minor(value: object, code: str, *, field: str = "amount") -> int:
    """Whole minor units of an amount; more decimals than the currency has are refused."""
    number = parse_decimal(value, field=field)
    if number < 0:
        raise ValidationError("money.negative", field=field, value=str(value))
    scaled = number.scaleb(MINOR_UNITS[code])
    if scaled != scaled.to_integral_value():
        raise ValidationError("money.precision", field=field, value=str(value), currency=code)
    if scaled > MAX_MINOR:
        raise ValidationError("money.invalid", field=field, value=str(value))
    return int(scaled)


def from_minor(minor: int | None, code: str) -> Decimal | None:
    """The Decimal amount of whole minor units (None stays None)."""
    if minor is None:
        return None
    return Decimal(int(minor)).scaleb(-MINOR_UNITS[code]).quantize(quantum(code))


def round_money(amount: Decimal, code: str) -> Decimal:
    """Round half up to the currency's minor unit (0.005 → 0.01)."""
    return amount.quantize(quantum(code), rounding=ROUND_HALF_UP)


def minor_of(amount: Decimal, code: str) -> int:
    """An already rounded amount as whole minor units."""
    return int(round_money(amount, code).scaleb(MINOR_UNITS[code]))


def add_up(amounts: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Totals per currency, in the order currencies first appear."""
    totals: dict[str, Decimal] = {}
    for code, amount in amounts:
        totals[code] = totals.get(code, Decimal(0)) + amount
    return totals
