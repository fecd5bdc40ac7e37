"""Fast, deterministic sample customers and companies (Chinese and English) for demos and benches.

Weighted tables and pools (given names, Latin names, contact recipes, status/tag tails,
birthdays) are built once per process from a fixed generator; per record, one seeded
``random.Random`` only picks among them, so a million customers take seconds. Phones never
repeat: each phone plan (mainland mobiles, HK, SG, UK, six US cities) is walked with a stride
coprime to its size, visiting every number at most once. QQ mail numbers are walked the same
way; name-based e-mails get a number appended, counting up per address, when needed.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from crm.demo_people.companies import DemoCompany, generate_companies
from crm.demo_people.data import (
    FALLBACK_MAIL,
    INDUSTRIES_EN,
    INDUSTRIES_ZH,
    NOTES_EN,
    NOTES_ZH,
    OCCUPATIONS_EN,
    OCCUPATIONS_ZH,
    PHONE_PLANS,
    TABLE_BITS,
)
from crm.demo_people.tables import (
    _CANTONESE_LAST,
    _GIVEN,
    _HOKKIEN_LAST,
    _LATIN_FIRST,
    _LOCATION_INDEX,
    _MAIL_EN,
    _MAIL_ZH,
    _MANDARIN_LAST,
    _SOURCE_EN,
    _SOURCE_ZH,
    _STATUS_TABLE,
    _STYLE_EN,
    _STYLE_ZH,
    _SURNAME_TABLE,
    _TAG_COUNT,
    _TAGS_EN,
    _TAGS_ZH,
    _WESTERN_LAST,
    LOCATIONS,
    PLACES_CANTONESE,
    PLACES_HOKKIEN,
    PLACES_MANDARIN,
    PLACES_PINYIN,
    PLACES_WESTERN,
    PLACES_ZH,
    SIZES,
    SOURCE_WORDS,
    SOURCES,
    STATUSES,
    _pick,
    _romanized,
)

__all__ = ["INDUSTRIES_EN", "INDUSTRIES_ZH", "LOCATIONS", "MAX_CUSTOMERS", "PHONE_PLANS", "SIZES",
           "SOURCES", "SOURCE_WORDS", "STATUSES", "DemoCompany", "DemoCustomer",
           "generate_companies", "generate_customers"]


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    name: str
    gender: str | None
    birthday: dt.date | None
    phone: str
    email: str | None
    wechat: str | None
    company_index: int | None
    city: str
    province: str
    status: str
    source: str
    tags: tuple[str, ...]
    occupation: str | None
    notes: str | None



# --------------------------------------------------------------------------------------------
# Unique number walks
# --------------------------------------------------------------------------------------------


def _walk(blocks: Sequence[int], unit: int, rnd: random.Random, prefix: str = "",
          suffix: str = "") -> Iterator[str]:
    """``prefix + str(block * unit + n) + suffix``, in a seeded order that never repeats.

    Position i is ``(start + i * step) % size`` with the step coprime to the size, so the
    first ``size`` numbers are all different and no set of issued numbers is kept.
    """
    size = len(blocks) * unit
    step = int(size * (0.55 + 0.1 * rnd.random()))
    while math.gcd(step, size) != 1:
        step += 1
    pos = rnd.randrange(size)
    bases = [b * unit for b in blocks]
    while True:
        pos += step
        if pos >= size:
            pos -= size
        yield f"{prefix}{bases[pos // unit] + pos % unit}{suffix}"


def _phone_walks(rnd: random.Random) -> dict[str, Iterator[str]]:
    """One walk per phone plan, yielding E.164 strings ("+86138…")."""
    return {plan: _walk([int(f"{country}{head}") for head in heads], 10**digits, rnd, prefix="+")
            for plan, (country, heads, digits) in PHONE_PLANS.items()}


MAX_CUSTOMERS = min(len(heads) * 10 ** digits for _, heads, digits in PHONE_PLANS.values())

# --------------------------------------------------------------------------------------------
# Customers
# --------------------------------------------------------------------------------------------

# Per-record work is a few picks from pools built once per process (seed-independent) with a
# fixed generator; the seeded generator only chooses among them and drives the unique walks.
POOL_BITS = 14
BIRTHDAY_BITS = 16
RECIPE_BITS = 12

# E-mail local parts are ``pre + family + post``; a frame is that (pre, post) for one style:
# zhangwei, weizhang, wei.zhang, wzhang, wei_zhang, zhangw.
Frames = tuple[tuple[str, str], ...]


def _frames(given: str) -> Frames:
    """The six local-part frames around the family name for one given name."""
    return (("", given), (given, ""), (f"{given}.", ""), (given[0], ""), (f"{given}_", ""),
            ("", given[0]))


# A Chinese given name: characters, pinyin, the gender it suggests, e-mail frames.
ZhGiven = tuple[str, str, str, Frames]


def _zh_given(rand: Callable[[], float], bits: Callable[[int], int]) -> ZhGiven:
    """A Chinese given name, of two characters three times in four."""
    gender = "male" if rand() < 0.5 else "female"
    pool = _GIVEN[gender]
    chars, pinyin = pool[bits(TABLE_BITS)]
    if rand() < 0.75:
        c2, p2 = pool[bits(TABLE_BITS)]
        chars, pinyin = chars + c2, pinyin + p2
    return chars, pinyin, gender, _frames(pinyin)


# A Latin-script person: display name, gender, given and family name in ASCII, place table,
# e-mail frames.
LatinPerson = tuple[str, str, str, str, list[int], Frames]


def _latin_person(rand: Callable[[], float], bits: Callable[[int], int]) -> LatinPerson:
    """A western name, an English name with a Chinese surname, or pinyin ("Wang Fang")."""
    kind = rand()
    if kind < 0.15:
        _, given, gender, frames = _zh_given(rand, bits)
        family = _SURNAME_TABLE[bits(TABLE_BITS)][1]
        first, last = _romanized(given), _romanized(family)
        display = f"{last} {first}" if rand() < 0.6 else f"{first} {last}"
        return display, gender, given, family, PLACES_PINYIN, frames
    first, given, gender = _LATIN_FIRST[int(rand() * len(_LATIN_FIRST))]
    if kind < 0.60:
        surnames, places = _WESTERN_LAST, PLACES_WESTERN
    elif kind < 0.74:
        surnames, places = _CANTONESE_LAST, PLACES_CANTONESE
    elif kind < 0.84:
        surnames, places = _HOKKIEN_LAST, PLACES_HOKKIEN
    else:
        surnames, places = _MANDARIN_LAST, PLACES_MANDARIN
    last, family, _ = surnames[int(rand() * len(surnames))]
    return f"{first} {last}", gender, given, family, places, _frames(given)


# The fields that do not depend on the name: status, source, tags, occupation, notes.
Tail = tuple[str, str, tuple[str, ...], str | None, str | None]


def _tail(zh: bool, rand: Callable[[], float], bits: Callable[[int], int]) -> Tail:
    """Status, source, 0-3 tags, an occupation (60%) and a note (30%)."""
    tag_sets = (_TAGS_ZH if zh else _TAGS_EN)[_TAG_COUNT[bits(TABLE_BITS)]]
    source = (_SOURCE_ZH if zh else _SOURCE_EN)[bits(TABLE_BITS)]
    return (_STATUS_TABLE[bits(TABLE_BITS)], SOURCE_WORDS[source][0 if zh else 1],
            _pick(tag_sets, rand),
            _pick(OCCUPATIONS_ZH if zh else OCCUPATIONS_EN, rand) if rand() < 0.6 else None,
            _pick(NOTES_ZH if zh else NOTES_EN, rand) if rand() < 0.3 else None)


@dataclass(frozen=True, slots=True)
class _Recipe:
    """How one customer's contact details are put together (picked per record)."""

    gender_known: bool
    company: int  # 0 none, 1 a company in the same language, 2 any company
    company_place: bool  # lives where the company is
    mail_domain: str | None  # None: no e-mail; "qq": a QQ number; "": the company's domain
    mail_fallback: str  # for "" when there is no company website
    mail_style: int  # index into the frames
    mail_plain: bool  # try the address without a number first
    mail_number: int  # first number appended; 0: the birth year
    wechat: int  # 0 none, 1 wxid_, 2 the mainland mobile number, 3 handle + year, 4 handle
    wechat_number: int
    region_tag: bool  # add 华东/华南/... for the city


