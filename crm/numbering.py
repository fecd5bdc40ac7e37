"""Document numbers counted per prefix and year: SO-2026-000123, T-2026-000045."""

from __future__ import annotations

from storage.database import database, fetch_one, sql
from storage.models import DocumentSequence


def next_number(prefix: str, year: int) -> str:
    """The next number of a year (inside the caller's transaction)."""
    name = f"{prefix}-{year}"
    DocumentSequence.insert(name=name, value=0).on_conflict_ignore().execute()
    # The update locks the counter row until commit, so two documents never share a number.
    database.execute_sql(sql("update document_sequence set value = value + 1 where name = ?"),
                         (name,))
    value = fetch_one("select value from document_sequence where name = ?", (name,))[0]
    return f"{name}-{value:06d}"
