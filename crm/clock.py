"""Time helpers: the domain stores naive UTC and takes ``now`` from its callers."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The current time as naive UTC, the form stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def as_datetime(value: object) -> dt.datetime | None:
    """A timestamp from a raw query (SQLite gives text, PostgreSQL a datetime)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def as_date(value: object) -> dt.date | None:
    """A date from a raw query."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])

