"""An import racing the chat, or another import, on PostgreSQL (served from several threads;
SQLite has one writer): each company not on file yet is made once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import peewee
import pytest

from crm import customers, imports
from crm.search_terms import normalise_text
from storage.database import fetch_all
from storage.locks import MANY_NAMES
from tests.crm.cast import customer, keep_files_in, make_cast
from tests.crm.import_files import csv_file

T0 = dt.datetime(2026, 4, 1, 9, 0)
HEADER = ["客户名称", "手机号", "公司名称"]

pytestmark = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)


@pytest.fixture
def cast(db: peewee.Database, tmp_path: Path):
    keep_files_in(tmp_path / "data")
    return make_cast()


def previewed(actor, rows: Sequence[Sequence[str]], name: str = "名单.csv") -> str:
    """The token of a checked import of ``rows`` (under HEADER), ready to confirm."""
    preview = imports.preview_import(actor, name, csv_file([HEADER, *rows]), now=T0)
    assert preview.token and preview.new == len(rows), preview
    return preview.token


def confirmed(actor, token: str) -> Callable[[], None]:
    return lambda: imports.confirm_import(actor, token, "update", now=T0)


def added(actor, name: str, company: str) -> Callable[[], None]:
    return lambda: customer(actor, name, company=company)


def race(db: peewee.Database, first: Callable[[], None], second: Callable[[], None]) -> bool:
    """``first`` in a transaction held open while ``second`` runs on another thread; whether
    ``second`` was still waiting half a second on."""
    held, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with db.atomic():
                first()
                held.set()
                release.wait(20)
        except BaseException as error:  # reported below, on the test's thread
            errors.append(error)
            held.set()
        finally:
            db.close()

    def run() -> None:
        try:
            second()
        except BaseException as error:
            errors.append(error)
        finally:
            db.close()

    holder, racer = threading.Thread(target=hold), threading.Thread(target=run)
    holder.start()
    assert held.wait(20)
    racer.start()
    racer.join(0.5)
    waited = racer.is_alive()
    release.set()
    holder.join(20)
    racer.join(60)
    assert not errors, errors
    return waited


def companies_named(name: str) -> int:
    return fetch_all("select count(*) from company where name_norm = ?",
                     (normalise_text(name),))[0][0]


def company_of_everyone_at(actor, company: str) -> set[int]:
    people = customers.search_customers(actor, company).items
    return {customers.get_customer(actor, person.id).company.id for person in people}


def test_a_company_the_chat_is_adding_while_an_import_names_it_is_made_once(cast, db) -> None:
    token = previewed(cast.manager, [["王小明", "13800138000", "并发科技"]])
    waited = race(db, added(cast.agent, "张伟", "并发科技"), confirmed(cast.manager, token))
    assert companies_named("并发科技") == 1
    assert len(company_of_everyone_at(cast.manager, "并发科技")) == 1
    assert waited  # the import waited for the chat's company, and then took it


def test_a_company_an_import_is_making_while_the_chat_adds_it_is_made_once(cast, db) -> None:
    token = previewed(cast.manager, [["王小明", "13800138000", "并发科技"]])
    waited = race(db, confirmed(cast.manager, token), added(cast.agent, "张伟", "并发科技"))
    assert companies_named("并发科技") == 1
    assert len(company_of_everyone_at(cast.manager, "并发科技")) == 1
    assert waited


def test_two_imports_naming_the_same_new_companies_in_any_order_make_each_once(
        cast, db) -> None:
    first = previewed(cast.manager, [["王小明", "13800138000", "甲公司"],
                                     ["李娜", "13900139000", "乙公司"]], "一.csv")
    second = previewed(cast.admin, [["张伟", "13700137000", "乙公司"],
                                    ["赵敏", "13600136000", "甲公司"]], "二.csv")
    race(db, confirmed(cast.manager, first), confirmed(cast.admin, second))
    assert (companies_named("甲公司"), companies_named("乙公司")) == (1, 1)
    assert len(company_of_everyone_at(cast.manager, "甲公司")) == 1


def test_an_import_with_more_new_companies_than_locks_to_spare_still_makes_each_once(
        cast, db) -> None:
    """Past MANY_NAMES the import takes every company name at once (PostgreSQL's lock table,
    shared by the whole server, would run out): the chat adding one waits the same."""
    rows = [[f"客户{i}", f"138{i:08d}", f"公司{i}"] for i in range(MANY_NAMES + 1)]
    token = previewed(cast.manager, rows)
    waited = race(db, added(cast.agent, "张伟", "公司7"), confirmed(cast.manager, token))
    assert companies_named("公司7") == 1
    assert fetch_all("select count(*) from company")[0][0] == MANY_NAMES + 1
    assert waited
