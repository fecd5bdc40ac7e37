"""Searching from the chat and the customer card with its buttons and timeline."""

from __future__ import annotations

from itertools import pairwise

import peewee
import pytest

from crm import customers, users
from crm.actors import Actor
from tests.crm.cast import customer

AGENT = 5101


@pytest.fixture
def agent(db: peewee.Database):
    return users.add_user(Actor.system(), AGENT, "agent", "李娜", locale="zh-CN").as_actor()


def test_plain_text_is_a_search_and_one_match_opens_the_card(chat, agent) -> None:
    customer(agent, "王小明", phones=("13800138000",), emails=("xm@qq.com",), company="华为",
             tags=("VIP",))
    [card] = chat.send(AGENT, "小明")
    assert "<b>王小明</b> · 华为" in card.text
    assert "+86 138 0013 8000" in card.text and "xm@qq.com" in card.text
    assert "VIP" in card.text and "李娜" in card.text and "潜在客户" not in card.text
    labels = [label for label, _ in card.buttons]
    assert labels[:3] == ["📞 电话", "🚗 拜访", "📝 备注"] and "🕑 时间线" in labels
    assert all(len(value.encode()) <= 64 for _, value in card.buttons)


def test_several_matches_come_as_buttons_with_pages(chat, agent) -> None:
    for i in range(11):
        customer(agent, f"张伟{i}", phones=(f"1380013{i:04d}",))
    [results] = chat.send(AGENT, "/find 张伟")
    assert "张伟" in results.text and len(results.buttons) == 9  # 8 people and ▶
    forward = results.button("▶")
    [edited, *_] = [r for r in chat.press(AGENT, forward) if r.method.startswith("edit")]
    assert [label for label, _ in edited.buttons][-1] == "◀"
    person = edited.buttons[0][1]
    [card] = [r for r in chat.press(AGENT, person) if r.method == "sendMessage"]
    assert "张伟" in card.text


def test_nothing_found_is_said_plainly(chat, agent) -> None:
    [reply] = chat.send(AGENT, "没有这个人")
    assert "没有找到" in reply.text


def test_user_typed_html_is_escaped_everywhere(chat, agent) -> None:
    customer(agent, "<b>&Co</b>", company="<i>Evil & Sons</i>", tags=("<u>x</u>",))
    [card] = chat.send(AGENT, "&Co")
    assert "&lt;b&gt;&amp;Co&lt;/b&gt;" in card.text
    assert "&lt;i&gt;Evil &amp; Sons&lt;/i&gt;" in card.text and "<u>" not in card.text


def test_the_timeline_pages_with_arrows(chat, agent) -> None:
    made = customer(agent, "陈静")
    for i in range(10):
        customers.log_interaction(agent, made.id, "call", f"第{i}次通话")
    [timeline] = [r for r in chat.press(AGENT, f"tl:{made.id}:0") if r.method == "sendMessage"]
    assert "第9次通话" in timeline.text and "第0次通话" not in timeline.text
    [older] = [r for r in chat.press(AGENT, timeline.button("▶"))
               if r.method == "editMessageText"]
    assert "第0次通话" in older.text and "◀" in [label for label, _ in older.buttons]


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_pasted_chat_reads_as_one_entry_on_the_timeline(chat, agent, locale) -> None:
    users.set_preferences(agent, locale=locale)
    made = customer(agent, "陈静")
    customers.log_interaction(agent, made.id, "call", "约好下周见面")
    pasted = "张伟 10:01\n你好，报价 <含税> 收到了吗？\n\n  我 10:02\n收到 & 在看"
    customers.log_interaction(agent, made.id, "message", pasted)
    [timeline] = [r for r in chat.press(AGENT, f"tl:{made.id}:0") if r.method == "sendMessage"]
    lines = timeline.text.split("\n")
    assert lines[0] == {"zh-CN": "<b>陈静</b> — 时间线", "en": "<b>陈静</b> — timeline"}[locale]
    start = next(i for i, line in enumerate(lines) if line.startswith("💬"))
    assert lines[start + 1:start + 5] == ["    张伟 10:01",
                                          "    你好，报价 &lt;含税&gt; 收到了吗？",
                                          "    我 10:02", "    收到 &amp; 在看"]
    assert lines[start + 5].startswith("📞") and lines[start + 6] == "    约好下周见面"


