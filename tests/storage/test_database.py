"""The database from a URL, on both engines, and the database thread the bot awaits."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from pathlib import Path

import peewee
import pytest

from storage.database import connect, is_sqlite, open_database, redact_url, server_version
from storage.errors import StorageError
from storage.executor import DatabaseExecutor
from storage.models import StaffUser


def _staff(telegram_id: int, name: str = "张伟") -> StaffUser:
    now = dt.datetime(2026, 1, 2, 3, 4, 5)
    return StaffUser.create(telegram_id=telegram_id, name=name, role="agent",
                            created_at=now, updated_at=now)


def test_sqlite_is_tuned_for_a_bot_and_workers(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'sub' / 'crm.db'}", busy_timeout_ms=1234)
    db.connect()
    pragma = lambda name: db.execute_sql(f"pragma {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") == 1234
    assert pragma("synchronous") == 1  # NORMAL
    assert (tmp_path / "sub" / "crm.db").exists()


def test_a_bad_url_is_refused_clearly() -> None:
    with pytest.raises(StorageError) as caught:
        open_database("mysql://localhost/crm")
    assert caught.value.code == "storage.bad_url"


def test_an_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(StorageError) as caught:
        connect("postgresql://crm:secret@127.0.0.1:1/crm")
    assert caught.value.code == "storage.unreachable"
    assert "secret" not in str(caught.value)


def test_passwords_are_redacted_from_urls() -> None:
    assert redact_url("postgresql://u:p%40ss@h:5/db") == "postgresql://u:***@h:5/db"
    assert redact_url("sqlite:///x.db") == "sqlite:///x.db"


def test_records_round_trip_with_chinese_text(db: peewee.Database) -> None:
    _staff(1001, "王小明 <b>&")
    row = StaffUser.get(StaffUser.telegram_id == 1001)
    assert row.name == "王小明 <b>&"
    assert row.created_at == dt.datetime(2026, 1, 2, 3, 4, 5)
    assert server_version(db).split()[0] in {"SQLite", "PostgreSQL"}


def test_a_failed_transaction_leaves_nothing_behind(db: peewee.Database) -> None:
    with pytest.raises(peewee.IntegrityError), db.atomic():
        _staff(2001)
        _staff(2001)  # same Telegram id: unique
    assert StaffUser.select().count() == 0


def test_telegram_ids_beyond_32_bits_fit(db: peewee.Database) -> None:
    _staff(7_999_999_999)
    assert StaffUser.get().telegram_id == 7_999_999_999


def test_database_work_runs_off_the_event_loop(db: peewee.Database) -> None:
    executor = DatabaseExecutor(db, pool_threads=2)
    seen: dict[str, str] = {}

    def slow_insert() -> int:
        seen["thread"] = threading.current_thread().name
        time.sleep(0.3)
        return _staff(3001).id

    async def scenario() -> tuple[int, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        new_id = await executor.run(slow_insert)
        task.cancel()
        return new_id, ticks

    new_id, ticks = asyncio.run(scenario())
    executor.shutdown()
    assert new_id > 0
    assert seen["thread"].startswith("crm-db")
    assert ticks >= 10  # the loop kept running while the database worked


def test_sqlite_gets_a_single_writer_thread(db: peewee.Database) -> None:
    executor = DatabaseExecutor(db, pool_threads=8)
    names: set[str] = set()

    def record() -> None:
        names.add(threading.current_thread().name)
        time.sleep(0.01)

    async def many() -> None:
        await asyncio.gather(*(executor.run(record) for _ in range(20)))

    asyncio.run(many())
    executor.shutdown()
    assert (len(names) == 1) == is_sqlite(db)


def test_a_failure_on_the_database_thread_reaches_the_awaiting_code(db: peewee.Database) -> None:
    executor = DatabaseExecutor(db)

    def duplicate() -> None:
        _staff(4001)
        _staff(4001)

    async def scenario() -> None:
        with pytest.raises(peewee.IntegrityError):
            await executor.run(duplicate)
        assert await executor.run(lambda: StaffUser.select().count()) == 1  # thread still serves

    asyncio.run(scenario())
    executor.shutdown()


def test_work_given_up_before_it_starts_is_not_done(db: peewee.Database) -> None:
    executor = DatabaseExecutor(db, pool_threads=1)
    started, release = threading.Event(), threading.Event()

    def block() -> None:
        started.set()
        release.wait(5)

    async def scenario() -> None:
        busy = asyncio.ensure_future(executor.run(block))
        await asyncio.to_thread(started.wait, 5)
        abandoned = asyncio.ensure_future(executor.run(_staff, 5001))
        await asyncio.sleep(0)
        abandoned.cancel()
        release.set()
        await busy

    asyncio.run(scenario())
    executor.shutdown()
    assert StaffUser.select().where(StaffUser.telegram_id == 5001).count() == 0
    with pytest.raises(RuntimeError):
        asyncio.run(executor.run(_staff, 5002))
