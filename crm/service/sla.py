"""Service levels: how soon a ticket must get its first answer and be resolved, by priority.

A pure rule: the targets come from the config as ``"urgent 1h, high 4h, normal 8h, low 24h"``.
The resolution clock pauses while a ticket waits for the customer ("waiting"): when the wait
ends, the due time moves on by the time waited.
"""

from __future__ import annotations

import datetime as dt
import re

PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "waiting", "resolved", "closed", "reopened")
CHANNELS = ("staff", "telegram")  # opened by staff / by the customer through the bot
OPEN_STATUSES = ("new", "open", "waiting", "reopened")
_PART = re.compile(r"^(low|normal|high|urgent)\s+(\d{1,4})\s*(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_targets(text: str) -> dict[str, dt.timedelta]:
    """``"urgent 1h, high 4h, normal 8h, low 24h"`` → a target per priority; ValueError when a
    priority is missing or a part is not understood."""
    targets: dict[str, dt.timedelta] = {}
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        match = _PART.match(part)
        if not match:
            raise ValueError(part)
        targets[match.group(1)] = dt.timedelta(**{_UNITS[match.group(3)]: int(match.group(2))})
    if set(targets) != set(PRIORITIES):
        raise ValueError("every priority needs a target")
    return targets


def is_targets(text: str) -> bool:
    """Whether ``text`` reads as SLA targets (for the config check)."""
    try:
        parse_targets(text)
    except ValueError:
        return False
    return True


def due_times(priority: str, opened_at: dt.datetime, first_response: str,
              resolution: str, paused: dt.timedelta = dt.timedelta(0)
              ) -> tuple[dt.datetime, dt.datetime]:
    """When the first answer and the resolution are due for a ticket opened at ``opened_at``
    whose resolution clock has been paused for ``paused`` (waits for the customer)."""
    return (opened_at + parse_targets(first_response)[priority],
            opened_at + parse_targets(resolution)[priority] + paused)


def resumed_due(resolution_due_at: dt.datetime, waiting_since: dt.datetime,
                now: dt.datetime) -> tuple[dt.datetime, dt.timedelta]:
    """The resolution due time once a wait for the customer ends, and how long it lasted:
    time the customer took does not count against the team."""
    waited = max(now - waiting_since, dt.timedelta(0))
    return resolution_due_at + waited, waited
