"""Service levels: how soon a ticket must get its first answer and be resolved, by priority.

A pure rule: the targets come from the config as ``"urgent 1h, high 4h, normal 8h, low 24h"``.
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
              resolution: str) -> tuple[dt.datetime, dt.datetime]:
    """When the first answer and the resolution are due for a ticket opened at ``opened_at``."""
    return (opened_at + parse_targets(first_response)[priority],
            opened_at + parse_targets(resolution)[priority])
