"""Backups as services: who may make and restore them, where they go, the audit trail, which
ones are kept, and telling the admins when one fails.

The work itself (snapshot, compression, encryption, verification) is ``storage.backup``.
Every service here may run on a thread other than the database thread: the snapshot reads
through a connection of its own, and the few writes (audit, notifications) go through this
thread's connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm import __version__, audit, conversations, runtime, system
from crm.actors import Actor, Channel
from crm.backup_retention import select_retained
from crm.clock import utcnow
from crm.failures import Failure, explain
from crm.permissions import Action, require
from crm.sales.outbox import notify
from storage import backup as store
from storage.database import database, fetch_all, fetch_one, is_sqlite
from storage.errors import EncryptionKeyError
from storage.migrate import current_version, migrate

Progress = Callable[[int, int], None]
ALERT = "backup.alert_failed"  # the Telegram message admins get when a backup fails
SAFETY = "safety"
_TIME_FORMAT = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class BackupView:
    """One backup file as listed: what it holds, and whether it passed verification."""

    name: str
    path: str
    size: int
    created_at: dt.datetime | None  # naive UTC
    engine: str
    schema_version: int
    row_counts: dict[str, int]
    reason: str
    status: str  # verified (kept for restores), failed (verification failed) or unreadable

    @property
    def tables(self) -> int:
        return len(self.row_counts)

    @property
    def rows(self) -> int:
        return sum(self.row_counts.values())

    @property
    def verified(self) -> bool:
        return self.status == "verified"


@dataclass(frozen=True)
class BackupOutcome:
    """How a backup run ended; ``error_code``/``error_params`` say why it failed."""

    ok: bool
    backup: BackupView | None
    error_code: str | None = None
    error_params: dict[str, Any] = field(default_factory=dict)
    deleted: tuple[str, ...] = ()  # removed by retention
    admins_notified: int = 0

    def summary(self) -> str:
        """One English line for logs and the job record."""
        if self.ok and self.backup is not None:
            line = (f"{self.backup.name}: {self.backup.size:,} bytes, {self.backup.tables} "
                    f"tables, {self.backup.rows:,} rows, verified")
            return line + (f"; removed {len(self.deleted)} old" if self.deleted else "")
        name = self.backup.name if self.backup else "no file"
        return f"{name}: FAILED ({self.error_code}); {self.admins_notified} admins told"

    @property
    def failure(self) -> Failure | None:
        """Why it failed, for people to read in their language (None when it did not)."""
        if self.ok:
            return None
        cause = Failure(self.error_code or "backup.corrupt", dict(self.error_params))
        return cause if self.backup is None else _unverified(cause)


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did."""

    restored: BackupView
    safety: BackupView | None  # the backup of the database as it was just before
    migrations: tuple[str, ...]  # applied because the backup was older than this program
    key_matches: bool  # the configured encryption key opens the restored data


def require_backup(actor: Actor) -> None:
    """Refuse anyone who may not back up or restore (checked before starting long work)."""
    require(actor, Action.BACKUP)


def backup_key(*, create: bool = False) -> bytes:
    """The backup key (CRM_BACKUP_KEY, else the key file, made on first use when ``create``)."""
    settings = runtime.config()
    if create:
        return store.ensure_backup_key(settings.backup_key_file, settings["backup.key"])[0]
    return store.load_backup_key(settings.backup_key_file, settings["backup.key"])


def backup_folder() -> Path:
    return runtime.config().backup_dir


# Making backups. ------------------------------------------------------------------------------


def create_backup(actor: Actor, *, now: dt.datetime | None = None, reason: str = "manual",
                  progress: Progress | None = None) -> BackupOutcome:
    """Back up the database and verify the file; a failed verification is audited, the admins
    are told, and the file is kept aside as ``.failed``. Raises BackupError when no backup
    could be written at all."""
    require(actor, Action.BACKUP)
    now = now or utcnow()
    with store.exclusive(backup_folder()):
        return _create(actor, now, reason, progress)


def _create(actor: Actor, now: dt.datetime, reason: str,
            progress: Progress | None) -> BackupOutcome:
    settings = runtime.config()
    target = _new_path(backup_folder(), now, reason)
    try:
        result = store.create(database.obj, target, backup_key(create=True), created_at=now,
                              program_version=__version__, reason=reason,
                              busy_timeout_ms=settings["database.busy_timeout_ms"],
                              progress=progress)
    except store.BackupError as error:
        _audit_failure(actor, now, target.name, Failure(error.code, dict(error.params)))
        raise
    view = _view(result.path, result.manifest, "verified" if result.verified else "failed")
    if result.error is not None:
        _audit_failure(actor, now, result.path.name,
                       Failure(result.error.code, dict(result.error.params)))
        told = _tell_admins(result.path.name, _unverified(Failure(
            result.error.code, dict(result.error.params))), now)
        return BackupOutcome(False, view, result.error.code, dict(result.error.params),
                             admins_notified=told)
    with database.atomic():
        audit.record(actor, "backup.created", "backup", changes={
            "file": [None, view.name], "size": [None, view.size], "rows": [None, view.rows],
            "reason": [None, reason]}, now=now)
    return BackupOutcome(True, view)


