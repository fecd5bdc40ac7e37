"""A verified backup of the large SQLite database (snapshot, zstd, AES-GCM, written, then
restored aside and checked) against a bare ``VACUUM INTO`` of the same file in the same run; the
bot's reply time while the backup runs on the long-work thread as /backup runs it; and a restore.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.bench_bot import Replies, _feed, _managers, _payloads, _queries, _search_bot
from bench.bench_customers import prepared_sqlite
from bench.common import Figure, percentiles
from crm import backups, runtime
from crm.actors import Actor, Channel
from crm.config import load_config
from storage.database import fetch_all, sqlite_path

BACKUP_KEY = "YmVuY2htYXJrLWJhY2t1cC1rZXktc2FtcGxlLTMyYiE="  # sample data only
IDLE_UPDATES = 400


def _vacuum_into(source: Path, folder: Path) -> float:
    """Seconds of a bare VACUUM INTO (a consistent copy, nothing else), output discarded."""
    target = folder / "vacuum-into.db"
    conn = sqlite3.connect(str(source))
    start = time.perf_counter()
    conn.execute(f"vacuum into '{target}'")
    seconds = time.perf_counter() - start
    conn.close()
    target.unlink()
    return seconds


def _configure(folder: Path) -> None:
    settings = runtime.config()
    runtime.configure(load_config(environ={
        "CRM_SECURITY_KEY": settings["security.key"], "CRM_BACKUP_KEY": BACKUP_KEY,
        "CRM_DATA_DIR": str(folder), "CRM_TIMEZONE": "UTC"}, look_in_cwd=False))


async def _one_at_a_time(app, replies: Replies, payloads: list[bytes],
                         until: asyncio.Future | None) -> list[float]:
    """Seconds from each update to its reply, one at a time (all, or until ``until`` is done)."""
    samples = []
    for payload in payloads:
        if until is not None and until.done():
            break
        start = time.perf_counter()
        _feed(app, payload)
        await replies.reach(replies.count + 1)
        samples.append(time.perf_counter() - start)
    return samples


async def _bot_during_backup(app, executor, replies: Replies, payloads: list[bytes]) -> tuple:
    """Reply times idle, then while /backup's work runs; its outcome and seconds."""
    await app.initialize()
    await app.start()
    idle = await _one_at_a_time(app, replies, payloads[:IDLE_UPDATES], None)
    start = time.perf_counter()
    job = asyncio.ensure_future(executor.run_long(backups.create_backup,
                                                  Actor.system(Channel.JOB)))
    busy = await _one_at_a_time(app, replies, payloads[IDLE_UPDATES:], job)
    outcome = await job
    seconds = time.perf_counter() - start
    await app.stop()
    await app.shutdown()
    return idle, busy, outcome, seconds


def _timed_backup() -> tuple[float, float, object]:
    """Seconds of a whole verified backup, and of its writing part alone."""
    marks: list[float] = []
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done > 50 and not marks:  # verification has begun
            marks.append(time.perf_counter())

    outcome = backups.create_backup(Actor.system(), progress=progress)
    end = time.perf_counter()
    return end - start, (marks[0] if marks else end) - start, outcome


def run(db, label: str) -> list[Figure]:
    """Entry point of the runner (SQLite: the embedded setup the target is about)."""
    if label != "SQLite":
        return []
    folder = Path(sqlite_path("sqlite:///" + db.database)).parent
    big, _ = prepared_sqlite(folder)
    source = Path(big.database)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        work = Path(scratch)
        _configure(work)
        customers = fetch_all("select count(*) from customer")[0][0]
        vacuum_first = _vacuum_into(source, work)
        total, writing, outcome = _timed_backup()
        vacuum_second = _vacuum_into(source, work)
        vacuum = (vacuum_first + vacuum_second) / 2
        view = outcome.backup
        payload = source.stat().st_size
        payloads = _payloads(_queries(random.Random(5)) * 20, _managers())
        replies = Replies()
        app, executor = _search_bot(big, replies)
        idle, busy, during, during_seconds = asyncio.run(
            _bot_during_backup(app, executor, replies, payloads))
        executor.shutdown()
        start = time.perf_counter()
        backups.restore_backup(Actor.system(), view.path)
        restore = time.perf_counter() - start
    i50, i95 = percentiles(idle)
    b50, b95 = percentiles(busy)
    return [
        Figure(f"SQLite {customers / 1e6:g}M: database file", payload / 1e6, "MB"),
        Figure("bare VACUUM INTO of the same file (mean of 2)", vacuum, "s",
               f"{vacuum_first:.2f} / {vacuum_second:.2f}"),
        Figure("verified backup: snapshot, zstd, AES-GCM, write", writing, "s"),
        Figure("verified backup: total with restore-aside verification", total, "s",
               f"{total / vacuum:.2f}x VACUUM INTO (target 3x); verified: "
               f"{'yes' if outcome.ok else 'NO'}"),
        Figure("backup file", view.size / 1e6, "MB", f"{payload / view.size:.1f}x smaller"),
        Figure("bot search-and-reply p95, idle", i95, "ms", f"p50 {i50:.2f}"),
        Figure("bot search-and-reply p95 during a backup", b95, "ms",
               f"p50 {b50:.2f}; {len(busy)} replies in {during_seconds:.1f} s of backup"
               f" (verified: {'yes' if during.ok else 'NO'})"),
        Figure("restore, with the safety backup of the database first", restore, "s"),
        Figure("load average (1 min) at the start and at the end", load_before, "",
               f"{os.getloadavg()[0]:.2f} (other work on the machine slows the CPU-bound"
               " compression more than the bare copy)"),
    ]
