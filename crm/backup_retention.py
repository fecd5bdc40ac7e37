"""Which backups to keep: the newest of each of the last N days, weeks and months that have one.

A pure rule (no files, no clock): periods without a backup do not count, so backups that
stopped for a while are never all deleted at once, and the newest backup is always kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from zoneinfo import ZoneInfo


def _periods() -> tuple[tuple[str, Callable[[dt.datetime], Hashable]], ...]:
    return (("daily", lambda t: t.date()),
            ("weekly", lambda t: t.isocalendar()[:2]),
            ("monthly", lambda t: (t.year, t.month)))


def select_retained(backups: Sequence[tuple[str, dt.datetime]], *, daily: int, weekly: int,
                    monthly: int, timezone: str = "UTC") -> set[str]:
    """The names to keep of ``(name, created_at as naive UTC)`` pairs; days, weeks (ISO,
    Monday first) and months are those of ``timezone``."""
    zone = ZoneInfo(timezone)
    local = sorted(((name, created.replace(tzinfo=dt.UTC).astimezone(zone))
                    for name, created in backups), key=lambda item: item[1], reverse=True)
    keep = {local[0][0]} if local else set()
    limits = {"daily": daily, "weekly": weekly, "monthly": monthly}
    for rule, period_of in _periods():
        seen: set[Hashable] = set()
        for name, moment in local:
            if len(seen) >= limits[rule]:
                break
            period = period_of(moment)
            if period not in seen:
                seen.add(period)
                keep.add(name)
    return keep