def _new_path(folder: Path, now: dt.datetime, reason: str) -> Path:
    stem = f"crm-{now.strftime(_TIME_FORMAT)}" + ("-before-restore" if reason == SAFETY else "")
    candidate, number = folder / f"{stem}{store.SUFFIX}", 1
    while candidate.exists() or Path(str(candidate) + store.FAILED).exists():
        number += 1
        candidate = folder / f"{stem}-{number}{store.SUFFIX}"
    return candidate


def _audit_failure(actor: Actor, now: dt.datetime, name: str, reason: Failure) -> None:
    """The failure with its reason as a message (code and parameters) the log can word."""
    with database.atomic():
        audit.record(actor, "backup.failed", "backup", changes={
            "file": [None, name], "error": [None, reason.as_param()]}, now=now)


def _unverified(cause: Failure) -> Failure:
    """A file was written but failed its verification: say so, and what was wrong."""
    return Failure("failure.backup_unverified", {"problem": cause.as_param()})


def _tell_admins(name: str, reason: Failure, now: dt.datetime) -> int:
    """Queue a Telegram message to every active admin, the reason translated for each when
    it is sent; returns how many."""
    admins = fetch_all("select id from staff_user where role = ? and active = ?",
                       ("admin", True))
    with database.atomic():
        for (staff_id,) in admins:
            notify(staff_id, ALERT, {"file": name, "reason": reason.as_param()}, now)
    return len(admins)


def run_scheduled_backup(now: dt.datetime) -> BackupOutcome:
    """The scheduled job: back up as the system, tell the admins about any failure, then apply
    retention. Never raises for an expected failure; read the outcome."""
    actor = Actor.system(Channel.JOB)
    try:
        outcome = create_backup(actor, now=now, reason="scheduled")
    except Exception as error:  # a full disk or a locked database must reach the admins too
        reason = explain(error, doing="the scheduled backup")
        if not isinstance(error, store.BackupError):  # those are audited where they happen
            _audit_failure(actor, now, "-", reason)
        told = _tell_admins("-", reason, now)
        return BackupOutcome(False, None, reason.code, dict(reason.params),
                             admins_notified=told)
    if not outcome.ok:
        return outcome
    deleted = apply_retention(actor, now=now)
    return BackupOutcome(True, outcome.backup, deleted=deleted)


# Listing, verifying, keeping. --------------------------------------------------------------


def list_backups(actor: Actor) -> list[BackupView]:
    """Every backup file in the backup folder, newest first (read without the key)."""
    require(actor, Action.BACKUP)
    folder = backup_folder()
    found = [*folder.glob("*" + store.SUFFIX), *folder.glob("*" + store.SUFFIX + store.FAILED)]
    views = [_read(path) for path in found]
    return sorted(views, key=lambda v: (v.created_at or dt.datetime.min, v.name), reverse=True)


def _read(path: Path) -> BackupView:
    status = "failed" if path.name.endswith(store.FAILED) else "verified"
    try:
        return _view(path, store.read_manifest(path), status)
    except store.BackupError:
        return BackupView(path.name, str(path), path.stat().st_size, None, "?", 0, {}, "?",
                          "unreadable")


def _view(path: Path, manifest: store.Manifest, status: str) -> BackupView:
    created = dt.datetime.fromisoformat(manifest.created_at.removesuffix("Z"))
    return BackupView(path.name, str(path), path.stat().st_size, created, manifest.engine,
                      manifest.schema_version, dict(manifest.row_counts), manifest.reason,
                      status)


def resolve_path(path: str | Path) -> Path:
    """A backup given as a path, or by its name in the backup folder."""
    given = Path(path).expanduser()
    if not given.exists() and not given.is_absolute() and (backup_folder() / given).exists():
        return backup_folder() / given
    if not given.exists():
        raise store.BackupError("backup.not_found", path=str(given))
    return given


def describe_backup(actor: Actor, path: str | Path) -> BackupView:
    """One backup's manifest (read without the key, so not a verification)."""
    require(actor, Action.BACKUP)
    found = resolve_path(path)
    status = "failed" if found.name.endswith(store.FAILED) else "verified"
    return _view(found, store.read_manifest(found), status)


