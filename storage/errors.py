"""Coded errors: a stable code, parameters and an English default, translated by interfaces."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class CodedError(Exception):
    """An expected failure that interfaces translate by ``code``; ``str()`` is English."""

    defaults: ClassVar[dict[str, str]] = {}

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(_english(self.defaults, code, params))

    def kept(self) -> CodedError:
        """This error ready to be stored as an outcome: without the frames it was raised
        through (or the exception it interrupted), whose locals would keep the store holding
        it alive, a cycle that only the garbage collector frees, long after the store itself
        is dropped."""
        self.__traceback__ = None
        self.__context__ = None
        return self


def _english(defaults: Mapping[str, str], code: str, params: Mapping[str, Any]) -> str:
    """The English default of ``code`` with ``params`` inserted; the code itself when it has
    none."""
    template = defaults.get(code, code)
    try:
        return template.format(**{key: _listed(defaults, value) for key, value in params.items()})
    except (KeyError, IndexError):
        return template


def _listed(defaults: Mapping[str, str], value: Any) -> Any:
    """A parameter as English reads it: one that is itself a message (``{"code": ...,
    "params": ...}``: a status, who acted) in its English words, a tuple of names or such
    messages (the choices a refusal offers) listed; interfaces say them as the reader's
    language does (张伟、李娜)."""
    if _is_message(value):
        return _english(defaults, value["code"], value.get("params") or {})
    if isinstance(value, tuple) and all(isinstance(item, str) or _is_message(item)
                                        for item in value):
        return ", ".join(str(_listed(defaults, item)) for item in value)
    return value


def _is_message(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("code"), str)


class StorageError(CodedError):
    """The database cannot be used as it is (unreachable, too new, not initialised)."""

    defaults: ClassVar[dict[str, str]] = {
        "storage.schema_too_new": (
            "the database is at schema version {found}, newer than this program knows "
            "({known}); upgrade the program before using this database"
        ),
        "storage.unreachable": "cannot open the database {url}: {reason}",
        "storage.no_file": "the database file {path} does not exist; run `crm init`",
        "storage.not_initialised": (
            "the database has no schema yet; run `crm init` or `crm migrate`"
        ),
        "storage.create_refused": (
            "the PostgreSQL database {name} does not exist and could not be created: {reason}; "
            "create it as a superuser (createdb --owner ROLE {name}) and run `crm init` again"
        ),
        "storage.bad_url": "database URL {url} is not sqlite:///... or postgresql://...",
    }


class EncryptionKeyError(CodedError):
    """The encryption key is missing, malformed or does not match the data."""

    defaults: ClassVar[dict[str, str]] = {
        "keys.missing": (
            "the key file {path} does not exist; run `crm init` or set CRM_SECURITY_KEY"
        ),
        "keys.unreadable": "the encryption key in {source} is not valid: {reason}",
        "keys.wrong": "the encryption key does not match the one this database was written with",
        "keys.unsafe_permissions": (
            "the key file {path} can be read by other users (mode {mode}); run chmod 600 {path}"
        ),
    }
