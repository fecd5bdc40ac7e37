"""The fixed cast of the domain tests, and factories that build valid records in one call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crm import customers, runtime, users
from crm.actors import Actor
from crm.config import load_config
from crm.customers.views import CustomerCard
from tests.conftest import TEST_SECRET

SYSTEM = Actor.system()


@dataclass(frozen=True)
class Cast:
    agent: Actor
    teammate: Actor
    other_agent: Actor
    manager: Actor
    admin: Actor
    viewer: Actor


def make_cast() -> Cast:
    made = {}
    for telegram_id, (key, role, name) in enumerate([
        ("agent", "agent", "李娜"), ("teammate", "agent", "张伟"),
        ("other_agent", "agent", "Emily Chen"), ("manager", "manager", "王经理"),
        ("admin", "admin", "Admin"), ("viewer", "viewer", "赵敏"),
    ], start=9001):
        made[key] = users.add_user(SYSTEM, telegram_id, role, name).as_actor()
    return Cast(**made)


def keep_files_in(data_dir: Path) -> None:
    """Configure the tests' key with uploads, imports and exports kept under ``data_dir``."""
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY": TEST_SECRET,
                                           "CRM_DATA_DIR": str(data_dir)}, look_in_cwd=False))


def customer(actor: Actor, name: str = "王小明", **fields: object) -> CustomerCard:
    """A valid customer owned by ``actor``; duplicates allowed unless a test says otherwise."""
    allow = bool(fields.pop("allow_duplicate", True))
    now = fields.pop("now", None)
    draft = customers.CustomerDraft(name=name, **fields)  # type: ignore[arg-type]
    return customers.create_customer(actor, draft, allow_duplicate=allow, now=now)
