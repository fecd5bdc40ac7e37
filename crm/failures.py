"""Why background work failed, as a code with parameters that interfaces translate.

Alerts to admins (a scheduled backup, any scheduled job) are read by people in their own
language, so an exception is never shown as its English text: the usual causes (a full disk,
a refused permission, a missing folder, a locked database, a coded error) get codes of their
own; anything else gets a generic sentence with a short id, the full text going to the log.
"""

from __future__ import annotations

import errno
import json
import logging
import secrets
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import peewee

from storage.errors import CodedError

log = logging.getLogger(__name__)
DETAIL_MAX = 80  # characters of an unknown error's own text kept beside its id
_BY_ERRNO = {errno.ENOSPC: "failure.no_space", errno.EDQUOT: "failure.no_space",
             errno.EACCES: "failure.permission_denied", errno.EPERM: "failure.permission_denied",
             errno.EROFS: "failure.read_only", errno.ENOENT: "failure.folder_missing",
             errno.ENOTDIR: "failure.folder_missing"}
_BUSY_WORDS = ("locked", "busy")


@dataclass(frozen=True)
class Failure:
    """A translatable reason: ``code`` and ``params`` (a param may itself be a Failure's
    ``as_param()``, translated in turn)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_param(self) -> dict[str, Any]:
        """The form a message parameter (or a stored JSON column) carries."""
        return {"code": self.code, "params": self.params}

    def to_json(self, limit: int) -> str:
        """At most ``limit`` characters (a stored column's size): long texts among the
        params are clipped rather than the JSON cut short."""
        for clip in (None, 120, 40):
            text = json.dumps(_clipped(self.as_param(), clip), ensure_ascii=False, default=str)
            if len(text) <= limit:
                return text
        return json.dumps({"code": "failure.unknown", "params": {"id": "-", "detail": self.code}})


def _clipped(value: Any, limit: int | None) -> Any:
    if limit is None:
        return value
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit - 1] + "…"
    if isinstance(value, dict):
        return {key: _clipped(item, limit) for key, item in value.items()}
    return value


def explain(error: BaseException, *, doing: str = "background work") -> Failure:
    """The reason ``error`` stands for, its full text logged; an unrecognised one is logged
    with its traceback under the id the reason quotes, so an admin's message and the server
    log can be matched."""
    reason = recognise(error)
    if reason is not None:
        log.warning("%s failed: %s (%s)", doing, error, reason.code)
        return reason
    error_id = secrets.token_hex(4)
    log.error("%s failed (error id %s)", doing, error_id, exc_info=error)
    return Failure("failure.unknown", {"id": error_id, "detail": short_detail(error)})


def recognise(error: BaseException) -> Failure | None:
    """The reason for a failure of a known kind (coded, disk, permission, lock), else None."""
    if isinstance(error, CodedError):
        return Failure(error.code, dict(error.params))
    if isinstance(error, OSError) and error.errno in _BY_ERRNO:
        return Failure(_BY_ERRNO[error.errno], {"path": error.filename or "-"})
    if isinstance(error, sqlite3.OperationalError | peewee.OperationalError) and any(
            word in str(error).lower() for word in _BUSY_WORDS):
        return Failure("failure.database_busy")
    return None


def short_detail(error: BaseException) -> str:
    """The error's type and first line, clipped: enough to recognise, not to flood a chat."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    detail = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return detail if len(detail) <= DETAIL_MAX else detail[:DETAIL_MAX - 1] + "…"


def from_stored(text: str | None) -> Failure | None:
    """A reason saved with ``to_json``; text written before reasons were coded (English)
    comes back as the generic reason quoting it."""
    if not text:
        return None
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    if isinstance(found, dict) and isinstance(found.get("code"), str):
        return Failure(found["code"], dict(found.get("params") or {}))
    return Failure("failure.unknown", {"id": "-", "detail": text[:DETAIL_MAX]})
