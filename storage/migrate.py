"""Numbered schema migrations, each applied with its history row in one transaction.

A migration is a module ``storage/migrations/mNNNN_name.py`` with ``up(db, migrator)``. It
declares frozen copies of the models it needs rather than importing today's models.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType

from peewee import Database
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator

from storage import migrations as migrations_package
from storage.database import is_sqlite
from storage.errors import StorageError

HISTORY_TABLE = "schema_migrations"
_NAME_RE = re.compile(r"^m(\d{4})_(\w+)$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: ModuleType


def available_migrations() -> list[Migration]:
    """Every migration shipped with this program, in version order."""
    found = []
    for info in pkgutil.iter_modules(migrations_package.__path__):
        match = _NAME_RE.match(info.name)
        if match:
            module = importlib.import_module(f"{migrations_package.__name__}.{info.name}")
            found.append(Migration(int(match.group(1)), match.group(2), module))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration numbers must run 1..n without gaps: {versions}")
    return found


def latest_version() -> int:
    """The schema version this program writes."""
    return len(available_migrations())


def current_version(db: Database) -> int:
    """The schema version recorded in the database; 0 for an empty database."""
    if not db.table_exists(HISTORY_TABLE):
        return 0
    row = db.execute_sql(f"select max(version) from {HISTORY_TABLE}").fetchone()
    return row[0] or 0


def check_schema(db: Database) -> int:
    """Return the database's version; refuse one written by a newer program."""
    found, known = current_version(db), latest_version()
    if found > known:
        raise StorageError("storage.schema_too_new", found=found, known=known)
    return found


def pending_migrations(db: Database) -> list[Migration]:
    """Migrations not yet applied to ``db``."""
    found = check_schema(db)
    return [m for m in available_migrations() if m.version > found]


def migrate(db: Database, *, target: int | None = None) -> list[Migration]:
    """Apply pending migrations (up to ``target``) and return the ones applied."""
    _create_history_table(db)
    applied = []
    for migration in pending_migrations(db):
        if target is not None and migration.version > target:
            break
        if _apply(db, migration):
            applied.append(migration)
    return applied


def _create_history_table(db: Database) -> None:
    bigint = "integer" if is_sqlite(db) else "bigint"
    db.execute_sql(
        f"create table if not exists {HISTORY_TABLE} ("
        f" version {bigint} primary key, name varchar(100) not null,"
        " applied_at timestamp not null)"
    )


def _apply(db: Database, migration: Migration) -> bool:
    """Apply one migration under a lock; False when another process applied it first."""
    with db.atomic("IMMEDIATE") if is_sqlite(db) else db.atomic():
        if not is_sqlite(db):
            # Serialise concurrent start-ups of several processes on one server.
            db.execute_sql("select pg_advisory_xact_lock(7100001)")
        if current_version(db) >= migration.version:
            return False
        migration.module.up(db, _migrator(db))
        db.execute_sql(
            f"insert into {HISTORY_TABLE} (version, name, applied_at) values (%s, %s, %s)"
            .replace("%s", db.param),
            (migration.version, migration.name, dt.datetime.now(dt.UTC).replace(tzinfo=None)),
        )
    return True


def _migrator(db: Database) -> SchemaMigrator:
    return SqliteMigrator(db) if is_sqlite(db) else PostgresqlMigrator(db)
