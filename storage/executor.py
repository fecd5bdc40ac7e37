"""The database thread(s) that the asyncio bot awaits, so the event loop never blocks."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from peewee import Database

from storage.database import is_sqlite

log = logging.getLogger(__name__)
CHECKPOINT_SECONDS = 1.0
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
        self._stop = threading.Event()
        self._checkpointer: threading.Thread | None = None
        if is_sqlite(db):
            self._pool.submit(self._writer_without_checkpoints).result()
            self._checkpointer = threading.Thread(target=self._checkpoint_loop,
                                                  name="crm-checkpoint", daemon=True)
            self._checkpointer.start()

    def _writer_without_checkpoints(self) -> None:
        # A commit that crosses the WAL size limit would copy the log into the database and
        # fsync it on the chat's thread (a 1-second stall now and then); checkpoints run on a
        # thread of their own instead.
        self.db.execute_sql("pragma wal_autocheckpoint = 0")

    def _checkpoint_loop(self) -> None:
        """Copy the WAL into the database every second, without blocking readers or writers."""
        while not self._stop.wait(CHECKPOINT_SECONDS):
            try:
                self.db.execute_sql("pragma wal_checkpoint(passive)").fetchall()
            except Exception:  # a missed checkpoint is retried a second later
                log.warning("WAL checkpoint failed", exc_info=True)
        self.db.close()

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
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        for pool in (self._pool, self._long):
            pool.submit(self.db.close).result()
            pool.shutdown(wait=True)
