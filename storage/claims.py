"""Claiming queued rows for one sender only: the outbox, reminders, ticket answers.

One statement picks due rows and stamps them. On SQLite one writer at a time means no other
claim runs between the pick and the stamp; on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets a
second sender take other rows instead of waiting on these, and a materialised CTE keeps the
LIMIT (an IN subquery may be re-run and return more rows).
"""

from __future__ import annotations

from storage.database import database, fetch_all, is_sqlite


def claim_ids(table: str, alias: str, pending: str, pick_params: tuple, stamp: str,
              stamp_params: tuple) -> list[int]:
    """Stamp (``set`` clause ``stamp``) the rows of ``table`` that the select ``pending``
    (over ``table`` aliased ``alias``) picks; their ids, ascending. Call inside a transaction."""
    if is_sqlite(database):
        statement = f"update {table} set {stamp} where id in ({pending}) returning id"
        params = (*stamp_params, *pick_params)
    else:
        statement = (f"with picked as materialized ({pending} for update of {alias} skip locked)"
                     f" update {table} set {stamp} from picked where {table}.id = picked.id"
                     f" returning {table}.id")
        params = (*pick_params, *stamp_params)
    return sorted(row[0] for row in fetch_all(statement, params))
