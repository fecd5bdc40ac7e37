"""The knowledge-base search index: the same engines as customer search (FTS5 on SQLite, a
GIN-indexed tsvector on PostgreSQL) over the same kind of tokens (see crm.search_terms)."""

from __future__ import annotations

from collections.abc import Sequence

from storage.database import database, fetch_all, is_sqlite, sql


def index_article(article_id: int, terms: str) -> None:
    """Add or replace one article's entry."""
    remove_article(article_id)
    database.execute_sql(sql("insert into kb_search (article_id, terms) values (?, ?)"),
                         (article_id, terms))


def remove_article(article_id: int) -> None:
    database.execute_sql(sql("delete from kb_search where article_id = ?"), (article_id,))


def match_articles(tokens: Sequence[str], *, every: bool, prefixes: Sequence[str] = (),
                   limit: int = 200) -> list[int]:
    """Ids of entries holding every token (``every``) or any of them; ``prefixes`` are words
    that may also begin a longer indexed word (invoice → invoices)."""
    if not tokens and not prefixes:
        return []
    if is_sqlite(database):
        parts = [f'"{token}"' for token in tokens] + [f'"{word}"*' for word in prefixes]
        rows = fetch_all("select rowid from kb_fts where kb_fts match ? limit ?",
                         ((" AND " if every else " OR ").join(parts), limit))
    else:
        parts = list(tokens) + [f"{word}:*" for word in prefixes]
        rows = fetch_all("select article_id from kb_search where terms_tsv @@"
                         " to_tsquery('simple', ?) limit ?",
                         ((" & " if every else " | ").join(parts), limit))
    return [r[0] for r in rows]
