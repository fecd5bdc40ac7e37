"""Encryption keys, kept outside the database, and the field cipher built on them.

The key file (TOML, mode 0600) holds one or more data keys with the active one named, and an
index key for blind indexes (keyed hashes used for exact look-ups of encrypted values).

``CRM_SECURITY_KEY`` may instead hold comma-separated base64 secrets, ``NEW,...,ORIGINAL``: the
first seals new values, every one still opens what it sealed, and the blind-index key always
derives from the LAST one, so to rotate, put the new secret FIRST and keep the original one last
for good (dropping it would change every blind index and break exact look-ups).
Rotation never changes the index key, in either form.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import hmac
import os
import secrets
import stat
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
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

    def encrypt_many(self, plaintexts: Iterable[str]) -> list[bytes]:
        """``encrypt`` of each, with the cipher set up once (bulk writes)."""
        key_id = bytes.fromhex(self.active)
        cipher = AESGCM(self.keys[self.active])
        head = _FORMAT + key_id
        sealed = []
        for plaintext in plaintexts:
            nonce = secrets.token_bytes(_NONCE_BYTES)
            sealed.append(head + nonce + cipher.encrypt(nonce, plaintext.encode(), key_id))
        return sealed

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
    """A key ring from comma-separated base64 master secrets: first active, index key from last."""
    parts = [part.strip() for part in secret.split(",")]
    if not all(parts):
        raise EncryptionKeyError("keys.unreadable", source=source, reason="an empty secret")
    masters = [_decode(part, _nth(source, n, len(parts))) for n, part in enumerate(parts, 1)]
    data_keys = [_derive(master, b"crm data key") for master in masters]
    return KeyRing({key_id(key): key for key in data_keys}, key_id(data_keys[0]),
                   _derive(masters[-1], b"crm index key"))


def _nth(source: str, n: int, total: int) -> str:
    return source if total == 1 else f"{source} (secret {n} of {total})"


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


def add_new_key(path: Path) -> KeyRing:
    """Make a fresh data key active in the key file, keeping every old key and the index key."""
    with _file_lock(path):
        ring = load_keyring(path)
        data_key = secrets.token_bytes(KEY_BYTES)
        fresh = replace(ring, keys={key_id(data_key): data_key, **ring.keys},
                        active=key_id(data_key))
        write_keyring(path, fresh)
    return fresh


def drop_keys(path: Path, keep: set[str]) -> tuple[str, ...]:
    """Remove from the key file every data key not in ``keep`` (never the active one)."""
    with _file_lock(path):
        ring = load_keyring(path)
        kept = {name: key for name, key in ring.keys.items()
                if name in keep or name == ring.active}
        if len(kept) < len(ring.keys):
            write_keyring(path, replace(ring, keys=kept))
    return tuple(name for name in ring.keys if name not in kept)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise read-modify-write of the key file: a lost update would lose a key."""
    if not path.is_file():
        raise EncryptionKeyError("keys.missing", path=str(path))
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
