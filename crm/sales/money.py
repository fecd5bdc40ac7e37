"""Money as Decimal with a currency code, stored as whole minor units; pure functions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from crm.errors import ValidationError
from crm.validation import CHINESE_DIGITS

DEFAULT_CURRENCY = "CNY"
# ISO 4217 minor units of the currencies the CRM accepts.
MINOR_UNITS: dict[str, int] = {
    "CNY": 2, "HKD": 2, "MOP": 2, "TWD": 2, "USD": 2, "EUR": 2, "GBP": 2, "SGD": 2, "AUD": 2,
    "CAD": 2, "CHF": 2, "JPY": 0, "KRW": 0,
}
MAX_MINOR = 10**17  # far above any real order, well below BIGINT (9.2e18)
# How people write round sums: 20k is 20,000; the Chinese units are read by ``spoken``.
THOUSANDS = {"k": 1_000, "K": 1_000}
# Biggest first: a number is split at its biggest unit (1亿2千万 = 1亿 + 2千万).
UNITS = (("亿", 100_000_000), ("万", 10_000), ("千", 1_000), ("百", 100), ("十", 10))
_ARABIC = re.compile(r"[+-]?\d+(\.\d+)?")
# A sign in front of an amount that names its currency ("$5,000" is no yuan). ¥ and ￥ name
# none: yuan and yen share them, and the default currency reads them as it always has.
SIGNS = {"US$": "USD", "HK$": "HKD", "S$": "SGD", "A$": "AUD", "C$": "CAD", "$": "USD",
         "€": "EUR", "£": "GBP"}


# What people call a currency instead of its ISO code.
CURRENCY_NAMES = {"RMB": "CNY"}
# The yuan said around an amount (人民币3万, 3万块, 5000元整): the default currency, dropped.
_YUAN_BEFORE = re.compile(r"^(?:人民币|RMB)", re.IGNORECASE)
_YUAN_AFTER = re.compile(r"(?:元整|元|圆|RMB)$", re.IGNORECASE)
# 块 after a figure alone or a unit (30000块, 3万块), not after a digit said past a unit:
# 3万8块 may be 30,008 as well as 38,000.
_KUAI_AFTER = re.compile(r"(?:^[\d.]+|[万千百亿十])块钱?$")
_TEN_THOUSANDS = re.compile(r"(?<=\d)[wW]$")  # 3w, 1.5W: 万, as chat writes it


def currency(value: str | None) -> str:
    """A supported ISO currency code, upper case; the default when empty (RMB is CNY)."""
    code = (value or DEFAULT_CURRENCY).strip().upper()
    code = CURRENCY_NAMES.get(code, code)
    if code not in MINOR_UNITS:
        raise ValidationError("validation.choice", field="currency", value=value,
                              allowed=tuple(MINOR_UNITS))
    return code


def currency_of_sign(amount: str) -> str | None:
    """The currency a sign in front of ``amount`` names (``$5,000`` → USD), else None."""
    text = amount.strip()
    for sign in sorted(SIGNS, key=len, reverse=True):  # HK$ before $
        if text.upper().startswith(sign):
            return SIGNS[sign]
    return None


# The currencies a bare "$" may mean: in an order in one of them, "$50" is that dollar.
DOLLARS = frozenset({"USD", "HKD", "SGD", "AUD", "CAD", "TWD"})
_CODE_BEFORE = re.compile(r"([A-Za-z]{3})\s*([^A-Za-z].*)")
_CODE_AFTER = re.compile(r"(.*[^A-Za-z])\s*([A-Za-z]{3})")


def typed_in(value: object, code: str, *, field: str = "amount") -> object:
    """An amount typed for something kept in ``code`` (an order's lines and payments: an
    order has one currency), the currency code typed beside it taken off (``50 USD``): a
    code or sign naming another currency (``$50`` in a yuan order, ``HK$100`` in a dollar
    one) is refused naming both, never dropped or converted; a bare ``$`` is the order's
    own dollar."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    number, named = text, None
    for pattern, at_code, at_number in ((_CODE_BEFORE, 1, 2), (_CODE_AFTER, 2, 1)):
        match = pattern.fullmatch(text)
        said = CURRENCY_NAMES.get(match[at_code].upper(), match[at_code].upper()) \
            if match else ""
        if said in MINOR_UNITS:
            number, named = match[at_number].strip(), said
            break
    if named is None and _YUAN_BEFORE.search(text):  # 人民币50 names the yuan
        named = "CNY"
    bare_dollar = number.startswith("$") and code in DOLLARS
    meant = named or (None if bare_dollar else currency_of_sign(number))
    if meant is not None and meant != code:
        raise ValidationError("money.other_currency", field=field, value=text, typed=meant,
                              currency=code)
    return number


