"""Encryption keys kept outside the database, and the field cipher."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from storage.errors import EncryptionKeyError
from storage.keys import (
    add_new_key,
    drop_keys,
    keyring_from_secret,
    load_keyring,
    new_keyring,
    write_keyring,
)

OLD = base64.b64encode(b"o" * 32).decode()
NEW = base64.b64encode(b"n" * 32).decode()


def test_a_new_key_file_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "crm.key"
    ring = new_keyring()
    write_keyring(path, ring)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_keyring(path)
    assert loaded.decrypt(ring.encrypt("110101199003071234")) == "110101199003071234"


def test_ciphertext_hides_the_value_and_differs_each_time() -> None:
    ring = new_keyring()
    first, second = ring.encrypt("13800138000"), ring.encrypt("13800138000")
    assert first != second
    assert b"13800138000" not in first


def test_another_key_cannot_read_and_says_so() -> None:
    sealed = new_keyring().encrypt("secret")
    with pytest.raises(EncryptionKeyError) as caught:
        new_keyring().decrypt(sealed)
    assert caught.value.code == "keys.wrong"


def test_tampered_ciphertext_is_refused() -> None:
    ring = new_keyring()
    sealed = bytearray(ring.encrypt("secret"))
    sealed[-1] ^= 1
    with pytest.raises(EncryptionKeyError):
        ring.decrypt(bytes(sealed))


def test_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EncryptionKeyError) as caught:
        load_keyring(tmp_path / "nope.key")
    assert caught.value.code == "keys.missing"
    assert "nope.key" in str(caught.value)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.key"
    write_keyring(path, new_keyring())
    os.chmod(path, 0o644)
    with pytest.raises(EncryptionKeyError) as caught:
        load_keyring(path)
    assert caught.value.code == "keys.unsafe_permissions"


def test_a_garbled_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crm.key"
    path.write_text('active = "x"\n')
    os.chmod(path, 0o600)
    with pytest.raises(EncryptionKeyError) as caught:
        load_keyring(path)
    assert caught.value.code == "keys.unreadable"


def test_the_environment_secret_is_stable_and_validated() -> None:
    secret = base64.b64encode(b"k" * 32).decode()
    sealed = keyring_from_secret(secret).encrypt("x")
    assert keyring_from_secret(secret).decrypt(sealed) == "x"
    again = keyring_from_secret(secret)
    assert again.blind_index("a") == keyring_from_secret(secret).blind_index("a")
    with pytest.raises(EncryptionKeyError):
        keyring_from_secret("too-short")


def test_blind_index_is_keyed() -> None:
    assert new_keyring().blind_index("110101") != new_keyring().blind_index("110101")


def test_new_secret_first_seals_with_it_and_the_old_one_still_opens() -> None:
    before = keyring_from_secret(OLD)
    sealed = before.encrypt("110101199003071234")
    both = keyring_from_secret(f"{NEW}, {OLD}")
    assert both.decrypt(sealed) == "110101199003071234"
    assert both.active == keyring_from_secret(NEW).active != before.active
    assert both.key_id_of(both.encrypt("x")) == both.active
    with pytest.raises(EncryptionKeyError):
        keyring_from_secret(NEW).decrypt(sealed)


def test_the_index_key_comes_from_the_last_secret_so_lookups_survive_rotation() -> None:
    original = keyring_from_secret(OLD).blind_index("id_card:110101199003071234")
    assert keyring_from_secret(f"{NEW},{OLD}").blind_index("id_card:110101199003071234") \
        == original
    assert keyring_from_secret(f"{OLD},{NEW}").blind_index("id_card:110101199003071234") \
        != original


def test_a_bad_secret_in_the_list_is_named_by_position() -> None:
    with pytest.raises(EncryptionKeyError) as caught:
        keyring_from_secret(f"{NEW},too-short")
    assert caught.value.code == "keys.unreadable"
    assert "secret 2 of 2" in str(caught.value)
    with pytest.raises(EncryptionKeyError):
        keyring_from_secret(f"{NEW},,{OLD}")


def test_a_new_key_becomes_active_and_every_old_key_stays(tmp_path: Path) -> None:
    path = tmp_path / "crm.key"
    first = new_keyring()
    write_keyring(path, first)
    sealed = first.encrypt("secret")
    added = add_new_key(path)
    loaded = load_keyring(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert loaded == added
    assert loaded.active != first.active and set(loaded.keys) == {first.active, loaded.active}
    assert loaded.index_key == first.index_key
    assert loaded.decrypt(sealed) == "secret"
    assert loaded.key_id_of(loaded.encrypt("x")) == loaded.active


def test_dropping_old_keys_keeps_the_active_one(tmp_path: Path) -> None:
    path = tmp_path / "crm.key"
    write_keyring(path, new_keyring())
    first = load_keyring(path).active
    second = add_new_key(path).active
    third = add_new_key(path).active
    assert set(drop_keys(path, keep={second})) == {first}
    assert set(load_keyring(path).keys) == {second, third}
    assert drop_keys(path, keep=set()) == (second,)
    loaded = load_keyring(path)
    assert set(loaded.keys) == {third} and loaded.active == third
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_adding_a_key_without_a_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EncryptionKeyError) as caught:
        add_new_key(tmp_path / "nope.key")
    assert caught.value.code == "keys.missing"
    assert not (tmp_path / "nope.key").exists()
