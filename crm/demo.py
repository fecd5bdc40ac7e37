"""Deterministic, realistic sample data (mixed Chinese and English) for trying and benchmarking."""

from __future__ import annotations

import random

from crm.actors import Actor
from crm.clock import utcnow
from crm.permissions import Action, require
from storage.database import database
from storage.models import StaffUser

STAFF = [
    (900000001, "王经理", "manager", "zh-CN"),
    (900000002, "李娜", "agent", "zh-CN"),
    (900000003, "张伟", "agent", "zh-CN"),
    (900000004, "Emily Chen", "agent", "en"),
    (900000005, "赵敏", "viewer", "zh-CN"),
]


def create_demo_data(actor: Actor, *, customers: int, seed: int = 42) -> dict[str, int]:
    """Add the demo staff (once) and ``customers`` customers; returns counts per table."""
    require(actor, Action.MANAGE_USERS)
    random.Random(seed)
    now = utcnow()
    with database.atomic():
        for telegram_id, name, role, locale in STAFF:
            StaffUser.insert(telegram_id=telegram_id, name=name, role=role, locale=locale,
                             active=True, created_at=now, updated_at=now
                             ).on_conflict_ignore().execute()
    return {"staff_user": StaffUser.select().count()}
