"""/duplicates in the chat, through the real Application: likely duplicates listed once each,
compared side by side, merged into the record chosen to keep after one more press; in Chinese
and in English; agents get nothing."""

from __future__ import annotations

import peewee
import pytest

from crm import customers, users
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
    assert any("not allowed" in r.text for r in replies)
    chat.press(AGENT, f"du:y:{first.id}:{first.id}.{second.id}")
    assert fetch_one("select merged_into_id from customer where id = ?", (second.id,)) == (None,)
