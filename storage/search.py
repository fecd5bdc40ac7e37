"""The customer search index: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.

Callers hand in ready tokens (plain ASCII letters and digits, see crm.search_terms); this module
only knows how each engine matches them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from storage import bulk
from storage.database import database, fetch_all, is_sqlite, sql


def index_document(customer_id: int, terms: str, haystack: str) -> None:
    """Add or replace one customer's entry (SQLite triggers keep FTS5 in step)."""
    database.execute_sql(
        sql("delete from customer_search where customer_id = ?"), (customer_id,))
    database.execute_sql(
        sql("insert into customer_search (customer_id, terms, haystack) values (?, ?, ?)"),
        (customer_id, terms, haystack))


def index_new_documents(rows: Sequence[tuple[int, str, str]]) -> None:
    """Add entries (customer id, terms, haystack) for customers not indexed yet, in bulk
    inside the caller's transaction; the same rows and triggers as ``index_document``."""
    with documents_in_bulk() as add:
        add(rows)


@contextlib.contextmanager
def documents_in_bulk(*, replacing: bool = False
                      ) -> Iterator[Callable[[Sequence[tuple[int, str, str]]], None]]:
    """``add(rows)`` as often as needed; the entries are in the index when the block ends
    (``replacing``: the customers' current entries are taken out first).

    On SQLite the rows wait in a temporary table and move by one statement at the end (and
    the entries they replace go by one more): the triggers feeding FTS5 then run inside a
    single statement, while a statement per row (executemany) or per chunk makes FTS5 flush
    its pending terms each time, 4-5x slower (measured: 100,000 entries in ~2.3 s against
    ~10-14 s), and each further statement leaves one more segment to merge.
    """
    if not is_sqlite(database):
        def add(rows: Sequence[tuple[int, str, str]]) -> None:
            if replacing:
                _delete_entries([row[0] for row in rows])
            bulk.insert_rows("customer_search", ("customer_id", "terms", "haystack"), rows)

        yield add
        return
    cursor = database.cursor()
    cursor.execute("create temp table if not exists import_search"
                   " (customer_id integer, terms text, haystack text)")
    cursor.execute("delete from temp.import_search")
    try:
        yield lambda rows: cursor.executemany(
            "insert into temp.import_search values (?, ?, ?)", rows)
        if replacing:
            cursor.execute("delete from customer_search where customer_id in"
                           " (select customer_id from temp.import_search)")
        cursor.execute("insert into customer_search (customer_id, terms, haystack)"
                       " select customer_id, terms, haystack from temp.import_search")
    finally:
        cursor.execute("delete from temp.import_search")


def replace_documents(rows: Sequence[tuple[int, str, str]]) -> None:
    """``index_document`` for many customers: their entries replaced in bulk."""
    with documents_in_bulk(replacing=True) as add:
        add(rows)


def _delete_entries(ids: Sequence[int]) -> None:
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        database.execute_sql(sql("delete from customer_search where customer_id in"
                                 f" ({', '.join('?' * len(chunk))})"), tuple(chunk))


def remove_document(customer_id: int) -> None:
    """Take a customer out of search (deleted or merged)."""
    database.execute_sql(
        sql("delete from customer_search where customer_id = ?"), (customer_id,))


def purge_deleted(*, budget_seconds: float = 5.0) -> bool:
    """Rewrite the index so removed entries leave no trace in it (after a privacy erasure);
    works in small steps, each its own transaction. True when finished within the budget.

    FTS5 keeps a deleted entry's terms in old segments until they are merged; PostgreSQL
    drops dead rows at its next vacuum.
    """
    if not is_sqlite(database):
        return True
    deadline = time.monotonic() + budget_seconds
    connection = database.connection()
    while time.monotonic() < deadline:
        before = connection.total_changes
        with database.atomic():
            database.execute_sql(
                "insert into customer_fts(customer_fts, rank) values ('merge', -500)")
        if connection.total_changes - before < 2:  # FTS5's way of saying: nothing left
            return True
    return False


