"""Named locks held until the transaction ends, for a look-up-then-insert on a column that is
not unique (a company's name), which several PostgreSQL threads could otherwise both find
missing. SQLite has one writer: there they do nothing.

A name's lock is the advisory lock (``_ONE_NAME``, hashtext("group:name")). Whoever takes one
also holds its group's lock shared, so a caller with more names than PostgreSQL's lock table
can spare (an import of 100,000 new companies) takes the whole group instead, alone."""

from __future__ import annotations

from collections.abc import Collection

from storage.database import NUL, database, is_sqlite

_ONE_NAME = 0x63726D6E  # the advisory locks' first key ("crmn"); the second, the name's hash
_WHOLE_GROUP = 0x63726D67  # ("crmg"); the second, the group's hash
# The lock table is shared by the whole server and holds about max_locks_per_transaction x
# max_connections locks (6,400 by default; past it every transaction asking fails with "out of
# shared memory"): one caller keeps to a small share of it.
MANY_NAMES = 1_000


def in_use() -> bool:
    """Whether the locks do anything here (not on SQLite)."""
    return not is_sqlite(database)


def one_at_a_time(group: str, name: str) -> None:
    """Until this transaction ends, another transaction taking ``name`` of ``group`` waits."""
    each_one_at_a_time(group, (name,))


def each_one_at_a_time(group: str, names: Collection[str]) -> None:
    """``one_at_a_time`` for each of ``names``, taken in the order of their lock keys, the same
    for every caller, so two callers never wait for each other in a circle; past
    ``MANY_NAMES`` the whole group is taken instead. Take them all in one call, before the
    transaction writes what another holder of one of them may wait for."""
    if not in_use() or not names:
        return
    if len(names) > MANY_NAMES:
        database.execute_sql("select pg_advisory_xact_lock(%s, hashtext(%s))",
                             (_WHOLE_GROUP, group))
        return
    database.execute_sql("select pg_advisory_xact_lock_shared(%s, hashtext(%s))",
                         (_WHOLE_GROUP, group))
    # A list's texts keep the NUL characters every text parameter loses (which PostgreSQL's
    # text cannot hold): dropped here alike, so the names lock as they are written.
    database.execute_sql(
        "select count(pg_advisory_xact_lock(%s, key)) from (select distinct"
        " hashtext(%s || ':' || name) as key from unnest(%s::text[]) as name order by key)"
        " as keys", (_ONE_NAME, group, [name.replace(NUL, "") for name in names]))
