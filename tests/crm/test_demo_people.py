"""Sample people for demos and benchmarks: deterministic, unique contacts, realistic mix."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import phonenumbers
import pytest
from pypinyin import Style, pinyin

from crm import demo_people
from crm.demo_people import (
    INDUSTRIES_EN,
    INDUSTRIES_ZH,
    LOCATIONS,
    PHONE_PLANS,
    SIZES,
    SOURCE_WORDS,
    SOURCES,
    STATUSES,
    DemoCompany,
    DemoCustomer,
    generate_companies,
    generate_customers,
)

COUNT = 50_000
COMPANIES = 2_000
ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def customers() -> list[DemoCustomer]:
    return list(generate_customers(COUNT, COMPANIES, seed=7))


@pytest.fixture(scope="module")
def companies() -> list[DemoCompany]:
    return generate_companies(COMPANIES, seed=7)


def is_chinese(customer: DemoCustomer) -> bool:
    return bool(CJK.search(customer.name))


def test_the_same_seed_gives_the_same_people() -> None:
    assert list(generate_customers(3_000, 200, seed=3)) == \
        list(generate_customers(3_000, 200, seed=3))
    assert generate_companies(500, seed=3) == generate_companies(500, seed=3)


def test_output_does_not_depend_on_hash_randomisation() -> None:
    script = ("import hashlib; from crm.demo_people import generate_customers, generate_companies; "
              "people = [*generate_customers(2000, 100), *generate_companies(100)]; "
              "print(hashlib.sha256(repr(people).encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": seed}
                              ).stdout for seed in ("1", "2")}
    assert len(digests) == 1


def test_different_seeds_give_different_people() -> None:
    first = list(generate_customers(500, 50, seed=1))
    second = list(generate_customers(500, 50, seed=2))
    assert sum(a == b for a, b in zip(first, second, strict=True)) == 0
    assert {c.phone for c in first}.isdisjoint({c.phone for c in second})
    assert generate_companies(200, seed=1) != generate_companies(200, seed=2)


def test_a_smaller_count_is_a_prefix_of_a_larger_one() -> None:
    assert list(generate_customers(300, 40)) == list(generate_customers(1_000, 40))[:300]


def test_generation_is_lazy_and_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    people = generate_customers(demo_people.MAX_CUSTOMERS, 10)
    assert next(people).phone.startswith("+")
    assert list(generate_customers(0, 0)) == []
    assert capsys.readouterr() == ("", "")


def test_customers_are_frozen_dataclasses(customers: list[DemoCustomer]) -> None:
    customer = customers[0]
    assert type(customer) is DemoCustomer
    with pytest.raises(dataclasses.FrozenInstanceError):
        customer.name = "someone else"  # type: ignore[misc]
    assert dataclasses.replace(customer) == customer
    assert hash(dataclasses.replace(customer)) == hash(customer)
    assert "DemoCustomer(name=" in repr(customer)


def test_phones_and_emails_are_unique(customers: list[DemoCustomer]) -> None:
    phones = [c.phone for c in customers]
    emails = [c.email for c in customers if c.email]
    assert len(set(phones)) == len(phones) == COUNT
    assert len(set(emails)) == len(emails)
    assert len({e.lower() for e in emails}) == len(emails)


def test_about_sixty_percent_have_chinese_names(customers: list[DemoCustomer]) -> None:
    share = sum(map(is_chinese, customers)) / COUNT
    assert 0.58 < share < 0.62


def test_chinese_names_have_two_or_three_characters(customers: list[DemoCustomer]) -> None:
    lengths = Counter(len(c.name) for c in customers if is_chinese(c))
    assert set(lengths) == {2, 3}
    assert 0.2 < lengths[2] / lengths.total() < 0.3
    surnames = Counter(c.name[0] for c in customers if is_chinese(c))
    assert {s for s, _ in surnames.most_common(5)} >= {"王", "李", "张"}
    assert len(surnames) >= 90


def test_latin_names_look_like_names(customers: list[DemoCustomer]) -> None:
    latin = [c.name for c in customers if not is_chinese(c)]
    assert all(re.fullmatch(r"[^\W\d_][\w'’-]* [^\W\d_][\w'’-]*", name) for name in latin)
    assert any(name.endswith(" Smith") for name in latin)
    assert any(name.endswith(" Chen") for name in latin)


def test_every_phone_in_a_sample_is_valid(customers: list[DemoCustomer]) -> None:
    regions = {"+86": "CN", "+852": "HK", "+65": "SG", "+1": "US", "+44": "GB"}
    for customer in random.Random(0).sample(customers, 2_000):
        number = phonenumbers.parse(customer.phone)
        assert phonenumbers.is_valid_number(number), customer.phone
        assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == \
            customer.phone
        prefix = f"+{number.country_code}"
        assert phonenumbers.region_code_for_number(number) == regions[prefix]


def test_every_block_of_every_phone_plan_is_valid() -> None:
    for plan, (country, heads, digits) in PHONE_PLANS.items():
        for head in heads:
            for rest in (0, 10**digits - 1, 10**digits // 3):
                text = f"+{country}{head}{rest:0{digits}d}"
                assert phonenumbers.is_valid_number(phonenumbers.parse(text)), (plan, text)


def test_phones_match_where_people_live(customers: list[DemoCustomer]) -> None:
    codes = {"香港": "+852", "Hong Kong": "+852", "新加坡": "+65", "Singapore": "+65",
             "伦敦": "+44", "London": "+44", "纽约": "+1", "New York": "+1"}
    for customer in customers:
        expected = codes.get(customer.city, "+86" if customer.province else "+1")
        assert customer.phone.startswith(expected), customer
    mainland = sum(c.phone.startswith("+86") for c in customers if is_chinese(c))
    assert mainland / sum(map(is_chinese, customers)) > 0.9


def test_cities_and_provinces_agree(customers: list[DemoCustomer]) -> None:
    places = {(loc[0], loc[1]) for loc in LOCATIONS} | {(loc[2], loc[3]) for loc in LOCATIONS}
    assert {(c.city, c.province) for c in customers} <= places
    assert ("深圳", "广东") in {(c.city, c.province) for c in customers}
    assert all(is_chinese(c) == bool(CJK.search(c.city)) for c in customers)


def test_emails_are_well_formed(customers: list[DemoCustomer]) -> None:
    emails = [c.email for c in customers if c.email]
    assert 0.57 < len(emails) / COUNT < 0.63
    for email in emails:
        assert email.count("@") == 1
        local, domain = email.split("@")
        assert re.fullmatch(r"[a-z0-9._]+", local) and not local.startswith(".")
        assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", domain)
    domains = Counter(e.split("@")[1] for e in emails)
    assert {"qq.com", "163.com", "gmail.com", "outlook.com"} <= set(domains)


def test_company_emails_use_the_company_domain(customers: list[DemoCustomer],
                                               companies: list[DemoCompany]) -> None:
    free = {"qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "yahoo.com", "sina.com"}
    for customer in customers:
        if customer.email and customer.email.split("@")[1] not in free:
            company = companies[customer.company_index]  # type: ignore[index]
            assert company.website == f"https://www.{customer.email.split('@')[1]}"


def test_company_indexes_are_in_range(customers: list[DemoCustomer]) -> None:
    indexes = [c.company_index for c in customers if c.company_index is not None]
    assert all(0 <= i < COMPANIES for i in indexes)
    assert 0.67 < len(indexes) / COUNT < 0.73
    assert len(set(indexes)) > COMPANIES * 0.9
    assert all(c.company_index is None for c in generate_customers(200, 0))


def test_birthdays_are_in_range(customers: list[DemoCustomer]) -> None:
    birthdays = [c.birthday for c in customers if c.birthday]
    assert 0.47 < len(birthdays) / COUNT < 0.53
    assert all(dt.date(1950, 1, 1) <= b <= dt.date(2005, 12, 31) for b in birthdays)
    assert all(type(b) is dt.date for b in birthdays)


def test_statuses_sources_and_tags(customers: list[DemoCustomer]) -> None:
    statuses = Counter(c.status for c in customers)
    assert set(statuses) == set(STATUSES)
    for status, share in (("lead", 0.3), ("prospect", 0.2), ("customer", 0.45), ("inactive", 0.05)):
        assert abs(statuses[status] / COUNT - share) < 0.02
    assert {c.source for c in customers} == set(SOURCES)
    chinese = {zh for zh, _ in SOURCE_WORDS.values()}
    for c in customers:  # sources in the customer's language, as a salesperson types them
        assert (c.source in chinese) == (c.name[0] >= "\u3400"), (c.name, c.source)
    assert all(len(c.tags) <= 3 and len(set(c.tags)) == len(c.tags) for c in customers)
    assert Counter(len(c.tags) for c in customers)[0] > COUNT * 0.3
    assert {c.gender for c in customers} == {"male", "female", None}


def test_wechat_occupation_and_notes_shares(customers: list[DemoCustomer]) -> None:
    def share(field: str) -> float:
        return sum(getattr(c, field) is not None for c in customers) / COUNT

    assert 0.37 < share("wechat") < 0.43
    assert 0.55 < share("occupation") < 0.65
    assert 0.27 < share("notes") < 0.33


def test_companies_are_unique_and_plausible(companies: list[DemoCompany]) -> None:
    assert len({c.name for c in companies}) == COMPANIES
    chinese = [c for c in companies if CJK.search(c.name)]
    assert 0.65 < len(chinese) / COMPANIES < 0.75
    assert all(c.name.endswith("公司") and c.industry in INDUSTRIES_ZH for c in chinese)
    english = [c for c in companies if not CJK.search(c.name)]
    assert all(c.industry in INDUSTRIES_EN for c in english)
    assert {c.size for c in companies} == set(SIZES)
    websites = [c.website for c in companies if c.website]
    assert len(set(websites)) == len(websites)
    assert all(re.fullmatch(r"https://www\.[a-z0-9-]+(\.[a-z]+)+", w) for w in websites)


def test_enough_companies_get_unique_names_even_when_names_run_short() -> None:
    names = [c.name for c in generate_companies(30_000, seed=5)]
    assert len(set(names)) == len(names)


def test_pinyin_matches_the_characters() -> None:
    pairs = [(s, p) for s, p, _ in demo_people.data.SURNAMES]
    for text in (demo_people.data._MALE_CHARS, demo_people.data._FEMALE_CHARS,
                 demo_people.data._NEUTRAL_CHARS, demo_people.data._ZH_BRAND_CHARS):
        pairs += demo_people.tables._pairs(text)
    for char, spelled in pairs:
        readings = pinyin(char, style=Style.NORMAL, heteronym=True, v_to_u=False)[0]
        assert spelled in readings, (char, spelled, readings)


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_customers(-1, 0)
    with pytest.raises(ValueError):
        generate_customers(demo_people.MAX_CUSTOMERS + 1, 0)
    with pytest.raises(ValueError):
        generate_customers(10, -1)
    with pytest.raises(ValueError):
        generate_companies(-1)
