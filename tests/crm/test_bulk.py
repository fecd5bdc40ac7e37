"""Bulk actions on a filtered set of customers: a tag added or taken off, or the set handed
over with its open work; chosen by the export filters, within what the actor may act on,
audited, in one transaction, and changing nothing more when run again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest

from crm import audit, bulk, customers, reminders, runtime, sales
from crm.config import load_config
from crm.customers.index import reindex_customers
from crm.errors import Conflict, PermissionDenied, ValidationError
from crm.exports import Filters
from storage.database import fetch_all, fetch_one
from tests.conftest import TEST_SECRET
from tests.crm.cast import Cast, customer, keep_files_in, make_cast

NOW = dt.datetime(2026, 11, 26, 2, 0)


@pytest.fixture
def cast(db: peewee.Database, tmp_path: Path) -> Cast:
    keep_files_in(tmp_path / "data")
    sales.ensure_default_pipeline(now=NOW)
    return make_cast()


def tags_of(customer_id: int) -> set[str]:
    return {row[0] for row in fetch_all(
        "select t.name from tag t join customer_tag ct on ct.tag_id = t.id"
        " where ct.customer_id = ?", (customer_id,))}


def found(actor, text: str) -> set[int]:
    return {c.id for c in customers.search_customers(actor, text, limit=50).items}


def entries_as_rebuilt() -> None:
    """Every search entry holds the words a full rebuild gives it (bulk actions change the
    entries by a statement instead of rebuilding them one by one)."""
    stored = {cid: (set(terms.split()), set(hay.split(" | "))) for cid, terms, hay
              in fetch_all("select customer_id, terms, haystack from customer_search")}
    reindex_customers(list(stored))
    rebuilt = {cid: (set(terms.split()), set(hay.split(" | "))) for cid, terms, hay
               in fetch_all("select customer_id, terms, haystack from customer_search")}
    assert stored == rebuilt


def leads_of_li_na(cast: Cast) -> tuple[list[int], int, int]:
    """Three leads of the agent 李娜 tagged 潜在, one of them a customer already; one lead of
    Emily's tagged 潜在; returns (the agent's 潜在 leads, her customer, Emily's lead)."""
    leads = [customer(cast.agent, name, tags=("潜在",), status="lead", now=NOW).id
             for name in ("王小明", "张三")]
    customer_ = customer(cast.agent, "李四", tags=("潜在",), status="customer", now=NOW).id
    emilys = customer(cast.other_agent, "赵六", tags=("潜在",), status="lead", now=NOW).id
    return leads, customer_, emilys


def test_a_manager_tags_every_customer_the_filters_choose_once(cast: Cast) -> None:
    leads, customer_, emilys = leads_of_li_na(cast)
    chosen = bulk.read_bulk_filters(cast.manager, tag="潜在", owner="李娜", status="lead")
    assert bulk.count_matching(cast.manager, chosen) == 2
    done = bulk.add_tag(cast.manager, chosen, "#华东", expected=2, now=NOW)
    assert (done.matched, done.changed, done.tag) == (2, 2, "华东")
    assert [tags_of(i) for i in leads] == [{"潜在", "华东"}] * 2
    assert tags_of(customer_) == tags_of(emilys) == {"潜在"}
    assert found(cast.manager, "华东") == set(leads)  # searchable by the new tag at once
    entries_as_rebuilt()
    # Each customer's own log says its tags changed; one entry says what was done to whom.
    entry = audit.list_audit(cast.admin, customer_id=leads[0]).items[0]
    assert entry.action == "customer.tags" and entry.changes == {
        "tags": [["潜在"], ["华东", "潜在"]]}
    # The manager's entries (what they did, and what was done to them: being added).
    [whole] = [e for e in audit.list_audit(cast.admin, user_id=cast.manager.user_id).items
               if e.action == "customer.bulk_tag"]
    assert whole.changes["customers"] == [None, 2]
    assert whole.changes["filter.owner_id"] == [None, cast.agent.user_id]
    again = bulk.add_tag(cast.manager, chosen, "华东", expected=2, now=NOW)
    assert (again.matched, again.changed) == (2, 0)
    assert fetch_one("select count(*) from audit_log where action = 'customer.tags'") == (2,)


def test_a_tag_comes_off_every_chosen_customer_that_has_it(cast: Cast) -> None:
    leads, customer_, emilys = leads_of_li_na(cast)
    done = bulk.remove_tag(cast.manager, Filters(tag="潜在", status="lead"), "潜在", now=NOW)
    assert (done.matched, done.changed) == (3, 3)
    assert [tags_of(i) for i in (*leads, emilys)] == [set()] * 3
    assert tags_of(customer_) == {"潜在"}
    assert found(cast.manager, "潜在") == {customer_}
    entries_as_rebuilt()
    nothing = bulk.remove_tag(cast.manager, Filters(status="lead"), "没有这个标签", now=NOW)
    assert (nothing.matched, nothing.changed) == (3, 0)


