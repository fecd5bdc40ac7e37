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
          owners: Sequence[int] | None = None, limit: int = 50,
          below_id: int | None = None) -> list[tuple[int, str]]:
    """Customers whose index has every token (the last as a prefix if asked), newest first.

    ``owners`` limits to those owner ids (0 = unowned); ``below_id`` continues a previous page.
    Returns (customer id, haystack) pairs.
    """
    if not tokens:
        return []
    if is_sqlite(database):
        return _match_sqlite(tokens, prefix_last, owners, limit, below_id)
    return _match_postgres(tokens, prefix_last, owners, limit, below_id)


def _match_sqlite(tokens: Sequence[str], prefix_last: bool, owners: Sequence[int] | None,
                  limit: int, below_id: int | None) -> list[tuple[int, str]]:
    parts = [f'"{t}"' for t in tokens]
    if prefix_last:
        parts[-1] += "*"
    expression = " AND ".join(parts)
    if owners is not None:
        expression += " AND (" + " OR ".join(f'"o{o}"' for o in owners or ["none"]) + ")"
    below = "and rowid < ?" if below_id is not None else ""
    params: tuple = (expression, below_id, limit) if below_id is not None else (expression, limit)
    return fetch_all(
        "select s.customer_id, s.haystack from (select rowid from customer_fts"
        f" where customer_fts match ? {below} order by rowid desc limit ?) m"
        " join customer_search s on s.customer_id = m.rowid order by s.customer_id desc",
        params)


def _match_postgres(tokens: Sequence[str], prefix_last: bool, owners: Sequence[int] | None,
                    limit: int, below_id: int | None) -> list[tuple[int, str]]:
    parts = list(tokens)
    if prefix_last:
        parts[-1] += ":*"
    expression = " & ".join(parts)
    if owners is not None:
        expression += " & (" + " | ".join(f"o{o}" for o in owners or ["none"]) + ")"
    below = "and customer_id < ?" if below_id is not None else ""
    params: tuple = (expression, below_id, limit) if below_id is not None else (expression, limit)
    return fetch_all(
        "select customer_id, haystack from customer_search"
        f" where terms_tsv @@ to_tsquery('simple', ?) {below}"
        " order by customer_id desc limit ?", params)

