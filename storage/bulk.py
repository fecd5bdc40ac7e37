"""Fast bulk writes for imports and sample data: plain multi-row inserts, no ORM per row.

Peewee builds SQL in Python (~25k rows/s); these run at the driver's speed (~150k+ rows/s).
Callers assign primary keys themselves (``next_id``) so related rows can be linked in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from psycopg2.extras import execute_values

from storage.database import database, fetch_one, is_sqlite

BATCH = 5_000


def next_id(table: str) -> int:
    """The first free id of ``table`` (call inside the transaction that inserts)."""
    row = fetch_one(f"select coalesce(max(id), 0) + 1 from {table}")
    return int(row[0])


def reserve_ids(table: str, count: int) -> list[int]:
    """``count`` ids for new rows of ``table`` that no concurrent writer can take (call inside
    the inserting transaction). SQLite has one writer, which holds them by holding its lock;
    PostgreSQL draws them from the table's sequence, so ``sync_sequence`` is not needed."""
    if count <= 0:
        return []
    if is_sqlite(database):
        first = next_id(table)
        return list(range(first, first + count))
    rows = database.execute_sql(
        f"select nextval(pg_get_serial_sequence('{table}', 'id'))"
        " from generate_series(1, %s)", (count,)).fetchall()
    return sorted(r[0] for r in rows)


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Insert ``rows`` into ``table``; returns how many."""
    names = ", ".join(columns)
    count = 0
    batch: list[Sequence[object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            count += _flush(table, names, len(columns), batch)
            batch = []
    if batch:
        count += _flush(table, names, len(columns), batch)
    return count


def _flush(table: str, names: str, width: int, batch: list[Sequence[object]]) -> int:
    cursor = database.cursor()
    if is_sqlite(database):
        marks = ", ".join("?" * width)
        cursor.executemany(f"insert into {table} ({names}) values ({marks})", batch)
    else:
        execute_values(cursor, f"insert into {table} ({names}) values %s", batch,
                       page_size=1000)
    return len(batch)


def sync_sequence(table: str) -> None:
    """After inserting explicit ids on PostgreSQL, move the id sequence past them."""
    if not is_sqlite(database):
        database.execute_sql(
            f"select setval(pg_get_serial_sequence('{table}', 'id'),"
            f" greatest((select max(id) from {table}), 1))")
