"""A customer's owner history is complete and truthful: every door that changes the owner
leaves one assignment-history row and one timeline entry (who, from whom, to whom, when, by
which door), and picking the owner a customer already has leaves none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import peewee
import pytest

from crm import audit, customers, imports, sales, users
from crm.actors import Actor
from crm.errors import ValidationError
from crm.sales import outbox
from storage.database import fetch_one
from tests.crm.cast import Cast, customer, keep_files_in, make_cast
from tests.crm.import_files import csv_file

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


# every door leaves one history row and one timeline entry ----------------------------------
def _by_reassignment(cast: Cast, customer_id: int) -> Actor:
    sales.reassign_lead(cast.manager, customer_id, cast.other_agent.user_id, now=LATER)
    return cast.manager


def _by_edit(cast: Cast, customer_id: int) -> Actor:
    customers.update_customer(cast.manager, customer_id, "owner_id", cast.other_agent.user_id,
                              now=LATER)
    return cast.manager


def _by_import(cast: Cast, _customer_id: int) -> Actor:
    rows = [["姓名", "手机", "负责人"], ["王小明", PHONE, "Emily Chen"]]
    preview = imports.preview_import(cast.manager, "owners.csv", csv_file(rows), now=LATER)
    assert imports.confirm_import(cast.manager, preview.token, "update", now=LATER).updated == 1
    return cast.manager


def _by_whole_book(cast: Cast, _customer_id: int) -> Actor:
    users.reassign_customers(cast.admin, cast.agent.telegram_id, cast.other_agent.telegram_id,
                             now=LATER)
    return cast.admin


def _by_assignment_rules(cast: Cast, customer_id: int) -> Actor:
    sales.configure_assignment(cast.admin, "rules", fallback_owner_id=cast.other_agent.user_id)
    assert sales.assign_lead(cast.manager, customer_id, now=LATER) is not None
    return cast.manager


@pytest.mark.parametrize(("door", "reason"), [
    (_by_reassignment, "manual"), (_by_edit, "edit"), (_by_import, "import"),
    (_by_whole_book, "whole_book"), (_by_assignment_rules, "fallback")],
    ids=["reassign", "edit", "import", "whole_book", "rules"])
def test_every_door_writes_the_owner_change_to_history_and_timeline(
        cast, door: Callable[[Cast, int], Actor], reason: str) -> None:
    made = customer(cast.agent, "王小明", phones=(PHONE,), now=NOW)
    by = door(cast, made.id)
    assert history(cast, made.id) == [
        (cast.agent.user_id, cast.other_agent.user_id, reason, by.user_id, LATER)]
    assert owner_timeline(cast, made.id) == [(reason, "Emily Chen", by.name)]


def test_an_import_writes_each_customers_change_and_only_real_ones(cast) -> None:
    people = {name: customer(cast.agent, name, phones=(phone,), now=NOW).id
              for name, phone in (("王小明", PHONE), ("李小龙", "13900139000"),
                                  ("张三", "13700137000"))}
    rows = [["姓名", "手机", "负责人"], ["王小明", PHONE, "Emily Chen"],
            ["李小龙", "13900139000", "张伟"], ["张三", "13700137000", "李娜"]]  # 张三: same
    preview = imports.preview_import(cast.manager, "owners.csv", csv_file(rows), now=LATER)
    imports.confirm_import(cast.manager, preview.token, "update", now=LATER)
    manager, agent = cast.manager.user_id, cast.agent.user_id
    assert history(cast, people["王小明"]) == [
        (agent, cast.other_agent.user_id, "import", manager, LATER)]
    assert history(cast, people["李小龙"]) == [
        (agent, cast.teammate.user_id, "import", manager, LATER)]
    assert history(cast, people["张三"]) == []


def test_a_whole_book_is_in_each_customers_history_and_audit(cast) -> None:
    ids = [customer(cast.agent, name, now=NOW).id for name in ("王小明", "李小龙")]
    users.reassign_customers(cast.admin, cast.agent.telegram_id, cast.other_agent.telegram_id,
                             now=LATER)
    agent, new = cast.agent.user_id, cast.other_agent.user_id
    for customer_id in ids:
        assert history(cast, customer_id) == [(agent, new, "whole_book", cast.admin.user_id,
                                               LATER)]
        [entry] = [e for e in audit.list_audit(cast.admin, customer_id=customer_id).items
                   if e.action == "lead.assign"]
        assert entry.changes == {"owner_id": [agent, new], "reason": [None, "whole_book"]}


def test_handing_a_book_to_its_own_owner_changes_nothing(cast) -> None:
    made = customer(cast.agent, "王小明", now=NOW)
    moved = users.reassign_customers(cast.admin, cast.agent.telegram_id,
                                     cast.agent.telegram_id, now=LATER)
    assert moved.customers == 0
    assert history(cast, made.id) == [] and outbox.pending_for(cast.agent.user_id) == []


def test_an_owner_taken_away_by_an_edit_shows_as_nobody(cast) -> None:
    made = customer(cast.agent, "王小明", now=NOW)
    customers.update_customer(cast.manager, made.id, "owner_id", None, now=LATER)
    assert history(cast, made.id) == [
        (cast.agent.user_id, None, "edit", cast.manager.user_id, LATER)]
    assert owner_timeline(cast, made.id) == [("edit", "—", "王经理")]


def test_the_history_keeps_every_change_in_order_whatever_the_door(cast) -> None:
    made = customer(cast.agent, "王小明", phones=(PHONE,), now=NOW)
    _by_edit(cast, made.id)
    sales.reassign_lead(cast.manager, made.id, cast.teammate.user_id,
                        now=LATER + dt.timedelta(hours=1))
    assert [(h[0], h[1], h[2]) for h in history(cast, made.id)] == [
        (cast.agent.user_id, cast.other_agent.user_id, "edit"),
        (cast.other_agent.user_id, cast.teammate.user_id, "manual")]
    assert [e[0] for e in owner_timeline(cast, made.id)] == ["manual", "edit"]  # newest first


# merges ----------------------------------------------------------------------------------------
def test_an_ownerless_survivor_taking_the_merged_owner_is_in_history_and_audit(cast) -> None:
    keep = customer(cast.manager, "王小明（无人负责）", now=NOW)
    customers.update_customer(cast.manager, keep.id, "owner_id", None, now=NOW)
    other = customer(cast.agent, "王小明", now=NOW, occupation="工程师")
    sales.reassign_lead(cast.manager, other.id, cast.other_agent.user_id, now=NOW)
    customers.merge_customers(cast.manager, keep.id, other.id, now=LATER)
    new = cast.other_agent.user_id
    assert customers.get_customer(cast.admin, keep.id).owner_id == new
    assert history(cast, keep.id)[-1] == (None, new, "merge", cast.manager.user_id, LATER)
    assert owner_timeline(cast, keep.id)[0] == ("merge", "Emily Chen", "王经理")
    [merge] = [e for e in audit.list_audit(cast.admin, customer_id=keep.id).items
               if e.action == "customer.merge"]
    assert merge.changes is not None
    assert (merge.changes["owner"], merge.changes["occupation"]) == ([None, new],
                                                                     [None, "工程师"])
    third = customer(cast.agent, "王小明（重复）", now=NOW)  # the survivor keeps its owner now
    customers.merge_customers(cast.manager, keep.id, third.id, now=LATER + dt.timedelta(hours=1))
    assert [h[2] for h in history(cast, keep.id)] == ["edit", "manual", "merge"]
    merges = [e for e in audit.list_audit(cast.admin, customer_id=keep.id).items
              if e.action == "customer.merge"]
    assert "owner" not in (merges[0].changes or {})  # newest first
