"""Bulk inserts (imports, sample data) store every value exactly as a row-by-row insert would,
on both engines (PostgreSQL takes them through COPY's text format)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum

import peewee
import pytest

from storage import bulk
from storage.database import fetch_all, is_sqlite


class Kind(enum.StrEnum):
    CALL = "call"


class Level(enum.IntEnum):
    HIGH = 3


TRICKY_TEXTS = [
    "张伟\t华为\n第二行\r\n第三行", "C:\\new\\table", "\\N", "\\\\x41", "=1+2", "😀 emoji",
    "", " leading and trailing ", "tab\tonly",
]


def _probe_table(db: peewee.Database) -> None:
    blob, flag, real = ("blob", "integer", "real") if is_sqlite(db) else (
        "bytea", "boolean", "double precision")
    db.execute_sql("drop table if exists bulk_probe")
    db.execute_sql("create temporary table bulk_probe (id integer primary key, label text,"
                   f" raw {blob}, flag {flag}, day date, at timestamp, amount numeric(14, 2),"
                   f" ratio {real}, big bigint)")


def _read(db: peewee.Database) -> list[tuple]:
    rows = fetch_all("select id, label, raw, flag, day, at, amount, ratio, big from bulk_probe"
                     " order by id")
    if is_sqlite(db):  # SQLite hands back its storage classes: turn them into Python's
        rows = [(i, label, raw, None if flag is None else bool(flag),
                 None if day is None else dt.date.fromisoformat(day),
                 None if at is None else dt.datetime.fromisoformat(at),
                 None if amount is None else decimal.Decimal(str(amount)).quantize(
                     decimal.Decimal("0.01")), ratio, big)
                for i, label, raw, flag, day, at, amount, ratio, big in rows]
    return [(i, label, None if raw is None else bytes(raw), *rest)
            for i, label, raw, *rest in rows]


def test_every_kind_of_value_comes_back_as_it_went_in(db: peewee.Database) -> None:
    _probe_table(db)
    every_byte = bytes(range(256))
    rows = [(index + 1, text, every_byte[index:] + b"\\\t\n", index % 2 == 0,
             dt.date(2026, 11, index + 1), dt.datetime(2026, 11, 26, 9, 30, index, 123456),
             decimal.Decimal("12345.60") + index, 0.1 + index, 2**62 + index)
            for index, text in enumerate(TRICKY_TEXTS)]
    rows.append((100, None, None, None, None, None, None, None, None))
    with db.atomic():
        assert bulk.insert_rows("bulk_probe", ("id", "label", "raw", "flag", "day", "at",
                                               "amount", "ratio", "big"), rows) == len(rows)
    assert _read(db) == rows


def test_enums_and_aware_times_are_written_as_the_domain_stores_them(
        db: peewee.Database) -> None:
    _probe_table(db)
    beijing = dt.timezone(dt.timedelta(hours=8))
    with db.atomic():
        bulk.insert_rows("bulk_probe", ("id", "label", "at", "big"),
                         [(1, Kind.CALL, dt.datetime(2026, 11, 26, 17, 0, tzinfo=beijing),
                           Level.HIGH)])
    found = fetch_all("select label, at, big from bulk_probe")[0]
    assert found[0] == "call" and found[2] == 3
    if is_sqlite(db):
        # SQLite stores what it is given; the domain only ever hands it naive UTC.
        return
    assert found[1] == dt.datetime(2026, 11, 26, 9, 0)  # naive UTC, like every stored moment


def test_copy_text_refuses_what_postgresql_cannot_store() -> None:
    with pytest.raises(ValueError):
        bulk.copy_text([("a\0b",)])
    with pytest.raises(TypeError):
        bulk.copy_text([({"a": 1},)])
    assert bulk.copy_text([(None, True, float("inf"), float("nan"))]) == \
        "\\N\tt\tInfinity\tNaN\n"
