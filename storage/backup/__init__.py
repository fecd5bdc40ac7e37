"""Online, compressed, encrypted backups of the database, verified by restoring them.

A backup is written under a temporary name, synced, verified by restoring it into a scratch
database (SQLite file or temporary PostgreSQL database) and only then renamed to its final
name; one that fails verification is renamed to ``<name>.failed`` instead, so every
``*.crmbak`` file in the folder is a verified backup.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from peewee import Database

from storage.backup import postgres, sqlite
from storage.backup.container import (
    Manifest,
    Progress,
    atomic_file,
    check_key,
    compress_into,
    file_blocks,
    key_id,
    payload_blocks,
    publish,
    read_manifest,
    write_payload,
)
from storage.backup.errors import BackupError
from storage.backup.from_sqlite import check_fits
from storage.backup.from_sqlite import restore_sqlite as from_sqlite_file
from storage.backup.keys import ensure_backup_key, load_backup_key
from storage.database import is_sqlite
from storage.migrate import latest_version

__all__ = ["FAILED", "SUFFIX", "BackupError", "CreateResult", "Manifest", "check_key",
           "check_ready", "create", "engine", "ensure_backup_key", "exclusive", "key_id",
           "last_verified", "load_backup_key", "read_manifest", "restore", "verify"]

SUFFIX = ".crmbak"
COMPRESS_THREADS = min(2, os.cpu_count() or 1)
FAILED = ".failed"
_LOCK = ".lock"


@dataclass(frozen=True)
class CreateResult:
    """A finished backup: its final path (``.failed`` when verification failed)."""

    path: Path
    manifest: Manifest
    error: BackupError | None = None

    @property
    def verified(self) -> bool:
        return self.error is None


def engine(db: Database) -> str:
    return "sqlite" if is_sqlite(db) else "postgresql"


def check_ready(db: Database) -> int | None:
    """Whether backups of ``db`` can be made and verified, without making one: on PostgreSQL
    the client programs and the role's right to create the verification database (pg_dump's
    major version is returned); nothing to check for SQLite (None). BackupError otherwise."""
    if is_sqlite(db):
        return None
    return postgres.check_ready(db)


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """One backup or restore at a time per backup folder (across processes)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BackupError("backup.busy") from exc
        _remove_leftovers(folder)
        yield
    finally:
        os.close(fd)


def last_verified(folder: Path, *, reason: str) -> dt.datetime | None:
    """When the newest verified backup in ``folder`` made for ``reason`` was taken (naive UTC),
    None when there is none. Only a verified backup has the plain suffix (one that failed is
    set aside as ``.failed``); a file whose manifest cannot be read is passed over."""
    newest: dt.datetime | None = None
    for path in folder.glob("*" + SUFFIX):
        try:
            manifest = read_manifest(path)
        except (BackupError, OSError):
            continue
        if manifest.reason == reason:
            taken = dt.datetime.fromisoformat(manifest.created_at.removesuffix("Z"))
            newest = taken if newest is None else max(newest, taken)
    return newest


def _remove_leftovers(folder: Path) -> None:
    """Scratch files of a run that crashed (nothing else can be running: we hold the lock)."""
    for pattern in ("*" + SUFFIX + ".tmp", ".scratch-*"):
        for leftover in folder.glob(pattern):
            leftover.unlink(missing_ok=True)


def _scratch(folder: Path, suffix: str) -> Path:
    return folder / f".scratch-{uuid.uuid4().hex[:12]}{suffix}"


def _discard(path: Path) -> None:
    for extra in ("", "-journal", "-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)


def create(db: Database, target: Path, key: bytes, *, created_at: dt.datetime,
           program_version: str, reason: str = "manual", busy_timeout_ms: int = 5000,
           threads: int = COMPRESS_THREADS,
           progress: Progress | None = None) -> CreateResult:
    """Back up the database ``db`` is connected to into ``target``, then verify it.

    ``threads``: zstd's own compressing threads; this thread meanwhile reads, hashes and seals.
    """
    temporary = atomic_file(target)
    target.parent.mkdir(parents=True, exist_ok=True)

    def manifest(counts: dict[str, int], version: int, digest: str, size: int) -> Manifest:
        return Manifest(_iso(created_at),
                        engine(db), version, counts, digest, size, program_version, reason)

    try:
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                       "wb") as out:
            written, snapshot_checked = _write(db, out, key, target.parent, manifest,
                                               busy_timeout_ms, threads, progress)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    try:
        snapshot_checked.result()
        verify(temporary, key, db=db, work_dir=target.parent, progress=progress,
               share=(50, 100), snapshot_checked=True)
    except BackupError as error:
        failed = target.with_name(target.name + FAILED)
        publish(temporary, failed)
        return CreateResult(failed, written, error)
    publish(temporary, target)
    return CreateResult(target, written)


