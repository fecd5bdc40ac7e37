"""Duplicates: reported on create and edit, scanned over the database, and merged atomically."""

from __future__ import annotations

import peewee
import pytest

from crm import customers
from crm.customers import AddressInput, ChannelInput, CustomerDraft
from crm.customers.views import AttachmentInput, MergedFrom
from crm.errors import Duplicate, NotFound, PermissionDenied, ValidationError
from storage.database import fetch_all
from tests.crm.cast import customer, make_cast


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def test_a_phone_already_on_file_is_reported_with_the_existing_record(cast) -> None:
    existing = customer(cast.agent, "张伟", phones=("13800138000",))
    with pytest.raises(Duplicate) as caught:
        customers.create_customer(cast.agent, CustomerDraft(name="张薇",
                                                            phones=("+86 138 0013 8000",)))
    [match] = caught.value.matches
    assert (match.customer_id, match.name, match.reason) == (existing.id, "张伟", "phone")
    assert fetch_all("select count(*) from customer")[0][0] == 1


def test_an_email_already_on_file_is_reported(cast) -> None:
    existing = customer(cast.agent, "Li Na", emails=("li.na@qq.com",))
    with pytest.raises(Duplicate) as caught:
        customers.create_customer(cast.agent, CustomerDraft(name="Nana", emails=("LI.NA@QQ.COM",)))
    assert caught.value.matches[0].customer_id == existing.id


def test_a_duplicate_the_actor_may_not_see_is_reported_without_details(cast) -> None:
    customer(cast.other_agent, "秘密客户", phones=("13800138000",))
    with pytest.raises(Duplicate) as caught:
        customers.create_customer(cast.agent, CustomerDraft(name="x", phones=("13800138000",)))
    [match] = caught.value.matches
    assert match.customer_id is None and match.name is None


def test_a_similar_name_at_the_same_company_is_offered(cast) -> None:
    existing = customer(cast.agent, "王小明", company="华为")
    with pytest.raises(Duplicate) as caught:
        customers.create_customer(cast.agent, CustomerDraft(name="王小名", company="华为"))
    assert caught.value.code == "customer.similar"
    assert caught.value.matches[0].customer_id == existing.id
    # the same name elsewhere is someone else
    assert customer(cast.agent, "王小名", company="腾讯", allow_duplicate=False).name == "王小名"


def test_create_anyway_when_the_user_says_so(cast) -> None:
    customer(cast.agent, "张伟", phones=("13800138000",))
    again = customers.create_customer(cast.agent, CustomerDraft(name="张伟",
                                                                phones=("13800138000",)),
                                      allow_duplicate=True)
    assert again.id


def test_an_edit_that_adds_a_phone_on_file_is_reported(cast) -> None:
    customer(cast.agent, "张伟", phones=("13800138000",))
    other = customer(cast.agent, "李娜")
    with pytest.raises(Duplicate):
        customers.add_channel(cast.agent, other.id, "phone", "13800138000")
    assert customers.get_customer(cast.agent, other.id).channels == ()


def test_the_scan_lists_groups_of_likely_duplicates(cast) -> None:
    a = customer(cast.agent, "张伟", phones=("13800138000",))
    b = customer(cast.agent, "张伟2", phones=("13800138000",))
    c = customer(cast.agent, "John Smith", company="Acme")
    d = customer(cast.agent, "Jon Smith", company="Acme")
    customer(cast.agent, "Someone Else", company="Acme")
    groups = customers.scan_duplicates(cast.manager)
    found = {(g.reason, frozenset(g.customer_ids)) for g in groups}
    assert ("phone", frozenset({a.id, b.id})) in found
    assert ("similar_name", frozenset({c.id, d.id})) in found
    assert len(groups) == 2
    with pytest.raises(PermissionDenied):
        customers.scan_duplicates(cast.agent)


def test_merge_moves_everything_to_the_survivor(cast) -> None:
    keep = customer(cast.agent, "张伟", phones=("13800138000",), tags=("VIP",))
    other = customer(
        cast.agent, "张 伟", phones=("13800138000", "13900139000"), emails=("zw@qq.com",),
        tags=("VIP", "老客户"), birthday="1980-01-02", notes="喜欢喝茶",
        channels=(ChannelInput("wechat", "zhangwei_88"),),
        addresses=(AddressInput("home", city="北京"),), secrets={"id_card": "11010519491231002X"})
    customers.log_interaction(cast.agent, other.id, "visit", "拜访", latitude=39.9,
                              longitude=116.4, attachments=(AttachmentInput("f1", "a.jpg"),))
    customers.merge_customers(cast.manager, keep.id, other.id)
    card = customers.get_customer(cast.manager, keep.id)
    values = sorted(c.value for c in card.channels)
    assert values == ["+8613800138000", "+8613900139000", "zhangwei_88", "zw@qq.com"]
    assert card.tags == ("VIP", "老客户")
    assert [a.city for a in card.addresses] == ["北京"]
    assert card.birthday.year == 1980 and card.notes == "喜欢喝茶"
    assert [s.name for s in card.secrets] == ["id_card"]
    timeline = customers.get_timeline(cast.manager, keep.id).items
    assert [e.subkind for e in timeline][:2] == ["merged", "visit"]
    assert card.last_interaction_at is not None
    # the merged record opens the survivor, and its old name still finds it
    assert customers.get_customer(cast.manager, other.id).id == keep.id
    assert [c.id for c in customers.search_customers(cast.manager, "张 伟").items] == [keep.id]
    assert fetch_all("select count(*) from contact_channel where customer_id = ?",
                     (other.id,))[0][0] == 0


