"""Bulk actions on 100,000 customers (CRM_BENCH_BULK_CUSTOMERS sets the size): a tag added to
every one, the same again (nothing left to change), the tag taken off, and every customer
handed to one staff member with the open work of those who were not theirs yet.

Each figure is the whole action as the chat and `crm customers` run it (one transaction:
the set-based write, each customer's audit entry, their search entries rebuilt); the note
says how long the set-based statements alone took (until the action's first progress step).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from bench.common import Figure
from crm import bulk
from crm.actors import Actor, Channel
from crm.demo import create_demo_data
from crm.exports import Filters
from storage.database import fetch_one

SYSTEM = Actor.system(Channel.CLI)


def size() -> int:
    return int(os.environ.get("CRM_BENCH_BULK_CUSTOMERS", "100000"))


def _measured(action: Callable[..., bulk.BulkResult]) -> tuple[bulk.BulkResult, float, float]:
    """The action's result, its seconds, and the seconds until its first progress step."""
    first: list[float] = []
    start = time.perf_counter()
    result = action(progress=lambda done, total: first or first.append(time.perf_counter()))
    end = time.perf_counter()
    return result, end - start, (first[0] if first else end) - start


def run(db: object, engine: str) -> Iterator[Figure]:
    count = size()
    create_demo_data(SYSTEM, customers=count)
    everyone = Filters()
    steps = [
        ("tag added to every customer", lambda **kw: bulk.add_tag(SYSTEM, everyone, "华东", **kw)),
        ("the same again: nothing to change",
         lambda **kw: bulk.add_tag(SYSTEM, everyone, "华东", **kw)),
        ("the tag taken off every customer",
         lambda **kw: bulk.remove_tag(SYSTEM, everyone, "华东", **kw)),
    ]
    owner = fetch_one("select owner_id from customer group by owner_id"
                      " order by count(*) desc limit 1")[0]
    steps.append(("every customer handed to one member",
                  lambda **kw: bulk.hand_over(SYSTEM, everyone, owner, **kw)))
    for name, action in steps:
        result, seconds, statements = _measured(action)
        work = result.work
        moved = (f"; deals {work.deals:,}, orders {work.orders:,}, reminders"
                 f" {work.reminders:,} followed" if result.action == bulk.HAND_OVER else "")
        yield Figure(f"{engine}: {name}", seconds, "s",
                     f"{result.changed:,} of {result.matched:,} changed; set-based statements"
                     f" {statements:.3f} s{moved}")