def _recipe(zh: bool, rand: Callable[[], float], bits: Callable[[int], int]) -> _Recipe:
    """One recipe: ~60% with e-mail, ~40% with WeChat, ~70% at a company."""
    has_mail = rand() < (0.55 if zh else 0.675)
    has_wechat = rand() < (0.55 if zh else 0.175)
    return _Recipe(
        gender_known=rand() < 0.9,
        company=0 if rand() >= 0.7 else (1 if rand() < 0.85 else 2),
        company_place=rand() < 0.6,
        mail_domain=(_MAIL_ZH if zh else _MAIL_EN)[bits(TABLE_BITS)] if has_mail else None,
        mail_fallback=_pick(FALLBACK_MAIL, rand),
        mail_style=(_STYLE_ZH if zh else _STYLE_EN)[bits(TABLE_BITS)],
        mail_plain=rand() < 0.6,
        mail_number=0 if rand() < 0.3 else 1 + bits(7),
        wechat=1 + int(rand() * 4) if has_wechat else 0,
        wechat_number=bits(10),
        region_tag=rand() < 0.15,
    )


def _birthdays() -> list[dt.date]:
    """Every day from 1950-01-01 to 2005-12-31."""
    first, last = dt.date(1950, 1, 1).toordinal(), dt.date(2005, 12, 31).toordinal()
    return [dt.date.fromordinal(day) for day in range(first, last + 1)]


