"""Rotating the encryption key while the CRM keeps running."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm import audit, conversations, customers, runtime
from crm.config import load_config
from crm.errors import PermissionDenied
from crm.key_rotation import KeyRotationError, rotate_keys
from crm.validation import id_card_check_char
from storage.database import database, fetch_all, fetch_one, sql
from storage.errors import EncryptionKeyError
from storage.keys import (
    KEY_CHECK_PLAINTEXT,
    add_new_key,
    keyring_from_secret,
    load_keyring,
    new_keyring,
    write_keyring,
)
from storage.models import AppMeta
from tests.conftest import TEST_SECRET
from tests.crm.cast import SYSTEM, Cast, customer, make_cast

NEW_SECRET = base64.b64encode(b"a brand new secret of 32 bytes!!").decode()
ROOT = Path(__file__).resolve().parents[2]


def id_card(serial: int) -> str:
    """A valid mainland identity number with the given three-digit serial."""
    body = f"11010519900307{serial:03d}"
    return body + id_card_check_char(body)


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


@pytest.fixture
def key_file(tmp_path: Path, db) -> Path:
    """Keys from a fresh key file, as `crm init` leaves them, with the key check recorded."""
    path = tmp_path / "crm.key"
    write_keyring(path, new_keyring())
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY_FILE": str(path)},
                                  look_in_cwd=False))
    seal_key_check()
    return path


def use_secret(secret: str) -> None:
    """Run as if CRM_SECURITY_KEY held ``secret``."""
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY": secret}, look_in_cwd=False))


def seal_key_check() -> None:
    sealed = runtime.encrypt(KEY_CHECK_PLAINTEXT.decode())
    AppMeta.insert(key="key_check", value=base64.b64encode(sealed).decode()).execute()


def with_id_cards(cast: Cast, count: int = 3) -> dict[int, str]:
    """Customers with identity numbers on file, by id."""
    made = {}
    for serial in range(1, count + 1):
        card = customer(cast.agent, f"客户{serial}", secrets={"id_card": id_card(serial)})
        made[card.id] = id_card(serial)
    return made


def sealing_keys() -> list[str]:
    """The key id of every sealed value, straight from the database."""
    blobs = [bytes(row[0]) for row in fetch_all("select value_enc from customer_secret")]
    blobs += [bytes(row[0]) for row in fetch_all("select key_enc from customer_key")]
    blobs += [bytes(row[0]) for row in fetch_all("select payload from conversation_state")]
    check = fetch_one("select value from app_meta where key = ?", ("key_check",))
    if check:
        blobs.append(base64.b64decode(check[0]))
    return [blob[1:5].hex() for blob in blobs]


def assert_all_reveal(cast: Cast, cards: dict[int, str]) -> None:
    for customer_id, number in cards.items():
        assert customers.reveal_secret(cast.admin, customer_id, "id_card") == number


def test_after_rotation_identity_numbers_reveal_and_are_sealed_under_the_new_key(
        cast: Cast, key_file: Path) -> None:
    cards = with_id_cards(cast)
    old = runtime.keyring().active
    wrapped_keys = len(fetch_all("select 1 from customer_key"))
    report = rotate_keys(cast.admin, batch_size=2)
    assert report.key_id != old and report.key_added
    assert report.counts == {"customer_secret": 3, "customer_key": wrapped_keys,
                             "conversation_state": 0, "app_meta": 1}
    assert set(sealing_keys()) == {report.key_id}
    assert_all_reveal(cast, cards)
    assert customers.find_by_secret(cast.admin, "id_card", id_card(2)) == [
        cid for cid, number in cards.items() if number == id_card(2)]
    on_disk = load_keyring(key_file)
    assert on_disk.active == report.key_id and set(on_disk.keys) == {old, report.key_id}
    assert report.retired_kept == (old,) and report.retired_dropped == ()


def test_a_conversation_left_half_way_is_rotated_too(cast: Cast, key_file: Path) -> None:
    conversations.save_conversation_states({cast.agent.telegram_id: b"draft"})
    report = rotate_keys(SYSTEM)
    assert report.counts["conversation_state"] == 1
    assert set(sealing_keys()) == {report.key_id}
    assert conversations.load_conversation_states() == {cast.agent.telegram_id: b"draft"}


def test_per_customer_keys_are_rotated_too(cast: Cast, key_file: Path) -> None:
    card = customer(cast.agent)
    if fetch_one("select 1 from customer_key where customer_id = ?", (card.id,)) is None:
        database.execute_sql(sql("insert into customer_key (customer_id, key_enc) values (?, ?)"),
                             (card.id, runtime.encrypt("per-customer key material")))
    before = customer_keys()
    report = rotate_keys(SYSTEM)
    assert report.counts["customer_key"] == len(before)
    assert customer_keys() == before
    assert {bytes(row[0])[1:5].hex() for row in fetch_all("select key_enc from customer_key")} \
        == {report.key_id}


def customer_keys() -> dict[int, str]:
    """Each per-customer key, unwrapped."""
    rows = fetch_all("select customer_id, key_enc from customer_key")
    return {customer_id: runtime.decrypt(bytes(blob)) for customer_id, blob in rows}


def test_only_admins_may_rotate_keys(cast: Cast, key_file: Path) -> None:
    for actor in (cast.agent, cast.manager, cast.viewer):
        with pytest.raises(PermissionDenied):
            rotate_keys(actor)
    assert len(load_keyring(key_file).keys) == 1


def test_drop_old_removes_the_old_key_only_once_everything_is_resealed(
        cast: Cast, key_file: Path) -> None:
    cards = with_id_cards(cast)
    old = runtime.keyring().active
    batches = len(sealing_keys())  # one value per batch, the key check on its own
    old_key_on_disk_during_rotation = []
    report = rotate_keys(cast.admin, batch_size=1, drop_old=True,
                         progress=lambda *_: old_key_on_disk_during_rotation.append(
                             old in load_keyring(key_file).keys))
    assert old_key_on_disk_during_rotation == [True] * batches
    assert report.retired_dropped == (old,) and report.retired_kept == ()
    assert set(load_keyring(key_file).keys) == {report.key_id}
    runtime.reload_keys()
    assert_all_reveal(cast, cards)


def test_a_running_bot_keeps_reading_after_another_process_rotates(
        cast: Cast, key_file: Path, db_url: str) -> None:
    cards = with_id_cards(cast, count=2)
    running = runtime.keyring()  # the bot's keys, loaded before the rotation
    new_id = rotate_in_another_process(db_url, key_file)
    blob = bytes(fetch_one("select value_enc from customer_secret order by id limit 1")[0])
    assert blob[1:5].hex() == new_id != running.active
    with pytest.raises(EncryptionKeyError):
        running.decrypt(blob)
    assert runtime.decrypt(blob) == next(iter(cards.values()))
    assert runtime.keyring().key_id_of(runtime.encrypt("written after")) == new_id


def test_values_written_after_another_process_adds_a_key_are_sealed_with_it(
        key_file: Path) -> None:
    running = runtime.keyring()
    added = add_new_key(key_file)  # what another process's rotation does first
    sealed = runtime.encrypt("written after")
    assert running.key_id_of(sealed) == added.active != running.active
    assert runtime.decrypt(sealed) == "written after"


def rotate_in_another_process(db_url: str, key_file: Path) -> str:
    """Run `rotate_keys --drop-old` in a separate Python process; return the new key id."""
    script = (
        "from crm import runtime, system\n"
        "from crm.actors import Actor\n"
        "from crm.config import load_config\n"
        "from crm.key_rotation import rotate_keys\n"
        "config = load_config(look_in_cwd=False)\n"
        "runtime.configure(config)\n"
        "system.open_database(config)\n"
        "print(rotate_keys(Actor.system(), drop_old=True).key_id)\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith("CRM_")}
    env |= {"CRM_DATABASE_URL": db_url, "CRM_SECURITY_KEY_FILE": str(key_file)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip()


class Interrupted(Exception):
    pass


def test_an_interrupted_rotation_stays_readable_and_a_second_run_finishes(
        cast: Cast, key_file: Path) -> None:
    cards = with_id_cards(cast)
    old = runtime.keyring().active

    def stop_after_first_batch(table: str, done: int, total: int) -> None:
        raise Interrupted

    sealed = len(sealing_keys())
    with pytest.raises(Interrupted):
        rotate_keys(cast.admin, batch_size=1, progress=stop_after_first_batch)
    new = load_keyring(key_file).active
    assert sorted(sealing_keys()) == sorted([new] + [old] * (sealed - 1))
    runtime.reload_keys()
    assert_all_reveal(cast, cards)

    report = rotate_keys(cast.admin, batch_size=1)
    assert report.key_id == new and not report.key_added
    assert sum(report.counts.values()) == sealed - 1 and report.counts["app_meta"] == 1
    assert set(sealing_keys()) == {new}
    assert set(load_keyring(key_file).keys) == {old, new}
    assert_all_reveal(cast, cards)


def test_environment_mode_reseals_under_the_new_secret_put_first(cast: Cast) -> None:
    seal_key_check()
    cards = with_id_cards(cast)
    use_secret(f"{NEW_SECRET},{TEST_SECRET}")
    report = rotate_keys(cast.admin)
    assert report.from_environment and not report.key_added
    assert report.key_id == keyring_from_secret(NEW_SECRET).active
    assert set(sealing_keys()) == {report.key_id}
    assert_all_reveal(cast, cards)
    assert customers.find_by_secret(cast.admin, "id_card", id_card(1))


def test_environment_mode_without_a_new_secret_is_refused(cast: Cast) -> None:
    seal_key_check()
    with_id_cards(cast, count=1)
    before = sealing_keys()
    with pytest.raises(KeyRotationError) as caught:
        rotate_keys(cast.admin)
    assert caught.value.code == "keys.rotate_env_needs_new_secret"
    assert "CRM_SECURITY_KEY=NEW,OLD" in str(caught.value)
    assert sealing_keys() == before


def test_a_new_secret_put_last_is_refused_before_anything_changes(cast: Cast) -> None:
    seal_key_check()
    with_id_cards(cast, count=1)
    before = sealing_keys()
    use_secret(f"{TEST_SECRET},{NEW_SECRET}")
    with pytest.raises(KeyRotationError) as caught:
        rotate_keys(cast.admin)
    assert caught.value.code == "keys.index_key_changed"
    assert sealing_keys() == before


def test_a_wrong_key_is_refused_clearly(cast: Cast) -> None:
    seal_key_check()
    with_id_cards(cast, count=1)
    use_secret(NEW_SECRET)
    with pytest.raises(EncryptionKeyError) as caught:
        rotate_keys(cast.admin)
    assert caught.value.code == "keys.wrong"


def test_a_missing_key_file_is_refused_clearly(cast: Cast, tmp_path: Path) -> None:
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY_FILE": str(tmp_path / "gone.key")},
                                  look_in_cwd=False))
    with pytest.raises(EncryptionKeyError) as caught:
        rotate_keys(cast.admin)
    assert caught.value.code == "keys.missing"
    assert not (tmp_path / "gone.key").exists()


def test_a_rotation_is_audited_from_start_to_finish(cast: Cast, key_file: Path) -> None:
    with_id_cards(cast)
    old = runtime.keyring().active
    report = rotate_keys(cast.admin, batch_size=2, drop_old=True)
    entries = audit.list_audit(cast.admin, limit=10).items
    finished, started = entries[0], entries[1]
    assert (started.action, finished.action) == ("keys.rotate_started", "keys.rotated")
    assert started.actor_name == cast.admin.name
    assert started.changes["key"] == report.key_id and started.changes["drop_old"] is True
    assert finished.changes["values"] == sum(report.counts.values())
    assert finished.changes["old_keys_dropped"] == [old]
    assert finished.changes["old_keys_kept"] == []


def test_an_interrupted_rotation_shows_a_start_without_a_finish(cast: Cast,
                                                                key_file: Path) -> None:
    with_id_cards(cast)

    def stop(table: str, done: int, total: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        rotate_keys(cast.admin, batch_size=1, progress=stop)
    actions = [e.action for e in audit.list_audit(cast.admin, limit=10).items]
    assert "keys.rotate_started" in actions and "keys.rotated" not in actions
