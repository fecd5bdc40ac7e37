"""File exports of the log: each recorded before it starts, its rows in the reader's words
and time zone, and the spreadsheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from crm.actors import Actor
from crm.audit.entries import _is_id
from crm.audit.reading import _filters, iter_audit
from crm.audit.recording import record
from crm.audit.wording import CODES, Wording, changes_json
from crm.localtime import local_naive, zone_of
from crm.permissions import Action, require
from storage.database import database, fetch_one


def export_audit(actor: Actor, *, user_id: int | None = None, customer_id: int | None = None,
                 since: dt.date | None = None, until: dt.date | None = None):
    """Every matching entry for a file export; the export itself is recorded first."""
    require(actor, Action.AUDIT)
    filters = {"user_id": user_id, "customer_id": customer_id, "since": since, "until": until}
    with database.atomic():
        record(actor, "audit.export", "audit_log", changes={
            k: [None, v if _is_id(v) else str(v)] for k, v in filters.items()
            if v is not None} or None)
    return iter_audit(actor, **filters)


AUDIT_HEADERS = ("at", "user", "via", "action", "code", "record", "id", "customer", "changes")


def export_rows(actor: Actor, *, words: Wording = CODES, **filters: Any) -> Iterator[tuple]:
    """The rows of a file export (``AUDIT_HEADERS``), oldest first: actions, channels,
    records and fields in the reader's ``words`` (the action's code beside it, to filter on),
    the times in the actor's time zone like every other export (those inside the changes
    too, with their offset); the export is recorded first."""
    zone = zone_of(actor)
    for entry in export_audit(actor, **filters):
        yield (local_naive(entry.at, zone), words.actor(entry), words.channel(entry.channel),
               words.action(entry.action), entry.action, words.entity(entry.entity),
               entry.entity_id, entry.customer_id, changes_json(entry, zone, words))


def export_audit_xlsx(actor: Actor, *, progress=None, header: Any = str,
                      words: Wording = CODES, **filters: Any) -> bytes:
    """The matching entries as a spreadsheet, oldest first; ``progress(done, total)``;
    ``header`` puts a column's name (``AUDIT_HEADERS``, and "audit" for the sheet) in the
    reader's language, ``words`` the entries' codes."""
    from crm.spreadsheets import workbook_bytes

    require(actor, Action.AUDIT)
    where, params = _filters(actor, filters.get("user_id"), filters.get("customer_id"),
                             filters.get("since"), filters.get("until"))
    total = fetch_one(f"select count(*) from audit_log{where}", params)[0]

    def rows():
        for done, row in enumerate(export_rows(actor, words=words, **filters), start=1):
            if progress and (done % 500 == 0 or done == total):
                progress(done, total)
            yield row

    return workbook_bytes([(header("audit"), [header(name) for name in AUDIT_HEADERS],
                            rows())])
