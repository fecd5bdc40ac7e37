"""Time helpers: the domain stores naive UTC and takes ``now`` from its callers."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """The current time as naive UTC, the form stored in the database."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
