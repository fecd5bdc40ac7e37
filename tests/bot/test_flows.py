"""One flow at a time: starting another action ends the unfinished one."""

from __future__ import annotations

import peewee
import pytest

from crm import customers, users
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
