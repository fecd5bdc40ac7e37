"""The dry run's checked and prepared rows, kept in this process for the confirmation that
usually follows within a minute or two.

Reading, checking and preparing a file again gives the same rows (bar the random keys of their
sealed values) as long as what the checks read is the same: the file (by its hash), the
importer, the day, the settings the checks consult and the staff an owner cell may name. That
is the ``Basis``; the confirmation takes the kept rows only when its basis equals the dry
run's, and otherwise (or after a restart, or once they expired here) reads the kept file
again. Matching against existing customers is not kept: it is done again inside the import's
transaction.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from crm import runtime
from crm.actors import Actor
from crm.imports.plan import Parsed
from storage.database import fetch_all

KEEP_SECONDS = 15 * 60  # checked rows are memory; a preview confirmed later is read again
MAX_KEPT = 2  # previews kept at once (a bot process serves a team, not one person)
_SETTINGS = ("phone_region", "security.customer_visibility", "import.max_rows")


@dataclass(frozen=True)
class Basis:
    """Everything checking a file's rows depends on besides its bytes."""

    sha256: str
    actor: Actor
    today: dt.date
    settings: tuple[object, ...]
    staff: tuple[tuple[object, ...], ...]


def basis_of(actor: Actor, sha256: str, today: dt.date) -> Basis:
    """The basis as it is now (one short read of the staff list)."""
    config = runtime.config()
    staff = fetch_all("select id, telegram_id, name, username, role, active, team_id"
                      " from staff_user order by id")
    return Basis(sha256, actor, today, tuple(config[key] for key in _SETTINGS),
                 tuple(tuple(row) for row in staff))


@dataclass(frozen=True, eq=False)
class _Entry:
    basis: Basis
    parsed: Parsed
    timer: threading.Timer  # drops the entry after KEEP_SECONDS


_lock = threading.Lock()
_entries: dict[str, _Entry] = {}


def keep(token: str, basis: Basis, parsed: Parsed) -> None:
    """Keep a preview's checked rows for its confirmation, for KEEP_SECONDS at most (a preview
    nobody confirms must not hold the memory)."""
    timer = threading.Timer(KEEP_SECONDS, forget, (token,))  # by token: not holding the rows
    timer.daemon = True
    with _lock:
        _entries[token] = _Entry(basis, parsed, timer)
        while len(_entries) > MAX_KEPT:
            _pop(next(iter(_entries)))  # the oldest preview
    timer.start()


def take(token: str, basis: Basis) -> Parsed | None:
    """The kept rows of this preview if they were checked on this very basis (they are handed
    out once); None when the file has to be read again."""
    with _lock:
        entry = _pop(token)
    return entry.parsed if entry is not None and entry.basis == basis else None


def forget(token: str) -> None:
    """Drop a preview's rows (cancelled, or kept long enough)."""
    with _lock:
        _pop(token)


def _pop(token: str) -> _Entry | None:
    entry = _entries.pop(token, None)
    if entry is not None:
        entry.timer.cancel()
    return entry

