"""Storage floor: a staff look-up through the domain against raw SQL, and a database-thread hop."""

from __future__ import annotations

import asyncio

from bench.common import Figure, percentiles, timed
from crm import users
from crm.actors import Actor
from storage.executor import DatabaseExecutor

STAFF = 2_000


def run(db, label: str) -> list[Figure]:
    """Figures for one database."""
    with db.atomic():
        for i in range(STAFF):
            users.add_user(Actor.system(), 10_000 + i, "agent", f"员工 {i}")
    target = 10_000 + STAFF // 2
    raw_sql = f"select id from staff_user where telegram_id = {db.param} and active = {db.param}"
    p50, p95 = percentiles(timed(lambda: users.identify(target), 2_000))
    _, r95 = percentiles(timed(lambda: db.execute_sql(raw_sql, (target, True)).fetchone(),
                                 2_000))
    figures = [
        Figure(f"{label}: identify a staff user (domain) p95", p95, "ms", f"p50 {p50:.3f}"),
        Figure(f"{label}: same look-up, raw SQL p95", r95, "ms",
               f"ratio {p95 / r95:.1f}x"),
    ]
    executor = DatabaseExecutor(db)

    async def hops() -> list[float]:
        import time

        samples = []
        for _ in range(2_000):
            start = time.perf_counter()
            await executor.run(users.identify, target)
            samples.append(time.perf_counter() - start)
        return samples

    h50, h95 = percentiles(asyncio.run(hops()))
    executor.shutdown()
    figures.append(Figure(f"{label}: identify awaited through the DB thread p95", h95, "ms",
                          f"p50 {h50:.3f}"))
    return figures
