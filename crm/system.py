"""Setting up and checking an installation: data folder, keys, database and schema."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

import peewee
from peewee import Database

from crm import scheduling, users
from crm.actors import Actor
from crm.clock import as_datetime, utcnow
from crm.config import Config
from crm.failures import from_stored
from crm.permissions import Action, require
from crm.reminders import FailedReminder, list_failed_reminders
from crm.sales.pipelines import ensure_default_pipeline
from storage import backup as backup_store
from storage import keys as keystore
from storage.backup.keys import ensure_backup_key, load_backup_key
from storage.database import (
    connect,
    create_missing_database,
    fetch_all,
    fetch_one,
    redact_url,
    require_existing,
    server_version,
)
from storage.database import open_database as open_database_url
from storage.errors import CodedError, EncryptionKeyError, StorageError
from storage.migrate import check_schema, latest_version, migrate
from storage.models import AppMeta

KEY_CHECK = "key_check"


def open_database(config: Config, *, apply_migrations: bool = True) -> Database:
    """Connect to the configured database and bring its schema up to date (or just check it)."""
    db = connect(config.database_url, busy_timeout_ms=config["database.busy_timeout_ms"])
    if apply_migrations:
        migrate(db)
        ensure_default_pipeline()
    else:
        check_schema(db)
    return db


def open_existing(config: Config) -> Database:
    """The configured database as it is, its schema checked: StorageError when it is not
    there (a SQLite file is never made by looking at it)."""
    require_existing(config.database_url)
    return open_database(config, apply_migrations=False)


def load_keys(config: Config) -> keystore.KeyRing:
    """The encryption keys: CRM_SECURITY_KEY when set, else the key file."""
    return keystore.load_keyring(config.key_file, config["security.key"])


@dataclass
class InitReport:
    data_dir: str
    database: str
    key_file: str | None
    key_created: bool
    migrations_applied: list[str] = field(default_factory=list)
    schema_version: int = 0
    backup_key_file: str | None = None  # made by this run (None: kept, or CRM_BACKUP_KEY)
    database_created: str | None = None  # the PostgreSQL database this run created
    has_admin: bool = False  # an installation run again: the first admin is no next step


def init_system(config: Config) -> InitReport:
    """Create what an installation needs; safe to run again (it never replaces a key)."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    created = create_missing_database(config.database_url)
    db = open_database(config, apply_migrations=False)
    applied = migrate(db)
    ensure_default_pipeline()
    key_created = False
    if not config["security.key"] and not config.key_file.exists():
        if AppMeta.get_or_none(AppMeta.key == KEY_CHECK) is not None:
            # The data was sealed with a key that is now missing: a new key would not open it.
            raise EncryptionKeyError("keys.missing", path=str(config.key_file))
        keystore.write_keyring(config.key_file, keystore.new_keyring())
        key_created = True
    _ensure_key_check(load_keys(config))
    _, backup_key_created = ensure_backup_key(config.backup_key_file, config["backup.key"])
    return InitReport(
        data_dir=str(config.data_dir),
        database=redact_url(config.database_url),
        key_file=None if config["security.key"] else str(config.key_file),
        key_created=key_created,
        migrations_applied=[f"{m.version:04d}_{m.name}" for m in applied],
        schema_version=latest_version(),
        backup_key_file=str(config.backup_key_file) if backup_key_created else None,
        database_created=created,
        has_admin=users.active_admins() > 0,
    )


def _ensure_key_check(ring: keystore.KeyRing) -> None:
    """Record a sealed known value so a wrong key is detected before it writes anything."""
    row = AppMeta.get_or_none(AppMeta.key == KEY_CHECK)
    if row is None:
        sealed = base64.b64encode(ring.encrypt(keystore.KEY_CHECK_PLAINTEXT.decode())).decode()
        AppMeta.insert(key=KEY_CHECK, value=sealed).on_conflict_ignore().execute()
        return
    verify_key(ring, row.value)


def verify_key(ring: keystore.KeyRing, sealed: str) -> None:
    """Raise EncryptionKeyError unless ``ring`` opens the recorded key check."""
    if ring.decrypt(base64.b64decode(sealed)) != keystore.KEY_CHECK_PLAINTEXT.decode():
        raise EncryptionKeyError("keys.wrong")


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    code: str
    params: dict


