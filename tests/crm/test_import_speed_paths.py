"""The import's bulk-speed paths give exactly what the general ones give: phone checks against
crm.validation (phonenumbers), the row checker against ``validate`` (checked_draft), search
entries against ``build_document``, batch sealing against the audit log's reading."""

from __future__ import annotations

import base64
import datetime as dt
import gc
import logging
import random
import weakref
from pathlib import Path

import peewee
import phonenumbers
import pytest

from crm import audit, runtime, validation
from crm.demo_people import generate_customers
from crm.errors import CrmError, ValidationError
from crm.imports import parts, phones, store
from crm.imports.apply import owner_of
from crm.imports.headers import ColumnMap, map_columns
from crm.imports.rows import Checker, Staff, collect, validate
from crm.search_terms import build_document
from tests.crm.cast import keep_files_in, make_cast

TODAY = dt.date(2026, 4, 1)
ODD_PHONES = [
    "13800138000", " 138-0013-8000 ", "+86 138 0013 8000", "１３８００１３８０００",
    "0086 138 0013 8000",
    "17900001234", "+86 179 0000 1234", "1790000000", "14000000000", "19200000000",
    "010-12345678", "0755 1234 5678", "(021)12345678", "400-123-4567", "95555", "10086",
    "12345", "abc", "", "+", "+0", "+1 (650) 253-0000", "+44 20 7946 0958", "+852 6123 4567",
    "+39 06 6982 1234", "+7 912 345 67 89", "+800 1234 5678", "+882 1234 5678",
    "010-12345678 ext. 123", "010-12345678x123", "010-12345678#123", "010-12345678转123",
    "010-12345678 分机 123", "010-12345678-8008", "138-0013-800", "+1 650-253-0000 x5",
]


def _sample_phones() -> list[str]:
    rng = random.Random(3)
    found = list(ODD_PHONES)
    found += [p.phone for p in generate_customers(3000, 60, 11)]
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        found += [f"+{code}{rng.randrange(10 ** rng.randint(4, 12))}" for _ in range(6)]
        for region in regions:
            example = phonenumbers.example_number(region)
            if example:
                found += [phonenumbers.format_number(example, kind) for kind in (0, 2)]
                found.append(str(example.national_number))
    return found


def _outcome(check, text: str, region: str):
    try:
        return check(text, region)
    except ValidationError as error:
        return error.code, error.params


@pytest.mark.parametrize("region", ["CN", "US", "GB"])
def test_phone_checks_match_phonenumbers(region) -> None:
    for text in _sample_phones():
        expected = _outcome(validation.normalise_phone, text, region)
        assert _outcome(phones.normalise_phone, text, region) == expected, text
        if isinstance(expected, str):  # the home digits are what the search index uses
            national = phones.checked_phone(text, region)[1]
            assert national == str(phonenumbers.parse(expected).national_number), text


@pytest.fixture
def cast(db: peewee.Database, tmp_path: Path):
    keep_files_in(tmp_path / "data")
    return make_cast()


HEADER = ["姓名", "手机", "邮箱", "微信", "性别", "生日", "公司", "省", "市", "标签", "来源",
          "职位", "备注", "状态", "负责人", "身份证", "行业", "QQ", "客户等级"]


def _rows() -> list[list[object]]:
    """Demo people as a file would hold them, with the odd cells files have."""
    rows: list[list[object]] = []
    for index, person in enumerate(generate_customers(1500, 30, 5)):
        rows.append([
            person.name, person.phone if index % 7 else float(person.phone[-11:] or 0),
            person.email or "", person.wechat or "",
            ["男", "女", "F", "先生", "?", ""][index % 6],
            [person.birthday, "1990/3/7", 32939, "1990-13-45", "2030-01-01", "", "1975年3月",
             1985.1, 1975.3][index % 9],
            f"公司{index % 40}" if index % 3 else "", "广东" if index % 2 else "",
            "深圳" if index % 4 else "", ["VIP、华南", "VIP,华南", "#vip", ""][index % 4],
            person.source or "", person.occupation or "", person.notes or "",
            ["线索", "意向客户", "lead", "unknown", ""][index % 5],
            ["", "张伟", "无此人", "Emily Chen"][index % 4] if index % 11 == 0 else "",
            ["", "11010519491231002X", "110105194912310021"][index % 3] if index % 13 == 0
            else "", ["通信", "", "x" * 120][index % 3],
            ["", "12345", "0123"][index % 3], ["", "A", 3.0, "x" * 4000][index % 4]])
    rows += [["甲", "1.38001E+10"], ["乙", "13800138000;+852 6123 4567"], ["", "13900139000"],
             ["丙", "", "a@b.cn  c@d.cn"], ["丁", "", "bad@", "wx"]]
    return rows


