"""/duplicates in the chat, through the real Application: likely duplicates listed once each,
compared side by side, merged into the record chosen to keep after one more press; in Chinese
and in English; agents get nothing."""

from __future__ import annotations

import peewee
import pytest

from crm import audit, customers, users
from crm.errors import AlreadyMerged, NotFound
from storage.database import fetch_one
from tests.crm.cast import SYSTEM, customer

MANAGER, AGENT = 7301, 7302


@pytest.fixture
def people(db: peewee.Database):
    manager = users.add_user(SYSTEM, MANAGER, "manager", "王经理", locale="zh-CN").as_actor()
    agent = users.add_user(SYSTEM, AGENT, "agent", "李娜").as_actor()
    return manager, agent


def _twins(owner):
    first = customer(owner, "刘洋", phones=("13911112222",), company="华信科技", tags=("VIP",))
    second = customer(owner, "刘洋", phones=("13911112222",), emails=("ly@example.com",),
                      company="华信科技", tags=("华南",))
    return first, second


def test_a_manager_finds_compares_and_merges_duplicates_in_chinese(chat, people) -> None:
    manager, agent = people
    first, second = _twins(agent)
    customers.log_interaction(agent, second.id, "call", "第二条记录上的通话")
    [listing] = chat.send(MANAGER, "/duplicates", language="zh")
    # One group for the pair, though they share a phone and a similar name at one company.
    assert "1 组" in listing.text and "电话 +86 139 1111 2222" in listing.text
    assert f"刘洋 #{first.id}、刘洋 #{second.id}" in listing.text and "2." not in listing.text
    [compared] = [r for r in chat.press(MANAGER, listing.buttons[0][1])
                  if r.method == "editMessageText"]
    assert "比较 2 条记录" in compared.text and "ly@example.com" in compared.text
    assert "VIP" in compared.text and "华南" in compared.text and "李娜" in compared.text
    [asked] = [r for r in chat.press(MANAGER, compared.button("保留 1. 刘洋"))
               if r.method == "editMessageText"]
    assert f"把 刘洋 #{second.id} 并入 <b>刘洋</b>（#{first.id}）？" in asked.text
    assert fetch_one("select merged_into_id from customer where id = ?", (second.id,)) == (None,)
    [merged] = [r for r in chat.press(MANAGER, asked.button("合并"))
                if r.method == "editMessageText"]
    assert merged.text.startswith("✅ 已把 刘洋") and merged.button("打开 刘洋") == f"c:{first.id}"
    kept = customers.get_customer(manager, first.id)
    assert {c.value for c in kept.channels} == {"+8613911112222", "ly@example.com"}
    assert set(kept.tags) == {"VIP", "华南"}
    assert customers.get_customer(manager, second.id).id == first.id  # old links open it
    [after] = chat.send(MANAGER, "/duplicates")
    assert "没有发现可能重复的客户" in after.text


def test_the_list_and_the_merge_read_in_english(chat, people) -> None:
    manager, agent = people
    users.set_preferences(manager, locale="en")
    first, second = _twins(agent)
    [listing] = chat.send(MANAGER, "/duplicates")
    assert "Likely duplicates: 1 group" in listing.text
    assert f"Phone +86 139 1111 2222: 刘洋 #{first.id}, 刘洋 #{second.id}" in listing.text
    [compared] = [r for r in chat.press(MANAGER, listing.buttons[0][1])
                  if r.method == "editMessageText"]
    [asked] = [r for r in chat.press(MANAGER, compared.button("Keep 2. 刘洋"))
               if r.method == "editMessageText"]
    assert f"Merge 刘洋 #{first.id} into <b>刘洋</b> (#{second.id})?" in asked.text
    [merged] = [r for r in chat.press(MANAGER, asked.button("Merge"))
                if r.method == "editMessageText"]
    assert "merged into <b>刘洋</b>" in merged.text and "Open 刘洋" in merged.buttons[0][0]
    with pytest.raises(AlreadyMerged):
        customers.compare_duplicates(manager, [first.id, second.id])


def test_a_spent_merge_button_says_where_the_record_went_and_merges_nothing_twice(
        chat, people) -> None:
    _, agent = people
    first, second = _twins(agent)
    merge = f"du:y:{first.id}:{first.id}.{second.id}"
    chat.press(MANAGER, merge)
    for button in (merge, f"du:k:{first.id}:{first.id}.{second.id}",
                   f"du:g:{first.id}.{second.id}"):
        [told] = [r for r in chat.press(MANAGER, button) if r.method == "editMessageText"]
        assert told.text == f"刘洋 #{second.id} 已经并入 <b>刘洋</b>（#{first.id}），无需再合并。"
        assert told.button("打开 刘洋") == f"c:{first.id}"
    assert fetch_one("select merged_into_id from customer where id = ?", (second.id,)) \
        == (first.id,)


