"""Expected failures of the domain: a stable code, parameters and an English default.

Interfaces translate ``code`` with ``params``; ``str(error)`` is the English fallback.
"""

from __future__ import annotations

from typing import Any, ClassVar

from storage.errors import CodedError

_DEFAULTS: dict[str, str] = {
    "config.invalid": "{key} = {value} (from {source}) is not allowed; expected {allowed}",
    "config.unknown_key": "unknown key {key} in {path}; known keys: {allowed}",
    "config.file_missing": "config file {path} does not exist",
    "config.unreadable": "config file {path} cannot be read: {reason}",
    "user.exists": "a staff user with Telegram id {telegram_id} already exists",
    "user.not_found": "no staff user with Telegram id {telegram_id}",
    "validation.telegram_id": "Telegram id must be a positive whole number",
    "validation.role": "role must be one of {allowed}",
    "validation.name": "name must be 1 to {max} characters",
    "validation.locale": "language must be one of {allowed}",
    "validation.timezone": "time zone {value} is not known",
    "permission.denied": "you are not allowed to do this",
    "not_found": "not found",
}


class CrmError(CodedError):
    """Base of every expected failure of the domain."""

    defaults: ClassVar[dict[str, str]] = _DEFAULTS


class ConfigError(CrmError):
    """A configuration value that is missing, unknown or not allowed."""


class ValidationError(CrmError):
    """Input that breaks a rule; ``field`` names the offending field."""

    def __init__(self, code: str, field: str = "", **params: Any) -> None:
        self.field = field
        super().__init__(code, field=field, **params)


class NotFound(CrmError):
    """The record does not exist, or the actor may not see it (existence does not leak)."""


class PermissionDenied(CrmError):
    """The record is visible but the action is not allowed to this actor."""


class Conflict(CrmError):
    """The action clashes with existing data (a duplicate, a stale edit)."""
