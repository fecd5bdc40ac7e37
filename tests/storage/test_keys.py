"""Encryption keys kept outside the database, and the field cipher."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from storage.errors import EncryptionKeyError
from storage.keys import keyring_from_secret, load_keyring, new_keyring, write_keyring


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