@dataclass(frozen=True)
class Batch:
    rows: list[tuple[int, str]]  # (customer id, haystack) that passed the filter
    last_id: int | None  # the last index entry looked at, to continue after it
    exhausted: bool  # no entries beyond this batch


@dataclass(frozen=True)
class Filter:
    """Which customers to keep: either index tokens (any of them) or a SQL condition on the
    customer table aliased ``c``. Tokens suit a small scope (the index intersects), the
    condition a large one (most index hits pass, and intersecting a long list costs more)."""

    tokens: Sequence[str] | None = None
    condition: str = ""
    params: tuple = ()


def match(tokens: Sequence[str], *, prefix_last: bool = False, scope: Filter | None = None,
          limit: int = 50, after_id: int | None = None, with_text: bool = True) -> Batch:
    """Up to ``limit`` index entries having every token (the last as a prefix if asked), in
    ascending id order, filtered by ``scope``; each with its haystack, or "" when
    ``with_text`` is off.

    Ascending is the index's own order; newest-first must read the lists backwards (2-3x
    slower with a filter). Reading the haystacks and the customer rows costs 4x the index
    look-up itself, so each is joined only when needed.
    """
    if not tokens:
        return Batch([], None, True)
    dialect = _SQLITE if is_sqlite(database) else _POSTGRES
    expression = dialect.expression(tokens, prefix_last,
                                    scope.tokens if scope is not None else None)
    condition, extra = (scope.condition, scope.params) if scope else ("", ())
    kept = f"case when 1 = 1{condition} then 1 else 0 end" if condition else "1"
    after = f"and {dialect.id_column} > ?" if after_id is not None else ""
    params = (expression, after_id, limit) if after_id is not None else (expression, limit)
    query = dialect.query.format(kept=kept, after=after,
                                 text="s.haystack" if with_text else "''",
                                 joins=dialect.joins(with_text, bool(condition)))
    rows = fetch_all(query, (*extra, *params))
    return _batch(rows, limit)


@dataclass(frozen=True)
class _Dialect:
    """How one engine writes a token match and the query around it."""

    quote: str
    prefix: str
    all_of: str
    any_of: str
    id_column: str
    query: str
    text_join: str
    customer_join: str

    def joins(self, text: bool, customer: bool) -> str:
        return (self.text_join if text else "") + (self.customer_join if customer else "")

    def expression(self, tokens: Sequence[str], prefix_last: bool,
                   scope_tokens: Sequence[str] | None) -> str:
        parts = [f"{self.quote}{t}{self.quote}" for t in tokens]
        if prefix_last:
            parts[-1] += self.prefix
        expression = self.all_of.join(parts)
        if scope_tokens is not None:
            any_of = self.any_of.join(f"{self.quote}{t}{self.quote}"
                                      for t in scope_tokens or ["onone"])
            expression += f"{self.all_of}({any_of})"
        return expression


_SQLITE = _Dialect(
    quote='"', prefix="*", all_of=" AND ", any_of=" OR ", id_column="rowid",
    query="select m.rowid, {text}, {kept} from (select rowid from customer_fts"
          " where customer_fts match ? {after} order by rowid limit ?) m{joins}"
          " order by m.rowid",
    text_join=" join customer_search s on s.customer_id = m.rowid",
    customer_join=" join customer c on c.id = m.rowid")
_POSTGRES = _Dialect(
    quote="", prefix=":*", all_of=" & ", any_of=" | ", id_column="s.customer_id",
    query="select s.customer_id, {text}, {kept} from customer_search s{joins}"
          " where s.terms_tsv @@ to_tsquery('simple', ?) {after}"
          " order by s.customer_id limit ?",
    text_join="", customer_join=" join customer c on c.id = s.customer_id")


def _batch(rows: list[tuple], limit: int) -> Batch:
    kept = [(r[0], r[1]) for r in rows if r[2]]
    return Batch(kept, rows[-1][0] if rows else None, len(rows) < limit)
