"""What every benchmark shares: the machine line, timing helpers, figure printing."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    note: str = ""

    def line(self) -> str:
        value = f"{self.value:,.3f}" if self.value < 100 else f"{self.value:,.0f}"
        return f"  {self.name:<58} {value:>12} {self.unit:<8} {self.note}"


def machine_line(postgres_version: str | None) -> str:
    """Python, SQLite and PostgreSQL versions and the core count, printed before any figure."""
    return (f"machine: {platform.machine()} {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"PostgreSQL {postgres_version or 'not measured (set CRM_BENCH_POSTGRES_URL)'}")


def percentiles(samples: Iterable[float]) -> tuple[float, float]:
    """p50 and p95 of samples in seconds, returned in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of each of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples
