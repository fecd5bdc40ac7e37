"""Handing a customer to another owner: its open deals, open orders and outstanding reminders
go along, by every door that changes the owner; closed work stays as history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import peewee
import pytest

from crm import audit, customers, imports, reminders, sales, service, users
from crm.errors import NotFound, ValidationError
from crm.reminders.agenda import get_agenda
from crm.reminders.rules import RuleSettings, apply_reminder_rules
from crm.sales import outbox
from crm.sales.views import OrderLineInput
from storage.database import fetch_all, fetch_one
from tests.crm.cast import SYSTEM, Cast, customer, keep_files_in, make_cast
from tests.crm.import_files import csv_file

# 02:00 UTC is 10:00 in Shanghai, the installation's default zone.
NOW = dt.datetime(2026, 11, 26, 2, 0)
PHONE = "13800138000"


@pytest.fixture
def cast(db: peewee.Database, tmp_path: Path) -> Cast:
    keep_files_in(tmp_path / "data")
    sales.ensure_default_pipeline(now=NOW)
    return make_cast()


def at(hours: float) -> dt.datetime:
    return NOW + dt.timedelta(hours=hours)


def stage(name_en: str) -> int:
    return next(s.id for s in sales.get_pipeline(SYSTEM).stages if s.name_en == name_en)


@dataclass(frozen=True)
class Book:
    """王小明, the agent's customer, with every kind of work on him."""

    customer_id: int
    open_deal: int
    won_deal: int
    lost_deal: int
    teammates_deal: int
    open_order: int
    completed_order: int
    follow_up: int  # pending, about the customer
    deal_reminder: int  # pending, about the open deal
    delivered: int  # sent, not yet marked done
    done: int
    ticket_reminder: int  # about a ticket the agent works


def book(cast: Cast) -> Book:
    agent = cast.agent
    buyer = customer(agent, "王小明", phones=(PHONE,), now=NOW).id
    open_deal = sales.create_deal(agent, buyer, "年度采购", amount="50000",
                                  expected_close="2026-11-20", now=NOW).id
    won = sales.create_deal(agent, buyer, "首单", amount="800", now=NOW).id
    sales.move_deal_to_stage(agent, won, stage("Won"), create_order=True, now=NOW)
    completed = sales.get_deal(agent, won).order_id
    assert completed is not None
    for status in ("confirmed", "completed"):
        sales.change_order_status(agent, completed, status, now=NOW)
    lost = sales.create_deal(agent, buyer, "丢掉的单", now=NOW).id
    sales.move_deal_to_stage(agent, lost, stage("Lost"), lost_reason="price", now=NOW)
    teammates = sales.create_deal(cast.manager, buyer, "张伟的单子",
                                  owner_id=cast.teammate.user_id, now=NOW).id
    open_order = sales.create_order(agent, buyer, [OrderLineInput(
        quantity=1, description="配件", unit_price="300")], now=NOW).id
    remind = reminders.create_reminder
    delivered = remind(agent, at(1), "回电话", customer_id=buyer, now=NOW).id
    [claimed] = reminders.claim_due_reminders(10, at(1))
    assert reminders.mark_reminder_sent(claimed.reminder.id, at(1))
    done = remind(agent, at(2), "已经办完", customer_id=buyer, now=NOW).id
    reminders.complete_reminder(agent, done, now=NOW)
    ticket = service.open_ticket(agent, buyer, "退货", now=NOW)
    return Book(
        buyer, open_deal, won, lost, teammates, open_order, completed,
        remind(agent, at(24), "跟进报价", customer_id=buyer, now=NOW).id,
        remind(agent, at(48), "催合同", deal_id=open_deal, now=NOW).id, delivered, done,
        remind(agent, at(3), "工单回复", ticket_id=ticket.id, now=NOW).id)


def deal_owner(deal_id: int) -> int:
    return fetch_one("select owner_id from deal where id = ?", (deal_id,))[0]


