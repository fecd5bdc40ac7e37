"""Lead assignment: round robin, ordered rules with a fallback, the hook after creation,
reassignment by managers, and the notification outbox that tells the assignee."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from crm import customers, sales, service, users
from crm.customers import AddressInput
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.sales import outbox
from storage.database import fetch_all, fetch_one
from tests.crm.cast import SYSTEM, customer, make_cast

T0 = dt.datetime(2026, 4, 1, 9, 0)


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def new_lead(name: str, actor=SYSTEM, **fields):
    """A lead created with no owner named, then the creation hook (unless create_customer
    already ran it: it leaves a history row whenever it assigns)."""
    made = customer(actor, name, now=T0, **fields)
    if not sales.list_assignment_history(SYSTEM, made.id):
        sales.assign_new_lead(actor, made.id, now=T0)
    return customers.get_customer(SYSTEM, made.id)


def test_round_robin_takes_active_agents_in_turn(cast) -> None:
    sales.configure_assignment(cast.admin, "round_robin")
    owners = [new_lead(f"线索{i}").owner_id for i in range(4)]
    agents = [cast.agent.user_id, cast.teammate.user_id, cast.other_agent.user_id]
    assert owners == [*agents, agents[0]]
    users.deactivate_user(cast.admin, cast.teammate.telegram_id)
    assert [new_lead(f"又一个{i}").owner_id for i in range(2)] == [agents[2], agents[0]]


def test_round_robin_can_be_limited_to_one_team(cast) -> None:
    team = users.create_team(cast.admin, "华南")
    for member in (cast.teammate, cast.other_agent):
        users.set_team(cast.admin, member.telegram_id, team.id)
    sales.configure_assignment(cast.admin, "round_robin", team_id=team.id)
    assert [new_lead(f"线索{i}").owner_id for i in range(3)] == [
        cast.teammate.user_id, cast.other_agent.user_id, cast.teammate.user_id]


@pytest.fixture
def ruled(cast):
    """Rules in order: city 深圳 → teammate; industry 制造业 → other agent; source 展会 → agent;
    province 广东 → other agent; anything else → the manager."""
    sales.configure_assignment(cast.admin, "rules", fallback_owner_id=cast.manager.user_id)
    for field, value, who in (("city", "深圳", cast.teammate), ("industry", "制造业",
                                                              cast.other_agent),
                              ("source", "展会", cast.agent), ("province", "广东",
                                                              cast.other_agent)):
        sales.add_assignment_rule(cast.admin, field, value, who.user_id)
    return cast


def test_the_first_matching_rule_wins(ruled) -> None:
    cast = ruled
    shenzhen = new_lead("深圳制造", addresses=(AddressInput(city="深圳", province="广东"),),
                        source="展会")
    assert shenzhen.owner_id == cast.teammate.user_id
    guangzhou = new_lead("广州展会", addresses=(AddressInput(city="广州", province="广东"),),
                         source="展会")
    assert guangzhou.owner_id == cast.agent.user_id
    foshan = new_lead("佛山", addresses=(AddressInput(city="佛山", province="广东 "),))
    assert foshan.owner_id == cast.other_agent.user_id
    nowhere = new_lead("无名")
    assert nowhere.owner_id == cast.manager.user_id
    history = sales.list_assignment_history(cast.admin, shenzhen.id)
    assert [(h.reason, h.to_owner_id, h.from_owner_id) for h in history] == [
        ("rule", cast.teammate.user_id, None)]
    assert sales.list_assignment_history(cast.admin, nowhere.id)[0].reason == "fallback"


def test_a_rule_matches_the_company_industry(ruled) -> None:
    made = customer(SYSTEM, "工厂客户", company="星辰机械", now=T0)
    customers.update_company(SYSTEM, made.id, "industry", "制造业")
    assert sales.assign_lead(ruled.manager, made.id, now=T0).to_owner_id == (
        ruled.other_agent.user_id)


def test_a_rule_whose_assignee_left_is_skipped(ruled) -> None:
    users.deactivate_user(ruled.admin, ruled.teammate.telegram_id)
    lead = new_lead("深圳", addresses=(AddressInput(city="深圳", province="广东"),))
    assert lead.owner_id == ruled.other_agent.user_id  # the province rule is next


def test_rules_are_kept_in_order_and_can_be_moved_and_removed(ruled) -> None:
    settings = sales.get_assignment_settings(ruled.manager)
    assert [(r.position, r.field, r.value) for r in settings.rules] == [
        (0, "city", "深圳"), (1, "industry", "制造业"), (2, "source", "展会"),
        (3, "province", "广东")]
    moved = sales.move_assignment_rule(ruled.admin, settings.rules[3].id, 0)
    assert [r.field for r in moved.rules] == ["province", "city", "industry", "source"]
    left = sales.remove_assignment_rule(ruled.admin, settings.rules[0].id)
    assert [(r.position, r.field) for r in left.rules] == [
        (0, "province"), (1, "industry"), (2, "source")]
    with pytest.raises(NotFound):
        sales.remove_assignment_rule(ruled.admin, 999999)
    with pytest.raises(PermissionDenied):
        sales.add_assignment_rule(ruled.manager, "city", "北京", ruled.agent.user_id)
    with pytest.raises(ValidationError):
        sales.add_assignment_rule(ruled.admin, "hobby", "golf", ruled.agent.user_id)


def test_the_hook_leaves_agents_leads_and_non_leads_alone(ruled) -> None:
    own = new_lead("我自己的", actor=ruled.agent)
    assert own.owner_id == ruled.agent.user_id
    regular = new_lead("老客户", status="customer")
    assert regular.owner_id is None
    by_manager = new_lead("经理录入", actor=ruled.manager)
    assert by_manager.owner_id == ruled.manager.user_id  # fallback: the manager keeps it
    assert sales.list_assignment_history(ruled.admin, by_manager.id) == []
    with pytest.raises(ValidationError) as caught:
        sales.assign_lead(ruled.admin, regular.id)
    assert caught.value.code == "lead.not_lead"


def test_nothing_is_assigned_while_assignment_is_off(cast) -> None:
    assert new_lead("无人").owner_id is None
    assert fetch_one("select count(*) from notification")[0] == 0


def test_the_assignee_is_told_through_the_outbox(ruled) -> None:
    lead = new_lead("深圳新线索", addresses=(AddressInput(city="深圳"),))
    [(code, params, created)] = outbox.pending_for(ruled.teammate.user_id)
    assert (code, params["customer_name"], params["customer_id"], created) == (
        "lead.assigned", "深圳新线索", lead.id, T0)
    [claimed] = sales.claim_notifications(10, T0)
    assert (claimed.telegram_id, claimed.code, claimed.attempts) == (
        ruled.teammate.telegram_id, "lead.assigned", 1)
    assert sales.claim_notifications(10, T0) == []  # claimed: nobody else takes it
    assert sales.mark_sent(claimed.id, T0)
    assert not sales.mark_sent(claimed.id, T0)
    assert sales.claim_notifications(10, T0 + dt.timedelta(hours=1)) == []


def test_managers_reassign_with_history_and_a_message(ruled) -> None:
    lead = new_lead("转手", addresses=(AddressInput(city="深圳"),))
    with pytest.raises(PermissionDenied):
        sales.reassign_lead(ruled.teammate, lead.id, ruled.agent.user_id)
    moved = sales.reassign_lead(ruled.manager, lead.id, ruled.agent.user_id, note="客户要求",
                                now=T0 + dt.timedelta(hours=2))
    assert (moved.from_owner_id, moved.to_owner_id, moved.reason, moved.note) == (
        ruled.teammate.user_id, ruled.agent.user_id, "manual", "客户要求")
    assert customers.get_customer(ruled.agent, lead.id).owner_id == ruled.agent.user_id
    assert [c for c, _, _ in outbox.pending_for(ruled.agent.user_id)] == ["lead.reassigned"]
    timeline = [e for e in customers.get_timeline(ruled.agent, lead.id).items
                if e.kind == "assignment"]
    assert [(e.subkind, e.summary) for e in timeline] == [("manual", "李娜"), ("rule", "张伟")]
    assert [c.id for c in customers.search_customers(ruled.agent, "转手").items] == [lead.id]


def _queue(cast, count: int) -> list[int]:
    return [outbox.notify(cast.agent.user_id, "test.ping", {"n": i}, T0) for i in range(count)]


def test_claims_never_overlap_and_a_stale_claim_is_taken_again(cast) -> None:
    ids = _queue(cast, 5)
    first = [n.id for n in sales.claim_notifications(2, T0)]
    second = [n.id for n in sales.claim_notifications(10, T0)]
    assert first == ids[:2] and second == ids[2:]
    late = T0 + outbox.CLAIM_LEASE + dt.timedelta(seconds=1)
    retaken = sales.claim_notifications(10, late)
    assert [n.id for n in retaken] == ids and {n.attempts for n in retaken} == {2}


def test_failures_are_retried_later_unless_permanent(cast) -> None:
    blocked, flaky = _queue(cast, 2)
    sales.claim_notifications(10, T0)
    assert sales.mark_failed(blocked, "Forbidden: bot was blocked by the user", T0, True)
    assert sales.mark_failed(flaky, "Timed out", T0, False)
    assert sales.claim_notifications(10, T0) == []  # back-off: one minute after the 1st try
    [again] = sales.claim_notifications(10, T0 + dt.timedelta(minutes=1))
    assert (again.id, again.attempts) == (flaky, 2)
    row = fetch_all("select failed_at, last_error from notification where id = ?", (blocked,))
    assert row == [(row[0][0], "Forbidden: bot was blocked by the user")] and row[0][0]


def test_a_message_gives_up_after_the_last_attempt(cast) -> None:
    [only] = _queue(cast, 1)
    when = T0
    for _ in range(outbox.MAX_ATTEMPTS):
        [claimed] = sales.claim_notifications(1, when)
        sales.mark_failed(claimed.id, "Bad Gateway", when, False)
        when += dt.timedelta(hours=2)
    assert sales.claim_notifications(1, when) == []
    assert fetch_one("select attempts, failed_at is not null from notification where id = ?",
                     (only,)) == (outbox.MAX_ATTEMPTS, True)


def test_a_second_postgres_sender_skips_rows_locked_by_the_first(cast, db_url, is_postgres
                                                                 ) -> None:
    if not is_postgres:
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer at a time")
    from storage.database import open_database

    ids = _queue(cast, 3)
    other = open_database(db_url)
    other.connect()
    try:
        other.execute_sql("begin")
        other.execute_sql("select id from notification where id = %s for update", (ids[0],))
        claimed = [n.id for n in sales.claim_notifications(10, T0)]
        assert claimed == ids[1:]  # not blocked, and the locked row left for its holder
    finally:
        other.execute_sql("rollback")
        other.close()


def test_owner_choices_are_active_staff_who_work_on_customers(cast) -> None:
    users.deactivate_user(cast.admin, cast.teammate.telegram_id)
    names = {name for _, name in sales.owner_choices(cast.manager)}
    assert cast.agent.name in names and cast.manager.name in names
    assert cast.teammate.name not in names  # deactivated
    viewers = fetch_all("select name from staff_user where role = 'viewer'")
    assert not {name for (name,) in viewers} & names
    with pytest.raises(PermissionDenied):
        sales.owner_choices(cast.agent)


def test_owner_choices_tell_apart_staff_of_one_name(cast) -> None:
    south = users.create_team(cast.admin, "华南组")
    first = users.add_user(cast.admin, 7001, "manager", "王经理", username="wangjl",
                           team_id=south.id)
    second = users.add_user(cast.admin, 7002, "agent", "王经理")
    choices = dict(sales.owner_choices(cast.manager))
    assert choices[first.id] == "王经理 (@wangjl, 华南组)"
    assert choices[second.id] == f"王经理 #{second.id}"
    assert choices[cast.agent.user_id] == cast.agent.name  # a name of its own stays as it is


def test_nothing_is_handed_to_a_viewer_through_any_door(cast) -> None:
    """A viewer only reads: no customer, deal, ticket, new lead or whole book goes to one, and
    each refusal names the person and changes nothing."""
    viewer = cast.viewer.user_id
    held = customer(cast.agent, "赵客户", now=T0)
    refusals = [
        lambda: sales.reassign_lead(cast.manager, held.id, viewer, now=T0),
        lambda: customers.update_customer(cast.manager, held.id, "owner_id", viewer, now=T0),
        lambda: customers.create_customer(cast.manager, customers.CustomerDraft(
            name="新客户", owner_id=viewer), now=T0),
        lambda: sales.create_deal(cast.manager, held.id, "单子", owner_id=viewer, now=T0),
        lambda: sales.configure_assignment(cast.admin, "rules", fallback_owner_id=viewer),
        lambda: service.assign_ticket(cast.manager, service.open_ticket(
            cast.manager, held.id, "问题", now=T0).id, viewer, now=T0),
        lambda: users.reassign_customers(cast.admin, cast.agent.telegram_id,
                                         cast.viewer.telegram_id, now=T0),
    ]
    for refuse in refusals:
        with pytest.raises(ValidationError) as caught:
            refuse()
        assert (caught.value.code, caught.value.params["name"]) == ("validation.cannot_own",
                                                                     "赵敏")
    assert customers.get_customer(SYSTEM, held.id).owner_id == cast.agent.user_id
    assert fetch_one("select count(*) from customer where owner_id = ?", (viewer,))[0] == 0
    assert fetch_one("select count(*) from deal")[0] == 0
    assert fetch_one("select count(*) from ticket where assignee_id = ?", (viewer,))[0] == 0
    users.deactivate_user(cast.admin, cast.teammate.telegram_id)
    with pytest.raises(ValidationError) as caught:
        customers.update_customer(cast.manager, held.id, "owner_id", cast.teammate.user_id)
    assert caught.value.code == "validation.not_active_staff"
