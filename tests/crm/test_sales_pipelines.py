"""Pipelines: the bilingual default, and admins renaming, reordering, adding and archiving
stages without losing any deal's history."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from crm import sales
from crm.errors import Conflict, PermissionDenied, ValidationError
from storage.database import fetch_one
from tests.crm.cast import SYSTEM, customer, make_cast

T0 = dt.datetime(2026, 3, 2, 9, 0)
DEFAULT = [("线索", "Lead", 10, "open"), ("已联系", "Contacted", 20, "open"),
           ("需求确认", "Qualified", 40, "open"), ("报价", "Proposal", 60, "open"),
           ("谈判", "Negotiation", 80, "open"), ("赢单", "Won", 100, "won"),
           ("输单", "Lost", 0, "lost")]


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def by_name(pipeline, name_en: str):
    return next(s for s in pipeline.stages if s.name_en == name_en)


def test_the_default_pipeline_is_created_once_with_bilingual_stages(cast) -> None:
    first = sales.ensure_default_pipeline(now=T0)
    assert sales.ensure_default_pipeline() == first
    pipeline = sales.get_pipeline(cast.agent)
    assert pipeline.id == first and (pipeline.name_zh, pipeline.name_en) == (
        "销售管道", "Sales pipeline")
    assert [(s.name_zh, s.name_en, s.probability, s.kind) for s in pipeline.stages] == DEFAULT
    assert [s.position for s in pipeline.stages] == list(range(7))
    assert pipeline.stages[1].name("en") == "Contacted"
    assert pipeline.stages[1].name("zh-CN") == "已联系"
    assert fetch_one("select count(*) from pipeline")[0] == 1


def test_renaming_a_stage_keeps_the_moves_into_it(cast) -> None:
    pipeline = sales.get_pipeline(cast.admin)
    deal = sales.create_deal(cast.agent, customer(cast.agent).id, "改名", now=T0)
    sales.move_deal_to_stage(cast.agent, deal.id, by_name(pipeline, "Contacted").id, now=T0)
    renamed = sales.rename_stage(cast.admin, by_name(pipeline, "Contacted").id, name_zh="已沟通",
                                 name_en="Reached")
    assert (renamed.name_zh, renamed.name_en, renamed.kind) == ("已沟通", "Reached", "open")
    history = sales.get_deal_history(cast.agent, deal.id)
    assert [(m.to_name_zh, m.to_name_en) for m in history] == [
        ("线索", "Lead"), ("已沟通", "Reached")]


def test_renaming_a_stage_to_nothing_is_refused_and_leaves_no_audit_entry(cast) -> None:
    stage = by_name(sales.get_pipeline(cast.admin), "Contacted")
    before = fetch_one("select count(*) from audit_log")[0]
    with pytest.raises(ValidationError) as refused:
        sales.rename_stage(cast.admin, stage.id)
    assert refused.value.code == "stage.no_new_name"
    assert fetch_one("select count(*) from audit_log")[0] == before


def test_reordering_needs_every_active_stage_exactly_once(cast) -> None:
    pipeline = sales.get_pipeline(cast.admin)
    ids = [s.id for s in pipeline.stages]
    swapped = [ids[0], ids[2], ids[1], *ids[3:]]
    after = sales.reorder_stages(cast.admin, pipeline.id, swapped)
    assert [s.name_en for s in after.stages][:3] == ["Lead", "Qualified", "Contacted"]
    for wrong in (ids[:-1], [*ids, ids[0]], [*ids[:-1], 99999]):
        with pytest.raises(ValidationError) as caught:
            sales.reorder_stages(cast.admin, pipeline.id, wrong)
        assert caught.value.code == "stage.order"


def test_a_new_open_stage_goes_before_the_closing_ones_by_default(cast) -> None:
    pipeline = sales.get_pipeline(cast.admin)
    after = sales.add_stage(cast.admin, pipeline.id, "样品测试", "Trial", "open", 50)
    assert [s.name_en for s in after.stages] == [
        "Lead", "Contacted", "Qualified", "Proposal", "Negotiation", "Trial", "Won", "Lost"]
    first = sales.add_stage(cast.admin, pipeline.id, "冷线索", "Cold", "open", 5, position=0)
    assert first.stages[0].name_en == "Cold" and first.stages[0].probability == 5
    with pytest.raises(ValidationError) as caught:
        sales.add_stage(cast.admin, pipeline.id, "错", "Bad", "open", 101)
    assert caught.value.code == "stage.probability"
    with pytest.raises(ValidationError):
        sales.add_stage(cast.admin, pipeline.id, "错", "Bad", "maybe", 50)


def test_archiving_needs_an_empty_stage_and_keeps_one_of_each_kind(cast) -> None:
    pipeline = sales.get_pipeline(cast.admin)
    qualified = by_name(pipeline, "Qualified")
    deal = sales.create_deal(cast.agent, customer(cast.agent).id, "占着", now=T0)
    sales.move_deal_to_stage(cast.agent, deal.id, qualified.id, now=T0)
    with pytest.raises(Conflict) as caught:
        sales.archive_stage(cast.admin, qualified.id)
    assert caught.value.code == "stage.not_empty" and caught.value.params["count"] == 1
    sales.move_deal_to_stage(cast.agent, deal.id, by_name(pipeline, "Proposal").id, now=T0)
    after = sales.archive_stage(cast.admin, qualified.id)
    assert "Qualified" not in [s.name_en for s in after.stages]
    assert [s.position for s in after.stages] == list(range(6))
    assert [m.to_name_en for m in sales.get_deal_history(cast.agent, deal.id)] == [
        "Lead", "Qualified", "Proposal"]
    with pytest.raises(Conflict) as caught:
        sales.archive_stage(cast.admin, by_name(pipeline, "Won").id)
    assert caught.value.code == "stage.last_of_kind"
    restored = sales.restore_stage(cast.admin, qualified.id)
    assert restored.stages[-1].name_en == "Qualified"


def test_only_admins_change_pipelines(cast) -> None:
    pipeline = sales.get_pipeline(cast.manager)
    stage_id = pipeline.stages[0].id
    for actor in (cast.agent, cast.manager, cast.viewer):
        with pytest.raises(PermissionDenied):
            sales.rename_stage(actor, stage_id, name_en="Mine")
        with pytest.raises(PermissionDenied):
            sales.create_pipeline(actor, "新", "New")
    sales.set_stage_probability(SYSTEM, stage_id, 15)
    assert sales.get_pipeline(cast.viewer).stages[0].probability == 15


def test_a_second_pipeline_starts_from_the_default_stages(cast) -> None:
    other = sales.create_pipeline(cast.admin, "渠道销售", "Channel sales")
    assert [s.name_en for s in other.stages] == [d[1] for d in DEFAULT]
    assert [p.name_en for p in sales.list_pipelines(cast.agent)] == [
        "Sales pipeline", "Channel sales"]
    deal = sales.create_deal(cast.agent, customer(cast.agent).id, "渠道单",
                             pipeline_id=other.id)
    assert deal.pipeline_id == other.id and deal.stage.id == other.stages[0].id
    with pytest.raises(ValidationError) as caught:
        sales.create_deal(cast.agent, customer(cast.agent).id, "赢着开始",
                          stage_id=by_name(other, "Won").id, pipeline_id=other.id)
    assert caught.value.code == "deal.initial_stage"