def order_owner(order_id: int) -> int:
    return fetch_one("select owner_id from sales_order where id = ?", (order_id,))[0]


def reminder_owner(reminder_id: int) -> int:
    return fetch_one("select staff_id from reminder where id = ?", (reminder_id,))[0]


def test_a_reassigned_customer_takes_its_open_work_and_leaves_the_history(cast) -> None:
    held = book(cast)
    agent, new = cast.agent.user_id, cast.other_agent.user_id
    sales.reassign_lead(cast.manager, held.customer_id, new, now=at(5))
    assert deal_owner(held.open_deal) == new
    assert [deal_owner(d) for d in (held.won_deal, held.lost_deal)] == [agent, agent]
    assert deal_owner(held.teammates_deal) == cast.teammate.user_id  # not the agent's to give
    assert (order_owner(held.open_order), order_owner(held.completed_order)) == (new, agent)
    moved = (held.follow_up, held.deal_reminder, held.delivered)
    assert [reminder_owner(r) for r in moved] == [new, new, new]
    assert [reminder_owner(r) for r in (held.done, held.ticket_reminder)] == [agent, agent]
    [(code, params, _)] = outbox.pending_for(new)
    assert code == "lead.reassigned_with_work"
    assert (params["deals"], params["orders"], params["reminders"]) == (1, 1, 3)


def test_each_move_is_audited_as_an_owner_change_of_that_record(cast) -> None:
    held = book(cast)
    agent, new = cast.agent.user_id, cast.other_agent.user_id
    sales.reassign_lead(cast.manager, held.customer_id, new, now=at(5))
    entries = audit.list_audit(cast.admin, customer_id=held.customer_id, since=at(5),
                               limit=50).items
    moves = {(e.action, e.entity, e.entity_id): e.changes for e in entries
             if e.action in ("deal.update", "order.update", "reminder.update")}
    assert moves == {
        ("deal.update", "deal", held.open_deal): {"owner_id": [agent, new]},
        ("order.update", "sales_order", held.open_order): {"owner_id": [agent, new]},
        ("reminder.update", "reminder", held.follow_up): {"staff_id": [agent, new]},
        ("reminder.update", "reminder", held.deal_reminder): {"staff_id": [agent, new]},
        ("reminder.update", "reminder", held.delivered): {"staff_id": [agent, new]}}
    assert all(e.actor_name == "王经理" for e in entries if e.action.endswith(".update"))


def test_the_previous_owner_can_no_longer_open_or_act_on_what_moved(cast) -> None:
    held = book(cast)
    sales.reassign_lead(cast.manager, held.customer_id, cast.other_agent.user_id, now=at(5))
    agent = cast.agent
    refusals: list[Callable[[], object]] = [
        lambda: sales.get_deal(agent, held.open_deal),
        lambda: sales.move_deal_to_stage(agent, held.open_deal, stage("Contacted")),
        lambda: sales.update_deal(agent, held.open_deal, "title", "改名"),
        lambda: sales.get_order(agent, held.open_order),
        lambda: sales.record_payment(agent, held.open_order, "100", "cash"),
    ]
    for refuse in refusals:
        with pytest.raises(NotFound):
            refuse()
    assert sales.get_deal(cast.other_agent, held.open_deal).stage.name_en == "Lead"
    mine = [r.text for r in reminders.list_reminders(agent)]
    assert "跟进报价" not in mine and "催合同" not in mine and "工单回复" in mine
    assert sales.get_deal(agent, held.won_deal).owner_id == agent.user_id  # their own win


def test_the_new_owner_has_the_work_on_their_list_and_agenda(cast) -> None:
    held = book(cast)
    new = cast.other_agent
    sales.reassign_lead(cast.manager, held.customer_id, new.user_id, now=at(5))
    theirs = {r.text: r.customer_name for r in reminders.list_reminders(new)}
    assert theirs == {"跟进报价": "王小明", "催合同": "王小明"}
    agenda = get_agenda(new, at(6))
    assert [d.title for d in agenda.late_deals] == ["年度采购"]
    deal = sales.move_deal_to_stage(new, held.open_deal, stage("Contacted"), now=at(6))
    assert deal.owner_name == "Emily Chen"


