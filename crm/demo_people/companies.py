"""Sample companies: unique names, about 70% Chinese, with industry, size, city and website."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from crm.demo_people.data import (
    _EN_BRAND_FIRST,
    _EN_BRAND_SECOND,
    _EN_BRAND_SINGLE,
    _EN_SUFFIXES,
    _EN_TRADES,
    _ZH_BRAND_CHARS,
    _ZH_TRADES,
    INDUSTRIES_EN,
    INDUSTRIES_ZH,
    TABLE_BITS,
)
from crm.demo_people.tables import (
    _LOCATION_INDEX,
    _SIZE_TABLE,
    LOCATIONS,
    PLACES_EN_COMPANY,
    PLACES_ZH_COMPANY,
    _ascii,
    _pairs,
    _pick,
)


@dataclass(frozen=True, slots=True)
class DemoCompany:
    name: str
    industry: str
    size: str
    city: str
    website: str | None


# --------------------------------------------------------------------------------------------
# Companies
# --------------------------------------------------------------------------------------------

_BRAND_ZH = _pairs(_ZH_BRAND_CHARS)


def _zh_company(rand: Callable[[], float], bits: Callable[[int], int]) -> tuple[str, str, str, str]:
    """A Chinese company: name, industry, city and a domain stem (pinyin)."""
    loc = LOCATIONS[PLACES_ZH_COMPANY[bits(TABLE_BITS)]]
    first = int(rand() * len(_BRAND_ZH))
    (c1, p1), (c2, p2) = _BRAND_ZH[first], _BRAND_ZH[first - 1 - int(rand() * (len(_BRAND_ZH) - 1))]
    trade, slug, industry = _pick(_ZH_TRADES, rand)
    brand, city = c1 + c2, loc[0]
    form = rand()
    if loc[4] != "CN" or form < 0.5:
        name = f"{city}{brand}{trade}有限公司"
    elif form < 0.7:
        name = f"{brand}{trade}有限公司"
    elif form < 0.8:
        name = f"{brand}{trade}股份有限公司"
    elif form < 0.9:
        name = f"{brand}（{city}）{trade}有限公司"
    else:
        name = f"{city}{brand}{trade}有限责任公司"
    return name, INDUSTRIES_ZH[industry], city, f"{p1}{p2}{slug if rand() < 0.5 else ''}"


def _en_company(rand: Callable[[], float], bits: Callable[[int], int]) -> tuple[str, str, str, str]:
    """An English-named company: name, industry, city and a domain stem."""
    loc = LOCATIONS[PLACES_EN_COMPANY[bits(TABLE_BITS)]]
    form = rand()
    if form < 0.35:
        brand = _pick(_EN_BRAND_SINGLE, rand)
    elif form < 0.75:
        brand = f"{_pick(_EN_BRAND_FIRST, rand)} {_pick(_EN_BRAND_SECOND, rand)}"
    else:
        brand = _pick(_EN_BRAND_FIRST, rand) + _pick(_EN_BRAND_SECOND, rand).lower()
    trade, industry = _pick(_EN_TRADES, rand)
    suffixes, _ = _EN_SUFFIXES[loc[4][:2]]
    prefix = f"{loc[2]} " if loc[4] == "CN" else ""
    name = f"{prefix}{brand} {trade} {_pick(suffixes, rand)}"
    stem = brand.replace(" ", "").lower() + (trade.lower() if rand() < 0.4 else "")
    return name, INDUSTRIES_EN[industry], loc[2], stem


def _website(stem: str, city: str, size: str, taken: set[str], rand: Callable[[], float]
             ) -> str | None:
    """A unique https://www. address for most companies; the smallest often have none."""
    if rand() < (0.45 if size == "1-10" else 0.12):
        return None
    loc = LOCATIONS[_LOCATION_INDEX[city]]
    tld = _EN_SUFFIXES[loc[4][:2]][1]
    if loc[4] == "CN":
        tld = _pick((".com", ".cn", ".com.cn"), rand)
    domain = stem + tld
    if domain in taken:
        domain = f"{stem}-{_ascii(loc[2])}{tld}"
    n = 1
    while domain in taken:
        n += 1
        domain = f"{stem}{n}{tld}"
    taken.add(domain)
    return f"https://www.{domain}"


def _unique_name(name: str, city: str, zh: bool, taken: set[str]) -> str:
    """The name itself, or a branch of it ("…北京分公司", "… (London Branch)") when taken."""
    branch = f"{name}{city}分公司" if zh else f"{name} ({city} Branch)"
    candidate, n = (name if name not in taken else branch), 1
    while candidate in taken:
        n += 1
        candidate = f"{name}第{n}分公司" if zh else f"{name} (Branch {n})"
    return candidate


def generate_companies(count: int, seed: int = 42) -> list[DemoCompany]:
    """``count`` companies with unique names, about 70% Chinese; the same seed gives the same."""
    if count < 0:
        raise ValueError("count must not be negative")
    rnd = random.Random(f"companies:{seed}")
    rand, bits = rnd.random, rnd.getrandbits
    names: set[str] = set()
    domains: set[str] = set()
    companies = []
    for _ in range(count):
        make = _zh_company if rand() < 0.7 else _en_company
        for _attempt in range(8):
            name, industry, city, stem = make(rand, bits)
            if name not in names:
                break
        name = _unique_name(name, city, make is _zh_company, names)
        names.add(name)
        size = _SIZE_TABLE[bits(TABLE_BITS)]
        companies.append(DemoCompany(name, industry, size, city,
                                     _website(stem, city, size, domains, rand)))
    return companies