def test_the_row_checker_gives_what_validate_gives(cast) -> None:
    rows = _rows()
    columns = map_columns([HEADER, *rows])
    staff = Staff.load()
    checker = Checker(cast.manager, staff, TODAY)
    outcomes = {"valid": 0, "invalid": 0}
    for number, row in enumerate(rows, start=2):
        found = collect(row, columns, TODAY)
        try:
            expected = validate(cast.manager, number, found, staff, TODAY)
        except CrmError as error:
            with pytest.raises(type(error)) as caught:
                checker.check(number, found)
            assert (caught.value.code, caught.value.params) == (error.code, error.params)
            outcomes["invalid"] += 1
            continue
        assert checker.check(number, found) == expected
        outcomes["valid"] += 1
    assert min(outcomes.values()) > 100  # both kinds of row were tried


def test_search_entries_are_what_build_document_makes(cast) -> None:
    rows = _rows()
    columns = map_columns([HEADER, *rows])
    checker = Checker(cast.manager, Staff.load(), TODAY)
    compared = 0
    for number, row in enumerate(rows, start=2):
        try:
            checked = checker.check(number, collect(row, columns, TODAY))
        except CrmError:
            continue
        record, owner = checked.record, owner_of(cast.manager, checked)
        lists: dict[str, list[str]] = {"phones": [], "emails": [], "accounts": []}
        for item in record["channels"]:
            lists[{"phone": "phones", "email": "emails"}.get(item.kind, "accounts")].append(
                item.value)
        values = {"name": record["name"], "owner_id": owner, "company": record["company"],
                  "tags": sorted(record["tags"]), **lists}
        assert build_document(**values, national=checker.national) == build_document(**values)
        compared += 1
    assert compared > 200


def _checked_on(monkeypatch, threshold: int, actor, columns, data) -> parts.CheckedPart:
    monkeypatch.setattr(parts, "PARALLEL_ROWS", threshold)
    return parts.check_rows(actor, Staff.load(), columns, data, TODAY)


def _comparable(part: parts.CheckedPart) -> tuple:
    """What a part says, without the random keys and nonces of its sealed values."""
    outcomes = [(number, (o.code, o.params) if isinstance(o, CrmError) else o)
                for number, o in part.outcomes]
    prepared = {number: (new.terms, new.haystack,
                         tuple((name, value_hash, masked) for name, _, value_hash, masked
                               in new.secrets), audit_text(new))
                for number, new in part.prepared.items()}
    return outcomes, part.national, prepared


def audit_text(new) -> str:
    """The audit entry a prepared customer carries, opened as the audit log opens it."""
    return audit._unseal(base64.b64decode(runtime.decrypt(new.wrapped_key)),
                         new.sealed_changes).decode()


def _file_on_one_core(cast, monkeypatch) -> tuple[tuple, ColumnMap, list]:
    """The test file's rows, and what checking them on one core gives."""
    columns = map_columns([HEADER, *_rows()])
    data = list(enumerate(_rows(), start=2))
    return _comparable(_checked_on(monkeypatch, 10**9, cast.manager, columns, data)), columns, \
        data


def test_a_large_file_checked_on_two_cores_gives_what_one_core_gives(cast, monkeypatch,
                                                                       caplog) -> None:
    one, columns, data = _file_on_one_core(cast, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="crm.imports.parts"):
        two = _checked_on(monkeypatch, 100, cast.manager, columns, data)
    assert not caplog.records  # the helper did its part: nothing was redone here
    assert _comparable(two) == one
    assert len(two.outcomes) == len(data) and len(two.prepared) > 200
    assert not list(store.imports_dir().iterdir())  # the helper's rows are not left behind


def test_when_the_helper_cannot_run_this_process_does_its_part(cast, monkeypatch,
                                                                caplog) -> None:
    one, columns, data = _file_on_one_core(cast, monkeypatch)
    for broken in ("/nonexistent/python", "false"):
        monkeypatch.setattr(parts.sys, "executable", broken)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="crm.imports.parts"):
            two = _checked_on(monkeypatch, 100, cast.manager, columns, data)
        assert _comparable(two) == one
        assert "helper" in caplog.text and not list(store.imports_dir().iterdir())


def test_a_checked_file_is_freed_as_soon_as_it_is_dropped(cast) -> None:
    """The checked rows, refusals included, hold no reference cycles: a large file's rows go
    when the import is done with them, not at some later full garbage collection (a stored
    refusal used to keep the frames it was raised through, and through them the whole file)."""
    columns = map_columns([HEADER, *_rows()])
    data = list(enumerate(_rows(), start=2))
    gc.collect()
    gc.disable()
    try:
        part = parts.check_rows(cast.manager, Staff.load(), columns, data, TODAY)
        refused = [o for _, o in part.outcomes if isinstance(o, CrmError)]
        assert len(refused) > 100 and all(o.__traceback__ is None for o in refused)
        watched = [weakref.ref(part)] + [weakref.ref(o) for _, o in part.outcomes]
        del part, refused
        alive = sum(ref() is not None for ref in watched)
    finally:
        gc.enable()
    assert alive == 0
