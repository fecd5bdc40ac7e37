"""/bulk through the real Application: the count of customers the filters choose, the action
picked by a button, and a confirm button naming the count that alone runs it (a typed "是"
does not), once; in Chinese and English; agents on their own customers, viewers not at all."""

from __future__ import annotations

import asyncio

import peewee
import pytest

from bot.handlers import log as log_handlers
from crm import users
from storage.database import fetch_all, fetch_one
from tests.bot.harness import ChatHarness
from tests.crm.cast import SYSTEM, customer

MANAGER, AGENT, TEAMMATE, VIEWER = 7401, 7402, 7403, 7404


@pytest.fixture
def people(db: peewee.Database):
    manager = users.add_user(SYSTEM, MANAGER, "manager", "王经理", locale="zh-CN").as_actor()
    agent = users.add_user(SYSTEM, AGENT, "agent", "李娜").as_actor()
    teammate = users.add_user(SYSTEM, TEAMMATE, "agent", "张伟").as_actor()
    users.add_user(SYSTEM, VIEWER, "viewer", "赵敏")
    leads = [customer(agent, name, tags=("潜在",), status="lead").id for name in ("王小明", "刘洋")]
    others = customer(teammate, "陈静", tags=("潜在",), status="lead").id
    return manager, agent, leads, others


def tags_of(customer_id: int) -> set[str]:
    return {row[0] for row in fetch_all(
        "select t.name from tag t join customer_tag ct on ct.tag_id = t.id"
        " where ct.customer_id = ?", (customer_id,))}


def edited_or_sent(replies) -> list:
    return [r for r in replies if r.method in ("sendMessage", "editMessageText")]


def test_a_manager_tags_the_chosen_customers_after_pressing_the_button_with_the_count(
        chat, people) -> None:
    _, _, leads, others = people
    [matched] = chat.send(MANAGER, "/bulk 标签=潜在 负责人=李娜", language="zh")
    assert "符合条件的客户：<b>2</b> 位（标签 潜在 · 负责人 李娜）" in matched.text
    assert [label for label, _ in matched.buttons] == ["🏷 加标签", "🏷 去掉标签", "👥 移交给…",
                                                       "✖ 取消"]
    [asked] = edited_or_sent(chat.press(MANAGER, matched.button("加标签")))
    assert "发送要给这 2 位客户加上的标签" in asked.text
    [question] = chat.send(MANAGER, "#华东")
    assert question.text == "给 2 位客户加标签「华东」？"
    go = question.button("✅ 给 2 位客户加标签「华东」？")
    [not_yet] = chat.send(MANAGER, "是")  # typing yes confirms nothing
    assert "请按上面的按钮确认" in not_yet.text and tags_of(leads[0]) == {"潜在"}
    replies = chat.press(MANAGER, go)
    texts = chat.texts(replies)
    assert "✅ 已处理 2 位客户" in texts and "✅ 已给 2 位客户加上标签「华东」。" in texts
    assert [tags_of(i) for i in (*leads, others)] == [{"潜在", "华东"}] * 2 + [{"潜在"}]
    again = chat.press(MANAGER, go)  # a second press runs nothing
    assert any("已失效" in alert for alert in chat.alerts(again))
    assert fetch_one("select count(*) from audit_log where action = 'customer.bulk_tag'") \
        == (1,)


def test_a_set_is_handed_over_in_english_and_the_new_owner_told_once(chat, people) -> None:
    manager, _, leads, others = people
    users.set_preferences(manager, locale="en")
    [matched] = chat.send(MANAGER, "/bulk owner=李娜 status=线索")
    assert "Customers matching: <b>2</b> (owner 李娜 · status Lead)" in matched.text
    [owners] = edited_or_sent(chat.press(MANAGER, matched.button("Hand over")))
    assert "Who should take over these 2 customers?" in owners.text
    [question] = edited_or_sent(chat.press(MANAGER, owners.button("张伟")))
    assert question.text == "Hand 2 customers over to 张伟?"
    confirm = question.button("✅ Hand 2 customers over to 张伟?")
    query = {"id": "q-bulk", "from": {"id": MANAGER, "is_bot": False, "first_name": "M"},
             "chat_instance": "ci", "data": confirm,
             "message": {"message_id": 5, "date": 0, "chat": {"id": MANAGER, "type": "private"},
                         "text": "…"}}
    done = chat.deliver({"callback_query": query}, update_id=990001)
    assert "✅ Handed 2 customers over to 张伟, with their open deals (0), open orders (0)" \
        " and reminders (0)." in chat.texts(done)
    assert chat.deliver({"callback_query": query}, update_id=990001) == []  # a redelivery
    owner = fetch_one("select id from staff_user where telegram_id = ?", (TEAMMATE,))[0]
    assert {fetch_one("select owner_id from customer where id = ?", (i,))[0]
            for i in (*leads, others)} == {owner}
    assert fetch_all("select staff_id, code from notification") == [(owner, "handover.bulk")]


def test_an_agent_tags_only_their_own_and_a_viewer_nothing(chat, people) -> None:
    _, _, leads, others = people
    [matched] = chat.send(AGENT, "/bulk", language="zh")
    assert "<b>2</b> 位" in matched.text and "只包括您负责的客户" in matched.text
    assert "👥 移交给…" not in [label for label, _ in matched.buttons]
    chat.press(AGENT, matched.button("去掉标签"))
    [question] = chat.send(AGENT, "潜在")
    chat.press(AGENT, question.button("✅"))
    assert [tags_of(i) for i in (*leads, others)] == [set(), set(), {"潜在"}]
    refused = chat.send(VIEWER, "/bulk", language="en")
    assert any("Only agents, managers and admins can change records." in r.text
               for r in refused)


def test_wrong_filters_are_explained_and_change_nothing(chat, people) -> None:
    _, _, leads, _ = people
    [unclear] = chat.send(MANAGER, "/bulk 状态=大客户", language="zh")
    assert "大客户" in unclear.text and "线索" in unclear.text
    [dates] = chat.send(MANAGER, "/bulk 从=2026-03-01 到=2026-01-01")
    assert "2026-03-01" in dates.text and "2026-01-01" in dates.text
    [nobody] = chat.send(MANAGER, "/bulk 负责人=没有这个人")
    assert "没有名为“没有这个人”的员工" in nobody.text
    [none] = chat.send(MANAGER, "/bulk 标签=不存在的标签")
    assert none.text == "没有符合条件的客户，未做任何更改。"
    assert tags_of(leads[0]) == {"潜在"}


def test_a_bulk_change_left_idle_is_dropped_with_a_message(db, people, monkeypatch) -> None:
    """Past the conversations' quiet time the draft goes, and the user is told: a tag typed
    afterwards is not silently taken for a search."""
    monkeypatch.setattr(log_handlers, "TIMEOUT", 0.2)  # the quiet time, shortened
    chat = ChatHarness(db)
    try:
        [matched] = chat.send(MANAGER, "/bulk 标签=潜在", language="zh")
        chat.press(MANAGER, matched.button("加标签"))
        before = len(chat.stub.calls)
        chat.loop.run_until_complete(asyncio.sleep(1))
        [told] = [c for c in chat.stub.calls[before:] if c.method == "sendMessage"]
        assert "批量修改已放弃，未做任何更改" in told.params["text"]
    finally:
        chat.close()
