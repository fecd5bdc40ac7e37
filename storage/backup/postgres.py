"""PostgreSQL: pg_dump of one exported snapshot (so the row counts match the dump exactly),
verification in a temporary database, and a restore that replaces everything in one
transaction.

A temporary database is named ``crm_verify_<token>`` and its run holds a session advisory lock
on the token from before the database is made until after it is dropped. A run killed in the
middle leaves its database behind but not the lock (the server ends a dead client's session),
so the next verification drops every such database whose lock nobody holds, and never one a
running verification, of this installation or another on the same server, is using.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import logging
import os
import re
import secrets
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import peewee
import psycopg2
from peewee import PostgresqlDatabase

from storage.backup.errors import BackupError

log = logging.getLogger(__name__)
HISTORY_TABLE = "schema_migrations"
VERIFY_PREFIX = "crm_verify_"
_VERIFY_NAME = f"^{VERIFY_PREFIX}[0-9a-f]{{8}}$"
_VERIFY_LOCK = 0x63726D76  # the advisory locks' first key ("crmv"); the second is the token
LOCK_TIMEOUT = "30s"  # a restore waits this long for the bot's locks, then gives up unchanged
_COPY = 1 << 20


@dataclass(frozen=True)
class Server:
    """Where a PostgreSQL database is, as pg_dump and psycopg2 need it."""

    dbname: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None

    @classmethod
    def of(cls, db: PostgresqlDatabase) -> Server:
        params = db.connect_params
        return cls(db.database, params.get("host"), params.get("port"), params.get("user"),
                   params.get("password"))

    def other(self, dbname: str) -> Server:
        return Server(dbname, self.host, self.port, self.user, self.password)

    def environ(self) -> dict[str, str]:
        """libpq variables: the password never appears on a command line."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        for name, value in (("PGDATABASE", self.dbname), ("PGHOST", self.host),
                            ("PGPORT", self.port), ("PGUSER", self.user),
                            ("PGPASSWORD", self.password)):
            if value not in (None, ""):
                env[name] = str(value)
        return env

    def connect(self):
        try:
            return psycopg2.connect(dbname=self.dbname, host=self.host, port=self.port,
                                    user=self.user, password=self.password)
        except psycopg2.Error as exc:
            raise BackupError("backup.tool_failed", tool="PostgreSQL",
                              reason=first_line(exc)) from exc


def first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def tool(name: str) -> str:
    """A PostgreSQL client program: on PATH, else the newest Debian installation's."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                        else 0)
    if candidates:
        return candidates[-1]
    raise BackupError("backup.tool_missing", tool=name)


def check_ready(db: PostgresqlDatabase) -> int:
    """What every backup of the server ``db`` is connected to needs, checked without making
    one (on that connection): the client programs, a pg_dump no older than the server (it
    refuses to dump a newer one), and a role that may create the database each backup is
    verified in. Returns pg_dump's major version; BackupError for the first thing missing."""
    try:
        role, may_create, server_number = db.execute_sql(
            "select current_user, rolcreatedb or rolsuper,"
            " current_setting('server_version_num')::int"
            " from pg_roles where rolname = current_user").fetchone()
    except peewee.Error as exc:  # the connection lost meanwhile: a failed check, no traceback
        raise BackupError("backup.tool_failed", tool="PostgreSQL",
                          reason=first_line(exc)) from exc
    server_major = server_number // 10000
    dump_major = _major_version(tool("pg_dump"))
    for name in ("pg_restore", "psql"):
        tool(name)
    if dump_major < server_major:
        raise BackupError("backup.tool_too_old", tool="pg_dump", found=dump_major,
                          server=server_major)
    if not may_create:
        raise BackupError("backup.no_createdb", role=role)
    return dump_major


