"""The shortcuts for mainland mobiles (checking, formatting and indexing without the general
parser) give exactly what phonenumbers gives, for valid and invalid numbers, in any spelling."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from crm import search_terms
from crm.errors import ValidationError
from crm.validation import chinese_mobile, format_phone, normalise_phone

_RANDOM = random.Random(20260401)
NUMBERS = [f"1{second}{third}" + "".join(_RANDOM.choice("0123456789") for _ in range(8))
           for second in "0123456789" for third in "0123456789" for _ in range(6)]


def parsed(text: str, region: str) -> str | None:
    """What the general parser makes of ``text``: E.164, or None when not a valid number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def checked(text: str, region: str) -> str | None:
    try:
        return normalise_phone(text, region)
    except ValidationError:
        return None


@pytest.mark.parametrize("region", ["CN", "HK"])
def test_checking_a_mobile_gives_what_the_parser_gives(region) -> None:
    shortcuts = 0
    for digits in NUMBERS:
        for text in (digits, f"+86{digits}", f"+86 {digits[:3]} {digits[3:7]}-{digits[7:]}",
                     f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", f"８６{digits}"):
            assert checked(text, region) == parsed(text, region), (text, region)
        shortcuts += chinese_mobile(digits, region) is not None
    assert shortcuts > len(NUMBERS) // 2 if region == "CN" else shortcuts == 0


@pytest.mark.parametrize("region", ["CN", "US"])
def test_formatting_and_indexing_a_mobile_gives_what_the_parser_gives(region) -> None:
    for digits in NUMBERS:
        e164 = f"+86{digits}"
        number = phonenumbers.parse(e164, None)
        style = (phonenumbers.PhoneNumberFormat.NATIONAL
                 if phonenumbers.region_code_for_number(number) == region
                 else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        assert format_phone(e164, region) == phonenumbers.format_number(number, style), e164
        if parsed(e164, "CN"):  # the index only ever sees stored (valid) numbers
            assert search_terms._national_digits(e164) == str(number.national_number), e164
