"""The examples English messages give are English, and each one works when typed as shown;
Chinese messages keep Chinese examples."""

from __future__ import annotations

import html
import re

import peewee
import pytest

from bot.i18n import catalogue
from crm import customers, reminders, sales, users
from crm.actors import Actor
from storage.database import fetch_one
from tests.bot.harness import ChatHarness, Reply

AGENT = 6201
HAN = re.compile(r"[\u3400-\u9fff]")
CODE = re.compile(r"<code>(.*?)</code>")


def english_agent() -> Actor:
    return users.add_user(Actor.system(), AGENT, "agent", "Sam Taylor", locale="en").as_actor()


def said(replies: list[Reply]) -> str:
    [message] = [r for r in replies if r.method in ("sendMessage", "editMessageText")]
    return message.text


def example(text: str, command: str) -> str:
    """The example of ``command`` a message shows, as the user would copy it."""
    found = [html.unescape(c) for c in CODE.findall(text) if c.startswith(command)]
    if not found:
        found = re.findall(rf"{command} [^—;]+?(?= adds)", text)  # not the list's "/new —"
    assert found, text
    return found[0]


def test_english_messages_show_chinese_only_where_they_say_chinese_works_too() -> None:
    """A Chinese name, company or phrase in an English message reads as a sample an English
    speaker cannot use; Chinese is shown only to say it is understood too."""
    chinese = {key: text for key, text in catalogue("en").items()
               if HAN.search(text) and "Chinese" not in text and key != "settings.language.zh-CN"}
    assert chinese == {}


def test_the_english_help_example_adds_the_customer_it_promises(chat: ChatHarness,
                                                                db: peewee.Database) -> None:
    english_agent()
    help_text = said(chat.send(AGENT, "/help"))
    assert not HAN.search(help_text)
    line = example(help_text, "/new")
    card = said(chat.send(AGENT, line))
    assert "John Smith" in card and "Acme Ltd" in card
    [found] = customers.search_customers(Actor.system(), "John Smith").items
    assert found.phone == "+442079460958"


def test_the_chinese_help_keeps_its_chinese_example(chat: ChatHarness,
                                                    db: peewee.Database) -> None:
    users.add_user(Actor.system(), AGENT, "agent", "李娜", locale="zh-CN")
    assert "/new 张伟 13800138000 华为" in said(chat.send(AGENT, "/help"))


def test_the_find_and_log_examples_find_the_customer_they_name(chat: ChatHarness,
                                                               db: peewee.Database) -> None:
    me = english_agent()
    customers.create_customer(me, customers.CustomerDraft(name="John Smith",
                                                          company="Acme Ltd"))
    find = example(said(chat.send(AGENT, "/find")), "/find")
    assert "John Smith" in said(chat.send(AGENT, find))
    log = example(said(chat.send(AGENT, "/log")), "/log")
    assert "John Smith" in said(chat.send(AGENT, log))


def test_the_remind_example_sets_the_reminder_it_shows(chat: ChatHarness,
                                                       db: peewee.Database) -> None:
    me = english_agent()
    asked = said(chat.send(AGENT, "/remind tomorrow 15:00"))
    line = example(asked, "/remind")
    assert not HAN.search(asked) and "John Smith" in line
    confirm = next(r for r in chat.send(AGENT, line) if r.buttons)
    chat.press(AGENT, confirm.buttons[0][1])
    [coming] = reminders.list_reminders(me)
    assert coming.text == "call John Smith"


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_order_line_example_adds_a_line(chat: ChatHarness, db: peewee.Database,
                                            locale: str) -> None:
    me = users.add_user(Actor.system(), AGENT, "agent", "Sam", locale=locale).as_actor()
    buyer = customers.create_customer(me, customers.CustomerDraft(name="Acme buyer"))
    order = sales.create_order(me, buyer.id, [])
    hint = said(chat.press(AGENT, f"oe:{order.id}"))
    typed = next(c for c in CODE.findall(hint) if re.fullmatch(r"\S+ \d+ \d+", c))
    assert bool(HAN.search(typed)) == (locale == "zh-CN")
    chat.send(AGENT, html.unescape(typed))
    assert fetch_one("select count(*) from order_line")[0] == 1