def test_merge_moves_later_features_rows_too(cast, db: peewee.Database) -> None:
    from crm.customers.duplicates import CUSTOMER_REFERENCES

    tables = {table for table, _ in CUSTOMER_REFERENCES}
    assert {"interaction", "customer_event", "address"} <= tables


def test_a_failed_merge_changes_nothing(cast, monkeypatch) -> None:
    keep = customer(cast.agent, "张伟", phones=("13800138000",))
    other = customer(cast.agent, "张薇", phones=("13900139000",))
    customers.log_interaction(cast.agent, other.id, "call", "电话")
    from crm.customers import duplicates

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(duplicates, "_refresh_last_interaction", broken)
    with pytest.raises(RuntimeError):
        customers.merge_customers(cast.manager, keep.id, other.id)
    assert customers.get_customer(cast.manager, other.id).id == other.id
    assert customers.get_timeline(cast.manager, other.id).items[0].subkind == "call"
    assert [c.id for c in customers.search_customers(cast.manager, "9000").items] == [other.id]


def test_merge_needs_two_visible_records_and_the_right_role(cast) -> None:
    mine = customer(cast.agent, "甲")
    theirs = customer(cast.other_agent, "乙")
    with pytest.raises(PermissionDenied):
        customers.merge_customers(cast.agent, mine.id, theirs.id)
    with pytest.raises(ValidationError):
        customers.merge_customers(cast.manager, mine.id, mine.id)
    customers.delete_customer(cast.manager, theirs.id)
    with pytest.raises(NotFound):
        customers.merge_customers(cast.manager, mine.id, theirs.id)


def test_the_scan_lists_people_found_by_phone_and_by_name_once(cast) -> None:
    a = customer(cast.agent, "刘洋", phones=("13911112222",), company="华信科技")
    b = customer(cast.agent, "刘洋", phones=("13911112222",), company="华信科技")
    groups = customers.scan_duplicates(cast.manager)
    assert [(g.reason, g.customer_ids) for g in groups] == [("phone", (a.id, b.id))]


def test_a_group_of_three_merges_into_the_one_kept_all_or_none(cast, monkeypatch) -> None:
    a, b, c = (customer(cast.agent, "刘洋", phones=(f"1391111222{i}",), company="华信科技")
               for i in range(3))
    from crm.customers import duplicates

    calls = []

    def second_fails(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    real = duplicates._refresh_last_interaction
    monkeypatch.setattr(duplicates, "_refresh_last_interaction", second_fails)
    with pytest.raises(RuntimeError):
        customers.merge_duplicates(cast.manager, b.id, [a.id, b.id, c.id])
    assert customers.get_customer(cast.manager, a.id).id == a.id  # the first merge undone too
    monkeypatch.undo()
    done = customers.merge_duplicates(cast.manager, b.id, [a.id, b.id, c.id])
    assert (done.keep_id, done.merged) == (b.id, ((a.id, "刘洋"), (c.id, "刘洋")))
    assert len(customers.get_customer(cast.manager, b.id).channels) == 3
    with pytest.raises(ValidationError):
        customers.merge_duplicates(cast.manager, b.id, [a.id, c.id])  # keep one of the group


def test_entries_merged_twice_still_say_which_record_they_first_came_from(cast) -> None:
    first, second, survivor = (customer(cast.agent, name) for name in ("韩梅梅", "韩梅", "梅梅"))
    for made in (first, second, survivor):
        customers.log_interaction(cast.agent, made.id, "call", f"{made.name}的通话")
    customers.merge_customers(cast.manager, second.id, first.id)
    customers.merge_customers(cast.manager, survivor.id, second.id)
    timeline = customers.get_timeline(cast.manager, survivor.id, limit=20).items
    origins = {e.summary: e.merged_from for e in timeline if e.kind == "interaction"}
    assert origins == {"韩梅梅的通话": MergedFrom(first.id, "韩梅梅"),
                       "韩梅的通话": MergedFrom(second.id, "韩梅"), "梅梅的通话": None}
    merges = [e.merged_from for e in timeline if e.subkind == "merged"]
    assert merges == [None, MergedFrom(second.id, "韩梅")]  # the first merge was the second's


def test_deals_orders_and_tickets_a_merge_brought_say_which_record_they_came_from(cast) -> None:
    from crm import privacy, sales, service

    sales.ensure_default_pipeline()
    keep, other = customer(cast.agent, "韩梅梅"), customer(cast.agent, "李雷")
    own_deal = sales.create_deal(cast.agent, keep.id, "自己的商机")
    deal = sales.create_deal(cast.agent, other.id, "带过来的商机")
    order = sales.create_order(cast.agent, other.id, [])
    ticket = service.open_ticket(cast.agent, other.id, "带过来的工单")
    customers.merge_customers(cast.manager, keep.id, other.id)
    came = MergedFrom(other.id, "李雷")
    assert sales.get_deal(cast.agent, deal.id).merged_from == came
    assert sales.get_order(cast.agent, order.id).merged_from == came
    assert service.get_ticket(cast.agent, ticket.id).merged_from == came
    assert sales.get_deal(cast.agent, own_deal.id).merged_from is None
    timeline = customers.get_timeline(cast.agent, keep.id, limit=30).items
    assert {e.kind: e.merged_from for e in timeline if e.kind in ("order", "ticket")} == {
        "order": came, "ticket": came}
    privacy.erase_customer(cast.admin, other.id)
    gone = MergedFrom(other.id, None)  # its number stays, its name went with the erasure
    assert sales.get_deal(cast.agent, deal.id).merged_from == gone
    assert sales.get_order(cast.agent, order.id).merged_from == gone
    assert service.get_ticket(cast.agent, ticket.id).merged_from == gone