def test_stale_deal_alerts_after_the_hand_over_go_to_the_new_owner(cast) -> None:
    held = book(cast)
    users.reassign_customers(cast.admin, cast.agent.telegram_id, cast.other_agent.telegram_id,
                             now=at(5))
    settings = RuleSettings(new_lead_days=0, stale_deal_days=14, birthdays=False,
                            timezone="Asia/Shanghai")
    assert apply_reminder_rules(settings, NOW + dt.timedelta(days=15))["stale_deal"] == 2
    alerted = dict(fetch_all("select deal_id, staff_id from reminder"
                             " where source = 'stale_deal'"))
    assert alerted == {held.open_deal: cast.other_agent.user_id,
                       held.teammates_deal: cast.teammate.user_id}
    [(code, params, _)] = outbox.pending_for(cast.other_agent.user_id)
    assert code == "user.customers_handed_with_work"
    assert (params["count"], params["deals"], params["orders"], params["reminders"]) == (
        1, 1, 1, 3)


def _by_edit(cast: Cast, customer_id: int) -> None:
    customers.update_customer(cast.manager, customer_id, "owner_id", cast.other_agent.user_id,
                              now=at(5))


def _by_reassignment(cast: Cast, customer_id: int) -> None:
    sales.reassign_lead(cast.manager, customer_id, cast.other_agent.user_id, now=at(5))


def _by_whole_book(cast: Cast, _customer_id: int) -> None:
    users.reassign_customers(cast.admin, cast.agent.telegram_id, cast.other_agent.telegram_id,
                             now=at(5))


def _by_assignment_rules(cast: Cast, customer_id: int) -> None:
    sales.configure_assignment(cast.admin, "rules", fallback_owner_id=cast.other_agent.user_id)
    assert sales.assign_lead(cast.manager, customer_id, now=at(5)) is not None


def _by_import(cast: Cast, _customer_id: int) -> None:
    rows = [["姓名", "手机", "负责人"], ["王小明", PHONE, "Emily Chen"]]
    preview = imports.preview_import(cast.manager, "owners.csv", csv_file(rows), now=at(5))
    result = imports.confirm_import(cast.manager, preview.token, "update", now=at(5))
    assert result.updated == 1


@pytest.mark.parametrize("door", [_by_edit, _by_reassignment, _by_whole_book,
                                  _by_assignment_rules, _by_import],
                         ids=["edit", "reassign", "whole_book", "rules", "import"])
def test_every_door_that_changes_the_owner_moves_the_open_work(cast, door) -> None:
    held = book(cast)
    door(cast, held.customer_id)
    new, agent = cast.other_agent.user_id, cast.agent.user_id
    assert customers.get_customer(cast.manager, held.customer_id).owner_id == new
    assert (deal_owner(held.open_deal), deal_owner(held.won_deal)) == (new, agent)
    assert order_owner(held.open_order) == new
    assert (reminder_owner(held.follow_up), reminder_owner(held.done)) == (new, agent)
    assert fetch_one("select count(*) from audit_log where action = 'deal.update'")[0] == 1


def test_a_customer_without_open_work_is_handed_over_with_the_short_message(cast) -> None:
    quiet = customer(cast.agent, "李小龙", now=NOW)
    sales.reassign_lead(cast.manager, quiet.id, cast.other_agent.user_id, now=at(5))
    [(code, params, _)] = outbox.pending_for(cast.other_agent.user_id)
    assert code == "lead.reassigned" and params["deals"] == 0


# telling the new owner ---------------------------------------------------------------------
@pytest.mark.parametrize(("door", "code"), [
    (_by_edit, "lead.reassigned_with_work"), (_by_reassignment, "lead.reassigned_with_work"),
    (_by_whole_book, "user.customers_handed_with_work"),
    (_by_assignment_rules, "lead.assigned_with_work"),
    (_by_import, "handover.customers_with_work")],
    ids=["edit", "reassign", "whole_book", "rules", "import"])
