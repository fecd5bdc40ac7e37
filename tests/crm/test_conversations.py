"""Unfinished chat conversations as stored: sealed, only for active staff, and gone when the
person is deactivated, when a customer linked to the account is erased, or after a restore."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee

from crm import backups, conversations, privacy, runtime, users
from crm.config import load_config
from tests.conftest import TEST_SECRET
from tests.crm.cast import SYSTEM, customer, make_cast

DRAFT = b"draft: Bob Lee, 13800138000"


def stored_ids(db: peewee.Database) -> list[int]:
    rows = db.execute_sql("select telegram_id from conversation_state order by telegram_id")
    return [row[0] for row in rows.fetchall()]


def test_a_staff_members_state_is_stored_sealed_and_read_back(db) -> None:
    cast = make_cast()
    conversations.save_conversation_states({cast.agent.telegram_id: DRAFT})
    [payload] = [bytes(r[0]) for r in
                 db.execute_sql("select payload from conversation_state").fetchall()]
    assert b"13800138000" not in payload and b"Bob Lee" not in payload
    assert conversations.load_conversation_states() == {cast.agent.telegram_id: DRAFT}


def test_none_drops_a_state_and_strangers_keep_none(db) -> None:
    cast = make_cast()
    conversations.save_conversation_states({cast.agent.telegram_id: DRAFT, 123456: DRAFT})
    assert stored_ids(db) == [cast.agent.telegram_id]
    conversations.save_conversation_states({cast.agent.telegram_id: None})
    assert stored_ids(db) == []


def test_deactivation_drops_the_members_state(db) -> None:
    cast = make_cast()
    conversations.save_conversation_states({cast.agent.telegram_id: DRAFT,
                                            cast.teammate.telegram_id: DRAFT})
    users.deactivate_user(cast.admin, cast.agent.telegram_id)
    assert stored_ids(db) == [cast.teammate.telegram_id]
    conversations.save_conversation_states({cast.agent.telegram_id: DRAFT})  # a late write
    assert stored_ids(db) == [cast.teammate.telegram_id]


def test_erasing_a_customer_drops_the_state_of_their_telegram_account(db) -> None:
    cast = make_cast()
    person = customer(cast.agent, "Bob Lee")
    db.execute_sql("update customer set telegram_user_id = %s where id = %s"
                   .replace("%s", db.param), (cast.teammate.telegram_id, person.id))
    conversations.save_conversation_states({cast.agent.telegram_id: DRAFT,
                                            cast.teammate.telegram_id: DRAFT})
    privacy.erase_customer(cast.admin, person.id)
    assert stored_ids(db) == [cast.agent.telegram_id]


def test_a_restored_backup_brings_back_no_conversation(db, tmp_path: Path) -> None:
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY": TEST_SECRET,
                                           "CRM_DATA_DIR": str(tmp_path / "data")},
                                  look_in_cwd=False))
    cast = make_cast()
    conversations.save_conversation_states({cast.agent.telegram_id: DRAFT})
    made = backups.create_backup(SYSTEM, now=dt.datetime(2026, 3, 2, 2, 30))
    backups.restore_backup(SYSTEM, made.backup.path, now=dt.datetime(2026, 3, 3, 2, 30))
    assert stored_ids(db) == []

