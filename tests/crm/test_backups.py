"""Backups end to end on both engines: back up, wipe, restore with every table equal; older
backups migrated; a damaged backup caught and told to the admins; retention by date."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from crm import backups, customers, runtime, users
from crm.actors import Actor, Channel
from crm.audit import list_audit
from crm.config import Config, load_config
from crm.demo import create_demo_data
from crm.errors import PermissionDenied
from storage import backup as store
from storage.backup import postgres
from storage.database import bind, open_database
from storage.migrate import current_version, latest_version, migrate
from tests.conftest import (
    TEST_SECRET,
    create_postgres_database,
    drop_postgres_database,
    postgres_admin,
)
from tests.crm.cast import customer, make_cast

SYSTEM = Actor.system()
T0 = dt.datetime(2026, 3, 2, 2, 30)
OLD_VERSION = 4  # before the sales tables: a restore has to migrate it


@pytest.fixture
def settings(tmp_path: Path) -> Config:
    """An installation whose data folder (backups, backup key) is this test's own."""
    config = load_config(environ={"CRM_SECURITY_KEY": TEST_SECRET,
                                  "CRM_DATA_DIR": str(tmp_path / "data")}, look_in_cwd=False)
    runtime.configure(config)
    return config


def tables(db: peewee.Database) -> list[str]:
    if isinstance(db, peewee.SqliteDatabase):
        rows = db.execute_sql("select name from sqlite_master where type = 'table' and name"
                              " not like 'sqlite_%' and sql not like 'CREATE VIRTUAL%'")
    else:
        rows = db.execute_sql("select table_name from information_schema.tables where"
                              " table_schema = 'public' and table_type = 'BASE TABLE'")
    return sorted(name for (name,) in rows.fetchall())


def everything(db: peewee.Database) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    def plain(value: object) -> object:
        return bytes(value) if isinstance(value, memoryview) else value

    return {name: sorted((tuple(plain(v) for v in row) for row in db.execute_sql(
        f'select * from "{name}"').fetchall()), key=repr) for name in tables(db)}


def wipe(db: peewee.Database) -> None:
    """Lose the database: every table, index, trigger and sequence gone."""
    if isinstance(db, peewee.SqliteDatabase):
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(db.database + suffix).unlink(missing_ok=True)
        db.connect()
    else:
        db.execute_sql("drop schema public cascade")
        db.execute_sql("create schema public")
    assert tables(db) == []


def fill(db: peewee.Database) -> None:
    cast = make_cast()
    create_demo_data(SYSTEM, customers=40, seed=3)
    buyer = customer(cast.agent, "王小明", phones=("13800138000",),
                     secrets={"id_card": "11010519491231002X"})
    customers.update_customer(cast.manager, buyer.id, "notes", "VIP <b>")


def test_backup_wipe_restore_gives_back_every_table(settings, db) -> None:
    fill(db)
    before = everything(db)
    outcome = backups.create_backup(SYSTEM, now=T0)
    assert outcome.ok and outcome.backup.verified
    path = Path(outcome.backup.path)
    assert path.parent == settings.backup_dir and path.name == "crm-20260302-023000.crmbak"
    assert outcome.backup.row_counts["customer"] == 41
    assert os.stat(path).st_mode & 0o077 == 0
    assert b"13800138000" not in path.read_bytes() and b"VIP <b>" not in path.read_bytes()

    wipe(db)
    report = backups.restore_backup(SYSTEM, path, now=T0 + dt.timedelta(hours=1))
    assert report.safety is None  # nothing to save from an empty database
    assert report.migrations == () and report.key_matches
    after = everything(db)
    assert set(after) == set(before)
    for table in before:
        if table != "audit_log":
            assert after[table] == before[table], table
    added = [row for row in after["audit_log"] if row not in before["audit_log"]]
    assert [row[5] for row in added] == ["backup.restored"]
    # sequences came back too: new rows do not collide with restored ones
    created = customer(users.identify(9001).as_actor(), "新客户")
    assert created.id > max(row[0] for row in before["customer"])