def check_system(config: Config) -> list[CheckResult]:
    """Look at every part of the installation without changing anything (nor the running
    database binding: the probe uses a connection of its own)."""
    results = [CheckResult("config", Status.OK, "check.config_ok", {"file": str(config.file)})
               if config.file else CheckResult("config", Status.OK, "check.config_defaults", {})]
    ring = _check(results, "keys", lambda: load_keys(config), "check.keys_ok",
                  {"source": "CRM_SECURITY_KEY" if config["security.key"]
                   else str(config.key_file)})
    probe = _check(results, "database", lambda: _probe(config), "check.database_ok",
                   {"url": redact_url(config.database_url)})
    if probe is not None:
        try:
            results[-1].params["engine"] = server_version(probe)
            _check_schema(results, probe)
            schema_ok = results[-1].status is Status.OK
            if ring is not None and schema_ok:
                _check(results, "key_match", lambda: _match_key(probe, ring),
                       "check.key_match_ok", {})
            results.append(_check_backups(config, probe))
            if schema_ok:
                results.extend(_check_jobs(probe, utcnow(),
                                           scheduling.last_backup_by_hand(config.backup_dir)))
        finally:
            probe.close()
    if config.telegram_token:
        results.append(CheckResult("telegram", Status.OK, "check.token_set", {}))
    else:
        results.append(CheckResult("telegram", Status.WARN, "check.token_missing", {}))
    return results


def _probe(config: Config) -> Database:
    require_existing(config.database_url)
    db = open_database_url(config.database_url,
                           busy_timeout_ms=config["database.busy_timeout_ms"])
    try:
        db.connect()
    except peewee.OperationalError as exc:
        raise StorageError("storage.unreachable", url=redact_url(config.database_url),
                           reason=str(exc).strip().splitlines()[0]) from exc
    return db


def _check(results: list[CheckResult], name: str, probe, ok_code: str, params: dict):
    try:
        value = probe()
    except CodedError as exc:
        results.append(CheckResult(name, Status.FAIL, exc.code, dict(exc.params)))
        return None
    results.append(CheckResult(name, Status.OK, ok_code, dict(params)))
    return value


def _check_schema(results: list[CheckResult], db: Database) -> None:
    try:
        found = check_schema(db)
    except CodedError as exc:
        results.append(CheckResult("schema", Status.FAIL, exc.code, dict(exc.params)))
        return
    known = latest_version()
    if found == 0:
        results.append(CheckResult("schema", Status.FAIL, "storage.not_initialised", {}))
    elif found < known:
        results.append(CheckResult("schema", Status.WARN, "check.schema_behind",
                                   {"found": found, "known": known}))
    else:
        results.append(CheckResult("schema", Status.OK, "check.schema_ok", {"found": found}))


def _check_backups(config: Config, db: Database) -> CheckResult:
    """Whether the nightly backup can work: its key, and on PostgreSQL the client programs and
    the right to create the database each backup is verified in (a role without it passes
    every other check, then fails every backup)."""
    source = "CRM_BACKUP_KEY" if config["backup.key"] else str(config.backup_key_file)
    try:
        tools = backup_store.check_ready(db)
        load_backup_key(config.backup_key_file, config["backup.key"])
    except backup_store.BackupError as exc:
        # The first backup makes a missing key; anything else stops every backup.
        status = Status.WARN if exc.code == "backup.key_missing" else Status.FAIL
        return CheckResult("backup", status, exc.code, dict(exc.params))
    if tools is None:
        return CheckResult("backup", Status.OK, "check.backup_ready", {"source": source})
    return CheckResult("backup", Status.OK, "check.backup_ready_postgres",
                       {"source": source, "version": tools})


def _check_jobs(db: Database, now: dt.datetime,
                by_hand: dt.datetime | None = None) -> list[CheckResult]:
    """How each scheduled job last ended, whether one is overdue, and undelivered reminders;
    ``by_hand``: when the newest verified backup made by hand was taken, which counts as a
    run of the backup job. Moments go out as naive UTC datetimes: interfaces show them in the
    reader's time zone."""
    rows = db.execute_sql("select name, last_finished_at, last_ok, last_error, expected_by"
                          " from job_run order by name").fetchall()
    results = [] if rows else [CheckResult("jobs", Status.WARN, "check.jobs_none", {})]
    for name, finished, ok, error, expected_by in rows:
        run = _JobRow(name, as_datetime(finished), ok, error, as_datetime(expected_by))
        results.append(_backup_result(run, by_hand, now) if name == scheduling.BACKUP
                       else _job_result(run, now))
    if by_hand is not None and not any(row[0] == scheduling.BACKUP for row in rows):
        # backups made by hand while the bot (and so the backup job) has never run
        results.append(_by_hand(by_hand))
    failed = db.execute_sql("select count(*) from reminder where status = 'failed'").fetchone()[0]
    if failed:
        results.append(CheckResult("reminders", Status.WARN, "check.reminders_failed",
                                   {"count": failed}))
    return results


