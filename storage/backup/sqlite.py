"""SQLite: an online snapshot through the backup API, its checks, and restoring one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.backup.errors import BackupError

HISTORY_TABLE = "schema_migrations"


def _connect(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000, isolation_level=None)
    conn.execute(f"pragma busy_timeout = {int(busy_timeout_ms)}")
    return conn


def snapshot(source: Path, target: Path, busy_timeout_ms: int = 5000) -> None:
    """Copy the live database into ``target`` as one consistent snapshot.

    A connection of its own copies every page in a single step, which is one read transaction:
    with WAL the bot's writer keeps committing meanwhile (the copy sees none of it), and a
    multi-step copy would restart whenever another connection wrote.
    """
    src = _connect(source, busy_timeout_ms)
    dst = sqlite3.connect(str(target), isolation_level=None)
    try:
        dst.execute("pragma journal_mode = off")  # a scratch file: nothing to roll back to
        dst.execute("pragma synchronous = off")
        src.backup(dst)
        # The copy keeps the WAL flag; a rollback-journal file opens read-only without
        # making -wal and -shm files beside it.
        dst.execute("pragma journal_mode = delete")
    finally:
        dst.close()
        src.close()


def tables(conn: sqlite3.Connection) -> list[str]:
    """Every ordinary table (virtual tables are counted through their shadow tables)."""
    rows = conn.execute("select name from sqlite_master where type = 'table'"
                        " and name not like 'sqlite_%'"
                        " and upper(coalesce(sql, '')) not like 'CREATE VIRTUAL TABLE%'"
                        " order by name").fetchall()
    return [name for (name,) in rows]


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {name: conn.execute(f'select count(*) from "{name}"').fetchone()[0]
            for name in tables(conn)}


def schema_version(conn: sqlite3.Connection) -> int:
    if HISTORY_TABLE not in tables(conn):
        return 0
    return conn.execute(f"select coalesce(max(version), 0) from {HISTORY_TABLE}").fetchone()[0]


def meta_value(path: Path, key: str) -> str | None:
    """One ``app_meta`` value of a database file (None when it has none)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if "app_meta" not in tables(conn):
            return None
        row = conn.execute('select value from app_meta where "key" = ?', (key,)).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def describe(path: Path) -> tuple[dict[str, int], int]:
    """Row counts per table and the schema version of a database file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return row_counts(conn), schema_version(conn)
    finally:
        conn.close()


def check(path: Path, *, integrity: bool = True) -> dict[str, int]:
    """Structural check of a database file (unless already done), then its row counts;
    BackupError when damaged.

    quick_check walks every b-tree page and record; the per-index content check of
    integrity_check costs about four times as long on a large database and adds nothing for a
    file whose bytes are proven identical to a snapshot that passed.
    """
    if integrity:
        integrity_check(path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return row_counts(conn)
    finally:
        conn.close()


def integrity_check(path: Path) -> None:
    """SQLite's quick_check of a file; BackupError naming the first problems."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            problems = [row[0] for row in conn.execute("pragma quick_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            raise BackupError("backup.integrity", path=str(path), detail=str(exc)) from exc
        if problems != ["ok"]:
            raise BackupError("backup.integrity", path=str(path), detail="; ".join(problems[:3]))
    finally:
        conn.close()


def restore(source: Path, target: Path, busy_timeout_ms: int = 5000) -> None:
    """Replace the live database's content with ``source`` in one write transaction.

    The backup API copies into the live file under SQLite's own locks, so other connections
    see either the old database or the restored one, never a mixture.
    """
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = _connect(target, busy_timeout_ms)
    try:
        src.backup(dst)
        dst.execute("pragma wal_checkpoint(truncate)")
    finally:
        dst.close()
        src.close()