def test_restore_keeps_a_safety_backup_of_what_it_replaces(settings, db) -> None:
    cast = make_cast()
    kept = customer(cast.agent, "张三")
    made = backups.create_backup(SYSTEM, now=T0)
    later = customer(cast.agent, "李四")
    report = backups.restore_backup(SYSTEM, made.backup.path, now=T0 + dt.timedelta(days=1))
    assert report.safety is not None and report.safety.reason == "safety"
    assert "before-restore" in report.safety.name
    found = [c.name for c in customers.search_customers(cast.manager, "李四").items]
    assert found == [] and customers.get_customer(cast.manager, kept.id).name == "张三"
    # the safety backup brings back what the restore replaced
    backups.restore_backup(SYSTEM, report.safety.path, now=T0 + dt.timedelta(days=2))
    assert customers.get_customer(cast.manager, later.id).name == "李四"
    # the log of the database as restored: the first restore happened after that safety
    # backup was taken, so only the second one is in it
    actions = [e.action for e in list_audit(cast.admin, limit=50).items]
    assert actions.count("backup.restored") == 1 and "backup.created" in actions


@pytest.fixture
def old_database(db_url: str, tmp_path: Path) -> Iterator[peewee.Database]:
    """A database of the same engine still at an old schema version, with a staff user."""
    if db_url.startswith("sqlite"):
        url, cleanup = f"sqlite:///{tmp_path / 'old.db'}", None
    else:
        url = create_postgres_database("crm_old")
        cleanup = url
    old = open_database(url)
    old.connect()
    migrate(old, target=OLD_VERSION)
    old.execute_sql("insert into staff_user (telegram_id, name, role, active, locale, created_at,"
                    " updated_at) values (4242, 'Old Admin', 'admin', %s, 'en', %s, %s)"
                    .replace("%s", old.param), (True, T0, T0))
    yield old
    old.close()
    if cleanup:
        drop_postgres_database(cleanup)


def test_an_older_backup_is_migrated_after_restore(settings, db, old_database) -> None:
    bind(old_database)
    made = backups.create_backup(SYSTEM, now=T0)
    bind(db)
    assert made.backup.schema_version == OLD_VERSION
    report = backups.restore_backup(SYSTEM, made.backup.path, now=T0)
    assert report.migrations and report.migrations[0].startswith(f"{OLD_VERSION + 1:04d}_")
    assert current_version(db) == latest_version()
    assert users.identify(4242).name == "Old Admin"
    assert "backup.restored" in [e.action for e in list_audit(SYSTEM, limit=5).items]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_postgresql_backup_is_refused_by_sqlite(settings, db, tmp_path: Path) -> None:
    made = backups.create_backup(SYSTEM, now=T0)  # on PostgreSQL
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    other.connect()
    migrate(other)
    bind(other)
    try:
        with pytest.raises(store.BackupError) as caught:
            backups.restore_backup(SYSTEM, made.backup.path)
    finally:
        bind(db)
        other.close()
    assert caught.value.code == "backup.engine_mismatch"
    assert caught.value.params["found"] == "postgresql"


def test_only_admins_and_the_system_back_up_or_restore(settings, db) -> None:
    cast = make_cast()
    made = backups.create_backup(cast.admin, now=T0)
    assert made.ok
    for actor in (cast.manager, cast.agent, cast.viewer):
        for attempt in (lambda a: backups.create_backup(a),
                        lambda a: backups.list_backups(a),
                        lambda a: backups.verify_backup(a, made.backup.path),
                        lambda a: backups.restore_backup(a, made.backup.path)):
            with pytest.raises(PermissionDenied):
                attempt(actor)
    assert [v.name for v in backups.list_backups(cast.admin)] == [made.backup.name]
    [entry] = [e for e in list_audit(cast.admin).items if e.action == "backup.created"]
    assert entry.actor_name == "Admin" and entry.changes["file"] == [None, made.backup.name]


def _damage_when_verification_starts(folder: Path):
    """A disk that flips a bit in the new file between writing it and reading it back."""
    damaged: list[Path] = []

    def progress(done: int, total: int) -> None:
        if done > 50 and not damaged:
            [written] = folder.glob("*.tmp")
            with written.open("r+b") as handle:
                handle.seek(-12, os.SEEK_END)  # the manifest's length, then the end mark
                manifest_length = int.from_bytes(handle.read(4), "big")
                handle.seek(-12 - manifest_length - 100, os.SEEK_END)  # in the final chunk
                byte = handle.read(1)
                handle.seek(-1, os.SEEK_CUR)
                handle.write(bytes([byte[0] ^ 0x01]))
            damaged.append(written)

    return progress


