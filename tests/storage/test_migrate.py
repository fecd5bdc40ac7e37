"""Numbered migrations: fresh install, upgrade in place with data, refusal of a newer database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import peewee
import pytest

from crm.clock import as_datetime
from storage.database import bind, open_database
from storage.errors import StorageError
from storage.migrate import (
    HISTORY_TABLE,
    available_migrations,
    check_schema,
    current_version,
    latest_version,
    migrate,
)
from tests.conftest import (
    POSTGRES_SKIP,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
)


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path) -> Iterator[peewee.Database]:
    """A database with no schema at all."""
    if request.param == "sqlite":
        db = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield db
        db.close()
        return
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    url = create_postgres_database("crm_migrate")
    db = open_database(url)
    yield db
    db.close()
    drop_postgres_database(url)


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in available_migrations()]
    assert versions == list(range(1, latest_version() + 1))


def test_a_fresh_database_is_brought_to_the_latest_version(empty_db: peewee.Database) -> None:
    assert current_version(empty_db) == 0
    applied = migrate(empty_db)
    assert [m.version for m in applied] == list(range(1, latest_version() + 1))
    assert current_version(empty_db) == latest_version()
    assert migrate(empty_db) == []  # idempotent
    rows = empty_db.execute_sql(f"select count(*) from {HISTORY_TABLE}").fetchone()[0]
    assert rows == latest_version()


_PG_INDEXES = """
select t.relname, i.relname, array_agg(a.attname::text order by k.ord), ix.indisunique,
       ix.indpred is not null
