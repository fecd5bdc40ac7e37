"""A Chinese-speaking salesperson on a phone: a Chinese keyboard's full-width slash, Chinese
typed straight after a command, voice input's spaces and full-width punctuation, through the
real Application."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import peewee
import pytest

from crm import customers, users
from crm.actors import Actor
from storage.database import fetch_all, fetch_one
from tests.crm.cast import customer

AGENT = 8301
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def agent(db: peewee.Database) -> Actor:
    return users.add_user(Actor.system(), AGENT, "agent", "陈静", locale="zh-CN").as_actor()


def texts(replies) -> list[str]:
    return [r.text for r in replies if r.method == "sendMessage"]


def tomorrow() -> dt.date:
    return dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=1)


@pytest.mark.parametrize("typed", ["／today", "／ｔｏｄａｙ", "/today看看"])
def test_a_command_typed_on_a_chinese_keyboard_runs_the_command(chat, agent, typed) -> None:
    [answer] = texts(chat.send(AGENT, typed))
    assert "没有找到" not in answer and "这个命令" not in answer
    assert answer == texts(chat.send(AGENT, "/today"))[0]


def test_chinese_straight_after_remind_is_the_reminder(chat, agent) -> None:
    [confirm] = texts(chat.send(AGENT, "/remind明天下午3点 给张伟打电话"))
    assert f"{tomorrow():%Y-%m-%d} 15:00" in confirm and "给张伟打电话" in confirm


@pytest.mark.parametrize("typed", ["/remind，明天下午3点 给张伟打电话",
                                   "/remind: 明天下午3点 给张伟打电话",
                                   "／remind：明天下午3点 给张伟打电话"])
def test_a_comma_after_remind_keeps_the_time(chat, agent, typed) -> None:
    [confirm] = texts(chat.send(AGENT, typed))
    assert f"{tomorrow():%Y-%m-%d} 15:00" in confirm and "给张伟打电话" in confirm
    assert "，" not in confirm.split("给张伟打电话")[0]


def test_a_comma_after_find_and_new_is_not_part_of_the_words(chat, agent) -> None:
    customer(agent, "张伟", phones=("13800138000",))
    [found] = texts(chat.send(AGENT, "/find，张伟"))
    assert "<b>张伟</b>" in found and "+86 138 0013 8000" in found
    [card] = texts(chat.send(AGENT, "/new：吴十，13900139004"))
    assert "<b>吴十</b>" in card
    assert fetch_one("select count(*) from customer where name = '吴十'")[0] == 1


@pytest.mark.parametrize("typed", ["/remind 明天 8.30 给张伟打电话",
                                   "/remind 明天8。30 给张伟打电话"])
def test_a_time_typed_with_a_dot_is_the_reminders_time(chat, agent, typed) -> None:
    [confirm] = texts(chat.send(AGENT, typed))
    assert f"{tomorrow():%Y-%m-%d} 08:30" in confirm and "给张伟打电话" in confirm
    assert "30 给" not in confirm and "30给" not in confirm  # the time left out of the text


def test_a_reminder_at_a_dotted_time_keeps_its_words_as_typed(chat, agent) -> None:
    [confirm] = chat.send(AGENT, "/remind 明天 8.30 报价 iPhone 15 两台 给 王总")
    assert "\n报价 iPhone 15 两台给王总\n" in confirm.text
    chat.press(AGENT, confirm.button("保存"))
    [(text, due_at)] = fetch_all("select text, due_at from reminder")
    due = dt.datetime.combine(tomorrow(), dt.time(8, 30), SHANGHAI).astimezone(dt.UTC)
    assert text == "报价 iPhone 15 两台给王总" and str(due_at).startswith(f"{due:%Y-%m-%d %H:%M}")


def test_a_figure_where_the_time_goes_that_is_no_time_is_refused(chat, agent) -> None:
    [refused] = texts(chat.send(AGENT, "/remind 明天 8.75 报价"))
    assert "“8.75”不是有效的时刻" in refused and "8点45" in refused
    [confirm] = texts(chat.send(AGENT, "/remind 明天 8.45 报价"))
    assert f"{tomorrow():%Y-%m-%d} 08:45" in confirm and "\n报价\n" in confirm
    assert fetch_one("select count(*) from reminder")[0] == 0  # not until saved


def test_a_full_width_slash_cancels_a_conversation(chat, agent) -> None:
    chat.send(AGENT, "/new")
    [cancelled] = texts(chat.send(AGENT, "／cancel"))
    assert "已取消" in cancelled
    assert fetch_one("select count(*) from customer")[0] == 0


def test_a_reminder_said_by_voice_is_read_at_the_hour_said(chat, agent) -> None:
    [confirm] = texts(chat.send(AGENT, "/remind 明天 上午 10 点 给 张伟 打 电话"))
    assert f"{tomorrow():%Y-%m-%d} 10:00" in confirm and "\n给张伟打电话\n" in confirm
    chat.send(AGENT, "/cancel")
    [confirm] = texts(chat.send(AGENT, "/remind 明天3点 回电"))  # not at three in the night
    assert f"{tomorrow():%Y-%m-%d} 15:00" in confirm


@pytest.mark.parametrize(("typed", "shown", "tags"), [
    ("/new 吴十，13900139004，腾讯", ["<b>吴十</b> · 腾讯\n", "+86 139 0013 9004"], 0),
    ("/new 华为 张伟 13800138000", ["<b>张伟</b> · 华为\n", "+86 138 0013 8000"], 0),
    ("/new 周九 13900139003 zhoujiu＠qq．com", ["<b>周九</b>\n", "✉️ zhoujiu@qq.com"], 0),
    ("/new 郑一 139 0013 9005 #潜在、华东", ["<b>郑一</b>\n", "🏷 华东 · 潜在"], 2),
    ("/new 陈二 13900139006 腾讯 #重点客户，#华南", ["<b>陈二</b> · 腾讯", "🏷 华南 · 重点客户"], 2),
])
def test_a_new_customer_in_one_line_as_chinese_writes_it(chat, agent, typed, shown,
                                                         tags) -> None:
    [card] = texts(chat.send(AGENT, typed))
    for part in shown:
        assert part in card
    assert fetch_one("select count(*) from customer_tag")[0] == tags


@pytest.mark.parametrize(("typed", "born"), [("90年3月5号", "1990-03-05"),
                                             ("90年3月5日", "1990-03-05"),
                                             ("1990年3月5号", "1990-03-05"),
                                             ("05年3月5号", "2005-03-05")])
def test_a_birthday_typed_with_a_short_year_is_saved(chat, agent, typed, born) -> None:
    made = customer(agent, "王小明")
    chat.press(AGENT, f"ed:{made.id}")
    chat.press(AGENT, f"ef:{made.id}:birthday")
    [saved] = texts(chat.send(AGENT, typed))
    assert "已保存" in saved
    assert customers.get_customer(agent, made.id).birthday.isoformat() == born


def test_a_birthday_whose_year_cannot_be_told_is_refused_saying_why(chat, agent) -> None:
    made = customer(agent, "王小明")
    chat.press(AGENT, f"ed:{made.id}")
    chat.press(AGENT, f"ef:{made.id}:birthday")
    [refused] = texts(chat.send(AGENT, "5/3/90"))
    assert refused.startswith("生日：") and "5/3/90 的年份只有两位" in refused
    [saved] = texts(chat.send(AGENT, "90年3月5号"))  # the question stayed: answered again
    assert "已保存" in saved
    assert customers.get_customer(agent, made.id).birthday.isoformat() == "1990-03-05"