@functools.cache  # once per process: every `crm check` and /status asks, the answer stays
def _major_version(program: str) -> int:
    """A PostgreSQL client program's major version, from ``--version``."""
    try:
        shown = subprocess.run([program, "--version"], capture_output=True, text=True,
                               timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError("backup.tool_failed", tool=Path(program).name,
                          reason=first_line(exc)) from exc
    found = re.search(r"\)\s*(\d+)", shown)  # pg_dump (PostgreSQL) 15.18 (Debian ...)
    if found is None:
        raise BackupError("backup.tool_failed", tool=Path(program).name,
                          reason=shown.strip() or "no version")
    return int(found.group(1))


def public_tables(cursor) -> list[str]:
    cursor.execute("select table_name from information_schema.tables where table_schema ="
                   " 'public' and table_type = 'BASE TABLE' order by table_name")
    return [name for (name,) in cursor.fetchall()]


def describe(cursor) -> tuple[dict[str, int], int]:
    """Row counts per table and the schema version, as the cursor's snapshot sees them."""
    names = public_tables(cursor)
    counts = {}
    for name in names:
        cursor.execute(f'select count(*) from public."{name}"')
        counts[name] = cursor.fetchone()[0]
    version = 0
    if HISTORY_TABLE in names:
        cursor.execute(f"select coalesce(max(version), 0) from public.{HISTORY_TABLE}")
        version = cursor.fetchone()[0]
    return counts, version


Sink = Callable[[Iterator[bytes], dict[str, int], int], object]


def dump(server: Server, sink: Sink) -> None:
    """Feed pg_dump's archive to ``sink`` as blocks, with the row counts and schema version of
    the very snapshot pg_dump reads."""
    conn = server.connect()
    try:
        conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with conn.cursor() as cursor:
            cursor.execute("select pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts, version = describe(cursor)
            # -Z0: zstd compresses afterwards, faster and smaller than pg_dump's zlib.
            command = [tool("pg_dump"), "--format=custom", "-Z0", f"--snapshot={snapshot}",
                       "--no-owner", "--no-privileges"]
            _run_reading(command, server.environ(),
                         lambda blocks: sink(blocks, counts, version), "pg_dump")
    finally:
        conn.rollback()
        conn.close()


def _run_reading(command: list[str], env: dict[str, str],
                 sink: Callable[[Iterator[bytes]], object], name: str) -> None:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    errors = _Stderr(process.stderr)
    try:
        sink(iter(lambda: process.stdout.read(_COPY), b""))
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        process.stdout.close()
    if process.wait() != 0:
        raise BackupError("backup.tool_failed", tool=name, reason=errors.last_line())


class _Stderr:
    """A child's stderr collected on a thread, so a chatty child never blocks on a full pipe."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._lines: list[bytes] = []
        self._thread = threading.Thread(target=lambda: self._lines.extend(stream), daemon=True)
        self._thread.start()

    def last_line(self) -> str:
        self._thread.join(timeout=5)
        lines = [line.strip() for line in b"".join(self._lines).decode(errors="replace")
                 .splitlines() if line.strip()]
        return lines[-1] if lines else "no message"


def _run_writing(command: list[str], env: dict[str, str], blocks: Iterator[bytes],
                 name: str, stdout=subprocess.DEVNULL) -> None:
    """Run ``command`` with ``blocks`` on its stdin; BackupError when it fails."""
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=stdout,
                               stderr=subprocess.PIPE, env=env)
    errors = _Stderr(process.stderr)
    try:
        for block in blocks:
            process.stdin.write(block)
        process.stdin.close()
    except BrokenPipeError:
        pass  # the child stopped reading: its exit status and message say why
    except BaseException:
        process.kill()
        process.wait()
        raise
    if process.wait() != 0:
        raise BackupError("backup.tool_failed", tool=name, reason=errors.last_line())


def verify(server: Server, blocks: Iterator[bytes]) -> dict[str, int]:
    """Restore an archive into a temporary database on the same server and count its rows.

    pg_restore rebuilds every primary key, unique and foreign-key constraint there, so a
    restore that succeeds is also the integrity check. Needs the CREATEDB privilege.
    """
    with scratch_database(server) as name:
        temporary = server.other(name)
        _run_writing([tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                      "--dbname", name], temporary.environ(), blocks, "pg_restore")
        conn = temporary.connect()
        try:
            with conn.cursor() as cursor:
                return describe(cursor)[0]
        finally:
            conn.close()


@contextlib.contextmanager
def scratch_database(server: Server) -> Iterator[str]:
    """A new empty database to verify in, claimed (see the module's notes) for as long as
    the block runs and dropped after it; the ones runs killed before left behind are dropped
    first."""
    guard = server.connect()
    try:
        guard.autocommit = True
        name = f"{VERIFY_PREFIX}{_claim_token(guard):08x}"
        drop_abandoned(server)
        # one of the same name is a leftover too (its token was free to claim)
        _admin(server, f'drop database if exists "{name}" with (force)')
        _admin(server, f'create database "{name}"')
        try:
            yield name
        finally:
            _admin(server, f'drop database if exists "{name}" with (force)')
    finally:
        guard.close()  # lets go of the claim, only once the database is gone


def _claim_token(guard) -> int:
    """A token no running verification holds, held from now on by ``guard``'s session."""
    with guard.cursor() as cursor:
        while True:
            token = secrets.randbelow(1 << 31)  # the lock's key is a positive int4
            cursor.execute("select pg_try_advisory_lock(%s, %s)", (_VERIFY_LOCK, token))
            if cursor.fetchone()[0]:
                return token


def drop_abandoned(server: Server) -> list[str]:
    """Drop this role's verification databases that no running verification holds (left by a
    run that was killed); each is logged. Returns their names. A database that cannot be
    dropped is logged and left: it must not stop the backup."""
    conn = server.connect()
    try:
        with conn.cursor() as cursor:
            # the databases first: one made after this query is not looked at, and one made
            # before it was claimed before it was made, so its lock shows in the second query
            cursor.execute("select datname from pg_database where datname ~ %s"
                           " and pg_get_userbyid(datdba) = current_user", (_VERIFY_NAME,))
            found = [name for (name,) in cursor.fetchall()]
            cursor.execute("select objid::bigint from pg_locks where locktype = 'advisory'"
                           " and classid = %s and objsubid = 2", (_VERIFY_LOCK,))
            held = {f"{VERIFY_PREFIX}{token:08x}" for (token,) in cursor.fetchall()}
    finally:
        conn.close()
    dropped = []
    for name in sorted(set(found) - held):
        try:
            _admin(server, f'drop database if exists "{name}" with (force)')
        except BackupError as error:
            log.warning("could not drop %s, left behind by a backup verification that did"
                        " not finish: %s", name, error.params.get("reason"))
            continue
        log.warning("dropped %s, a temporary database left behind by a backup verification"
                    " that did not finish", name)
        dropped.append(name)
    return dropped


def _admin(server: Server, statement: str) -> None:
    conn = server.connect()
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(statement)
    except psycopg2.Error as exc:
        raise BackupError("backup.scratch_database", reason=first_line(exc)) from exc
    finally:
        conn.close()


def meta_value(archive: Path, key: str) -> str | None:
    """One ``app_meta`` value as a pg_dump archive holds it (None when it has none), read
    without a database: pg_restore prints the table's rows in COPY's text format."""
    shown = subprocess.run([tool("pg_restore"), "--data-only", "--table=app_meta", "--file=-",
                            str(archive)], capture_output=True, check=False)
    if shown.returncode != 0:
        raise BackupError("backup.tool_failed", tool="pg_restore",
                          reason=first_line(Exception(shown.stderr.decode(errors="replace"))))
    columns: list[str] | None = None
    for line in shown.stdout.decode().splitlines():
        if line.startswith("COPY public.app_meta ("):
            columns = [c.strip().strip('"') for c in line.split("(", 1)[1].split(")")[0]
                       .split(",")]
        elif line == "\\.":
            columns = None
        elif columns is not None:
            row = dict(zip(columns, line.split("\t"), strict=False))
            if row.get("key") == key:  # values are base64 and keys plain: nothing escaped
                return row.get("value")
    return None


def restore(server: Server, archive: Path, expected: dict[str, int]) -> None:
    """Replace the whole public schema by the archive's, in one transaction that also checks
    the row counts: on any failure the database is left as it was."""
    prelude = (f"set lock_timeout = '{LOCK_TIMEOUT}'; drop schema public cascade;"
               " create schema public;")
    checks = "".join(
        f"if (select count(*) from public.\"{table}\") <> {int(count)} then raise exception"
        f" 'restored table {table} has other row counts than the backup'; end if; "
        for table, count in sorted(expected.items()) if table.replace("_", "").isalnum())
    command = [tool("psql"), "-X", "-q", "--no-psqlrc", "-v", "ON_ERROR_STOP=1",
               "--single-transaction", "-c", prelude, "-f", "-",
               "-c", f"do $$ begin {checks} end $$;"]
    restore_sql = subprocess.Popen(
        [tool("pg_restore"), "--no-owner", "--no-privileges", "--file", "-", str(archive)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=server.environ())
    errors = _Stderr(restore_sql.stderr)
    try:
        _run_writing(command, server.environ(),
                     iter(lambda: restore_sql.stdout.read(_COPY), b""), "psql")
    finally:
        restore_sql.stdout.close()
        if restore_sql.wait() != 0:
            raise BackupError("backup.tool_failed", tool="pg_restore",
                              reason=errors.last_line())