def test_a_long_entry_is_cut_in_the_timeline_and_read_whole_from_its_button(chat,
                                                                           agent) -> None:
    made = customer(agent, "陈静")
    report = "拜访记录 <完整> & 细节：" + "和采购总监讨论了明年的框架协议，价格需要再谈。" * 60
    customers.log_interaction(agent, made.id, "visit", report)
    customers.log_interaction(agent, made.id, "call", "短的通话")
    [timeline] = [r for r in chat.press(AGENT, f"tl:{made.id}:0") if r.method == "sendMessage"]
    assert "短的通话" in timeline.text and "📖2" in timeline.text and "📖1" not in timeline.text
    assert [label for label, _ in timeline.buttons if label.startswith("📖")] == ["📖 2"]
    whole = [r.text for r in chat.press(AGENT, timeline.button("📖 2"))
             if r.method == "sendMessage"]
    assert "&lt;完整&gt; &amp; 细节" in whole[0] and report[-40:] in "".join(whole)
    other = users.add_user(Actor.system(), 5103, "agent", "别人").as_actor()
    replies = chat.press(5103, timeline.button("📖 2"))  # the same button, someone else
    assert not any("细节" in text for text in chat.texts(replies)) and chat.alerts(replies)
    customers.log_interaction(other, customer(other, "别人的客户").id, "note", "x")
    stale = timeline.button("📖 2").rsplit(":", 1)[0] + ":999999"
    assert chat.alerts(chat.press(AGENT, stale))  # an entry no longer there: said, not guessed


def test_a_button_is_not_a_grant(chat, agent) -> None:
    other = users.add_user(Actor.system(), 5102, "agent", "别人").as_actor()
    theirs = customer(other, "别人的客户")
    replies = chat.press(AGENT, f"c:{theirs.id}")
    assert "别人的客户" not in " ".join(chat.texts(replies))
    assert any("未找到" in alert for alert in chat.alerts(replies))
    replies = chat.press(AGENT, f"tl:{theirs.id}:0")
    assert any("未找到" in alert for alert in chat.alerts(replies))


def test_forged_button_data_is_harmless(chat, agent) -> None:
    for forged in ("c:abc", "tl:1", "tp:x:y", "sp:q999:0", "zz:1:2"):
        replies = chat.press(AGENT, forged)
        assert not any("error" in text.lower() or "错误" in text for text in chat.texts(replies))


def test_strangers_get_nothing_from_search_or_buttons(chat, agent) -> None:
    made = customer(agent, "王小明")
    [reply] = chat.send(9999, "王小明")  # a customer's words search the help articles only
    assert "王小明" not in reply.text and "王小明" not in str(reply.buttons)
    replies = chat.press(9999, f"c:{made.id}")
    assert chat.texts([r for r in replies if r.method == "sendMessage"]) == []
    assert chat.alerts(replies) == ["You are not allowed to do this."]


def test_a_digit_does_not_open_a_customer_by_their_wechat_id(chat, agent) -> None:
    from crm.customers.inputs import ChannelInput

    customer(agent, "李雷", channels=(ChannelInput("wechat", "lilei_2"),))
    [reply] = chat.send(AGENT, "/find 2")
    assert reply.text == "没有找到“2”。" and reply.buttons == []


