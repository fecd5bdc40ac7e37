"""Deals: stage moves and their history, the lost reason, won deals and orders, visibility,
the customer's timeline, merges and erasure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee
import pytest

from crm import customers, privacy, sales
from crm.errors import ChangedSince, NotFound, PermissionDenied, ValidationError
from storage.database import fetch_all, fetch_one
from tests.crm.cast import SYSTEM, customer, make_cast

T0 = dt.datetime(2026, 3, 2, 9, 0)


@pytest.fixture
def cast(db: peewee.Database):
    sales.ensure_default_pipeline(now=T0)
    return make_cast()


def stage(name_en: str):
    """A stage of the default pipeline by its English name."""
    return next(s for s in sales.get_pipeline(SYSTEM).stages if s.name_en == name_en)


def test_a_new_deal_starts_in_the_first_open_stage_with_an_exact_amount(cast) -> None:
    buyer = customer(cast.agent, "王小明", company="星辰贸易")
    deal = sales.create_deal(cast.agent, buyer.id, "年度采购", amount="12,345,678,901.23",
                             expected_close="2026-04-30", source="展会", now=T0)
    again = sales.get_deal(cast.agent, deal.id)
    assert again.amount == Decimal("12345678901.23") and again.currency == "CNY"
    assert (again.stage.name_zh, again.stage.name_en, again.stage.kind) == ("线索", "Lead", "open")
    assert again.company_name == "星辰贸易" and again.owner_id == cast.agent.user_id
    assert again.expected_close == dt.date(2026, 4, 30)
    [first] = sales.get_deal_history(cast.agent, deal.id)
    assert (first.from_stage_id, first.to_name_en, first.moved_at) == (None, "Lead", T0)


def test_floats_and_too_many_decimals_are_refused(cast) -> None:
    buyer = customer(cast.agent)
    with pytest.raises(ValidationError) as caught:
        sales.create_deal(cast.agent, buyer.id, "浮点", amount=0.1)
    assert caught.value.code == "money.invalid"
    with pytest.raises(ValidationError) as caught:
        sales.create_deal(cast.agent, buyer.id, "三位小数", amount="1.005")
    assert caught.value.code == "money.precision"
    with pytest.raises(ValidationError) as caught:
        sales.create_deal(cast.agent, buyer.id, "日元", amount="100.5", currency="JPY")
    assert caught.value.code == "money.precision"


def test_every_move_is_recorded_with_who_when_from_and_to(cast) -> None:
    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "设备", amount=5000, now=T0)
    sales.move_deal_to_stage(cast.agent, deal.id, stage("Contacted").id,
                             now=T0 + dt.timedelta(days=1))
    sales.move_deal_to_stage(cast.manager, deal.id, stage("Proposal").id,
                             now=T0 + dt.timedelta(days=3))
    moves = sales.get_deal_history(cast.agent, deal.id)
    assert [(m.from_name_en, m.to_name_en, m.moved_by_name) for m in moves] == [
        (None, "Lead", "李娜"), ("Lead", "Contacted", "李娜"), ("Contacted", "Proposal", "王经理")]
    assert moves[-1].moved_at == T0 + dt.timedelta(days=3)
    assert sales.get_deal(cast.agent, deal.id).closed_at is None


def test_moving_to_lost_needs_a_reason_from_the_list(cast) -> None:
    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "丢单", amount=100, now=T0)
    lost = stage("Lost")
    with pytest.raises(ValidationError) as caught:
        sales.move_deal_to_stage(cast.agent, deal.id, lost.id)
    assert caught.value.code == "deal.lost_reason_required"
    with pytest.raises(ValidationError) as caught:
        sales.move_deal_to_stage(cast.agent, deal.id, lost.id, lost_reason="bad_luck")
    assert caught.value.code == "validation.choice"
    with pytest.raises(ValidationError) as caught:
        sales.move_deal_to_stage(cast.agent, deal.id, lost.id, lost_reason="other")
    assert caught.value.code == "deal.lost_note_required"
    assert len(sales.get_deal_history(cast.agent, deal.id)) == 1
    moved = sales.move_deal_to_stage(cast.agent, deal.id, lost.id, lost_reason="competitor",
                                     lost_note="对手低价 15%", now=T0 + dt.timedelta(days=1))
    assert (moved.stage.kind, moved.lost_reason, moved.lost_note, moved.closed_at) == (
        "lost", "competitor", "对手低价 15%", T0 + dt.timedelta(days=1))
    last = sales.get_deal_history(cast.agent, deal.id)[-1]
    assert (last.lost_reason, last.lost_note) == ("competitor", "对手低价 15%")


def test_reopening_a_lost_deal_clears_the_reason_and_keeps_the_history(cast) -> None:
    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "复活", amount=100)
    sales.move_deal_to_stage(cast.agent, deal.id, stage("Lost").id, lost_reason="timing")
    reopened = sales.move_deal_to_stage(cast.agent, deal.id, stage("Negotiation").id)
    assert (reopened.stage.kind, reopened.lost_reason, reopened.closed_at) == ("open", None, None)
    assert [m.to_kind for m in sales.get_deal_history(cast.agent, deal.id)] == [
        "open", "lost", "open"]


def test_a_move_chosen_on_an_older_view_of_the_deal_is_refused_saying_when_it_closed(
        cast) -> None:
    """Won late on 2 March in UTC is 3 March in Shanghai: the day is the actor's."""
    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "旧卡片", amount=100)
    lead = deal.stage.id
    sales.move_deal_to_stage(cast.agent, deal.id, stage("Won").id,
                             now=dt.datetime(2026, 3, 2, 20, 0))
    for target, reason in ((stage("Contacted"), None), (stage("Lost"), "price")):
        with pytest.raises(ChangedSince) as refused:
            sales.move_deal_to_stage(cast.agent, deal.id, target.id, lost_reason=reason,
                                     seen_stage_id=lead)
        assert (refused.value.code, refused.value.params["day"]) == ("deal.already_won",
                                                                     "2026-03-03")
    assert sales.get_deal(cast.agent, deal.id).stage.kind == "won"
    assert len(sales.get_deal_history(cast.agent, deal.id)) == 2
    reopened = sales.move_deal_to_stage(cast.agent, deal.id, stage("Contacted").id,
                                        seen_stage_id=stage("Won").id)
    assert reopened.stage.name_en == "Contacted"
    with pytest.raises(ChangedSince) as moved:
        sales.move_deal_to_stage(cast.agent, deal.id, stage("Proposal").id, seen_stage_id=lead)
    assert moved.value.code == "deal.moved_since"


