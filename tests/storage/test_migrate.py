"""Numbered migrations: fresh install, upgrade in place with data, refusal of a newer database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import peewee
import pytest

from storage.database import bind, open_database
from storage.errors import StorageError
from storage.migrate import (
    HISTORY_TABLE,
    available_migrations,
    check_schema,
    current_version,
    latest_version,
    migrate,
)
from tests.conftest import (
    POSTGRES_SKIP,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path) -> Iterator[peewee.Database]:
    """A database with no schema at all."""
    if request.param == "sqlite":
        db = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield db
        db.close()
        return
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    url = create_postgres_database("crm_migrate")
    db = open_database(url)
    yield db
    db.close()
    drop_postgres_database(url)


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in available_migrations()]
    assert versions == list(range(1, latest_version() + 1))


def test_a_fresh_database_is_brought_to_the_latest_version(empty_db: peewee.Database) -> None:
    assert current_version(empty_db) == 0
    applied = migrate(empty_db)
    assert [m.version for m in applied] == list(range(1, latest_version() + 1))
    assert current_version(empty_db) == latest_version()
    assert migrate(empty_db) == []  # idempotent
    rows = empty_db.execute_sql(f"select count(*) from {HISTORY_TABLE}").fetchone()[0]
    assert rows == latest_version()


def test_an_old_populated_database_upgrades_in_place(empty_db: peewee.Database) -> None:
    migrate(empty_db, target=1)
    assert current_version(empty_db) == 1
    now = dt.datetime(2025, 5, 1, 8, 0)
    param = empty_db.param
    empty_db.execute_sql(
        "insert into staff_user (telegram_id, name, role, active, created_at, updated_at) "
        f"values ({param}, {param}, {param}, {param}, {param}, {param})",
        (4242, "老员工 Old Hand", "admin", True, now, now))
    migrate(empty_db)
    assert current_version(empty_db) == latest_version()
    bind(empty_db)
    from storage.models import StaffUser

    old = StaffUser.get(StaffUser.telegram_id == 4242)
    assert (old.name, old.role, old.created_at) == ("老员工 Old Hand", "admin", now)


def test_a_database_from_a_newer_program_is_refused(empty_db: peewee.Database) -> None:
    migrate(empty_db)
    future = latest_version() + 1
    param = empty_db.param
    empty_db.execute_sql(
        f"insert into {HISTORY_TABLE} (version, name, applied_at)"
        f" values ({param}, {param}, {param})",
        (future, "from_the_future", dt.datetime(2030, 1, 1)))
    with pytest.raises(StorageError) as caught:
        check_schema(empty_db)
    assert caught.value.code == "storage.schema_too_new"
    assert str(future) in str(caught.value)
    with pytest.raises(StorageError):
        migrate(empty_db)


def test_a_failing_migration_changes_nothing(empty_db: peewee.Database, monkeypatch) -> None:
    migrate(empty_db, target=latest_version() - 1)
    last = available_migrations()[-1]
    before = current_version(empty_db)
    original_up = last.module.up

    def broken(db, migrator):
        original_up(db, migrator)
        raise RuntimeError("disk full")

    monkeypatch.setattr(last.module, "up", broken)
    with pytest.raises(RuntimeError):
        migrate(empty_db)
    assert current_version(empty_db) == before


def test_customers_told_apart_are_kept_once_per_pair_after_an_upgrade(
        empty_db: peewee.Database) -> None:
    """Migration 10 adds the pairs someone said are not duplicates to a database that already
    holds customers: each pair once, gone with its customer."""
    migrate(empty_db, target=9)
    now, param = dt.datetime(2026, 11, 26, 2, 0), empty_db.param
    for name in ("刘洋", "刘阳"):
        empty_db.execute_sql(
            "insert into customer (name, name_norm, status, created_at, updated_at)"
            f" values ({param}, {param}, {param}, {param}, {param})",
            (name, name, "lead", now, now))
    first, second = (row[0] for row in empty_db.execute_sql(
        "select id from customer order by id").fetchall())
    migrate(empty_db)
    assert current_version(empty_db) == 10
    insert = ("insert into duplicate_dismissal (first_id, second_id, reason, dismissed_at)"
              f" values ({param}, {param}, {param}, {param})")
    with empty_db.atomic():
        empty_db.execute_sql(insert, (first, second, "similar_name", now))
    with pytest.raises(peewee.IntegrityError), empty_db.atomic():
        empty_db.execute_sql(insert, (first, second, "similar_name", now))
    if empty_db.param == "?":
        empty_db.execute_sql("pragma foreign_keys = on")
    with empty_db.atomic():
        empty_db.execute_sql(f"delete from customer where id = {param}", (second,))
    assert empty_db.execute_sql("select count(*) from duplicate_dismissal").fetchone()[0] == 0