class _Pools:
    """Seed-independent pools of names, recipes, tails and birthdays (half None), built once."""

    def __init__(self) -> None:
        rnd = random.Random("crm.demo_people pools")
        rand, bits = rnd.random, rnd.getrandbits
        size = 1 << POOL_BITS
        self.zh_given = [_zh_given(rand, bits) for _ in range(size)]
        self.latin = [_latin_person(rand, bits) for _ in range(size)]
        self.tails = [[_tail(zh, rand, bits) for _ in range(size)] for zh in (False, True)]
        self.recipes = [[_recipe(zh, rand, bits) for _ in range(1 << RECIPE_BITS)]
                        for zh in (False, True)]
        days = _birthdays()
        half = len(days) / 2
        self.birthdays = [days[int((rand() + rand()) * half)] if rand() < 0.5 else None
                          for _ in range(1 << BIRTHDAY_BITS)]


@functools.cache
def _pools() -> _Pools:
    """The shared pools (a fraction of a second to build, on first use)."""
    return _Pools()


def _wechat(kind: int, given: str, family: str, phone: str, year: int, number: int,
            bits: Callable[[int], int]) -> str:
    """A WeChat id: wxid_…, the mainland mobile number, or a pinyin/English handle."""
    if kind == 1:
        return f"wxid_{bits(56):014x}"
    if kind == 2 and phone.startswith("+86"):
        return phone[3:]
    if kind == 3:
        return f"{family}{given}{year % 100 if year else number}"
    return f"{given}_{family}{number % 100}"


def _company_facts(companies: int, seed: int) -> tuple[list[list[int]], list[int],
                                                        list[str | None]]:
    """Indexes of English and Chinese companies, each company's location and mail domain."""
    listed = generate_companies(companies, seed)
    zh = [i for i, c in enumerate(listed) if c.name[0] >= "\u2e80"]
    en = [i for i, c in enumerate(listed) if c.name[0] < "\u2e80"]
    places = [_LOCATION_INDEX[c.city] for c in listed]
    domains = [c.website[len("https://www."):] if c.website else None for c in listed]
    return [en or zh, zh or en], places, domains