def test_a_set_handed_over_takes_its_open_work_and_the_new_owner_is_told_once(
        cast: Cast) -> None:
    leads, customer_, _ = leads_of_li_na(cast)
    deal = sales.create_deal(cast.agent, leads[0], "年度采购", amount="50000", now=NOW).id
    reminder = reminders.create_reminder(cast.agent, NOW + dt.timedelta(days=1), "回电话",
                                         customer_id=leads[1], now=NOW).id
    owner, name = bulk.new_owner(cast.manager, "张伟")
    assert name == "张伟"
    done = bulk.hand_over(cast.manager, Filters(owner_id=cast.agent.user_id, status="lead"),
                          owner, expected=2, now=NOW)
    assert (done.changed, done.owner_name, done.work.deals, done.work.reminders) == \
        (2, "张伟", 1, 1)
    assert fetch_one("select owner_id from deal where id = ?", (deal,)) == (owner,)
    assert fetch_one("select staff_id from reminder where id = ?", (reminder,)) == (owner,)
    assert fetch_one("select owner_id from customer where id = ?", (customer_,)) == \
        (cast.agent.user_id,)
    assert found(cast.teammate, "王小明") == {leads[0]}  # the new owner finds them
    assert found(cast.agent, "王小明") == set()
    entries_as_rebuilt()
    history = fetch_all("select customer_id, reason from lead_assignment order by customer_id")
    assert history == [(leads[0], "bulk"), (leads[1], "bulk")]
    told = fetch_all("select staff_id, code, params from notification")
    assert [(staff, code) for staff, code, _ in told] == [(owner, "handover.bulk_with_work")]
    assert '"count": 2' in told[0][2]
    again = bulk.hand_over(cast.manager, Filters(status="lead"), owner, now=NOW)
    assert again.changed == 1  # only Emily's lead was not 张伟's yet
    assert fetch_one("select count(*) from notification where staff_id = ?", (owner,)) == (2,)


def test_an_agent_tags_only_their_own_customers_and_hands_nothing_over(cast: Cast) -> None:
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY": TEST_SECRET,
                                           "CRM_SECURITY_CUSTOMER_VISIBILITY": "all"},
                                  look_in_cwd=False))
    _, customer_, emilys = leads_of_li_na(cast)
    assert bulk.bulk_actions(cast.agent) == ("add_tag", "remove_tag")
    assert bulk.count_matching(cast.agent, Filters(tag="潜在")) == 3  # she sees Emily's too
    bulk.add_tag(cast.agent, Filters(tag="潜在"), "跟进", now=NOW)
    assert "跟进" in tags_of(customer_) and "跟进" not in tags_of(emilys)
    with pytest.raises(PermissionDenied):
        bulk.hand_over(cast.agent, Filters(), cast.teammate.user_id, now=NOW)
    with pytest.raises(PermissionDenied):
        bulk.add_tag(cast.viewer, Filters(), "跟进", now=NOW)
    assert bulk.bulk_actions(cast.viewer) == ()


def test_a_set_that_changed_since_it_was_counted_is_left_alone(cast: Cast) -> None:
    leads, _, _ = leads_of_li_na(cast)
    with pytest.raises(Conflict) as refused:
        bulk.add_tag(cast.manager, Filters(tag="潜在"), "华东", expected=3, now=NOW)
    assert refused.value.code == "bulk.count_changed" and refused.value.params["count"] == 4
    assert not any("华东" in tags_of(i) for i in leads)
    assert fetch_one("select count(*) from tag where name = '华东'") == (0,)


def test_wrong_filters_and_owners_are_refused_before_anything_changes(cast: Cast) -> None:
    leads_of_li_na(cast)
    with pytest.raises(ValidationError):
        bulk.read_bulk_filters(cast.manager, status="vip")
    with pytest.raises(ValidationError) as reversed_dates:
        bulk.read_bulk_filters(cast.manager, since="2026-03-01", until="2026-01-01")
    assert reversed_dates.value.code == "export.dates"
    with pytest.raises(ValidationError) as nobody:
        bulk.read_bulk_filters(cast.manager, owner="没有这个人")
    assert nobody.value.code == "user.not_named"
    with pytest.raises(ValidationError) as viewer:
        bulk.new_owner(cast.manager, "赵敏")  # a viewer works on no customers
    assert viewer.value.code == "validation.cannot_own"
    with pytest.raises(ValidationError):
        bulk.add_tag(cast.manager, Filters(), "  # ", now=NOW)
