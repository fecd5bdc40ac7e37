"""Shared fixtures: a real database per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from storage.database import bind, open_database
from storage.migrate import HISTORY_TABLE, migrate

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL", "")
POSTGRES_SKIP = "PostgreSQL leg skipped: CRM_TEST_POSTGRES_URL is not set"


def without_outside_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No CRM_* setting from the environment the tests run in (the test server's URL aside),
    for tests of the command line, which reads them."""
    for name in list(os.environ):
        if name.startswith("CRM_") and name != "CRM_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return f"PostgreSQL leg: on ({_redacted(POSTGRES_URL)})"
    return POSTGRES_SKIP


def _redacted(url: str) -> str:
    from storage.database import redact_url

    return redact_url(url)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not POSTGRES_URL:
        terminalreporter.write_line(
            POSTGRES_SKIP + " (eval \"$(scripts/test-postgres.sh)\" starts a local server)",
            yellow=True, bold=True)


def postgres_admin() -> peewee.PostgresqlDatabase:
    """A connection to the test server's maintenance database (autocommit, for CREATE DATABASE)."""
    db = open_database(POSTGRES_URL)
    db.connect()
    db.connection().autocommit = True
    return db


def create_postgres_database(prefix: str = "crm_test") -> str:
    """A fresh empty database on the test server; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = postgres_admin()
    admin.execute_sql(f'create database "{name}"')
    admin.close()
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}"


def drop_postgres_database(url: str) -> None:
    name = url.rpartition("/")[2]
    admin = postgres_admin()
    admin.execute_sql(f'drop database if exists "{name}" with (force)')
    admin.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "crm.db"
    db = open_database(f"sqlite:///{path}")
    migrate(db)
    db.execute_sql("pragma wal_checkpoint(truncate)")
    db.close()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database for this test session (tables emptied per test)."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    url = create_postgres_database()
    db = open_database(url)
    migrate(db)
    db.close()
    yield url
    drop_postgres_database(url)


def _empty_postgres(db: peewee.Database) -> None:
    tables = [t for t in db.get_tables() if t != HISTORY_TABLE]
    if tables:
        quoted = ", ".join(f'"{t}"' for t in tables)
        db.execute_sql(f"truncate {quoted} restart identity cascade")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "crm.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    db = open_database(url)
    _empty_postgres(db)
    db.close()
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[peewee.Database]:
    """The migrated database, bound to the models for this test."""
    database = open_database(db_url)
    database.connect()
    bind(database)
    yield database
    database.close()


@pytest.fixture
def is_postgres(db_url: str) -> bool:
    return db_url.startswith("postgres")


TEST_SECRET = "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC0zMiE="  # 32 bytes, tests only


@pytest.fixture(autouse=True)
def _runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts from default settings with a known encryption key."""
    from crm import runtime
    from crm.config import load_config

    settings = load_config(environ={"CRM_SECURITY_KEY": TEST_SECRET}, look_in_cwd=False)
    runtime.configure(settings)
    yield
    runtime.configure(settings)


@pytest.fixture
def chat(db: peewee.Database, db_url: str, tmp_path: Path):
    """The real bot Application on this test's database, Telegram's servers stubbed; its
    config names that database, so /status checks what the bot really uses."""
    from tests.bot.harness import ChatHarness

    harness = ChatHarness(db, {"CRM_DATABASE_URL": db_url, "CRM_DATA_DIR": str(tmp_path)})
    yield harness
    harness.close()