def generate_customers(count: int, companies: int, seed: int = 42) -> Iterator[DemoCustomer]:
    """Lazily yield ``count`` customers (unique phones and e-mails) linked to ``companies``.

    Company indexes refer to ``generate_companies(companies, seed)`` with the same seed.
    """
    if not 0 <= count <= MAX_CUSTOMERS:
        raise ValueError(f"count must be between 0 and {MAX_CUSTOMERS}")
    if companies < 0:
        raise ValueError("companies must not be negative")
    return _customers(count, companies, seed)


def _customers(count: int, companies: int, seed: int) -> Iterator[DemoCustomer]:
    """The generator behind generate_customers, one inlined loop: this is the hot path.

    E-mails: a QQ number from its walk, or ``local@domain`` the first time it is wanted plain,
    else ``local<n>@domain`` with n counting up per address; local parts contain no digits, so
    the three kinds never meet.
    """
    pools = _pools()
    rnd = random.Random(f"customers:{seed}")
    rand, bits = rnd.random, rnd.getrandbits
    walks = _phone_walks(rnd)
    next_phone = [walks[loc[4]].__next__ for loc in LOCATIONS]
    next_qq = _walk(range(1, 30), 10**8, rnd, suffix="@qq.com").__next__  # 9-10 digits
    numbers: dict[str, int] = {}  # address -> next number to append
    same_language, company_places, company_domains = _company_facts(companies, seed)
    surnames, zh_given, latin = _SURNAME_TABLE, pools.zh_given, pools.latin
    birthdays, recipes, tails = pools.birthdays, pools.recipes, pools.tails
    locations = LOCATIONS
    for _ in range(count):
        zh = rand() < 0.6
        if zh:
            surname, family = surnames[bits(TABLE_BITS)]
            chars, given, gender, frames = zh_given[bits(POOL_BITS)]
            name, places = surname + chars, PLACES_ZH
        else:
            name, gender, given, family, places, frames = latin[bits(POOL_BITS)]
        recipe = recipes[zh][bits(RECIPE_BITS)]
        birthday = birthdays[bits(BIRTHDAY_BITS)]
        company = None
        if recipe.company and companies:
            if recipe.company == 1:
                pool = same_language[zh]
                company = pool[int(rand() * len(pool))]
            else:
                company = int(rand() * companies)
        if company is not None and recipe.company_place:
            where = company_places[company]
        else:
            where = places[bits(TABLE_BITS)]
        loc = locations[where]
        phone = next_phone[where]()
        email = wechat = None
        domain = recipe.mail_domain
        if domain == "qq":
            email = next_qq()
        elif domain is not None:
            if not domain:
                domain = (company is not None and company_domains[company]) or recipe.mail_fallback
            pre, post = frames[recipe.mail_style]
            local = pre + family + post
            email = f"{local}@{domain}"
            number = numbers.get(email)
            if number is None and recipe.mail_plain:
                numbers[email] = 0
            else:
                if not number:
                    number = recipe.mail_number or (birthday.year if birthday else 88)
                numbers[email] = number + 1
                email = f"{local}{number}@{domain}"
        if recipe.wechat:
            wechat = _wechat(recipe.wechat, given, family, phone,
                             birthday.year if birthday else 0, recipe.wechat_number, bits)
        city, province = (loc[0], loc[1]) if zh else (loc[2], loc[3])
        status, source, tags, occupation, notes = tails[zh][bits(POOL_BITS)]
        if zh and recipe.region_tag and loc[5] and len(tags) < 3:
            tags += (loc[5],)
        yield DemoCustomer(
            name=name, gender=gender if recipe.gender_known else None, birthday=birthday,
            phone=phone, email=email, wechat=wechat, company_index=company, city=city,
            province=province, status=status, source=source, tags=tags, occupation=occupation,
            notes=notes)
