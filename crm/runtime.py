"""The running installation as the domain sees it: its settings and its encryption keys.

Interfaces call ``configure`` once at start-up; services read settings through it.
"""

from __future__ import annotations

import threading

from crm.config import Config, load_config
from storage import keys as keystore

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
    if ring is None:
        with _lock:
            settings = config()
            ring = keystore.load_keyring(settings.key_file, settings["security.key"])
            _state["keyring"] = ring
    return ring  # type: ignore[return-value]


def sensitive_fields() -> tuple[str, ...]:
    """Identity fields stored encrypted; id_card always."""
    names = ["id_card", *config()["security.sensitive_fields"]]
    return tuple(dict.fromkeys(names))
