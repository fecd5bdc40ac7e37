"""What reminder services return: plain frozen data, safe to hand to another thread."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ReminderDraft:
    """A reminder understood from words, shown back to the user before it is saved."""

    due_at: dt.datetime  # naive UTC
    text: str
    timezone: str
    repeat: str = ""  # what the words asked for ("每周一", "every day"), else once


@dataclass(frozen=True)
class ReminderView:
    id: int
    staff_id: int
    text: str
    due_at: dt.datetime  # naive UTC
    timezone: str
    repeat: str
    status: str
    source: str
    customer_id: int | None
    customer_name: str | None
    deal_id: int | None
    deal_title: str | None
    late: bool
    last_error: str | None = None
    ticket_id: int | None = None


@dataclass(frozen=True)
class FollowUp:
    """A follow-up set after a call or visit; ``moved_from`` (naive UTC) when it replaced the
    entry's follow-up still waiting at another time."""

    reminder: ReminderView
    moved_from: dt.datetime | None


@dataclass(frozen=True)
class ReminderDelivery:
    """A claimed reminder with what the sender needs: who gets it, in which language."""

    reminder: ReminderView
    telegram_id: int
    locale: str | None
    staff_timezone: str | None


@dataclass(frozen=True)
class FailedReminder:
    reminder: ReminderView
    staff_name: str
    failed_at: dt.datetime | None
