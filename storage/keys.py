"""Encryption keys, kept outside the database, and the field cipher built on them.

The key file (TOML, mode 0600) holds one or more data keys with the active one named, and an
index key for blind indexes (keyed hashes used for exact look-ups of encrypted values).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.errors import EncryptionKeyError

KEY_BYTES = 32
_FORMAT = b"\x01"
_KEY_ID_BYTES = 4
_NONCE_BYTES = 12
KEY_CHECK_PLAINTEXT = b"crm key check"


@dataclass(frozen=True)
class KeyRing:
    """Data keys by id, the active one, and the blind-index key."""

    keys: dict[str, bytes]
    active: str
    index_key: bytes

    def encrypt(self, plaintext: str) -> bytes:
        """AES-GCM under the active key: format byte, key id, nonce, ciphertext+tag."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        key_id = bytes.fromhex(self.active)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, plaintext.encode(), key_id)
        return _FORMAT + key_id + nonce + sealed

    def decrypt(self, blob: bytes) -> str:
        """The plaintext of ``blob``; EncryptionKeyError if no key here opens it."""
        if len(blob) < 1 + _KEY_ID_BYTES + _NONCE_BYTES + 16 or blob[:1] != _FORMAT:
            raise EncryptionKeyError("keys.wrong")
        key_id = blob[1:1 + _KEY_ID_BYTES]
        nonce = blob[1 + _KEY_ID_BYTES:1 + _KEY_ID_BYTES + _NONCE_BYTES]
        key = self.keys.get(key_id.hex())
        if key is None:
            raise EncryptionKeyError("keys.wrong")
        try:
            plain = AESGCM(key).decrypt(nonce, blob[1 + _KEY_ID_BYTES + _NONCE_BYTES:], key_id)
        except InvalidTag as exc:
            raise EncryptionKeyError("keys.wrong") from exc
        return plain.decode()

    def key_id_of(self, blob: bytes) -> str:
        """Which key sealed ``blob`` (for rotation)."""
        return blob[1:1 + _KEY_ID_BYTES].hex()

    def blind_index(self, normalised: str) -> str:
        """A keyed hash of a normalised value, for exact look-ups without decrypting."""
        return hmac.new(self.index_key, normalised.encode(), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short public id of a key (first 4 bytes of its hash)."""
    return hashlib.sha256(key).digest()[:_KEY_ID_BYTES].hex()


def _decode(text: str, source: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EncryptionKeyError("keys.unreadable", source=source, reason="not base64") from exc
    if len(raw) != KEY_BYTES:
        raise EncryptionKeyError("keys.unreadable", source=source,
                                 reason=f"{len(raw)} bytes instead of {KEY_BYTES}")
    return raw


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(master)


def keyring_from_secret(secret: str, source: str = "CRM_SECURITY_KEY") -> KeyRing:
    """A key ring from one base64 master secret (the environment form)."""
    master = _decode(secret, source)
    data_key = _derive(master, b"crm data key")
    return KeyRing({key_id(data_key): data_key}, key_id(data_key),
                   _derive(master, b"crm index key"))


def load_keyring(path: Path, env_secret: str = "") -> KeyRing:
    """The key ring from the environment secret when given, else from the key file."""
    if env_secret:
        return keyring_from_secret(env_secret)
    if not path.is_file():
        raise EncryptionKeyError("keys.missing", path=str(path))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise EncryptionKeyError("keys.unsafe_permissions", path=str(path), mode=oct(mode))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        keys = {name: _decode(value, str(path)) for name, value in data["keys"].items()}
        active, index_key = data["active"], _decode(data["index_key"], str(path))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise EncryptionKeyError("keys.unreadable", source=str(path),
                                 reason=f"expected active, index_key and [keys]: {exc}") from exc
    if active not in keys:
        raise EncryptionKeyError("keys.unreadable", source=str(path),
                                 reason=f"active key {active} is not in [keys]")
    return KeyRing(keys, active, index_key)


def write_keyring(path: Path, ring: KeyRing) -> None:
    """Write the key file with mode 0600, replacing it atomically."""
    lines = [
        "# Encryption keys of this CRM. Without this file the encrypted fields cannot be read.",
        "# Keep a copy somewhere safe and apart from the backups; never commit it.",
        f'active = "{ring.active}"',
        f'index_key = "{base64.b64encode(ring.index_key).decode()}"',
        "",
        "[keys]",
        *(f'"{name}" = "{base64.b64encode(key).decode()}"' for name, key in ring.keys.items()),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def new_keyring() -> KeyRing:
    """A fresh key ring with one random data key and a random index key."""
    data_key = secrets.token_bytes(KEY_BYTES)
    return KeyRing({key_id(data_key): data_key}, key_id(data_key), secrets.token_bytes(KEY_BYTES))
