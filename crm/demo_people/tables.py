"""The weighted tables and places sample people and companies are drawn from, built once per
process from fixed data (a few milliseconds)."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable, Sequence
from typing import TypeVar

from crm.demo_people.data import (
    _FEMALE_CHARS,
    _MALE_CHARS,
    _NEUTRAL_CHARS,
    ABROAD,
    CANTONESE_SURNAMES,
    CN_CITIES,
    FREE_MAIL_EN,
    FREE_MAIL_ZH,
    HOKKIEN_SURNAMES,
    MANDARIN_SURNAMES,
    PROVINCES,
    SURNAMES,
    TABLE_SIZE,
    TAGS_EN,
    TAGS_ZH,
    WESTERN_FEMALE,
    WESTERN_MALE,
    WESTERN_SURNAMES,
)

T = TypeVar("T")

SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
STATUSES = ("lead", "prospect", "customer", "inactive")
# Where a customer came from, as a salesperson types it (source is free text): in Chinese for
# a Chinese name, in English otherwise.
SOURCE_WORDS = {"referral": ("转介绍", "Referral"), "website": ("官网", "Website"),
                "exhibition": ("展会", "Trade show"), "cold_call": ("电话开发", "Cold call"),
                "wechat": ("微信", "WeChat"), "advertising": ("广告", "Advertising")}
SOURCES = tuple(word for words in SOURCE_WORDS.values() for word in words)


# --------------------------------------------------------------------------------------------
# Table building (import time, a few milliseconds)
# --------------------------------------------------------------------------------------------


def _table(weighted: Sequence[tuple[T, float]]) -> list[T]:
    """Expand weighted items into a TABLE_SIZE list, so a pick is one getrandbits look-up."""
    total = sum(w for _, w in weighted)
    exact = [w * TABLE_SIZE / total for _, w in weighted]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: TABLE_SIZE - sum(counts)]:
        counts[i] += 1
    return [item for (item, _), n in zip(weighted, counts, strict=True) for _ in range(n)]


def _pick(pool: Sequence[T], rand: Callable[[], float]) -> T:
    """A uniform pick from a pool."""
    return pool[int(rand() * len(pool))]


def _pairs(text: str) -> list[tuple[str, str]]:
    """Parse "char pinyin" pairs, keeping the first occurrence of each character."""
    words = text.split()
    seen: dict[str, str] = {}
    for char, pinyin in zip(words[::2], words[1::2], strict=True):
        seen.setdefault(char, pinyin)
    return list(seen.items())


def _ascii(name: str) -> str:
    """Lower-case ASCII form of a Latin name for e-mail and WeChat ids ("O'Brien" -> "obrien")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalpha())


def _romanized(pinyin: str) -> str:
    """Pinyin as written in a Latin-script name: capitalised, ü spelt "yu" as on passports."""
    return pinyin.replace("v", "yu").capitalize()


def _given_table(own: str, common_weight: int = 3) -> list[tuple[str, str]]:
    """Given-name characters for one gender plus the neutral ones; common ones weigh more."""
    chars = _pairs(own)
    own_chars = {c for c, _ in chars}
    neutral = [p for p in _pairs(_NEUTRAL_CHARS) if p[0] not in own_chars]
    weighted = [(p, common_weight if i < 20 else 1) for i, p in enumerate(chars)]
    return _table(weighted + [(p, 1) for p in neutral])


def _latin_people() -> tuple[list[tuple[str, str, str | None]], ...]:
    """First names (display, ascii, gender) and the surname groups as (display, ascii) pairs."""
    firsts = [(n, _ascii(n), "male") for n in WESTERN_MALE]
    firsts += [(n, _ascii(n), "female") for n in WESTERN_FEMALE]
    groups = (WESTERN_SURNAMES, CANTONESE_SURNAMES, HOKKIEN_SURNAMES, MANDARIN_SURNAMES)
    return (firsts, *([(n, _ascii(n), None) for n in group] for group in groups))


_SURNAME_TABLE = _table([((s, p), w) for s, p, w in SURNAMES])
_GIVEN = {"male": _given_table(_MALE_CHARS), "female": _given_table(_FEMALE_CHARS)}
_LATIN_FIRST, _WESTERN_LAST, _CANTONESE_LAST, _HOKKIEN_LAST, _MANDARIN_LAST = _latin_people()

