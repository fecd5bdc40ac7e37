"""Phone numbers of an import checked at bulk speed, with exactly the results of
``crm.validation.normalise_phone`` (pinned by tests against it).

``phonenumbers.is_valid_number`` costs 10-60 µs a number, mostly in its general machinery:
checking 100,000 rows spent more time there than in writing them. Validity is a pure function
of the country code and the national number against phonenumbers' own metadata, so this module
compiles that metadata once and asks the same questions in the same order. Mainland mobiles
(the common case) skip the parser too, as ``crm.validation.chinese_mobile`` does.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumber
from phonenumbers.phonenumberutil import national_significant_number

from crm.validation import phone_error

_CN_MOBILE = re.compile(r"(\+86)?(1[3-9]\d{9})")
_MOBILE_SEPARATORS = re.compile(r"[ \-]")
# The number types phonenumbers tries (_number_type_helper); any match makes a number valid, so
# the common ones go first.
_TYPES = ("fixed_line", "premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
          "pager", "uan", "voicemail")

Desc = tuple[frozenset[int], re.Pattern[str]]


def normalise_phone(text: str, region: str, *, field: str = "phone") -> str:
    """As ``crm.validation.normalise_phone``: the number in E.164 form, else ValidationError."""
    return checked_phone(text, region, field=field)[0]


def checked_phone(text: str, region: str, *, field: str = "phone") -> tuple[str, str]:
    """The number in E.164 form and the digits it is dialled with at home (what the search
    index holds), else ValidationError."""
    cleaned = (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip()
    mobile = _MOBILE_SEPARATORS.sub("", cleaned)
    match = _CN_MOBILE.fullmatch(mobile)
    if match is not None and (match[1] is not None or region == "CN") \
            and not match[2].startswith("179"):
        if _valid_national(86, "CN", match[2]):
            return "+86" + match[2], match[2]
        raise phone_error(cleaned, field, region)
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as exc:
        raise phone_error(cleaned, field, region) from exc
    if number.extension or not is_valid(number):
        raise phone_error(cleaned, field, region, number)
    return (f"+{number.country_code}{national_significant_number(number)}",
            str(number.national_number))


def is_valid(number: PhoneNumber) -> bool:
    """``phonenumbers.is_valid_number``: the region the number belongs to, then its types."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(number.country_code)
    if not regions:
        return False
    nsn = national_significant_number(number)
    region = regions[0] if len(regions) == 1 else _region_of(regions, nsn)
    return region is not None and _valid_national(number.country_code, region, nsn)


def _region_of(regions: tuple[str, ...], nsn: str) -> str | None:
    """phonenumbers' _region_code_for_number_from_list: leading digits decide where a region
    has them, full validity elsewhere; the first region that fits."""
    for region in regions:
        checks = _checks(None, region)
        if checks is None:
            continue
        leading = checks[0]
        if leading is not None:
            if leading.match(nsn):
                return region
        elif _fits(checks, nsn):
            return region
    return None


def _valid_national(country_code: int, region: str, nsn: str) -> bool:
    checks = _checks(country_code, region)
    return checks is not None and _fits(checks, nsn)


def _fits(checks: tuple, nsn: str) -> bool:
    _, general, types = checks
    return _matches(general, nsn) and any(_matches(desc, nsn) for desc in types)


def _matches(desc: Desc | None, nsn: str) -> bool:
    if desc is None:
        return False
    lengths, pattern = desc
    return (not lengths or len(nsn) in lengths) and pattern.fullmatch(nsn) is not None


@lru_cache(maxsize=512)
def _checks(country_code: int | None, region: str) -> tuple | None:
    """A region's metadata compiled: (leading digits, general description, type
    descriptions). With a country code, as is_valid_number_for_region looks it up (non-
    geographic numbers by their code); without, as the region search does."""
    if country_code is None:
        metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    else:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code,
                                                                      region.upper())
    if metadata is None:
        return None
    # As phonenumbers: the mobile pattern counts only where it differs from the fixed-line one.
    names = _TYPES if metadata.same_mobile_and_fixed_line_pattern else ("mobile", *_TYPES)
    types = tuple(desc for desc in (_compiled(getattr(metadata, n)) for n in names) if desc)
    leading = (re.compile(metadata.leading_digits) if metadata.leading_digits is not None
               else None)
    return leading, _compiled(metadata.general_desc), types


def _compiled(desc) -> Desc | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern)