def test_winning_can_create_a_draft_order_for_the_amount_once(cast) -> None:
    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "服务器 ×2", amount="19999.90", now=T0)
    won = sales.move_deal_to_stage(cast.agent, deal.id, stage("Won").id, create_order=True,
                                   now=T0)
    order = sales.get_order(cast.agent, won.order_id)
    assert (order.status, order.total, order.deal_id, order.number) == (
        "draft", Decimal("19999.90"), deal.id, "SO-2026-000001")
    assert order.lines[0].description == "服务器 ×2"
    sales.move_deal_to_stage(cast.agent, deal.id, stage("Negotiation").id)
    again = sales.move_deal_to_stage(cast.agent, deal.id, stage("Won").id, create_order=True)
    assert again.order_id == order.id
    assert fetch_one("select count(*) from sales_order")[0] == 1


def test_a_stage_of_another_pipeline_or_archived_is_refused(cast) -> None:
    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "跨管道")
    other = sales.create_pipeline(cast.admin, "渠道", "Channel")
    with pytest.raises(ValidationError) as caught:
        sales.move_deal_to_stage(cast.agent, deal.id, other.stages[1].id)
    assert caught.value.code == "deal.stage_other_pipeline"
    sales.archive_stage(cast.admin, stage("Contacted").id)
    archived = fetch_one("select id from pipeline_stage where name_en = 'Contacted'"
                         " and archived_at is not null")[0]
    with pytest.raises(ValidationError) as caught:
        sales.move_deal_to_stage(cast.agent, deal.id, archived)
    assert caught.value.code == "deal.stage_archived"