def verify_backup(actor: Actor, path: str | Path, *,
                  progress: Progress | None = None) -> BackupView:
    """Restore a backup into a scratch database and check it; BackupError when it fails."""
    require(actor, Action.BACKUP)
    found = resolve_path(path)
    manifest = store.verify(found, backup_key(), db=database.obj, work_dir=backup_folder(),
                            progress=progress)
    return _view(found, manifest, "verified")


def apply_retention(actor: Actor, *, now: dt.datetime | None = None) -> tuple[str, ...]:
    """Delete the verified backups the keep_* settings no longer keep; returns their names.
    Failed files and the safety backups taken before restores are left alone."""
    require(actor, Action.BACKUP)
    settings = runtime.config()
    candidates = [v for v in list_backups(actor)
                  if v.verified and v.reason != SAFETY and v.created_at is not None]
    kept = select_retained([(v.name, v.created_at) for v in candidates],
                           daily=settings["backup.keep_daily"],
                           weekly=settings["backup.keep_weekly"],
                           monthly=settings["backup.keep_monthly"], timezone=settings.timezone)
    doomed = [v for v in candidates if v.name not in kept]
    for view in doomed:
        Path(view.path).unlink(missing_ok=True)
    if doomed:
        with database.atomic():
            audit.record(actor, "backup.pruned", "backup", changes={
                "files": [None, ", ".join(v.name for v in doomed)]}, now=now or utcnow())
    return tuple(v.name for v in doomed)


# Restoring. -----------------------------------------------------------------------------------


def restore_backup(actor: Actor, path: str | Path, *, now: dt.datetime | None = None,
                   progress: Progress | None = None) -> RestoreReport:
    """Replace the database with a backup: check the key, back up the current database (unless
    it is empty), restore, migrate an older schema, and audit it in the restored database."""
    require(actor, Action.BACKUP)
    now = now or utcnow()
    found = resolve_path(path)
    key = backup_key()
    store.check_key(found, key)
    if store.read_manifest(found).engine == "sqlite" and not is_sqlite(database.obj):
        migrate(database.obj)  # moving to PostgreSQL: the tables the rows are copied into
    safety: BackupView | None = None

    def back_up_current(meta: Callable[[str], str | None]) -> None:
        # Once the file proved whole (a damaged one leaves no safety backup), and its data
        # opens with the configured key: nothing is replaced by data nobody could read.
        nonlocal safety
        _require_key_opens(found, meta(system.KEY_CHECK))
        if current_version(database.obj) > 0:
            outcome = _create(actor, now, SAFETY, None)
            if not outcome.ok:
                raise store.BackupError(outcome.error_code or "backup.corrupt",
                                        **outcome.error_params)
            safety = outcome.backup

    with store.exclusive(backup_folder()):
        manifest = store.restore(found, key, database.obj, work_dir=backup_folder(),
                                 busy_timeout_ms=runtime.config()["database.busy_timeout_ms"],
                                 progress=progress, before_swap=back_up_current)
    applied = migrate(database.obj)
    with database.atomic():
        # Drafts half-typed when the backup was made are not anyone's conversation today.
        conversations.forget_all_conversation_states()
        audit.record(actor, "backup.restored", "backup", changes={
            "file": [None, found.name], "created_at": [None, manifest.created_at],
            "safety_backup": [None, safety.name if safety else None],
            "schema": [manifest.schema_version, current_version(database.obj)]}, now=now)
    return RestoreReport(_view(found, manifest, "verified"), safety,
                         tuple(f"{m.version:04d}_{m.name}" for m in applied), _key_matches())


def _require_key_opens(path: Path, sealed: str | None) -> None:
    """BackupError unless the configured encryption key opens a backup's key check."""
    if sealed is None:
        return
    try:
        system.verify_key(runtime.reload_keys(), sealed)
    except EncryptionKeyError as exc:
        raise store.BackupError("backup.data_key_mismatch", path=str(path)) from exc


def _key_matches() -> bool:
    """Whether the configured encryption key opens the restored data's key check."""
    row = fetch_one('select value from app_meta where "key" = ?', (system.KEY_CHECK,))
    if row is None:
        return True
    try:
        system.verify_key(runtime.reload_keys(), row[0])
    except EncryptionKeyError:
        return False
    return True


__all__ = ["ALERT", "BackupOutcome", "BackupView", "RestoreReport", "apply_retention",
           "backup_key", "create_backup", "describe_backup", "list_backups", "require_backup",
           "restore_backup", "run_scheduled_backup", "select_retained", "verify_backup"]
