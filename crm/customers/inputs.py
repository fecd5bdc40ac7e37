"""What callers hand in to create or edit a customer, and how each value is checked."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from crm import runtime, validation
from crm.customers.views import (
    ADDRESS_KINDS,
    CHANNEL_KINDS,
    DIRECTIONS,
    GENDERS,
    INTERACTION_KINDS,
    STATUSES,
)
from crm.errors import ValidationError
from crm.search_terms import is_cjk

NAME_MAX = 100
TEXT_MAX = 100
NOTES_MAX = 4000
TAG_MAX = 50
COMPANY_MAX = 200
SUMMARY_MAX = 16000  # a text pasted into Telegram, which sends it in up to four messages
# A WeChat id only counts when it says so: 微信:abc123, wx：abc123, WeChat: abc123, or WeChat's
# own generated wxid_… ids; a bare abc123 could as well be a word of a company's name.
_WECHAT_LABEL = re.compile(r"(?i)(?:微信号?|wechat|weixin|wx|vx)[:：]")
_WECHAT_GENERATED = re.compile(r"wxid_[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ChannelInput:
    kind: str
    value: str
    label: str | None = None
    primary: bool = False


@dataclass(frozen=True)
class AddressInput:
    kind: str = "work"
    country: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    postal_code: str | None = None
    primary: bool = False


@dataclass(frozen=True)
class CustomerDraft:
    """A new customer as typed: only the name is required."""

    name: str
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    company: str | None = None
    tags: tuple[str, ...] = ()
    gender: str | None = None
    birthday: str | dt.date | None = None
    occupation: str | None = None
    notes: str | None = None
    status: str = "lead"
    source: str | None = None
    owner_id: int | None = None
    channels: tuple[ChannelInput, ...] = ()
    addresses: tuple[AddressInput, ...] = ()
    secrets: Mapping[str, str] = field(default_factory=dict)


def choice(value: str, allowed: tuple[str, ...], *, field: str) -> str:
    """A value from a fixed list, compared case-insensitively."""
    lowered = (value or "").strip().lower()
    if lowered not in allowed:
        raise ValidationError("validation.choice", field=field, value=value,
                              allowed=tuple(allowed))
    return lowered


def name_from_parts(family: str, given: str) -> str:
    """A person's name from its two parts (a file's 姓 and 名 columns, a shared contact's last
    and first name), written the way its language writes it: all Chinese, surname first with
    no space (王 + 小明 → 王小明); otherwise given name first with a space (Chen + Emily →
    Emily Chen, 陈 + Emily → Emily 陈); one part alone is the name."""
    family, given = family.strip(), given.strip()
    if not (family and given):
        return family or given
    if all(is_cjk(char) for char in family + given):
        return family + given
    return f"{given} {family}"


def name(value: str) -> str:
    """A person's name: required, trimmed, full-width letters folded (Ｅｍｉｌｙ → Emily)."""
    folded = unicodedata.normalize("NFKC", value or "")
    checked = validation.check_length(" ".join(folded.split()), field="name",
                                      max_length=NAME_MAX, required=True)
    assert checked is not None
    return checked


def optional_text(value: str | None, *, field: str, max_length: int = TEXT_MAX) -> str | None:
    return validation.check_length(value, field=field, max_length=max_length)


def birthday(value: str | dt.date | None, today: dt.date) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = value if isinstance(value, dt.date) else _birth_date(value, today)
    return validation.check_birthday(parsed, today)


def _birth_date(text: str, today: dt.date) -> dt.date:
    try:
        return validation.parse_birthday(text, today)
    except ValidationError:
        if validation.is_age(text):  # 35 or 35岁 where the date of birth goes
            raise ValidationError("validation.birthday_age", field="birthday",
                                  value=text.strip()) from None
        raise


def channel_value(kind: str, value: str, *, field: str | None = None) -> str:
    """Normalise a contact channel's value according to its kind."""
    field = field or kind
    region = runtime.config()["phone_region"]
    if kind in ("phone", "whatsapp"):
        return validation.normalise_phone(value, region, field=field)
    if kind == "email":
        return validation.normalise_email(value, field=field)
    if kind == "wechat":
        return validation.normalise_wechat(value, field=field)
    if kind == "qq":
        return validation.normalise_qq(value, field=field)
    if kind == "telegram":
        return validation.normalise_social_handle(value, field=field)
    checked = validation.check_length(value, field=field, max_length=254, required=True)
    assert checked is not None
    return checked