def test_every_door_tells_the_new_owner_once_what_came_along(cast, door, code) -> None:
    held = book(cast)
    door(cast, held.customer_id)
    [(told, params, _)] = outbox.pending_for(cast.other_agent.user_id)
    assert told == code
    assert (params["deals"], params["orders"], params["reminders"]) == (1, 1, 3)
    assert params["by"] in ("王经理", "Admin")
    assert (params.get("customer_name", "王小明"), params.get("count", 1)) == ("王小明", 1)
    others = [u.user_id for u in (cast.agent, cast.teammate, cast.manager, cast.admin)]
    assert all(outbox.pending_for(user_id) == [] for user_id in others)


def test_an_owner_changed_by_an_edit_names_the_customer_and_who_handed_it(cast) -> None:
    quiet = customer(cast.agent, "<b>李</b>小龙", now=NOW)
    edit = customers.update_customer
    edit(cast.manager, quiet.id, "owner_id", cast.manager.user_id, now=at(4))  # taken: no news
    edit(cast.manager, quiet.id, "owner_id", cast.other_agent.user_id, now=at(5))
    assert outbox.pending_for(cast.manager.user_id) == []
    [(code, params, _)] = outbox.pending_for(cast.other_agent.user_id)
    assert code == "lead.reassigned"
    assert (params["customer_name"], params["customer_id"], params["by"]) == (
        "<b>李</b>小龙", quiet.id, "王经理")
    edit(cast.manager, quiet.id, "owner_id", cast.other_agent.user_id, now=at(6))  # no change
    with pytest.raises(ValidationError, match="already owns"):
        sales.reassign_lead(cast.manager, quiet.id, cast.other_agent.user_id, now=at(6))
    assert len(outbox.pending_for(cast.other_agent.user_id)) == 1


def test_a_manager_taking_a_customer_is_not_told_of_it(cast) -> None:
    held = book(cast)
    sales.reassign_lead(cast.manager, held.customer_id, cast.manager.user_id, now=at(5))
    assert deal_owner(held.open_deal) == cast.manager.user_id  # the work did move
    assert outbox.pending_for(cast.manager.user_id) == []


def test_an_import_tells_each_new_owner_once_with_their_number_of_customers(cast) -> None:
    held = book(cast)
    for name, phone in (("李小龙", "13900139000"), ("张三", "13700137000")):
        customer(cast.agent, name, phones=(phone,), now=NOW)
    customer(cast.agent, "赵六", phones=("13600136000",), now=NOW)
    rows = [["姓名", "手机", "负责人"], ["王小明", PHONE, "Emily Chen"],
            ["李小龙", "13900139000", "Emily Chen"], ["张三", "13700137000", "张伟"],
            ["赵六", "13600136000", "王经理"]]  # the importer takes one: nobody is told
    preview = imports.preview_import(cast.manager, "owners.csv", csv_file(rows), now=at(5))
    assert imports.confirm_import(cast.manager, preview.token, "update", now=at(5)).updated == 4
    [(code, params, _)] = outbox.pending_for(cast.other_agent.user_id)
    assert code == "handover.customers_with_work"
    assert (params["count"], params["deals"], params["orders"], params["reminders"],
            params["by"]) == (2, 1, 1, 3, "王经理")
    [(code, params, _)] = outbox.pending_for(cast.teammate.user_id)
    assert (code, params["count"]) == ("handover.customers", 1)
    assert deal_owner(held.teammates_deal) == cast.teammate.user_id
    assert outbox.pending_for(cast.manager.user_id) == []