def test_the_survivors_timeline_marks_what_came_from_the_merged_record(chat, agent) -> None:
    from crm import privacy

    manager = users.add_user(Actor.system(), 5104, "admin", "王经理", locale="zh-CN").as_actor()
    keep = customer(agent, "李雷")
    twin = customer(agent, "李雷旧档")
    customers.log_interaction(agent, keep.id, "call", "本人的通话")
    customers.log_interaction(agent, twin.id, "visit", "旧记录的拜访")
    customers.merge_customers(manager, keep.id, twin.id)

    def lines() -> dict[str, str]:
        [timeline] = [r for r in chat.press(AGENT, f"tl:{keep.id}:0")
                      if r.method == "sendMessage"]
        entries = timeline.text.split("\n")
        return {summary.strip(): heading for heading, summary in pairwise(entries)}

    marked = lines()
    assert f"· 来自合并的记录 李雷旧档 #{twin.id}" in marked["旧记录的拜访"]
    assert "来自合并" not in marked["本人的通话"]  # what was said is left as it was said
    created = [line for line in chat.texts(chat.press(AGENT, f"tl:{keep.id}:0"))[0].split("\n")
               if "创建" in line]
    assert len(created) == 2 and sum(f"#{twin.id}" in line for line in created) == 1
    privacy.erase_customer(manager, twin.id)
    erased = lines()["旧记录的拜访"]
    assert f"· 来自合并的记录 #{twin.id}（已清除）" in erased and "李雷旧档" not in erased


@pytest.mark.parametrize(("locale", "reading", "changing", "no_tickets"), [
    ("en", ["⏰ Remind", "💼 Deals", "🎫 Ticket", "🕑 Timeline", "⋯ More"],
     ["Call", "Visit", "Note", "Edit", "Tags"], "🎫 <b>Wang Cheng</b> has no tickets."),
    ("zh-CN", ["⏰ 提醒", "💼 商机", "🎫 工单", "🕑 时间线", "⋯ 更多"],
     ["电话", "拜访", "备注", "编辑", "标签"], "🎫 <b>Wang Cheng</b> 还没有工单。")])
def test_a_viewer_is_shown_only_the_card_buttons_they_may_use(chat, agent, locale, reading,
                                                              changing, no_tickets) -> None:
    made = customer(agent, "Wang Cheng")
    users.add_user(Actor.system(), 5102, "viewer", "Vic", locale=locale)
    [card] = [r for r in chat.press(5102, f"c:{made.id}") if r.method == "sendMessage"]
    labels = [label for label, _ in card.buttons]
    assert labels == reading
    assert not [word for word in changing if word in str(labels)]
    [more] = [r for r in chat.press(5102, card.button(reading[-1])) if r.method == "sendMessage"]
    [consent] = [r for r in chat.press(5102, more.button("✅")) if r.method.startswith("edit")]
    assert [value for _, value in consent.buttons] == [f"c:{made.id}"]  # nothing to mark
    [tickets] = [r for r in chat.press(5102, card.button("🎫")) if r.method == "sendMessage"]
    assert tickets.text == no_tickets and tickets.buttons[0][1] == f"c:{made.id}"
    assert chat.alerts(chat.press(5102, f"tn:{made.id}"))  # ➕ pressed anyway: refused at once
    for pressed in (f"ed:{made.id}", f"tg:{made.id}"):  # an old card's buttons
        replies = chat.press(5102, pressed)
        assert chat.alerts(replies) and not [r for r in replies if r.method == "sendMessage"]
    [own] = [r for r in chat.press(AGENT, f"c:{made.id}") if r.method == "sendMessage"]
    assert len(own.buttons) == 10  # the agent still has every button


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_long_pasted_chat_read_whole_is_indented_as_on_the_timeline(chat, agent,
                                                                     locale) -> None:
    users.set_preferences(agent, locale=locale)
    made = customer(agent, "陈静")
    said = "报价 <含税> 收到了吗？" + "我们再核对一下明细。" * 30
    pasted = f"张伟 10:01\n{said}\n\n  我 10:02\n收到 & 在看"
    customers.log_interaction(agent, made.id, "message", pasted)
    [timeline] = [r for r in chat.press(AGENT, f"tl:{made.id}:0") if r.method == "sendMessage"]
    [whole] = [r.text for r in chat.press(AGENT, timeline.button("📖 1"))
               if r.method == "sendMessage"]
    lines = whole.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("💬"))
    assert lines[start + 1:] == ["    张伟 10:01", "    " + said.replace("<", "&lt;")
                                 .replace(">", "&gt;"), "    我 10:02", "    收到 &amp; 在看"]
    assert timeline.text.split("\n")[start + 1] == "    张伟 10:01"  # as the list shows it