def _big(db: peewee.Database) -> None:
    """Enough incompressible data for several sealed chunks."""
    db.execute_sql(f'insert into app_meta ("key", value) values (\'ballast\', {db.param})',
                   (os.urandom(3_000_000).hex(),))


def test_a_backup_damaged_before_verification_is_set_aside_and_admins_told(settings,
                                                                           db) -> None:
    cast = make_cast()
    _big(db)
    good = backups.create_backup(SYSTEM, now=T0)
    outcome = backups.create_backup(SYSTEM, now=T0 + dt.timedelta(days=1),
                                    progress=_damage_when_verification_starts(
                                        settings.backup_dir))
    assert not outcome.ok and outcome.error_code == "backup.corrupt"
    assert outcome.backup.name.endswith(".crmbak.failed") and outcome.backup.status == "failed"
    assert outcome.admins_notified == 1
    notes = db.execute_sql("select staff_id, code, params from notification").fetchall()
    assert [(n[0], n[1]) for n in notes] == [(users.identify(9005).id, backups.ALERT)]
    assert "crm-20260303-023000.crmbak.failed" in notes[0][2]
    reason = json.loads(notes[0][2])["reason"]  # translated for each admin when sent
    assert reason["code"] == "failure.backup_unverified"
    assert reason["params"]["problem"]["code"] == "backup.corrupt"
    assert "backup.failed" in [e.action for e in list_audit(cast.admin).items]
    listed = {v.name: v.status for v in backups.list_backups(SYSTEM)}
    assert listed == {good.backup.name: "verified", outcome.backup.name: "failed"}
    # retention counts only verified backups: the good one stays, the failed one is left alone
    assert backups.apply_retention(SYSTEM, now=T0) == ()
    assert {v.name for v in backups.list_backups(SYSTEM)} == set(listed)


def test_a_scheduled_backup_that_cannot_run_tells_the_admins(settings, db) -> None:
    make_cast()
    runtime.configure(load_config(environ={
        "CRM_SECURITY_KEY": TEST_SECRET, "CRM_DATA_DIR": str(settings.data_dir),
        "CRM_BACKUP_KEY": "bm90LWEta2V5"}, look_in_cwd=False))
    outcome = backups.run_scheduled_backup(T0)
    assert not outcome.ok and outcome.error_code == "backup.key_unreadable"
    assert outcome.admins_notified == 1
    assert "backup.failed" in [e.action for e in list_audit(SYSTEM).items]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_scheduled_backup_applies_retention(settings, db) -> None:
    runtime.configure(load_config(environ={
        "CRM_SECURITY_KEY": TEST_SECRET, "CRM_DATA_DIR": str(settings.data_dir),
        "CRM_BACKUP_KEEP_DAILY": "2", "CRM_BACKUP_KEEP_WEEKLY": "0",
        "CRM_BACKUP_KEEP_MONTHLY": "0", "CRM_TIMEZONE": "UTC"}, look_in_cwd=False))
    names = [backups.run_scheduled_backup(T0 + dt.timedelta(days=d)) for d in range(3)]
    assert all(o.ok for o in names)
    assert names[-1].deleted == ("crm-20260302-023000.crmbak",)
    assert [v.name for v in backups.list_backups(SYSTEM)] == [
        "crm-20260304-023000.crmbak", "crm-20260303-023000.crmbak"]
    job = Actor.system(Channel.JOB)
    assert "backup.pruned" in [e.action for e in list_audit(job).items]


SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_retention_keeps_the_newest_of_each_day_week_and_month(settings, db) -> None:
    """Backups on a fixed set of dates, two on the last day; the default 7 days, 4 weeks and
    12 months; days taken in UTC here."""
    runtime.configure(load_config(environ={
        "CRM_SECURITY_KEY": TEST_SECRET, "CRM_DATA_DIR": str(settings.data_dir),
        "CRM_TIMEZONE": "UTC"}, look_in_cwd=False))
    days = [dt.date(2025, 12, 1), dt.date(2025, 12, 15), dt.date(2025, 12, 31),
            dt.date(2026, 1, 10), dt.date(2026, 1, 31),
            *(dt.date(2026, 2, 10) + dt.timedelta(days=n) for n in range(21))]  # to 2 March
    for day in days:
        backups.create_backup(SYSTEM, now=dt.datetime.combine(day, dt.time(2, 30)))
    backups.create_backup(SYSTEM, now=dt.datetime(2026, 3, 2, 15, 0))
    backups.create_backup(SYSTEM, now=dt.datetime(2025, 12, 20, 9, 0), reason="safety")
    deleted = backups.apply_retention(SYSTEM)
    left = sorted(v.name for v in backups.list_backups(SYSTEM))
    assert left == sorted([
        "crm-20251231-023000.crmbak", "crm-20260131-023000.crmbak",  # monthly
        "crm-20260215-023000.crmbak", "crm-20260222-023000.crmbak",  # weekly
        *(f"crm-202602{d}-023000.crmbak" for d in (24, 25, 26, 27, 28)),
        "crm-20260301-023000.crmbak", "crm-20260302-150000.crmbak",  # each day's newest
        "crm-20251220-090000-before-restore.crmbak",  # backups taken before a restore stay
    ])
    assert len(deleted) == len(days) + 2 - len(left)
    assert "crm-20260302-023000.crmbak" in deleted and "crm-20251201-023000.crmbak" in deleted


