"""The backup key: 32 random bytes kept apart from the database, in a file of its own (mode 0600)
or in ``CRM_BACKUP_KEY`` (base64)."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from pathlib import Path

from storage.backup.errors import BackupError

KEY_BYTES = 32


def decode_key(text: str, source: str) -> bytes:
    """32 bytes from their base64 text; BackupError naming ``source`` otherwise."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BackupError("backup.key_unreadable", source=source, reason="not base64") from exc
    if len(raw) != KEY_BYTES:
        raise BackupError("backup.key_unreadable", source=source,
                          reason=f"{len(raw)} bytes instead of {KEY_BYTES}")
    return raw


def load_backup_key(path: Path, env_secret: str = "") -> bytes:
    """The key from the environment secret when given, else from its file."""
    if env_secret:
        return decode_key(env_secret, "CRM_BACKUP_KEY")
    if not path.is_file():
        raise BackupError("backup.key_missing", path=str(path))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise BackupError("backup.key_unsafe", path=str(path), mode=oct(mode))
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return decode_key(lines[0] if lines else "", str(path))


def write_backup_key(path: Path) -> bytes:
    """Make a new key file (mode 0600); never replaces an existing one."""
    key = secrets.token_bytes(KEY_BYTES)
    text = ("# Backup key of this CRM: without it no backup can be read or restored.\n"
            "# Keep a copy apart from the backups (and apart from the database key file).\n"
            f"{base64.b64encode(key).decode()}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return key


def ensure_backup_key(path: Path, env_secret: str = "") -> tuple[bytes, bool]:
    """The key, made first when neither the environment nor the file has one; (key, created)."""
    if env_secret or path.exists():
        return load_backup_key(path, env_secret), False
    try:
        return write_backup_key(path), True
    except FileExistsError:  # another process made it a moment ago
        return load_backup_key(path), False
