"""The customer search index: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.

Callers hand in ready tokens (plain ASCII letters and digits, see crm.search_terms); this module
only knows how each engine matches them.
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.database import database, fetch_all, is_sqlite, sql


def index_document(customer_id: int, terms: str, haystack: str) -> None:
    """Add or replace one customer's entry (SQLite triggers keep FTS5 in step)."""
    database.execute_sql(
        sql("delete from customer_search where customer_id = ?"), (customer_id,))
    database.execute_sql(
        sql("insert into customer_search (customer_id, terms, haystack) values (?, ?, ?)"),
        (customer_id, terms, haystack))


def remove_document(customer_id: int) -> None:
    """Take a customer out of search (deleted or merged)."""
    database.execute_sql(
        sql("delete from customer_search where customer_id = ?"), (customer_id,))


def match(tokens: Sequence[str], *, prefix_last: bool = False,
          scope: Sequence[str] | None = None, limit: int = 50,
          after_id: int | None = None) -> list[tuple[int, str]]:
    """Customers whose index has every token (the last as a prefix if asked), oldest first.

    ``scope`` limits to entries having any of those tokens (owner and team tokens);
    ``after_id`` continues a previous batch. Ascending order is the index's own: with a scope
    filter it runs 2-3x faster than newest-first, which must read the lists backwards.
    Returns (customer id, haystack) pairs.
    """
    if not tokens:
        return []
    if is_sqlite(database):
        return _match_sqlite(tokens, prefix_last, scope, limit, after_id)
    return _match_postgres(tokens, prefix_last, scope, limit, after_id)


def _match_sqlite(tokens: Sequence[str], prefix_last: bool, scope: Sequence[str] | None,
                  limit: int, after_id: int | None) -> list[tuple[int, str]]:
    parts = [f'"{t}"' for t in tokens]
    if prefix_last:
        parts[-1] += "*"
    expression = " AND ".join(parts)
    if scope is not None:
        expression += " AND (" + " OR ".join(f'"{t}"' for t in scope or ["onone"]) + ")"
    after = "and rowid > ?" if after_id is not None else ""
    params: tuple = (expression, after_id, limit) if after_id is not None else (expression, limit)
    return fetch_all(
        "select s.customer_id, s.haystack from (select rowid from customer_fts"
        f" where customer_fts match ? {after} order by rowid limit ?) m"
        " join customer_search s on s.customer_id = m.rowid order by s.customer_id",
        params)


def _match_postgres(tokens: Sequence[str], prefix_last: bool, scope: Sequence[str] | None,
                    limit: int, after_id: int | None) -> list[tuple[int, str]]:
    parts = list(tokens)
    if prefix_last:
        parts[-1] += ":*"
    expression = " & ".join(parts)
    if scope is not None:
        expression += " & (" + " | ".join(scope or ["onone"]) + ")"
    after = "and customer_id > ?" if after_id is not None else ""
    params: tuple = (expression, after_id, limit) if after_id is not None else (expression, limit)
    return fetch_all(
        "select customer_id, haystack from customer_search"
        f" where terms_tsv @@ to_tsquery('simple', ?) {after}"
        " order by customer_id limit ?", params)

