"""Moving to PostgreSQL: a SQLite backup's rows copied into a PostgreSQL database of the same
schema version, replacing its rows in one transaction (on any failure it is left as it was).

The schemas match table for table and column for column, except what each engine keeps for
itself: SQLite's full-text tables (PostgreSQL's search columns are generated from the same
terms) and PostgreSQL's generated columns. Foreign keys are dropped for the copy and added
back before the commit, so PostgreSQL checks every reference once, whatever the order rows
come in (a merged customer points at its survivor in the same table)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import psycopg2

from storage.backup.errors import BackupError
from storage.backup.postgres import LOCK_TIMEOUT, Server, first_line, public_tables
from storage.bulk import copy_text
from storage.database import NUL

_CHUNK = 5_000


def restore_sqlite(server: Server, source: Path, expected: dict[str, int]) -> None:
    """Replace every row of the PostgreSQL database by those of the SQLite file ``source``,
    whose row counts (of the tables PostgreSQL has too) must come out as ``expected``."""
    conn = server.connect()
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
            tables = public_tables(cursor)
            references = _drop_foreign_keys(cursor)
            cursor.execute("truncate " + ", ".join(f'"{t}"' for t in tables)
                           + " restart identity")
            for table in tables:
                _copy_table(cursor, lite, table)
            for table, name, definition in references:
                cursor.execute(f'alter table "{table}" add constraint "{name}" {definition}')
            _move_sequences(cursor)
            _check_counts(cursor, source, tables, expected)
        conn.commit()
    except (psycopg2.Error, ValueError) as exc:  # a row PostgreSQL refuses: said, not a trace
        conn.rollback()
        raise BackupError("backup.tool_failed", tool="PostgreSQL",
                          reason=first_line(exc)) from exc
    except BaseException:
        conn.rollback()
        raise
    finally:
        lite.close()
        conn.close()


def _drop_foreign_keys(cursor) -> list[tuple[str, str, str]]:
    """Drop every foreign key of the public schema; returns (table, name, definition)."""
    cursor.execute("select c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)"
                   " from pg_constraint c join pg_namespace n on n.oid = c.connamespace"
                   " where c.contype = 'f' and n.nspname = 'public' order by 1, 2")
    references = [(table.strip('"'), name, definition)
                  for table, name, definition in cursor.fetchall()]
    for table, name, _ in references:
        cursor.execute(f'alter table "{table}" drop constraint "{name}"')
    return references


def _copy_table(cursor, lite: sqlite3.Connection, table: str) -> None:
    """COPY one table's rows from SQLite, the columns both have (PostgreSQL's generated ones
    are computed again)."""
    cursor.execute("select column_name from information_schema.columns where table_schema ="
                   " 'public' and table_name = %s and is_generated = 'NEVER'"
                   " order by ordinal_position", (table,))
    wanted = [name for (name,) in cursor.fetchall()]
    present = {row[1] for row in lite.execute(f'pragma table_info("{table}")')}
    if not present:
        raise BackupError("backup.move_schema", table=table)
    columns = [name for name in wanted if name in present]
    listed = ", ".join(f'"{name}"' for name in columns)
    rows = lite.execute(f'select {listed} from "{table}"')
    while batch := rows.fetchmany(_CHUNK):
        cursor.copy_expert(f'copy "{table}" ({listed}) from stdin',
                           io.StringIO(_copied(batch)))


def _copied(batch: list[tuple]) -> str:
    """The rows in COPY's text format. A NUL character, which SQLite kept in text until this
    version and PostgreSQL's text cannot hold, is dropped: it shows as nothing, and the
    database no longer takes one from anyone (``storage.database``)."""
    try:
        return copy_text(batch)
    except ValueError:  # looked for only once a batch holds one
        return copy_text([tuple(v.replace(NUL, "") if type(v) is str else v for v in row)
                          for row in batch])


def _move_sequences(cursor) -> None:
    """Every id sequence past the ids copied in, so new rows get fresh ones."""
    cursor.execute("select table_name, column_name from information_schema.columns"
                   " where table_schema = 'public' and column_default like 'nextval(%%'")
    for table, column in cursor.fetchall():
        cursor.execute(f"select setval(pg_get_serial_sequence('\"{table}\"', '{column}'),"
                       f' coalesce((select max("{column}") from "{table}"), 1),'
                       f' (select count(*) > 0 from "{table}"))')


def _check_counts(cursor, source: Path, tables: list[str], expected: dict[str, int]) -> None:
    differing = []
    for table in tables:
        cursor.execute(f'select count(*) from "{table}"')
        found = cursor.fetchone()[0]
        if found != expected.get(table, 0):
            differing.append(f"{table} {expected.get(table, '-')}→{found}")
    if differing:
        raise BackupError("backup.counts", path=str(source), tables=", ".join(differing[:5]))