def _write(db: Database, out, key: bytes, folder: Path, manifest, busy_timeout_ms: int,
           threads: int, progress: Progress | None) -> tuple[Manifest, Future[None]]:
    """Write the sealed file; also the integrity check of the snapshot, when there is one."""
    done: Future[None] = Future()
    if is_sqlite(db):
        scratch = _scratch(folder, ".db")
        try:
            sqlite.snapshot(Path(db.database), scratch, busy_timeout_ms)
            counts, version = sqlite.describe(scratch)
            # The integrity check reads the snapshot on a thread of its own (SQLite lets go of
            # the GIL) while zstd compresses it: the check costs no time when a core is free.
            checker = threading.Thread(target=_settle, args=(done, sqlite.integrity_check,
                                                             scratch), daemon=True)
            checker.start()
            try:
                written = compress_into(
                    out, key, file_blocks(scratch, progress, (0, 50)),
                    lambda digest, size: manifest(counts, version, digest, size),
                    threads=threads)
            finally:
                checker.join()
            return written, done
        finally:
            _discard(scratch)
    made: list[Manifest] = []

    def sink(blocks: Iterator[bytes], counts: dict[str, int], version: int) -> None:
        made.append(compress_into(out, key, blocks,
                                  lambda digest, size: manifest(counts, version, digest, size),
                                  threads=threads))

    postgres.dump(postgres.Server.of(db), sink)
    done.set_result(None)  # pg_restore checks every constraint during verification
    return made[0], done


def _settle(future: Future[None], check, path: Path) -> None:
    try:
        check(path)
    except Exception as error:  # handed to the waiting thread, which raises it
        future.set_exception(error)
    else:
        future.set_result(None)


def verify(path: Path, key: bytes, *, db: Database | None, work_dir: Path,
           progress: Progress | None = None, share: tuple[int, int] = (0, 100),
           snapshot_checked: bool = False) -> Manifest:
    """Restore the backup into a scratch database, check it and compare its row counts with
    the manifest; BackupError on any difference. ``db`` gives the PostgreSQL server to use.

    ``snapshot_checked``: the SQLite snapshot this file was made from passed the integrity
    check, so the restored copy, proven byte-identical to it by the checksums, is not checked
    a second time."""
    manifest = read_manifest(path)
    if manifest.engine == "sqlite":
        scratch = _scratch(work_dir, ".db")
        try:
            write_payload(path, key, scratch, progress, share)
            counts = sqlite.check(scratch, integrity=not snapshot_checked)
        finally:
            _discard(scratch)
    else:
        if db is None or is_sqlite(db):
            raise BackupError("backup.engine_mismatch", path=str(path), found=manifest.engine,
                              expected="sqlite")
        manifest, blocks = payload_blocks(path, key, progress, share)
        counts = postgres.verify(postgres.Server.of(db), blocks)
    _compare(path, manifest.row_counts, counts)
    return manifest


def _compare(path: Path, expected: dict[str, int], found: dict[str, int]) -> None:
    differing = sorted(name for name in set(expected) | set(found)
                       if expected.get(name) != found.get(name))
    if differing:
        raise BackupError("backup.counts", path=str(path), tables=", ".join(
            f"{name} {expected.get(name, '-')}→{found.get(name, '-')}" for name in differing[:5]))


def restore(path: Path, key: bytes, db: Database, *, work_dir: Path,
            busy_timeout_ms: int = 5000, progress: Progress | None = None,
            before_swap: Callable[[Callable[[str], str | None]], None] | None = None,
            ) -> Manifest:
    """Replace the database's content with the backup's (checked first, then swapped in one
    transaction). The schema is left at the backup's version: migrate afterwards.

    ``before_swap`` runs once the whole file has been read back and checked, just before the
    database is touched (the safety backup: a damaged file must not leave one behind); it is
    given a reader of the backup's ``app_meta`` values, to refuse data it could not open."""
    manifest = read_manifest(path)
    moving = manifest.engine == "sqlite" and not is_sqlite(db)  # outgrown SQLite
    if manifest.engine != engine(db) and not moving:
        raise BackupError("backup.engine_mismatch", path=str(path), found=manifest.engine,
                          expected=engine(db))
    if manifest.schema_version > latest_version():
        raise BackupError("backup.schema_too_new", path=str(path),
                          found=manifest.schema_version, known=latest_version())
    if moving and manifest.schema_version != latest_version():
        raise BackupError("backup.move_older", path=str(path),
                          found=manifest.schema_version, known=latest_version())
    from_sqlite = manifest.engine == "sqlite"
    scratch = _scratch(work_dir, ".db" if from_sqlite else ".dump")
    try:
        write_payload(path, key, scratch, progress, (0, 60))
        if from_sqlite:
            _compare(path, manifest.row_counts, sqlite.check(scratch))
        if moving:
            check_fits(postgres.Server.of(db), scratch)
        if before_swap is not None:
            reader = sqlite.meta_value if from_sqlite else postgres.meta_value
            before_swap(lambda key: reader(scratch, key))
        if is_sqlite(db):
            sqlite.restore(scratch, Path(db.database), busy_timeout_ms)
        else:
            db.close()  # our own idle connection must not hold locks the restore waits for
            if moving:
                from_sqlite_file(postgres.Server.of(db), scratch, manifest.row_counts)
            else:
                postgres.restore(postgres.Server.of(db), scratch, manifest.row_counts)
            db.connect(reuse_if_open=True)
    finally:
        _discard(scratch)
    if progress is not None:
        progress(100, 100)
    return manifest


def _iso(moment: dt.datetime) -> str:
    """UTC as 2026-01-15T02:30:00Z (a naive datetime is taken as UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"