def test_an_agent_sees_deals_of_customers_they_see_and_deals_they_own(cast) -> None:
    mine = customer(cast.agent, "我的客户")
    theirs = customer(cast.other_agent, "别人的客户")
    on_mine = sales.create_deal(cast.agent, mine.id, "我的单")
    on_theirs = sales.create_deal(cast.other_agent, theirs.id, "他们的单")
    handed = sales.create_deal(cast.manager, theirs.id, "交给我的单", owner_id=cast.agent.user_id)
    assert sales.get_deal(cast.agent, handed.id).owner_id == cast.agent.user_id
    with pytest.raises(NotFound):
        sales.get_deal(cast.agent, on_theirs.id)
    with pytest.raises(NotFound):
        sales.move_deal_to_stage(cast.agent, on_theirs.id, stage("Contacted").id)
    lead = stage("Lead").id
    assert {d.id for d in sales.list_stage_deals(cast.agent, lead).items} == {
        on_mine.id, handed.id}
    assert {d.id for d in sales.list_stage_deals(cast.manager, lead).items} == {
        on_mine.id, on_theirs.id, handed.id}
    with pytest.raises(NotFound):
        sales.list_customer_deals(cast.agent, theirs.id)


def test_viewers_read_but_do_not_move_and_agents_do_not_hand_deals_over(cast) -> None:
    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "只读")
    assert sales.get_deal(cast.viewer, deal.id).title == "只读"
    with pytest.raises(PermissionDenied):
        sales.move_deal_to_stage(cast.viewer, deal.id, stage("Contacted").id)
    with pytest.raises(PermissionDenied):
        sales.update_deal(cast.agent, deal.id, "owner_id", cast.teammate.user_id)
    with pytest.raises(PermissionDenied):
        sales.create_deal(cast.agent, buyer.id, "给队友", owner_id=cast.teammate.user_id)
    moved = sales.update_deal(cast.manager, deal.id, "owner_id", cast.teammate.user_id)
    assert moved.owner_name == "张伟"


def test_edits_are_audited_and_checked(cast) -> None:
    from crm import audit

    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "旧标题", amount="10.00", now=T0)
    sales.update_deal(cast.agent, deal.id, "title", "新标题", now=T0)
    changed = sales.update_deal(cast.agent, deal.id, "amount", "88.80", now=T0)
    assert changed.amount == Decimal("88.80")
    with pytest.raises(ValidationError):
        sales.update_deal(cast.agent, deal.id, "stage_id", 3)
    actions = [e.action for e in audit.list_audit(cast.admin, customer_id=buyer.id,
                                                   limit=50).items]
    assert actions.count("deal.update") == 2 and "deal.create" in actions
    entry = next(e for e in audit.list_audit(cast.admin, customer_id=buyer.id).items
                 if e.action == "deal.update" and "title" in (e.changes or {}))
    assert entry.changes == {"title": ["旧标题", "新标题"]}


def test_a_deleted_deal_is_hidden_and_can_be_restored(cast) -> None:
    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "删了")
    with pytest.raises(PermissionDenied):
        sales.delete_deal(cast.agent, deal.id)
    sales.delete_deal(cast.manager, deal.id)
    with pytest.raises(NotFound):
        sales.get_deal(cast.manager, deal.id)
    assert sales.list_customer_deals(cast.agent, buyer.id).items == ()
    assert sales.restore_deal(cast.manager, deal.id).title == "删了"


def test_stage_moves_appear_on_the_customer_timeline(cast) -> None:
    buyer = customer(cast.agent, now=T0 - dt.timedelta(days=1))
    deal = sales.create_deal(cast.agent, buyer.id, "时间线", now=T0)
    sales.move_deal_to_stage(cast.agent, deal.id, stage("Won").id, now=T0 + dt.timedelta(hours=1))
    items = customers.get_timeline(cast.agent, buyer.id).items
    assert [(e.kind, e.subkind, e.summary) for e in items[:2]] == [
        ("deal_stage", "won", "时间线"), ("deal_stage", "open", "时间线")]
    assert items[0].data["from_en"] == "Lead" and items[0].data["to_zh"] == "赢单"


def test_deals_follow_their_customer_through_a_merge(cast) -> None:
    keep = customer(cast.agent, "王小明")
    other = customer(cast.agent, "王晓明")
    deal = sales.create_deal(cast.agent, other.id, "跟着走")
    customers.merge_customers(cast.manager, keep.id, other.id)
    assert sales.get_deal(cast.agent, deal.id).customer_id == keep.id
    assert [d.id for d in sales.list_customer_deals(cast.agent, keep.id).items] == [deal.id]


