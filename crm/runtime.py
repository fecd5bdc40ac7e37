"""The running installation as the domain sees it: its settings and its encryption keys.

Interfaces call ``configure`` once at start-up; services read settings through it.
"""

from __future__ import annotations

import threading

from crm.config import Config, load_config
from storage import keys as keystore
from storage.errors import EncryptionKeyError

_lock = threading.Lock()
_state: dict[str, object] = {}


def configure(config: Config) -> None:
    """Use ``config`` from now on; keys are loaded on first use."""
    with _lock:
        _state.clear()
        _state["config"] = config


def config() -> Config:
    """The configured settings (defaults when nobody configured any)."""
    current = _state.get("config")
    if current is None:
        current = load_config(environ={}, look_in_cwd=False)
        _state["config"] = current
    return current  # type: ignore[return-value]


def keyring() -> keystore.KeyRing:
    """The encryption keys; EncryptionKeyError when missing or unreadable."""
    ring = _state.get("keyring")
    return ring if ring is not None else reload_keys()  # type: ignore[return-value]


def reload_keys() -> keystore.KeyRing:
    """Read the keys again from their source (key file or CRM_SECURITY_KEY) and cache them."""
    with _lock:
        settings = config()
        stamp = _key_file_stamp(settings)
        ring = keystore.load_keyring(settings.key_file, settings["security.key"])
        _state["keyring"], _state["key_stamp"] = ring, stamp
    return ring


def encrypt(text: str) -> bytes:
    """``text`` sealed under the active key, re-read first if the key file changed."""
    ring = keyring()
    if _state.get("key_stamp") != _key_file_stamp(config()):
        # Another process rotated: seal new values under its new key, not the retired one.
        ring = reload_keys()
    return ring.encrypt(text)


def decrypt(blob: bytes) -> str:
    """The plaintext of ``blob``, reloading the keys once if another process added its key."""
    ring = keyring()
    try:
        return ring.decrypt(blob)
    except EncryptionKeyError:
        if ring.key_id_of(blob) in ring.keys:
            raise
    return reload_keys().decrypt(blob)


def _key_file_stamp(settings: Config) -> tuple[int, int, int] | None:
    """What changes when the key file is replaced; None when keys come from the environment."""
    if settings["security.key"]:
        return None
    try:
        info = settings.key_file.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def sensitive_fields() -> tuple[str, ...]:
    """Identity fields stored encrypted; id_card always."""
    names = ["id_card", *config()["security.sensitive_fields"]]
    return tuple(dict.fromkeys(names))