@dataclass(frozen=True)
class _JobRow:
    name: str
    finished: dt.datetime | None
    ok: bool | None
    error: str | None
    expected_by: dt.datetime | None


def _job_result(run: _JobRow, now: dt.datetime) -> CheckResult:
    """One job's line from its own record."""
    name, finished, expected_by = run.name, run.finished, run.expected_by
    last = finished or "-"
    if run.ok is not None and not run.ok:
        reason = from_stored(run.error)
        return CheckResult(f"job:{name}", Status.WARN, "check.job_failed", {
            "job": name, "when": last, "error": reason.as_param() if reason else "-"})
    if expected_by is not None and expected_by < now and finished is None:
        return CheckResult(f"job:{name}", Status.WARN, "check.job_never_ran",
                           {"job": name, "due": scheduling.due_time(name, expected_by)})
    if expected_by is not None and expected_by < now:
        return CheckResult(f"job:{name}", Status.WARN, "check.job_late",
                           {"job": name, "when": last})
    if finished is None:  # a new installation, or a job switched off in the config
        return CheckResult(f"job:{name}", Status.OK, "check.job_not_yet", {
            "job": name, "due": scheduling.due_time(name, expected_by)}) if expected_by \
            else CheckResult(f"job:{name}", Status.OK, "check.job_off", {"job": name})
    return CheckResult(f"job:{name}", Status.OK, "check.job_ok", {"job": name, "when": last})


def _backup_result(run: _JobRow, by_hand: dt.datetime | None,
                   now: dt.datetime) -> CheckResult:
    """The backup job's line, where a verified backup made by hand since its last run counts:
    it makes up for a missed run, and is named beside a failed one (the schedule still needs
    looking at)."""
    own = _job_result(run, now)
    # a backup's time is kept to the second: one taken in the second the run ended is newer
    if by_hand is None or (run.finished is not None
                           and by_hand < run.finished.replace(microsecond=0)):
        return own  # the scheduled run is the newest
    if run.ok is not None and not run.ok:
        return CheckResult(own.name, Status.WARN, "check.job_failed_by_hand",
                           {**own.params, "made": by_hand})
    if run.expected_by is not None and run.expected_by < now \
            and not scheduling.made_up_by_hand(run.name, run.expected_by, by_hand):
        return own  # made before the missed run was due: that run is still missing
    if own.code == "check.job_off":
        return CheckResult(own.name, Status.OK, "check.job_off_by_hand",
                           {"job": run.name, "when": by_hand})
    return _by_hand(by_hand)


def _by_hand(made: dt.datetime) -> CheckResult:
    return CheckResult(f"job:{scheduling.BACKUP}", Status.OK, "check.job_by_hand",
                       {"job": scheduling.BACKUP, "when": made})


def _match_key(db: Database, ring: keystore.KeyRing) -> None:
    row = db.execute_sql(f"select value from app_meta where key = {db.param}",
                         (KEY_CHECK,)).fetchone()
    if row is not None:
        verify_key(ring, row[0])


@dataclass(frozen=True)
class SystemStatus:
    """What an admin sees on /status: the checks and a few counts."""

    checks: list[CheckResult]
    staff_by_role: dict[str, int]
    inactive_staff: int
    teams: int
    customers: int
    deleted_customers: int  # in the recycle bin: may be restored
    failed_reminders: tuple[FailedReminder, ...] = ()
    merged_customers: int = 0  # went into another record
    erased_customers: int = 0  # a person's data erased on request


def get_status(actor: Actor, config: Config) -> SystemStatus:
    """The installation's health and size (admins)."""
    require(actor, Action.STATUS)
    roles = dict(fetch_all("select role, count(*) from staff_user where active = ?"
                           " group by role", (True,)))
    inactive = fetch_one("select count(*) from staff_user where active = ?", (False,))[0]
    customers, deleted, merged, erased = fetch_one(
        "select sum(case when deleted_at is null then 1 else 0 end),"
        " sum(case when deleted_at is not null and erased_at is null"
        "  and merged_into_id is null then 1 else 0 end),"
        " sum(case when erased_at is null and merged_into_id is not null then 1 else 0 end),"
        " sum(case when erased_at is not null then 1 else 0 end) from customer")
    return SystemStatus(check_system(config), roles, inactive,
                        fetch_one("select count(*) from team")[0], customers or 0,
                        deleted or 0, tuple(list_failed_reminders(actor, limit=5)),
                        merged_customers=merged or 0, erased_customers=erased or 0)
