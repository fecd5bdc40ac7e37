"""Pure rules that validate and normalise customer fields; no database access.

Each function returns the normalised value or raises ``ValidationError`` with a stable
``validation.*`` code. Inputs pass through NFKC first, so full-width digits, letters and
punctuation typed on Chinese keyboards (１３８, ＠, （）) read as their ASCII forms.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

import phonenumbers

from crm.clock import utcnow
from crm.errors import ValidationError

EARLIEST_BIRTHDAY = dt.date(1900, 1, 1)
MAX_AGE = 150
# Chinese digits as people write them in dates, times and amounts (两 is 2 before a unit).
CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                  "六": 6, "七": 7, "八": 8, "九": 9}
EMAIL_MAX = 254
# Extensions written the Chinese way, which phonenumbers does not read: 010-12345678转123,
# 010-12345678 分机 123 (in both scripts). ext., x and # it reads itself (PhoneNumber.extension).
EXTENSION_MARKS = ("转", "轉", "分机", "分機", "内线", "內線")
# An extension written as a word of its own after a number (ext. 123, x123, 转 123): the mark,
# then its digits in the same word or the next.
EXTENSION_WORD = re.compile(r"(?:ext(?:ension)?\.?|x|转|轉|分机|分機|内线|內線)(\d*)", re.I)
HANDLE_MAX = 64

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_EMAIL_LIKE = re.compile(r"[^@\s]@+[^@\s]")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})"),
    re.compile(r"(\d{4})()(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年()(\d{1,2})月(\d{1,2})[日号]?"),
)
# A birth date with the year in two digits before 年, as people write their own: 90年3月5日.
_SHORT_YEAR_DATE = re.compile(r"(\d{2})年(\d{1,2})月(\d{1,2})[日号]?")
# 90-3-5, 5/3/90, 05.03.05: a two-digit year without 年, so any of the numbers could be it.
_SHORT_YEAR_NUMBERS = re.compile(r"\d{1,2}([-/.])\d{1,2}\1\d{1,2}")
# English dates with the month's name: 7 March 1990, March 7, 1990, 7-Mar-1990, Mar 7th 1990.
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTHS = {word: number for number, name in enumerate(_MONTH_NAMES, 1)
           for word in (name, name[:3], "sept" if name == "september" else name)}
_MONTH_NAME = r"([A-Za-z]{3,9})\.?"
_DAY_OF = r"(\d{1,2})(?:st|nd|rd|th)?"
# Day and month before a four-digit year, as English speakers write them: month first in the US
# (12/31/1985), day first elsewhere (31/12/1985). Read only when one of the two is above 12.
_SLASHED_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_NAMED_MONTH_DATES = (
    (re.compile(rf"{_DAY_OF}[\s-]+(?:of\s+)?{_MONTH_NAME}[\s,-]+(\d{{4}})", re.IGNORECASE),
     (3, 2, 1)),
    (re.compile(rf"{_MONTH_NAME}\s+{_DAY_OF},?\s+(\d{{4}})", re.IGNORECASE), (3, 1, 2)),
)
# A year and month without a day, as 出生年月 columns hold them: 1975年3月, 1975-03, 1975/3, 1975.3.
_YEAR_MONTH = re.compile(r"(\d{4})年(\d{1,2})月?|(\d{4})[-/.](\d{1,2})")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_WECHAT = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")
_PHONE_PUNCTUATION = re.compile(r"[\s\-()]")
_CN_MOBILE = re.compile(r"(\+86)?(1[3-9]\d{9})")
_MOBILE_SEPARATORS = re.compile(r"[ \-]")
# A trailing group after a dash, as business cards write an extension: 010-12345678-8008.
_DASH_EXTENSION = re.compile(r"(.*\d)\s*[-—]\s*\d{1,6}")
_E164_CN_MOBILE = re.compile(r"\+86(1[3-9]\d{9})")
_QQ = re.compile(r"[1-9]\d{4,11}")
_HOST = re.compile(r"[^\s.:@/]+(\.[^\s.:@/]+)+")
_GENDERS = {
    "male": "male", "m": "male", "man": "male", "男": "male", "男性": "male", "先生": "male",
    "female": "female", "f": "female", "woman": "female", "女": "female", "女性": "female",
    "女士": "female",
    "other": "other", "o": "other", "x": "other", "non-binary": "other", "nonbinary": "other",
    "其他": "other", "其它": "other",
}


def _clean(text: str) -> str:
    """Fold full-width forms to ASCII (NFKC) and trim surrounding white space."""
    return unicodedata.normalize("NFKC", text).strip()


def normalise_phone(text: str, region: str = "CN", *, field: str = "phone") -> str:
    """Parse a phone number as typed and return it in E.164 form."""
    cleaned = _clean(text)
    mobile = chinese_mobile(cleaned, region)
    if mobile is not None:
        if not mobile:
            raise phone_error(cleaned, field, region)
        return mobile
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as exc:
        raise phone_error(cleaned, field, region) from exc
    if number.extension or not phonenumbers.is_valid_number(number):
        raise phone_error(cleaned, field, region, number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_error(cleaned: str, field: str, region: str,
                number: phonenumbers.PhoneNumber | None = None) -> ValidationError:
    """Why ``cleaned`` (``number`` once parsed) is no phone number. An extension in any of its
    written forms (ext. 123, x123, #123, 转123, 分机123, a last group after a dash) is said as
    such, as a stored number cannot hold one: never dropped, nor called a wrong number."""
    extension = (number is not None and bool(number.extension)) or any(
        mark in cleaned for mark in EXTENSION_MARKS) or _dash_extension(cleaned, region)
    return ValidationError("validation.phone_extension" if extension else "validation.phone",
                           field=field, value=cleaned)


def _dash_extension(cleaned: str, region: str) -> bool:
    """``010-12345678-8008``: a valid number, then a dash and a few digits."""
    match = _DASH_EXTENSION.fullmatch(cleaned)
    if match is None:
        return False
    try:
        number = phonenumbers.parse(match[1], region)
    except phonenumbers.NumberParseException:
        return False
    return not number.extension and phonenumbers.is_valid_number(number)


def chinese_mobile(cleaned: str, region: str) -> str | None:
    """The common case without the general parser (a quarter of its cost, which bulk imports
    feel): a mainland mobile written as 11 digits (in region CN) or after +86, with spaces or
    dashes. Its E.164 form, "" when the metadata says no such number, None for anything else.

    The general parser would read the same digits: of the national prefixes and carrier codes
    it strips (0, 1[12]xx, 179xx), none starts 13-19 except 179, which is left to it."""
    match = _CN_MOBILE.fullmatch(_MOBILE_SEPARATORS.sub("", cleaned))
    if match is None or (match[1] is None and region != "CN") or match[2].startswith("179"):
        return None
    number = phonenumbers.PhoneNumber(country_code=86, national_number=int(match[2]))
    return "+86" + match[2] if phonenumbers.is_valid_number(number) else ""


def format_phone(e164: str, region: str = "CN") -> str:
    """Show a stored number nationally in its own region, internationally elsewhere."""
    mobile = _E164_CN_MOBILE.fullmatch(e164)
    if mobile and not e164.startswith("+86179"):
        return _regroup(mobile[1], _mobile_layout(mobile[1][:3], region))
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@lru_cache(maxsize=256)
def _mobile_layout(prefix: str, region: str) -> tuple[tuple[str, int, int], ...]:
    """How phonenumbers shows a mainland mobile starting with ``prefix`` to a reader in
    ``region``, as pieces (text before, then which digits of the number follow). Every such
    number is laid out alike, so this is asked once per prefix, not once per number (an export
    formats 100,000 of them, and formatting was most of its cost)."""
    sample = prefix + "0" * 8
    number = phonenumbers.PhoneNumber(country_code=86, national_number=int(sample))
    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL
                                       if region == "CN"
                                       else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    places = [i for i, char in enumerate(shown) if char.isdigit()][-len(sample):]
    pieces, start, first = [], 0, 0  # text since ``start``, then the run from ``first``
    for index in range(1, len(places)):
        if places[index] != places[index - 1] + 1:
            pieces.append((shown[start:places[first]], first, index))
            start, first = places[index - 1] + 1, index
    pieces.append((shown[start:places[first]], first, len(places)))
    tail = shown[places[-1] + 1:]
    return (*pieces, (tail, 0, 0)) if tail else tuple(pieces)


def _regroup(national: str, layout: tuple[tuple[str, int, int], ...]) -> str:
    return "".join(text + national[start:end] for text, start, end in layout)


def looks_like_email(text: str) -> bool:
    """Whether a word of ``text`` has an @ between other characters (bob@acme.com, zw＠qq,
    even a mistyped bob@@acme): typed where a company or a tag goes, it is an address."""
    return _EMAIL_LIKE.search(_clean(text)) is not None


def normalise_email(text: str, *, field: str = "email") -> str:
    """Trim and lower-case an e-mail address and check its shape."""
    cleaned = _clean(text).lower()
    if len(cleaned) > EMAIL_MAX or not _EMAIL.fullmatch(cleaned):
        raise ValidationError("validation.email", field=field, value=cleaned)
    return cleaned


def parse_date(text: str, *, field: str) -> dt.date:
    """Read a date typed as 1990-03-07, 1990/3/7, 1990.3.7, 19900307, 1990年3月7日, or with
    the month's English name: 7 March 1990, March 7, 1990."""
    typed = " ".join(_clean(text).split())
    cleaned = typed.replace(" ", "")
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match:
            try:
                return dt.date(int(match[1]), int(match[3]), int(match[4]))
            except ValueError:
                break
    else:
        found = _named_month_date(typed) or _slashed_date(cleaned)
        if found is not None:
            return found
    # said back as it was typed: "April 31 1983", not "April311983"
    raise ValidationError("validation.date", field=field, value=typed)


def parse_birthday(text: str, today: dt.date, *, field: str = "birthday") -> dt.date:
    """A birth date as ``parse_date`` reads it, or with its year in two digits before 年
    (90年3月5号): the latest such year that makes it a day already come (1990; 05年 2005)."""
    typed = " ".join(_clean(text).split())
    cleaned = typed.replace(" ", "")
    match = _SHORT_YEAR_DATE.fullmatch(cleaned)
    if match:
        return _latest_past_day(int(match[1]), int(match[2]), int(match[3]), today,
                                field=field, typed=typed)
    if _SHORT_YEAR_NUMBERS.fullmatch(cleaned):
        raise ValidationError("validation.date_short_year", field=field, value=typed)
    return parse_date(text, field=field)


def _latest_past_day(year: int, month: int, day: int, today: dt.date, *, field: str,
                     typed: str) -> dt.date:
    """The latest day ``month``/``day`` of a year ending in ``year`` (two digits) that is not
    after ``today``: a date of birth is never to come."""
    latest = today.year - (today.year - year) % 100
    for candidate in (latest, latest - 100):
        try:
            found = dt.date(candidate, month, day)
        except ValueError:
            break
        if found <= today:
            return found
    raise ValidationError("validation.date", field=field, value=typed)


def _slashed_date(cleaned: str) -> dt.date | None:
    """12/31/1985 or 31/12/1985: the day a slashed date can only be; None when it could be
    two (3/5/1985) or none."""
    match = _SLASHED_DATE.fullmatch(cleaned)
    if match is None:
        return None
    first, second, year = int(match[1]), int(match[2]), int(match[3])
    if (first > 12) == (second > 12):
        return None
    month, day = (second, first) if first > 12 else (first, second)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _named_month_date(typed: str) -> dt.date | None:
    for pattern, (year, month, day) in _NAMED_MONTH_DATES:
        match = pattern.fullmatch(typed)
        if match and match[month].lower() in _MONTHS:
            try:
                return dt.date(int(match[year]), _MONTHS[match[month].lower()], int(match[day]))
            except ValueError:
                return None
    return None


def is_age(text: str) -> bool:
    """A whole number a person's age could be (35, 35岁): what a birthday column often holds
    instead of the date."""
    cleaned = _clean(text).removesuffix("岁").strip()
    return cleaned.isascii() and cleaned.isdigit() and 0 < int(cleaned) <= MAX_AGE


def parse_year_month(text: str) -> tuple[int, int] | None:
    """(year, month) of a text written as a year and month only (1975年3月, 1975-03, 1975/3,
    1975.3); None for anything else, a whole date included."""
    match = _YEAR_MONTH.fullmatch(_clean(text).replace(" ", ""))
    if match is None:
        return None
    year, month = (match[1], match[2]) if match[1] else (match[3], match[4])
    return int(year), int(month)


def check_birth_month(year: int, month: int, today: dt.date, *,
                      field: str = "birthday") -> str:
    """A birth year and month (no day) as ``1975-03``, refused like a birthday when it is no
    month, in the future or before 1900."""
    shown = f"{year:04d}-{month:02d}"
    if not 1 <= month <= 12:
        raise ValidationError("validation.date", field=field, value=shown)
    check_birthday(dt.date(year, month, 1), today, field=field)
    return shown


def check_birthday(value: dt.date, today: dt.date, *, field: str = "birthday") -> dt.date:
    """Reject birthdays after ``today`` or before 1900."""
    if value > today:
        raise ValidationError("validation.birthday_future", field=field, value=value.isoformat())
    if value < EARLIEST_BIRTHDAY:
        raise ValidationError("validation.birthday_too_old", field=field,
                              value=value.isoformat())
    return value


def age_on(birthday: dt.date, today: dt.date) -> int:
    """Whole years from ``birthday`` to ``today`` (a 29 February birthday counts on 1 March)."""
    if birthday > today:
        raise ValueError(f"birthday {birthday} is after {today}")
    before_birthday = (today.month, today.day) < (birthday.month, birthday.day)
    return today.year - birthday.year - before_birthday


def id_card_check_char(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the 17-digit body of an ID card."""
    total = sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_card(text: str, *, today: dt.date | None = None,
                      field: str = "id_card") -> str:
    """Check a mainland resident ID (18 characters, or legacy 15 digits) and normalise it."""
    cleaned = re.sub(r"\s", "", _clean(text)).upper()
    if len(cleaned) == 15:
        if not cleaned.isdigit():
            raise ValidationError("validation.id_card_format", field=field)
        birth = "19" + cleaned[6:12]
    elif len(cleaned) == 18:
        if not cleaned[:17].isdigit() or cleaned[17] not in "0123456789X":
            raise ValidationError("validation.id_card_format", field=field)
        if id_card_check_char(cleaned[:17]) != cleaned[17]:
            raise ValidationError("validation.id_card_checksum", field=field)
        birth = cleaned[6:14]
    else:
        raise ValidationError("validation.id_card_length", field=field, length=len(cleaned))
    _check_id_birth(birth, today or utcnow().date(), field)
    return cleaned


def _check_id_birth(digits: str, today: dt.date, field: str) -> None:
    """Require the YYYYMMDD embedded in an ID card to be a real date from 1900 to today."""
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        birth = None
    if birth is None or not EARLIEST_BIRTHDAY <= birth <= today:
        raise ValidationError("validation.id_card_birthdate", field=field)


def mask_id_card(value: str) -> str:
    """Hide all but the first and last four characters of an ID number."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def check_length(text: str | None, *, field: str, max_length: int,
                 required: bool = False) -> str | None:
    """Trim free text; empty becomes None (or an error when required); cap the length."""
    trimmed = (text or "").strip()
    if not trimmed:
        if required:
            raise ValidationError("validation.required", field=field)
        return None
    if len(trimmed) > max_length:
        raise ValidationError("validation.too_long", field=field, max=max_length)
    return trimmed


def normalise_gender(text: str | None, *, field: str = "gender") -> str | None:
    """Map male/female/other in English or Chinese (男/女/其他) to a stored value; empty is None."""
    cleaned = _clean(text or "").lower()
    if not cleaned:
        return None
    try:
        return _GENDERS[cleaned]
    except KeyError:
        raise ValidationError("validation.gender", field=field, value=cleaned) from None


def normalise_wechat(text: str, *, field: str = "wechat") -> str:
    """Accept a WeChat id (6-20 chars, letter first) or a phone number used as one."""
    cleaned = _clean(text)
    if _WECHAT.fullmatch(cleaned):
        return cleaned
    compact = _PHONE_PUNCTUATION.sub("", cleaned)
    if re.fullmatch(r"\+?\d{5,}", compact):
        try:
            normalise_phone(compact, field=field)
        except ValidationError:
            pass
        else:
            return compact
    raise ValidationError("validation.wechat", field=field, value=cleaned)


def normalise_qq(text: str, *, field: str = "qq") -> str:
    """Accept a QQ number: 5 to 12 digits, not starting with 0."""
    cleaned = re.sub(r"\s", "", _clean(text))
    if not _QQ.fullmatch(cleaned):
        raise ValidationError("validation.qq", field=field, value=cleaned)
    return cleaned


def normalise_social_handle(text: str, *, field: str) -> str:
    """Drop one leading @ and require 1 to 64 characters without spaces."""
    cleaned = _clean(text)
    handle = cleaned.removeprefix("@")
    if not handle or len(handle) > HANDLE_MAX or re.search(r"\s", handle):
        raise ValidationError("validation.handle", field=field, value=cleaned, max=HANDLE_MAX)
    return handle


def credit_code_check_char(body: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a credit code."""
    total = sum(_CREDIT_CHARS.index(char) * weight
                for char, weight in zip(body, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def normalise_credit_code(text: str, *, field: str = "credit_code") -> str:
    """Check an 18-character unified social credit code and return it upper-cased."""
    cleaned = re.sub(r"\s", "", _clean(text)).upper()
    if (len(cleaned) != 18 or any(char not in _CREDIT_CHARS for char in cleaned)
            or credit_code_check_char(cleaned[:17]) != cleaned[17]):
        raise ValidationError("validation.credit_code", field=field, value=cleaned)
    return cleaned


def normalise_website(text: str, *, field: str = "website") -> str:
    """Add https:// when no scheme is given; require http(s) and a host with a dot."""
    cleaned = _clean(text)
    url = cleaned if "://" in cleaned else f"https://{cleaned}"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in {"http", "https"}
            or re.search(r"\s", url) or not _HOST.fullmatch(parts.hostname or "")
            or "@" in parts.netloc):
        raise ValidationError("validation.website", field=field, value=cleaned)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "",
                       parts.query, parts.fragment))