@pytest.fixture
def sqlite_installation(db, tmp_path: Path) -> Iterator[peewee.Database]:
    """A SQLite database of this version bound while the block runs; the test's own
    (PostgreSQL) database is bound again afterwards."""
    lite = open_database(f"sqlite:///{tmp_path / 'lite.db'}")
    lite.connect()
    migrate(lite)
    bind(lite)
    yield lite
    bind(db)
    lite.close()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_sqlite_backup_moves_merged_customers_to_postgresql(settings, db,
                                                              sqlite_installation) -> None:
    cast = make_cast()
    kept = customer(cast.manager, "张三", phones=("13800000001",))
    twin = customer(cast.manager, "张三丰", phones=("13800000002",))
    customers.merge_customers(cast.manager, kept.id, twin.id, now=T0)  # a row pointing at
    made = backups.create_backup(SYSTEM, now=T0)                      # another in its table
    bind(db)
    users.add_user(SYSTEM, 777, "admin", "Replaced")
    backups.restore_backup(SYSTEM, made.backup.path, now=T0)
    assert users.identify(777) is None
    manager = users.identify(cast.manager.telegram_id).as_actor()
    found = customers.search_customers(manager, "张三").items
    assert [c.id for c in found] == [kept.id]
    assert "customer.merge" in [e.action for e in list_audit(SYSTEM, limit=20).items]
    later = customer(manager, "李四")
    assert later.id > twin.id  # the id sequence moved past the copied rows


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_an_older_sqlite_backup_is_not_moved_and_changes_nothing(settings, db,
                                                                 tmp_path: Path) -> None:
    old = open_database(f"sqlite:///{tmp_path / 'old.db'}")
    old.connect()
    migrate(old, target=OLD_VERSION)
    bind(old)
    made = backups.create_backup(SYSTEM, now=T0)
    bind(db)
    old.close()
    users.add_user(SYSTEM, 777, "admin", "Still here")
    with pytest.raises(store.BackupError) as caught:
        backups.restore_backup(SYSTEM, made.backup.path)
    assert caught.value.code == "backup.move_older"
    assert users.identify(777).name == "Still here"


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_value_too_long_for_postgresql_is_named_before_the_move_changes_anything(
        settings, db, sqlite_installation) -> None:
    """SQLite keeps a text longer than its column's declared length; PostgreSQL stopped the
    move half way with its own English words and no record named."""
    cast = make_cast()
    made_customer = customer(cast.manager, "张三")
    sqlite_installation.execute_sql("update customer set name = ? where id = ?",
                                    ("张" * 101, made_customer.id))
    made = backups.create_backup(SYSTEM, now=T0)
    bind(db)
    users.add_user(SYSTEM, 777, "admin", "Still here")
    with pytest.raises(store.BackupError) as caught:
        backups.restore_backup(SYSTEM, made.backup.path)
    assert caught.value.code == "backup.move_too_long"
    assert caught.value.params == {"table": "customer", "column": "name", "key": "id",
                                   "id": str(made_customer.id), "length": 101, "limit": 100}
    assert users.identify(777).name == "Still here"
    assert not list(Path(made.backup.path).parent.glob("*-before-restore.crmbak"))


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_every_value_too_long_for_postgresql_is_counted_and_the_first_few_named(
        settings, db, sqlite_installation) -> None:
    cast = make_cast()
    first, second = customer(cast.manager, "张三"), customer(cast.manager, "李四")
    sqlite_installation.execute_sql("update customer set name = ? where id = ?",
                                    ("李" * 120, second.id))
    sqlite_installation.execute_sql("update staff_user set timezone = ? where id = ?",
                                    ("Asia/" + "x" * 60, cast.agent.user_id))
    sqlite_installation.connection().execute(  # a NUL the move drops does not count
        "update customer set name = ? where id = ?", ("张" * 100 + "\x00", first.id))
    made = backups.create_backup(SYSTEM, now=T0)
    bind(db)
    with pytest.raises(store.BackupError) as caught:
        backups.restore_backup(SYSTEM, made.backup.path)
    assert caught.value.code == "backup.move_too_long_more"
    assert caught.value.params == {
        "table": "customer", "column": "name", "key": "id", "id": str(second.id),
        "length": 120, "limit": 100, "count": 1,
        "others": f"staff_user.timezone id {cast.agent.user_id}"}


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_nul_character_sqlite_kept_is_dropped_in_the_move_to_postgresql(
        settings, db, sqlite_installation) -> None:
    """SQLite stored a NUL typed into a name or note (it shows as nothing); PostgreSQL's text
    cannot hold one, and the move was refused with no way to find or mend the row."""
    cast = make_cast()
    made_customer = customer(cast.manager, "张三")
    sqlite_installation.connection().execute(  # as this version no longer writes it
        "update customer set name = ?, notes = ? where id = ?",
        ("张\x00三", "a\x00b", made_customer.id))
    made = backups.create_backup(SYSTEM, now=T0)
    bind(db)
    backups.restore_backup(SYSTEM, made.backup.path, now=T0)
    manager = users.identify(cast.manager.telegram_id).as_actor()
    moved = customers.get_customer(manager, made_customer.id)
    assert (moved.name, moved.notes) == ("张三", "ab")


