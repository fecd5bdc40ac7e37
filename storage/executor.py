"""The database thread(s) that the asyncio bot awaits, so the event loop never blocks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, ParamSpec, TypeVar

from peewee import Database

from storage.database import is_sqlite

log = logging.getLogger(__name__)
CHECKPOINT_SECONDS = 1.0
P = ParamSpec("P")
T = TypeVar("T")
_Job = tuple[Callable[..., Any], tuple, dict, asyncio.AbstractEventLoop | None, Any]


class _Workers:
    """Threads serving one queue of jobs, each thread with its own database connection.

    Lighter than ``run_in_executor``: the result goes straight to the awaiting asyncio future
    (no concurrent future chained to it), which halves the cost of a hop to the database.
    """

    def __init__(self, db: Database, name: str, count: int) -> None:
        self._db = db
        self._stopped = False
        self._jobs: SimpleQueue[_Job | None] = SimpleQueue()
        self._threads = [threading.Thread(target=self._serve, name=f"{name}_{i}", daemon=True)
                         for i in range(count)]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> asyncio.Future[T]:
        """Queue ``fn(*args, **kwargs)``; the returned future settles on the running loop."""
        if self._stopped:
            raise RuntimeError("the database threads have been shut down")
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._jobs.put((fn, args, kwargs, loop, future))
        return future

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on a worker thread and wait for it, outside any event loop."""
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((fn, (), {}, None, done))
        return done.result()

    def stop(self) -> None:
        """Finish the queued jobs, then close each thread's connection and end it."""
        self._stopped = True
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, args, kwargs, loop, future = job
            if future.cancelled():  # nobody waits for it any more
                continue
            try:
                outcome, failed = fn(*args, **kwargs), False
            except BaseException as error:  # handed to whoever awaits the job
                outcome, failed = error, True
            if loop is None:
                _settle(future, outcome, failed)
            elif not loop.is_closed():
                # The loop may close meanwhile: then nobody is left to tell.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, future, outcome, failed)
        self._db.close()


def _settle(future: Any, outcome: Any, failed: bool) -> None:
    if future.cancelled():
        return
    if failed:
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class DatabaseExecutor:
    """Runs synchronous database work on dedicated threads: one for SQLite, a pool for PostgreSQL.

    One SQLite thread means SQLite never sees competing writers from this process; Peewee keeps
    one connection per thread, so each thread reuses its own connection.
    """

    def __init__(self, db: Database, *, pool_threads: int = 4) -> None:
        self.db = db
        threads = 1 if is_sqlite(db) else pool_threads
        self._pool = _Workers(db, "crm-db", threads)
        # Long read-only work (exports, reports) gets its own thread and connection, so the
        # chat's short queries never wait behind it (SQLite's WAL lets readers run alongside).
        self._long = _Workers(db, "crm-long", 1)
        self._stop = threading.Event()
        self._long_write_since: float | None = None
        self._checkpointer: threading.Thread | None = None
        if is_sqlite(db):
            self._pool.call(self._writer_without_checkpoints)
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
        return await self._pool.submit(fn, args, kwargs)

    async def run_long_write(self, fn: Callable[P, T], /, *args: P.args,
                             **kwargs: P.kwargs) -> T:
        """``run`` for long writing work (an import, a bulk change): while it runs,
        ``long_write_since`` says since when."""
        return await self._pool.submit(self._marked, (fn, args, kwargs), {})

    def _marked(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
        self._long_write_since = time.monotonic()
        try:
            return fn(*args, **kwargs)
        finally:
            self._long_write_since = None

    def long_write_since(self) -> float | None:
        """When (``time.monotonic()``) the long write now holding SQLite's one database
        thread started, so everyone else's work waits for it; None when there is none, and on
        PostgreSQL, whose other threads serve the rest meanwhile."""
        return self._long_write_since if is_sqlite(self.db) else None

    async def run_long(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Await long read-only ``fn`` on the long-work thread."""
        return await self._long.submit(fn, args, kwargs)

    def shutdown(self) -> None:
        """Finish queued work and close the threads' connections."""
        self._stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
        self._pool.stop()
        self._long.stop()