# Locations: (Chinese city, Chinese province, English city, English province, plan, region tag).
Location = tuple[str, str, str, str, str, str]
LOCATIONS: list[Location] = [(zh, prov, en, PROVINCES[prov][0], "CN", PROVINCES[prov][1])
                             for zh, en, prov, _ in CN_CITIES]
LOCATIONS += [(zh, "", en, "", plan, "") for zh, en, plan in ABROAD]
_LOCATION_INDEX = {name: i for i, loc in enumerate(LOCATIONS) for name in (loc[0], loc[2])}


def _places(cn_share: float, abroad: dict[str, float]) -> list[int]:
    """A location table: mainland cities by weight for cn_share, then named places abroad."""
    total = sum(w for *_, w in CN_CITIES)
    weighted = [(i, cn_share * w / total) for i, (*_, w) in enumerate(CN_CITIES)]
    weighted += [(_LOCATION_INDEX[name], share) for name, share in abroad.items()]
    return _table(weighted)


_US_SPREAD = {"New York": 0.4, "San Francisco": 0.2, "Los Angeles": 0.2, "Seattle": 0.07,
              "Boston": 0.07, "Chicago": 0.06}


def _us(share: float) -> dict[str, float]:
    """Split a share of people across the American cities."""
    return {city: share * part for city, part in _US_SPREAD.items()}


PLACES_ZH = _places(0.94, {"香港": 0.03, "新加坡": 0.015, "伦敦": 0.005, **_us(0.01)})
PLACES_WESTERN = _places(0.10, {"Hong Kong": 0.10, "Singapore": 0.15, "London": 0.20, **_us(0.45)})
PLACES_CANTONESE = _places(0.10, {"Hong Kong": 0.70, "London": 0.05, **_us(0.15)})
PLACES_HOKKIEN = _places(0.10, {"Singapore": 0.75, "Hong Kong": 0.05, **_us(0.10)})
PLACES_MANDARIN = _places(0.50, {"Singapore": 0.10, "Hong Kong": 0.05, "London": 0.05, **_us(0.30)})
PLACES_PINYIN = _places(0.80, {"Singapore": 0.05, "London": 0.05, **_us(0.10)})
PLACES_ZH_COMPANY = _places(0.94, {"香港": 0.05, "新加坡": 0.01})
PLACES_EN_COMPANY = _places(0.20, {"Hong Kong": 0.25, "Singapore": 0.20, "London": 0.10,
                                   **_us(0.25)})

_STATUS_TABLE = _table([("lead", 30), ("prospect", 20), ("customer", 45), ("inactive", 5)])
_SOURCE_ZH = _table([("referral", 25), ("wechat", 25), ("website", 15), ("exhibition", 15),
                     ("cold_call", 10), ("advertising", 10)])
_SOURCE_EN = _table([("referral", 25), ("website", 30), ("exhibition", 20), ("cold_call", 10),
                     ("advertising", 10), ("wechat", 5)])
_SIZE_TABLE = _table(list(zip(SIZES, (35, 30, 20, 10, 5), strict=True)))
_TAG_COUNT = _table([(0, 40), (1, 35), (2, 17), (3, 8)])
_MAIL_ZH = _table(FREE_MAIL_ZH)
_MAIL_EN = _table(FREE_MAIL_EN)
# E-mail local-part styles: 0 zhangwei, 1 weizhang, 2 wei.zhang, 3 wzhang, 4 wei_zhang, 5 zhangw.
_STYLE_ZH = _table([(0, 45), (1, 10), (2, 10), (3, 10), (4, 10), (5, 15)])
_STYLE_EN = _table([(2, 40), (1, 20), (3, 20), (4, 10), (0, 5), (5, 5)])


def _tag_sets(pool: Sequence[str]) -> list[list[tuple[str, ...]]]:
    """Every combination of 0..3 tags from the pool, grouped by size."""
    return [list(itertools.combinations(pool, k)) for k in range(4)]


_TAGS_ZH = _tag_sets(TAGS_ZH)
_TAGS_EN = _tag_sets(TAGS_EN)