# PostgreSQL verification databases left behind by a killed backup. -----------------------

POSTGRES_ONLY = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
# A backup verifying in a process of its own: it prints its temporary database's name, then
# waits there to be killed.
VERIFYING = """
import sys, time
from storage.backup import postgres
from storage.database import open_database
with postgres.scratch_database(postgres.Server.of(open_database(sys.argv[1]))) as name:
    print(name, flush=True)
    time.sleep(600)
"""


def verify_databases() -> set[str]:
    admin = postgres_admin()
    try:
        return {name for (name,) in admin.execute_sql(
            "select datname from pg_database where starts_with(datname, 'crm_verify_')")}
    finally:
        admin.close()


def wait_for_the_server_to_end_its_session(name: str) -> None:
    """A killed client's session ends (and its locks go) as soon as the server notices."""
    admin = postgres_admin()
    try:
        for _ in range(100):
            if not _claimed(admin, name):
                return
            time.sleep(0.1)
    finally:
        admin.close()
    pytest.fail(f"the session that claimed {name} did not end")


def _claimed(admin: peewee.Database, name: str) -> bool:
    token = int(name.removeprefix(postgres.VERIFY_PREFIX), 16)
    return bool(admin.execute_sql("select 1 from pg_locks where locktype = 'advisory'"
                                  " and objid::bigint = %s and objsubid = 2",
                                  (token,)).fetchall())


@POSTGRES_ONLY
def test_the_next_backup_drops_the_verification_database_a_killed_one_left(
        settings, db, db_url, caplog) -> None:
    child = subprocess.Popen([sys.executable, "-c", VERIFYING, db_url],
                             stdout=subprocess.PIPE, text=True)
    try:
        left = child.stdout.readline().strip()
        assert left.startswith("crm_verify_") and left in verify_databases()
    finally:
        child.kill()  # killed in the middle: no clean-up of its own
        child.wait()
        child.stdout.close()
    wait_for_the_server_to_end_its_session(left)
    assert left in verify_databases()  # left behind
    outcome = backups.create_backup(SYSTEM, now=T0)
    assert outcome.ok
    assert left not in verify_databases()
    assert f"dropped {left}, a temporary database left behind by a backup verification" \
        in caplog.text


@POSTGRES_ONLY
def test_a_backup_leaves_the_verification_database_of_a_running_one_alone(settings,
                                                                          db) -> None:
    with postgres.scratch_database(postgres.Server.of(db)) as running:  # verifying now
        outcome = backups.create_backup(SYSTEM, now=T0)
        assert outcome.ok and backups.verify_backup(SYSTEM, outcome.backup.path)
        assert running in verify_databases()
    assert running not in verify_databases()
