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
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from storage.backup.errors import BackupError
from storage.backup.postgres import LOCK_TIMEOUT, Server, first_line, public_tables
from storage.bulk import copy_text
from storage.database import NUL

_CHUNK = 5_000
_NAMED = 10  # the values too long a refusal names beside the first


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


@dataclass(frozen=True)
class TooLong:
    """A SQLite value longer than its PostgreSQL column holds (SQLite ignores the length a
    column declares: a value written around the services, or by an older version)."""

    table: str
    column: str
    key: str  # the record's primary key column (``id`` but for a few tables) and value
    id: object
    length: int
    limit: int


def check_fits(server: Server, source: Path) -> None:
    """Refuse the move, before anything is written, when a text of the SQLite file ``source``
    is longer than its PostgreSQL column allows: PostgreSQL would stop the copy half way, with
    its own words and no record named."""
    found = too_long(server, source)
    if not found:
        return
    first = found[0]
    params = {"table": first.table, "column": first.column, "key": first.key,
              "id": str(first.id), "length": first.length, "limit": first.limit}
    if len(found) == 1:
        raise BackupError("backup.move_too_long", **params)
    others = ", ".join(f"{o.table}.{o.column} {o.key} {o.id}" for o in found[1:_NAMED])
    raise BackupError("backup.move_too_long_more", **params, count=len(found) - 1,
                      others=others + (", …" if len(found) > _NAMED else ""))


def too_long(server: Server, source: Path) -> list[TooLong]:
    """Every value of ``source`` too long for its PostgreSQL column, table by table."""
    conn = server.connect()
    try:
        with conn.cursor() as cursor:
            limits = _limits(cursor)
    finally:
        conn.close()
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        return [found for table, (key, columns) in limits.items()
                for found in _too_long_in(lite, table, key, columns)]
    finally:
        lite.close()


def _limits(cursor) -> dict[str, tuple[str, dict[str, int]]]:
    """Each table's primary key column and the length limit of each of its limited columns
    (every table with one has a primary key of one column)."""
    cursor.execute(
        "select c.table_name, c.column_name, c.character_maximum_length, k.column_name"
        " from information_schema.columns c join information_schema.table_constraints t"
        " on t.table_schema = c.table_schema and t.table_name = c.table_name"
        " and t.constraint_type = 'PRIMARY KEY' join information_schema.key_column_usage k"
        " on k.constraint_schema = t.constraint_schema and k.constraint_name = t.constraint_name"
        " where c.table_schema = 'public' and c.character_maximum_length is not null"
        " and c.is_generated = 'NEVER' order by c.table_name, c.ordinal_position")
    limits: dict[str, tuple[str, dict[str, int]]] = {}
    for table, column, limit, key in cursor.fetchall():
        limits.setdefault(table, (key, {}))[1][column] = limit
    return limits


def _too_long_in(lite: sqlite3.Connection, table: str, key: str,
                 limits: dict[str, int]) -> list[TooLong]:
    """The values of one table over their limits. Only a text of more bytes than the limit
    can be over it (a character takes at least one), so SQLite picks the few candidates and
    their characters are counted here, without the NUL characters the copy drops."""
    present = {row[1] for row in lite.execute(f'pragma table_info("{table}")')}
    columns = [column for column in limits if column in present]
    if not columns or key not in present:
        return []
    wider = " or ".join(f'length(cast("{c}" as blob)) > {limits[c]}' for c in columns)
    listed = ", ".join(f'"{c}"' for c in columns)
    found = []
    for key_value, *values in lite.execute(f'select "{key}", {listed} from "{table}"'
                                           f' where {wider} order by "{key}"'):
        for column, value in zip(columns, values, strict=True):
            length = len(str(value).replace(NUL, "")) if value is not None else 0
            if length > limits[column]:
                found.append(TooLong(table, column, key, key_value, length, limits[column]))
    return found


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
