"""A customer's owner history is complete and truthful: every door that changes the owner
leaves one assignment-history row and one timeline entry (who, from whom, to whom, when, by
which door), and picking the owner a customer already has leaves none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest

from crm import customers, sales
from crm.errors import ValidationError
from crm.sales import outbox
from storage.database import fetch_one
from tests.crm.cast import Cast, customer, keep_files_in, make_cast

NOW = dt.datetime(2026, 11, 26, 2, 0)
LATER = NOW + dt.timedelta(hours=5)
PHONE = "13800138000"


@pytest.fixture
def cast(db: peewee.Database, tmp_path: Path) -> Cast:
    keep_files_in(tmp_path / "data")
    return make_cast()


def history(cast: Cast, customer_id: int) -> list[tuple]:
    """The customer's owner history as (from, to, reason, by, at)."""
    return [(h.from_owner_id, h.to_owner_id, h.reason, h.by_id, h.at)
            for h in sales.list_assignment_history(cast.admin, customer_id)]


def owner_timeline(cast: Cast, customer_id: int) -> list[tuple[str, str, str | None]]:
    """The owner changes on the customer's timeline: (door, new owner, who made it)."""
    return [(e.subkind, e.summary, e.staff_name)
            for e in customers.get_timeline(cast.admin, customer_id, limit=50).items
            if e.kind == "assignment"]


def audit_count() -> int:
    return fetch_one("select count(*) from audit_log")[0]


# picking the owner a customer already has ----------------------------------------------------
def test_picking_the_current_owner_changes_nothing_and_says_so(cast) -> None:
    made = customer(cast.agent, "王小明", now=NOW)
    before = (audit_count(), customers.get_customer(cast.admin, made.id).updated_at)
    with pytest.raises(ValidationError) as refused:
        sales.reassign_lead(cast.manager, made.id, cast.agent.user_id, now=LATER)
    assert refused.value.code == "lead.same_owner"
    assert (refused.value.params["owner"], refused.value.params["customer_name"]) == (
        "李娜", "王小明")
    assert history(cast, made.id) == [] and owner_timeline(cast, made.id) == []
    assert (audit_count(), customers.get_customer(cast.admin, made.id).updated_at) == before
    assert outbox.pending_for(cast.agent.user_id) == []


def test_editing_the_owner_to_the_current_one_writes_nothing(cast) -> None:
    made = customer(cast.agent, "王小明", now=NOW)
    before = audit_count()
    customers.update_customer(cast.manager, made.id, "owner_id", cast.agent.user_id, now=LATER)
    assert history(cast, made.id) == [] and owner_timeline(cast, made.id) == []
    assert audit_count() == before


def test_rules_naming_the_current_owner_change_nothing(cast) -> None:
    made = customer(cast.manager, "王小明", now=NOW)  # a manager's lead with an owner named
    sales.configure_assignment(cast.admin, "rules", fallback_owner_id=cast.manager.user_id)
    assert sales.assign_lead(cast.manager, made.id, now=LATER) is None
    assert history(cast, made.id) == [] and owner_timeline(cast, made.id) == []