# merging customers of different owners -----------------------------------------------------
def test_merging_hands_the_merged_records_open_work_to_the_survivors_owner(cast) -> None:
    held = book(cast)  # 李娜's 王小明, merged away
    agent, survivor_owner = cast.agent.user_id, cast.other_agent.user_id
    keep = customer(cast.other_agent, "王小明（新）", now=NOW)
    agents_own = sales.create_deal(cast.manager, keep.id, "李娜在新记录上的单",
                                   owner_id=agent, now=NOW).id
    customers.merge_customers(cast.manager, keep.id, held.customer_id, now=at(5))
    assert deal_owner(held.open_deal) == survivor_owner
    assert order_owner(held.open_order) == survivor_owner
    moved = (held.follow_up, held.deal_reminder, held.delivered)
    assert [reminder_owner(r) for r in moved] == [survivor_owner] * 3
    assert [deal_owner(d) for d in (held.won_deal, held.lost_deal, agents_own)] == [agent] * 3
    assert deal_owner(held.teammates_deal) == cast.teammate.user_id
    assert order_owner(held.completed_order) == agent
    assert [reminder_owner(r) for r in (held.done, held.ticket_reminder)] == [agent, agent]
    assert sales.get_deal(cast.other_agent, held.open_deal).customer_id == keep.id
    with pytest.raises(NotFound):
        sales.get_deal(cast.agent, held.open_deal)


def test_a_merge_hand_over_is_audited_under_the_survivor_and_the_new_owner_is_told(cast) -> None:
    held = book(cast)
    agent, new = cast.agent.user_id, cast.other_agent.user_id
    keep = customer(cast.other_agent, "<i>王</i>小明", now=NOW)
    customers.merge_customers(cast.manager, keep.id, held.customer_id, now=at(5))
    entries = audit.list_audit(cast.admin, customer_id=keep.id, since=at(5), limit=50).items
    moves = {(e.entity, e.entity_id): e.changes for e in entries
             if e.action in ("deal.update", "order.update", "reminder.update")}
    assert moves == {
        ("deal", held.open_deal): {"owner_id": [agent, new]},
        ("sales_order", held.open_order): {"owner_id": [agent, new]},
        ("reminder", held.follow_up): {"staff_id": [agent, new]},
        ("reminder", held.deal_reminder): {"staff_id": [agent, new]},
        ("reminder", held.delivered): {"staff_id": [agent, new]}}
    [(code, params, _)] = outbox.pending_for(new)
    assert code == "handover.merged_with_work"
    assert (params["customer_name"], params["merged_name"], params["previous"], params["by"],
            params["customer_id"]) == ("<i>王</i>小明", "王小明", "李娜", "王经理", keep.id)
    assert (params["deals"], params["orders"], params["reminders"]) == (1, 1, 3)
    assert outbox.pending_for(agent) == []


def test_a_merge_hands_over_only_between_different_owners_and_tells_only_others(cast) -> None:
    held = book(cast)
    mine = customer(cast.manager, "王小明（经理的）", now=NOW)
    customers.merge_customers(cast.manager, mine.id, held.customer_id, now=at(5))
    assert deal_owner(held.open_deal) == cast.manager.user_id
    assert outbox.pending_for(cast.manager.user_id) == []  # their own merge
    same = customer(cast.manager, "王小明（重复）", now=NOW)
    same_deal = sales.create_deal(cast.manager, same.id, "重复记录的单", now=NOW).id
    ownerless = customer(cast.manager, "王小明（无人负责）", now=NOW)
    customers.update_customer(cast.manager, ownerless.id, "owner_id", None, now=NOW)
    before = fetch_one("select count(*) from audit_log where action = 'deal.update'")[0]
    customers.merge_customers(cast.admin, mine.id, same.id, now=at(6))  # one owner: no move
    customers.merge_customers(cast.admin, ownerless.id, mine.id, now=at(7))  # takes the owner
    assert customers.get_customer(cast.admin, ownerless.id).owner_id == cast.manager.user_id
    assert {deal_owner(held.open_deal), deal_owner(same_deal)} == {cast.manager.user_id}
    assert fetch_one("select count(*) from audit_log where action = 'deal.update'")[0] == before
    assert outbox.pending_for(cast.manager.user_id) == []