def channel(item: ChannelInput) -> ChannelInput:
    kind = choice(item.kind, CHANNEL_KINDS, field="channel")
    return ChannelInput(kind, channel_value(kind, item.value),
                        optional_text(item.label, field="label", max_length=50), item.primary)


def address(item: AddressInput) -> AddressInput:
    kind = choice(item.kind, ADDRESS_KINDS, field="address")
    parts = {name: optional_text(getattr(item, name), field=name, max_length=60)
             for name in ("country", "province", "city", "district", "postal_code")}
    street = optional_text(item.street, field="street", max_length=200)
    if not any([*parts.values(), street]):
        raise ValidationError("validation.required", field="address")
    return AddressInput(kind=kind, street=street, primary=item.primary, **parts)


def tags(values: tuple[str, ...] | list[str]) -> list[str]:
    """Tag names, trimmed, without '#', unique in order."""
    cleaned = []
    for value in values:
        tag = validation.check_length((value or "").strip().lstrip("#"), field="tags",
                                      max_length=TAG_MAX)
        if tag and tag.lower() not in {t.lower() for t in cleaned}:
            cleaned.append(tag)
    return cleaned


def secret(name: str, value: str, today: dt.date) -> str:
    """A sensitive identity value; ID-card numbers are checked."""
    if name not in runtime.sensitive_fields():
        raise ValidationError("validation.choice", field="secret", value=name,
                              allowed=tuple(runtime.sensitive_fields()))
    if name == "id_card":
        return validation.normalise_id_card(value, today=today)
    checked = validation.check_length(value, field=name, max_length=64, required=True)
    assert checked is not None
    return "".join(checked.split())


def mask(name: str, value: str) -> str:
    """How a sensitive value is shown to those who may not reveal it."""
    if name == "id_card":
        return validation.mask_id_card(value)
    return "*" * max(0, len(value) - 4) + value[-4:] if len(value) > 4 else "*" * len(value)


def status(value: str) -> str:
    return choice(value, STATUSES, field="status")


def gender(value: str | None) -> str | None:
    result = validation.normalise_gender(value)
    assert result is None or result in GENDERS
    return result


def interaction_kind(value: str) -> str:
    return choice(value, INTERACTION_KINDS, field="kind")


def direction(value: str | None) -> str | None:
    return None if value is None else choice(value, DIRECTIONS, field="direction")


def coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None) or (
            latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)):
        raise ValidationError("validation.coordinates", field="location")


def split_channels(words: list[str]) -> tuple[list[ChannelInput], list[str]]:
    """The words of a one-line entry that are plainly contact channels (an e-mail address, a
    labelled or generated WeChat id), and the words left; anything unsure stays a word."""
    found: list[ChannelInput] = []
    left: list[str] = []
    index = 0
    while index < len(words):
        word, index = words[index], index + 1
        label = _WECHAT_LABEL.match(word)
        if label and label.end() == len(word) and index < len(words):  # 微信: abc123
            word, index = word + words[index], index + 1
        item = _channel_word(word)
        if item is None:
            left.append(word)
        else:
            found.append(item)
    return found, left


def _channel_word(word: str) -> ChannelInput | None:
    word = unicodedata.normalize("NFKC", word)  # zw＠qq．com, 微信：abc as typed in Chinese
    label = _WECHAT_LABEL.match(word)
    kind, value = (("wechat", word[label.end():]) if label
                   else ("wechat", word) if _WECHAT_GENERATED.fullmatch(word)
                   else ("email", word) if "@" in word.strip("@") else (None, ""))
    if kind is None:
        return None
    try:
        return ChannelInput(kind, channel_value(kind, value))
    except ValidationError:
        return None


def draft_field(field: str, value: str | list[str]) -> object:
    """One field of a new customer as a guided form gathers it (name, phone, e-mail, company,
    tags), checked the way create_customer will: a bad value is caught at its own step. An
    e-mail address typed as the company or a tag is refused: it has a step of its own."""
    if field in ("name", "phone", "email"):
        return name(str(value)) if field == "name" else channel_value(field, str(value))
    values = value if isinstance(value, list) else [str(value)]
    for item in values:
        if validation.looks_like_email(item):
            raise ValidationError("validation.email_elsewhere", field=field, value=item)
    if field == "company":
        return optional_text(str(value), field="company", max_length=COMPANY_MAX)
    if field == "tags":
        return tags(values)
    raise ValueError(f"no guided step for {field}")
