"""One flow at a time: starting another action ends the unfinished one."""

from __future__ import annotations

import peewee
import pytest

from crm import customers, reminders, users
from crm.actors import Actor
from tests.crm.cast import customer

AGENT = 5301


@pytest.fixture
def agent(db: peewee.Database):
    return users.add_user(Actor.system(), AGENT, "agent", "Li Na", locale="en").as_actor()


def test_logging_a_call_in_the_middle_of_new_customer_gets_the_next_text(chat, agent) -> None:
    made = customer(agent, "王小明")
    chat.send(AGENT, "/new")
    chat.send(AGENT, "张伟")  # the name; the new-customer flow now waits for a phone
    chat.press(AGENT, f"lg:{made.id}:call")
    chat.send(AGENT, "谈了价格，下周报价")
    timeline = customers.get_timeline(agent, made.id).items
    assert timeline[0].summary == "谈了价格，下周报价"
    assert [c.name for c in customers.search_customers(agent, "张伟").items] == []


def test_a_new_customer_after_an_abandoned_log_starts_cleanly(chat, agent) -> None:
    made = customer(agent, "王小明")
    chat.press(AGENT, f"lg:{made.id}:note")  # waits for the note text
    chat.send(AGENT, "/new")
    replies = chat.send(AGENT, "陈静")  # the name of the new customer, not a note
    assert customers.get_timeline(agent, made.id).items[0].subkind == "created"
    assert any("陈静" in r.text or "phone" in r.text.lower() for r in replies)


ZH_AGENT = 5302


@pytest.fixture
def zh_agent(db: peewee.Database):
    return users.add_user(Actor.system(), ZH_AGENT, "agent", "李娜", locale="zh-CN").as_actor()


def test_a_typed_new_customer_dropped_by_another_command_is_said_once(chat, zh_agent) -> None:
    chat.send(ZH_AGENT, "/new")
    chat.send(ZH_AGENT, "李雷")
    replies = chat.send(ZH_AGENT, "/remind 明天 回访")
    assert "新客户「李雷」未保存，已放弃。" in chat.texts(replies)
    saved = chat.press(ZH_AGENT, "rn:s")
    assert not any("李雷" in text for text in chat.texts(saved))  # said once, not again
    chat.send(ZH_AGENT, "13700001234")  # now a search, as the user was told
    assert customers.search_customers(zh_agent, "李雷").items == ()
    assert [r.text for r in reminders.list_reminders(zh_agent)] == ["回访"]


def test_a_typed_reminder_dropped_by_new_is_named_in_english(chat, agent) -> None:
    chat.send(AGENT, "/remind tomorrow 15:00 call back")
    replies = chat.send(AGENT, "/new")
    assert "Reminder “call back” was not saved and has been dropped." in chat.texts(replies)
    assert reminders.list_reminders(agent) == []


def test_a_visit_summary_typed_before_the_location_is_said_dropped(chat, zh_agent) -> None:
    made = customer(zh_agent, "王小明")
    chat.press(ZH_AGENT, f"lg:{made.id}:visit")
    chat.send(ZH_AGENT, "谈了价格")  # kept while the location is asked
    replies = chat.send(ZH_AGENT, "/new")
    assert "王小明的拜访记录未保存，已放弃。" in chat.texts(replies)


def test_a_flow_with_nothing_typed_ends_silently(chat, zh_agent) -> None:
    made = customer(zh_agent, "王小明")
    chat.press(ZH_AGENT, f"lg:{made.id}:call")  # asked for the summary, nothing typed
    replies = chat.send(ZH_AGENT, "/new")
    assert not any("放弃" in text for text in chat.texts(replies))
    chat.send(ZH_AGENT, "/new")
    chat.send(ZH_AGENT, "/remind")  # a fresh /new, nothing typed in it
    replies = chat.send(ZH_AGENT, "/new")
    assert not any("放弃" in text for text in chat.texts(replies))


def test_a_new_deal_with_a_title_typed_is_said_dropped(chat, zh_agent) -> None:
    made = customer(zh_agent, "王小明")
    chat.press(ZH_AGENT, f"dn:{made.id}")
    chat.send(ZH_AGENT, "年度采购")
    replies = chat.send(ZH_AGENT, "/remind")
    assert "新商机「年度采购」未保存，已放弃。" in chat.texts(replies)


def test_a_visit_ended_by_another_command_takes_the_location_keyboard_away(chat,
                                                                           zh_agent) -> None:
    made = customer(zh_agent, "王小明")
    [ask] = [r for r in chat.press(ZH_AGENT, f"lg:{made.id}:visit") if r.method == "sendMessage"]
    assert ask.params["reply_markup"]["keyboard"][0][0]["request_location"] is True  # 📍 shown
    replies = chat.send(ZH_AGENT, "/new")
    [ended] = [r for r in replies if "拜访记录" in r.text]
    assert ended.text == "王小明的拜访记录已取消。"
    assert ended.params["reply_markup"] == {"remove_keyboard": True}


def test_a_visit_summary_dropped_while_the_location_is_asked_takes_the_keyboard_away(
        chat, agent) -> None:
    made = customer(agent, "Wang Xiaoming")
    chat.press(AGENT, f"lg:{made.id}:visit")
    chat.send(AGENT, "talked prices")  # kept while the location is asked
    replies = chat.send(AGENT, "/remind")
    [dropped] = [r for r in replies if "dropped" in r.text]
    assert dropped.text == ("The visit note for Wang Xiaoming was not saved and has been"
                            " dropped.")
    assert dropped.params["reply_markup"] == {"remove_keyboard": True}


def test_the_drop_notice_comes_before_the_next_commands_first_question(chat, zh_agent) -> None:
    chat.send(ZH_AGENT, "/new")
    chat.send(ZH_AGENT, "李雷")
    replies = [r for r in chat.send(ZH_AGENT, "/remind") if r.method == "sendMessage"]
    assert len(replies) == 2
    assert replies[0].text == "新客户「李雷」未保存，已放弃。"
    assert "李雷" not in replies[1].text  # then the reminder's own question


def test_the_drop_notice_comes_before_a_buttons_first_question(chat, agent) -> None:
    made = customer(agent, "Wang Xiaoming")
    chat.press(AGENT, f"lg:{made.id}:visit")
    chat.send(AGENT, "talked prices")  # kept while the location is asked
    replies = [r for r in chat.press(AGENT, f"dn:{made.id}") if r.method == "sendMessage"]
    assert replies[0].text == ("The visit note for Wang Xiaoming was not saved and has been"
                               " dropped.")
    assert len(replies) == 2 and "dropped" not in replies[1].text