def test_erasure_keeps_the_amounts_and_removes_the_words(cast) -> None:
    buyer = customer(cast.agent, "欧阳娜娜")
    deal = sales.create_deal(cast.agent, buyer.id, "欧阳娜娜的装修单", amount="30000",
                             notes="她家在科技园")
    sales.move_deal_to_stage(cast.agent, deal.id, stage("Lost").id, lost_reason="other",
                             lost_note="欧阳娜娜搬家了")
    privacy.erase_customer(cast.admin, buyer.id)
    row = fetch_one("select title, notes, lost_note, amount_minor from deal where id = ?",
                    (deal.id,))
    assert row == (privacy.ERASED, None, None, 3000000)
    assert fetch_all("select lost_note from deal_stage_history where lost_note is not null") == []


def _plan(db: peewee.Database, is_postgres: bool, query: str, params: tuple) -> str:
    if is_postgres:
        # Statistics left by earlier tests on these tables would steer the planner elsewhere:
        # plan against what the tables hold now.
        db.execute_sql("analyze deal, customer, sales_order")
        db.execute_sql("set enable_seqscan = off")  # tiny tables: ask whether an index serves
        rows = db.execute_sql("explain " + query.replace("?", "%s"), params).fetchall()
        db.execute_sql("reset enable_seqscan")
        return "\n".join(r[0] for r in rows)
    rows = db.execute_sql("explain query plan " + query, params).fetchall()
    return "\n".join(str(r[-1]) for r in rows)


@pytest.mark.parametrize(("query", "index"), [
    ("select d.id from deal d join customer c on c.id = d.customer_id where d.stage_id = ?"
     " and d.deleted_at is null and c.deleted_at is null and (coalesce(c.owner_id, 0) in (1)"
     " or coalesce(d.owner_id, 0) in (1)) order by d.updated_at desc, d.id desc limit 11",
     "deal_stage_id_updated_at"),
    ("select d.id from deal d where d.customer_id = ? and d.deleted_at is null"
     " order by d.created_at desc, d.id desc limit 11", "deal_customer_id_created_at"),
    ("select id from sales_order where customer_id = ? order by created_at desc, id desc"
     " limit 11", "salesorder_customer_id_created_at"),
])
def test_listing_a_stage_or_a_customer_uses_an_index(cast, db, is_postgres, query: str,
                                                     index: str) -> None:
    if is_postgres:  # a pipeline's worth of deals, so the planner's choice is not a tie
        sales.create_deal(cast.agent, customer(cast.agent).id, "样本", now=T0)
        db.execute_sql(
            "insert into deal (pipeline_id, stage_id, title, customer_id, owner_id, currency,"
            " created_at, updated_at) select d.pipeline_id, s.id, d.title, d.customer_id,"
            " d.owner_id, d.currency, d.created_at, d.updated_at + g * interval '1 second'"
            " from deal d cross join pipeline_stage s cross join generate_series(1, 300) g")
    plan = _plan(db, is_postgres, query, (1,))
    assert index in plan, plan
    assert "SCAN d\n" not in plan + "\n" and "Seq Scan on deal" not in plan


def test_a_move_racing_another_is_refused_rather_than_misrecorded(cast, monkeypatch) -> None:
    from crm.errors import Conflict
    from crm.sales import deals
    from storage.database import database

    deal = sales.create_deal(cast.agent, customer(cast.agent).id, "抢", now=T0)
    proposal, original = stage("Proposal").id, deals.check_stage_move

    def meanwhile(*args, **kwargs):
        database.execute_sql(f"update deal set stage_id = {proposal} where id = {deal.id}")
        return original(*args, **kwargs)

    monkeypatch.setattr(deals, "check_stage_move", meanwhile)
    with pytest.raises(Conflict) as caught:
        sales.move_deal_to_stage(cast.agent, deal.id, stage("Contacted").id)
    assert caught.value.code == "deal.moved_meanwhile"
    assert len(sales.get_deal_history(cast.agent, deal.id)) == 1
