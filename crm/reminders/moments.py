"""What a reminder's time is read into, and the calendar arithmetic both languages share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

DEFAULT_HOUR = 9  # "tomorrow", "周五": in the morning, when people start their day
Moment = TypeVar("Moment", dt.date, dt.datetime)


@dataclass(frozen=True)
class When:
    """The understood moment (aware, in the user's zone) and the words that followed it."""

    moment: dt.datetime
    rest: str
    repeat: str = ""  # "daily", "weekly" when the words said so ("每周一", "every Monday")


def add_months(moment: Moment, months: int) -> Moment:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, month_days(year, month)))


def month_days(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day
