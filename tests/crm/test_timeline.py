"""Interactions and the timeline: everything about a customer, newest first."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from crm import customers
from crm.customers.views import AttachmentInput
from crm.errors import NotFound, ValidationError
from tests.crm.cast import customer, make_cast

T0 = dt.datetime(2026, 3, 1, 9, 0)


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def test_a_visit_keeps_its_location_and_attachments(cast) -> None:
    created = customer(cast.agent)
    visit = customers.log_interaction(
        cast.agent, created.id, "visit", "现场看样品", direction="out", outcome="下周报价",
        latitude=22.54, longitude=113.95,
        attachments=(AttachmentInput("AgADBAAD", "样品.jpg", "image/jpeg", 52000),), now=T0)
    assert (visit.latitude, visit.longitude, visit.outcome) == (22.54, 113.95, "下周报价")
    assert visit.attachments[0].file_name == "样品.jpg"
    assert visit.staff_name == "李娜"
    assert customers.get_customer(cast.agent, created.id).last_interaction_at == T0


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"kind": "fax"}, "kind"),
    ({"summary": ""}, "summary"),
    ({"direction": "sideways"}, "direction"),
    ({"latitude": 95.0, "longitude": 10.0}, "location"),
    ({"latitude": 10.0}, "location"),
])
def test_bad_interactions_are_refused(cast, kwargs: dict, field: str) -> None:
    created = customer(cast.agent)
    args = {"kind": "call", "summary": "通话"} | kwargs
    with pytest.raises(ValidationError) as caught:
        customers.log_interaction(cast.agent, created.id, args.pop("kind"), args.pop("summary"),
                                  **args)
    assert caught.value.field == field
    assert customers.get_timeline(cast.agent, created.id).items[0].subkind == "created"


def test_the_timeline_is_newest_first_and_pages(cast) -> None:
    created = customer(cast.agent, now=T0 - dt.timedelta(days=1))
    for i in range(12):
        customers.log_interaction(cast.agent, created.id, ["call", "visit", "note"][i % 3],
                                  f"第{i}次", occurred_at=T0 + dt.timedelta(days=i))
    first = customers.get_timeline(cast.agent, created.id, limit=5)
    assert [e.summary for e in first.items] == ["第11次", "第10次", "第9次", "第8次", "第7次"]
    assert first.has_more
    last = customers.get_timeline(cast.agent, created.id, offset=10, limit=5)
    assert [e.summary for e in last.items][:2] == ["第1次", "第0次"]
    assert last.items[-1].subkind == "created" and not last.has_more


def test_an_older_interaction_does_not_move_last_contact_back(cast) -> None:
    created = customer(cast.agent)
    customers.log_interaction(cast.agent, created.id, "call", "新", occurred_at=T0)
    customers.log_interaction(cast.agent, created.id, "call", "旧",
                              occurred_at=T0 - dt.timedelta(days=30))
    assert customers.get_customer(cast.agent, created.id).last_interaction_at == T0


def test_nobody_logs_on_a_customer_they_cannot_see(cast) -> None:
    theirs = customer(cast.other_agent)
    with pytest.raises(NotFound):
        customers.log_interaction(cast.agent, theirs.id, "call", "偷看")
    with pytest.raises(NotFound):
        customers.get_timeline(cast.agent, theirs.id)