def test_a_record_merged_into_one_out_of_reach_is_not_found(chat, people) -> None:
    manager, agent = people
    first, second = _twins(agent)
    customers.merge_customers(SYSTEM, first.id, second.id)
    customers.delete_customer(SYSTEM, first.id)
    with pytest.raises(NotFound):
        customers.compare_duplicates(manager, [first.id, second.id])


def test_an_agent_may_not_look_for_or_merge_duplicates(chat, people) -> None:
    _, agent = people
    first, second = _twins(agent)
    replies = chat.send(AGENT, "/duplicates", language="en")
    assert any("Only managers and admins can merge duplicates." in r.text for r in replies)
    chat.press(AGENT, f"du:y:{first.id}:{first.id}.{second.id}")
    assert fetch_one("select merged_into_id from customer where id = ?", (second.id,)) == (None,)


def _namesakes(owner):
    """Two people with similar names at one company, nothing else in common."""
    first = customer(owner, "刘洋", phones=("13911112222",), company="华信科技")
    second = customer(owner, "刘阳", phones=("13922223333",), company="华信科技")
    return first, second


def test_people_told_apart_are_no_longer_listed_until_they_share_a_phone(chat, people) -> None:
    _, agent = people
    first, second = _namesakes(agent)
    [listing] = chat.send(MANAGER, "/duplicates", language="zh")
    assert "华信科技 里姓名相近" in listing.text
    [compared] = [r for r in chat.press(MANAGER, listing.buttons[0][1])
                  if r.method == "editMessageText"]
    [told] = [r for r in chat.press(MANAGER, compared.button("不是重复"))
              if r.method == "editMessageText"]
    assert f"已记下：刘洋 #{first.id}、刘阳 #{second.id} 不是同一人" in told.text
    [after] = chat.send(MANAGER, "/duplicates")
    assert "没有发现可能重复的客户" in after.text
    entry = audit.list_audit(SYSTEM, customer_id=first.id).items[0]
    assert entry.action == "customer.not_duplicates"
    assert entry.changes == {"not_duplicate_of": [None, second.id]}
    customers.add_channel(agent, second.id, "phone", "13911112222", allow_duplicate=True)
    [again] = chat.send(MANAGER, "/duplicates")
    assert "电话 +86 139 1111 2222" in again.text and f"刘阳 #{second.id}" in again.text


def test_a_group_sharing_a_phone_offers_no_not_duplicates(chat, people) -> None:
    _, agent = people
    first, second = _twins(agent)
    [listing] = chat.send(MANAGER, "/duplicates")
    [compared] = [r for r in chat.press(MANAGER, listing.buttons[0][1])
                  if r.method == "editMessageText"]
    assert not any("不是重复" in label for label, _ in compared.buttons)
    refused = chat.press(MANAGER, f"du:n:{first.id}.{second.id}")  # an old or forged button
    assert any("有相同的电话、邮箱或账号" in alert for alert in chat.alerts(refused))
    assert fetch_one("select count(*) from duplicate_dismissal") == (0,)
    assert chat.press(AGENT, f"du:n:{first.id}.{second.id}")  # refused, nothing stored
    assert fetch_one("select count(*) from duplicate_dismissal") == (0,)


def _card(chat, user_id: int, button: str) -> str:
    [card] = [r for r in chat.press(user_id, button) if r.text]
    return card.text


def test_the_cards_of_a_merged_records_deal_order_and_ticket_say_where_they_came_from(
        chat, people) -> None:
    from crm import privacy, sales, service

    _, agent = people
    sales.ensure_default_pipeline()
    keep, other = customer(agent, "韩梅梅"), customer(agent, "李雷")
    own = sales.create_deal(agent, keep.id, "自己的商机")
    deal = sales.create_deal(agent, other.id, "带过来的商机")
    order = sales.create_order(agent, other.id, [])
    ticket = service.open_ticket(agent, other.id, "带过来的工单")
    chat.press(MANAGER, f"du:y:{keep.id}:{keep.id}.{other.id}")
    for button in (f"d:{deal.id}", f"o:{order.id}", f"k:{ticket.id}"):
        assert f"🔀 来自合并的记录 李雷 #{other.id}" in _card(chat, MANAGER, button)
        assert f"🔀 From merged record 李雷 #{other.id}" in _card(chat, AGENT, button)
    assert "🔀" not in _card(chat, MANAGER, f"d:{own.id}")
    privacy.erase_customer(SYSTEM, other.id)
    for button in (f"d:{deal.id}", f"o:{order.id}", f"k:{ticket.id}"):
        chinese, english = _card(chat, MANAGER, button), _card(chat, AGENT, button)
        assert f"🔀 来自合并的记录 #{other.id}（已清除）" in chinese and "李雷" not in chinese
        assert f"🔀 From merged record #{other.id}, since erased" in english
