"""Dates as an English-speaking team writes them: 12/31/1985 (month first) or 31/12/1985 (day
first) is one day either way; 3/5/1985 could be two, and is asked for in words."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from crm import customers, users
from crm.actors import Actor
from tests.bot.harness import ChatHarness, Reply
from tests.crm.cast import customer

AGENT = 8401


@pytest.fixture
def agent(db: peewee.Database) -> Actor:
    return users.add_user(Actor.system(), AGENT, "agent", "Emily", locale="en").as_actor()


def said(replies: list[Reply]) -> str:
    return [r for r in replies if r.method in ("sendMessage", "editMessageText")][-1].text


def birthday_typed(chat: ChatHarness, agent: Actor, typed: str) -> tuple[str, dt.date | None]:
    made = customer(agent, "Bob Smith")
    chat.press(AGENT, f"ed:{made.id}")
    chat.press(AGENT, f"ef:{made.id}:birthday")
    answer = said(chat.send(AGENT, typed))
    return answer, customers.get_customer(agent, made.id).birthday


@pytest.mark.parametrize("typed", ["12/31/1985", "31/12/1985"])
def test_a_slashed_date_that_can_be_read_one_way_only_is_saved(chat, agent, typed) -> None:
    answer, saved = birthday_typed(chat, agent, typed)
    assert answer.startswith("✅ Saved.") and saved == dt.date(1985, 12, 31)


def test_a_slashed_date_in_the_future_is_refused_as_in_the_future(chat, agent) -> None:
    answer, saved = birthday_typed(chat, agent, "12/31/2031")
    assert answer == "Birthday: 2031-12-31 is in the future" and saved is None


def test_a_slashed_date_that_could_be_two_days_is_refused(chat, agent) -> None:
    answer, saved = birthday_typed(chat, agent, "3/5/1985")
    assert "3/5/1985 is not a date" in answer and "7 March 1990" in answer and saved is None
