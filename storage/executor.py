"""The database thread(s) that the asyncio bot awaits, so the event loop never blocks."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from peewee import Database

from storage.database import is_sqlite

P = ParamSpec("P")
T = TypeVar("T")


class DatabaseExecutor:
    """Runs synchronous database work on dedicated threads: one for SQLite, a pool for PostgreSQL.

    One SQLite thread means SQLite never sees competing writers from this process; Peewee keeps
    one connection per thread, so each thread reuses its own connection.
    """

    def __init__(self, db: Database, *, pool_threads: int = 4) -> None:
        self.db = db
        threads = 1 if is_sqlite(db) else pool_threads
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="crm-db")
        # Long read-only work (exports, reports) gets its own thread and connection, so the
        # chat's short queries never wait behind it (SQLite's WAL lets readers run alongside).
        self._long = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crm-long")

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Await ``fn(*args, **kwargs)`` run on a database thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    async def run_long(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Await long read-only ``fn`` on the long-work thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._long, functools.partial(fn, *args, **kwargs))

    def shutdown(self) -> None:
        """Finish queued work and close the threads' connections."""
        for pool in (self._pool, self._long):
            pool.submit(self.db.close).result()
            pool.shutdown(wait=True)