def quantum(code: str) -> Decimal:
    """The smallest unit of a currency as a Decimal exponent: 0.01 for CNY, 1 for JPY."""
    return Decimal(1).scaleb(-MINOR_UNITS[code])


def parse_decimal(value: object, *, field: str) -> Decimal:
    """A Decimal from a Decimal, int or text (commas, ¥/$ signs, a trailing 元, k, and amounts
    as people say them: ``¥1.5万元`` is 15000, ``3万8`` 38000, ``五万`` 50000); floats refused."""
    if isinstance(value, bool | float):
        # A float has already lost the exact amount the user typed.
        raise ValidationError("money.invalid", field=field, value=str(value))
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    else:
        found = _typed_number(str(value or ""))
        if found is None:
            raise ValidationError("money.invalid", field=field, value=str(value))
        number = found
    if not number.is_finite():
        raise ValidationError("money.invalid", field=field, value=str(value))
    return number


def _typed_number(typed: str) -> Decimal | None:
    """120000, ¥1,200.50, 20k, or as people say it: 8万, 1.5亿, 3万8, 一万二, 十万, 两千五,
    3w, 3万块, 人民币3万."""
    text = "".join(typed.split()).replace(",", "").replace("，", "")
    for sign in sorted(SIGNS, key=len, reverse=True):
        text = text.removeprefix(sign).removeprefix(sign.lower())
    text = _YUAN_AFTER.sub("", _YUAN_BEFORE.sub("", text.lstrip("¥￥")))
    if _KUAI_AFTER.search(text):
        text = text[:text.rindex("块")]
    text = _TEN_THOUSANDS.sub("万", text)
    scale = THOUSANDS.get(text[-1:], 1)
    try:
        return Decimal(text[:-1] if scale != 1 else text) * scale
    except InvalidOperation:
        return None if scale != 1 else spoken(text)


def spoken(text: str) -> Decimal | None:
    """A number said with Chinese units and digits (3万8 = 38,000: a lone digit after a unit
    counts in the next unit down, as people say it); None when unsure (3万08, 1万25)."""
    for unit, size in UNITS:
        head, found, tail = text.partition(unit)
        if not found:
            continue
        high = Decimal(1) if not head and unit == "十" else spoken(head) if head else None
        low = _after_unit(tail, size)
        if high is None or low is None or (tail and "." in head):
            return None
        return high * size + low
    return _digits(text)


def _after_unit(tail: str, size: int) -> Decimal | None:
    """What follows a unit: nothing, 零 and a smaller number, one digit meaning the next unit
    down (万8 = 8千), all the digits of the places below (万0500), or a smaller said number."""
    if not tail:
        return Decimal(0)
    if tail[0] in "零〇":
        low = spoken(tail[1:]) if len(tail) > 1 else None
    elif len(tail) == 1:
        digit = _digits(tail)
        low = None if digit is None else digit * size / 10
    elif tail.isascii() and tail.isdigit():
        low = Decimal(tail) if len(tail) == len(str(size)) - 1 else None
    elif any(unit in tail for unit, _ in UNITS):  # it must fill the next place: 一万二十五 no
        low = spoken(tail)
        low = low if low is not None and low >= size / 10 else None
    else:
        low = None
    return low if low is not None and 0 <= low < size else None


def _digits(text: str) -> Decimal | None:
    """Arabic figures (3, 3.8), or one Chinese digit (三, 两)."""
    if _ARABIC.fullmatch(text):
        return Decimal(text)
    return Decimal(CHINESE_DIGITS[text]) if text in CHINESE_DIGITS else None


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