from pg_index ix join pg_class i on i.oid = ix.indexrelid join pg_class t on t.oid = ix.indrelid
join pg_namespace n on n.oid = t.relnamespace
cross join lateral unnest(ix.indkey) with ordinality as k(attnum, ord)
join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
where n.nspname = current_schema() group by t.relname, i.relname, ix.indisunique, ix.indpred
"""


def _indexes(db: peewee.Database) -> list[tuple[str, str, tuple[str, ...], bool, bool]]:
    """(table, index, columns, unique, partial) of every index of the schema."""
    if isinstance(db, peewee.PostgresqlDatabase):
        return [(t, i, tuple(c), u, p) for t, i, c, u, p in db.execute_sql(_PG_INDEXES)]
    found = []
    for (table,) in db.execute_sql("select name from sqlite_master where type = 'table'"):
        for _, name, unique, _, partial in db.execute_sql(f"pragma index_list('{table}')"):
            columns = tuple(r[2] for r in db.execute_sql(f"pragma index_info('{name}')"))
            found.append((table, name, columns, bool(unique), bool(partial)))
    return found


def test_no_index_only_repeats_the_start_of_another(empty_db: peewee.Database) -> None:
    """Every index earns its cost on each insert: none is a plain index on the leading columns
    of another index of its table, which serves those look-ups as well."""
    migrate(empty_db)
    indexes = _indexes(empty_db)
    assert len(indexes) > 40
    redundant = [(table, name) for table, name, columns, unique, partial in indexes
                 if not unique and not partial and any(
                     other_table == table and other != name and not other_partial
                     and len(other_columns) > len(columns)
                     and other_columns[:len(columns)] == columns
                     for other_table, other, other_columns, _, other_partial in indexes)]
    assert redundant == []


def test_an_old_populated_database_upgrades_in_place(empty_db: peewee.Database) -> None:
    migrate(empty_db, target=1)
    assert current_version(empty_db) == 1
    now = dt.datetime(2025, 5, 1, 8, 0)
    param = empty_db.param
    empty_db.execute_sql(
        "insert into staff_user (telegram_id, name, role, active, created_at, updated_at) "
        f"values ({param}, {param}, {param}, {param}, {param}, {param})",
        (4242, "老员工 Old Hand", "admin", True, now, now))
    migrate(empty_db)
    assert current_version(empty_db) == latest_version()
    bind(empty_db)
    from storage.models import StaffUser

    old = StaffUser.get(StaffUser.telegram_id == 4242)
    assert (old.name, old.role, old.created_at) == ("老员工 Old Hand", "admin", now)


def test_a_database_from_a_newer_program_is_refused(empty_db: peewee.Database) -> None:
    migrate(empty_db)
    future = latest_version() + 1
    param = empty_db.param
    empty_db.execute_sql(
        f"insert into {HISTORY_TABLE} (version, name, applied_at)"
        f" values ({param}, {param}, {param})",
        (future, "from_the_future", dt.datetime(2030, 1, 1)))
    with pytest.raises(StorageError) as caught:
        check_schema(empty_db)
    assert caught.value.code == "storage.schema_too_new"
    assert str(future) in str(caught.value)
    with pytest.raises(StorageError):
        migrate(empty_db)


def test_a_failing_migration_changes_nothing(empty_db: peewee.Database, monkeypatch) -> None:
    migrate(empty_db, target=latest_version() - 1)
    last = available_migrations()[-1]
    before = current_version(empty_db)
    original_up = last.module.up

    def broken(db, migrator):
        original_up(db, migrator)
        raise RuntimeError("disk full")

    monkeypatch.setattr(last.module, "up", broken)
    with pytest.raises(RuntimeError):
        migrate(empty_db)
    assert current_version(empty_db) == before


OPENED = dt.datetime(2026, 3, 2, 1, 0)
CUSTOMER_TELEGRAM_ID = 70001


def _at(hours: float) -> dt.datetime:
    return OPENED + dt.timedelta(hours=hours)


def _insert(db: peewee.Database, table: str, values: dict) -> int:
    marks = ", ".join([db.param] * len(values))
    db.execute_sql(f"insert into {table} ({', '.join(values)}) values ({marks})",
                   tuple(values.values()))
    return db.execute_sql(f"select max(id) from {table}").fetchone()[0]


def _old_customer(db: peewee.Database) -> int:
    """A customer who writes to the bot, as the program before the resolution pause kept it."""
    return _insert(db, "customer", {
        "name": "Alice", "name_norm": "alice", "status": "lead", "created_at": OPENED,
        "updated_at": OPENED, "telegram_user_id": CUSTOMER_TELEGRAM_ID})


def _old_ticket(db: peewee.Database, customer_id: int, number: str, updated_hours: float) -> int:
    """A ticket waiting for the customer, as that program stored it."""
    return _insert(db, "ticket", {
        "number": number, "customer_id": customer_id, "subject": "打印机坏了",
        "description": "", "status": "waiting", "priority": "normal", "channel": "telegram",
        "first_response_due_at": _at(8), "resolution_due_at": _at(72), "created_at": OPENED,
        "updated_at": _at(updated_hours)})


def _message(db: peewee.Database, ticket_id: int, author: str, hours: float, *,
             internal: bool = False, body: str = "…") -> None:
    _insert(db, "ticket_message", {"ticket_id": ticket_id, "author": author, "body": body,
                                   "internal": internal, "relay_attempts": 0,
                                   "created_at": _at(hours)})


def test_upgrading_keeps_every_tickets_conversation(empty_db: peewee.Database) -> None:
    migrate(empty_db, target=8)
    ticket_id = _old_ticket(empty_db, _old_customer(empty_db), "T-2026-000001", 1)
    _message(empty_db, ticket_id, "customer", 0, body="开不了机")
    _message(empty_db, ticket_id, "staff", 1, body="请重启试试")
    migrate(empty_db)
    bind(empty_db)
    from crm import service

    seen = service.get_own_ticket(service.PortalUser(CUSTOMER_TELEGRAM_ID, "Alice"), ticket_id)
    assert [m.body for m in seen.messages] == ["开不了机", "请重启试试"]


def _audited(db: peewee.Database, ticket_id: int, customer_id: int, action: str,
             hours: float) -> None:
    """An audit entry as the log keeps it: the details sealed, only action and time readable."""
    _insert(db, "audit_log", {"at": _at(hours), "actor_name": "Agent", "channel": "telegram",
                              "action": action, "entity": "ticket", "entity_id": ticket_id,
                              "customer_id": customer_id, "changes": b"\x00sealed",
                              "sealed": True})


def test_a_ticket_already_waiting_pauses_from_when_its_history_says_it_began(
        empty_db: peewee.Database) -> None:
    migrate(empty_db, target=8)
    customer_id = _old_customer(empty_db)
    # Answered an hour in, then a note and a reassignment five and six hours in.
    answered = _old_ticket(empty_db, customer_id, "T-2026-000001", 6)
    _message(empty_db, answered, "staff", 1)
    _audited(empty_db, answered, customer_id, "ticket.reply", 1)
    _message(empty_db, answered, "staff", 5, internal=True)
    _audited(empty_db, answered, customer_id, "ticket.assign", 6)
    # Set to waiting by hand two hours in, its priority changed four hours in.
    by_hand = _old_ticket(empty_db, customer_id, "T-2026-000002", 4)
    _audited(empty_db, by_hand, customer_id, "ticket.status", 2)
    _audited(empty_db, by_hand, customer_id, "ticket.priority", 4)
    # Taken up (a status change) and answered; the customer wrote back and was answered again.
    again = _old_ticket(empty_db, customer_id, "T-2026-000003", 7)
    _audited(empty_db, again, customer_id, "ticket.status", 0.5)
    for author, hours in (("staff", 1), ("customer", 3), ("staff", 4)):
        _message(empty_db, again, author, hours)
    _audited(empty_db, again, customer_id, "ticket.assign", 7)
    # Resolved, then reopened and answered.
    reopened = _old_ticket(empty_db, customer_id, "T-2026-000004", 8)
    for action, body, hours in (("ticket.status", "resolved", 2), ("ticket.status", "reopened", 3)):
        _audited(empty_db, reopened, customer_id, action, hours)
        _message(empty_db, reopened, "system", hours, body=body)
    _message(empty_db, reopened, "staff", 5)
    _audited(empty_db, reopened, customer_id, "ticket.assign", 8)
    unknown = _old_ticket(empty_db, customer_id, "T-2026-000005", 9)  # inserted in bulk

    migrate(empty_db)
    rows = empty_db.execute_sql("select id, waiting_since from ticket order by id").fetchall()
    assert {ticket: as_datetime(at) for ticket, at in rows} == {
        answered: _at(1), by_hand: _at(2), again: _at(4), reopened: _at(5), unknown: _at(9)}

    # The customer writes ten hours in: all nine hours waited move the due time on.
    bind(empty_db)
    from crm import service

    reply = service.customer_reply(service.PortalUser(CUSTOMER_TELEGRAM_ID, "Alice"), answered,
                                   "还是不行", now=_at(10))
    assert reply.resolution_due_at == _at(72 + 9)


def test_customers_told_apart_are_kept_once_per_pair_after_an_upgrade(
        empty_db: peewee.Database) -> None:
    """Migration 11 adds the pairs someone said are not duplicates to a database that already
    holds customers: each pair once, gone with its customer."""
    migrate(empty_db, target=10)
    now, param = dt.datetime(2026, 11, 26, 2, 0), empty_db.param
    for name in ("刘洋", "刘阳"):
        empty_db.execute_sql(
            "insert into customer (name, name_norm, status, created_at, updated_at)"
            f" values ({param}, {param}, {param}, {param}, {param})",
            (name, name, "lead", now, now))
    first, second = (row[0] for row in empty_db.execute_sql(
        "select id from customer order by id").fetchall())
    migrate(empty_db)
    assert current_version(empty_db) == latest_version()
    insert = ("insert into duplicate_dismissal (first_id, second_id, reason, dismissed_at)"
              f" values ({param}, {param}, {param}, {param})")
    with empty_db.atomic():
        empty_db.execute_sql(insert, (first, second, "similar_name", now))
    with pytest.raises(peewee.IntegrityError), empty_db.atomic():
        empty_db.execute_sql(insert, (first, second, "similar_name", now))
    if empty_db.param == "?":
        empty_db.execute_sql("pragma foreign_keys = on")
    with empty_db.atomic():
        empty_db.execute_sql(f"delete from customer where id = {param}", (second,))
    assert empty_db.execute_sql("select count(*) from duplicate_dismissal").fetchone()[0] == 0


def _old_reminder(db: peewee.Database, staff_id: int, customer_id: int,
                  rule_key: str | None, source: str = "follow_up") -> int:
    return _insert(db, "reminder", {
        "staff_id": staff_id, "customer_id": customer_id, "text": "谈了价格", "due_at": _at(72),
        "first_due_at": _at(72), "timezone": "Asia/Shanghai", "repeat": "", "status": "pending",
        "source": source, "rule_key": rule_key, "next_attempt_at": _at(72), "attempts": 0,
        "late": False, "created_at": OPENED, "updated_at": OPENED})


def test_follow_ups_set_before_the_upgrade_know_their_call_after_it(
        empty_db: peewee.Database) -> None:
    """Migration 12 links each follow-up set by a ⏰ button to its entry, by its key."""
    migrate(empty_db, target=11)
    staff_id = _insert(empty_db, "staff_user", {
        "telegram_id": 4242, "name": "李娜", "role": "agent", "active": True,
        "created_at": OPENED, "updated_at": OPENED})
    customer_id = _old_customer(empty_db)
    call = _insert(empty_db, "interaction", {
        "customer_id": customer_id, "kind": "call", "occurred_at": OPENED, "staff_id": staff_id,
        "summary": "谈了价格", "created_at": OPENED})
    by_button = _old_reminder(empty_db, staff_id, customer_id, f"follow_up:{call}:{staff_id}")
    by_hand = _old_reminder(empty_db, staff_id, customer_id, None, source="manual")
    migrate(empty_db)
    linked = dict(empty_db.execute_sql("select id, interaction_id from reminder").fetchall())
    assert linked == {by_button: call, by_hand: None}
