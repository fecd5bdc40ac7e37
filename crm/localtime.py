"""The local calendar: times are stored as naive UTC, but a day people see or count by (an
order's date, a payment's, a ticket's year, someone's age) is the day on their own clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from crm import runtime
from crm.actors import Actor


def zone_of(actor: Actor) -> str:
    """The actor's time zone, else the installation's."""
    return actor.timezone or runtime.config().timezone


def local_now(timezone: str, now: dt.datetime) -> dt.datetime:
    """A naive UTC moment as an aware one in ``timezone``."""
    return now.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(timezone))


def to_utc(moment: dt.datetime) -> dt.datetime:
    """An aware moment as the naive UTC the database stores."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def local_today(actor: Actor, now: dt.datetime) -> dt.date:
    """The actor's date at the naive UTC ``now`` (05:29 on the 27th in Shanghai is still the
    26th in UTC)."""
    return local_now(zone_of(actor), now).date()


def installation_today(now: dt.datetime) -> dt.date:
    """The installation's date at the naive UTC ``now`` (for work no one person does)."""
    return local_now(runtime.config().timezone, now).date()


def day_start_utc(day: dt.date, timezone: str) -> dt.datetime:
    """Midnight of a local day in ``timezone`` as naive UTC (for filters on stored times)."""
    return to_utc(dt.datetime.combine(day, dt.time(), ZoneInfo(timezone)))


def local_naive(moment: dt.datetime, timezone: str) -> dt.datetime:
    """A stored (naive UTC) time as naive local time to the second: what a file cell shows."""
    return local_now(timezone, moment).replace(tzinfo=None, microsecond=0)
