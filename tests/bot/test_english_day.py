"""A day at work in the English interface: what an English-speaking salesperson, manager,
viewer and admin type, and what they read back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import peewee
import pytest

from crm import customers, sales, scheduling, users
from crm.actors import Actor
from crm.clock import utcnow
from tests.bot.harness import ChatHarness, Reply
from tests.crm.cast import customer

AGENT, VIEWER = 6101, 6102


def staff(telegram_id: int, role: str, name: str) -> Actor:
    return users.add_user(Actor.system(), telegram_id, role, name, locale="en").as_actor()


@pytest.fixture
def bot(db: peewee.Database) -> Iterator[ChatHarness]:
    chat = ChatHarness(db)
    yield chat
    chat.close()


def sent(replies: list[Reply]) -> list[Reply]:
    return [r for r in replies if r.method in ("sendMessage", "editMessageText")]


# /settings ------------------------------------------------------------------------------------
def test_a_zone_area_typed_as_a_time_zone_is_refused_not_an_error(bot, db) -> None:
    staff(AGENT, "agent", "Mike Sales")
    [menu] = bot.send(AGENT, "/settings")
    sent(bot.press(AGENT, menu.button("Another")))
    [wrong] = sent(bot.send(AGENT, "Pacific"))
    assert "“Pacific” is not a time zone" in wrong.text
    assert users.identify(AGENT).timezone is None


def test_a_city_typed_alone_finds_its_time_zone(bot, db) -> None:
    staff(AGENT, "agent", "Mike Sales")
    [menu] = bot.send(AGENT, "/settings")
    sent(bot.press(AGENT, menu.button("Another")))
    [saved] = sent(bot.send(AGENT, "los angeles"))
    assert "Time zone: America/Los_Angeles" in saved.text
    assert users.identify(AGENT).timezone == "America/Los_Angeles"


# a viewer -------------------------------------------------------------------------------------
def test_a_viewer_is_refused_new_before_any_question(bot, db) -> None:
    staff(VIEWER, "viewer", "Vic Viewer")
    [guided] = sent(bot.send(VIEWER, "/new"))
    assert guided.text == "Only agents, managers and admins can add records."
    [typed] = sent(bot.send(VIEWER, "Bob Jones"))  # no name step caught it: a search
    assert "Nobody found" in typed.text


def test_a_viewer_is_refused_log_before_picking_a_customer(bot, db) -> None:
    agent = staff(AGENT, "agent", "Mike Sales")
    customer(agent, "Wang Cheng")
    staff(VIEWER, "viewer", "Vic Viewer")
    [refused] = sent(bot.send(VIEWER, "/log Wang Cheng"))
    assert refused.text == "Only agents, managers and admins can change records."
    assert not refused.buttons


# deals ----------------------------------------------------------------------------------------
def only(replies: list[Reply]) -> Reply:
    [message] = sent(replies)
    return message


def test_a_dollar_amount_is_saved_in_dollars_not_yuan(bot, db) -> None:
    me = staff(AGENT, "agent", "Mike Sales")
    deal = sales.create_deal(me, customer(me, "Grace Cheung").id, "Website redesign",
                             amount="454302")
    menu = only(bot.press(AGENT, f"de:{deal.id}"))
    only(bot.press(AGENT, menu.button("Amount")))
    saved = only(bot.send(AGENT, "$50,000"))
    assert "USD 50,000.00" in saved.text
    changed = sales.get_deal(me, deal.id)
    assert (changed.amount, changed.currency) == (Decimal("50000.00"), "USD")


@pytest.mark.parametrize(("typed", "shown_as"), [("€1,200", "EUR 1,200.00"),
                                                 ("HK$ 8k", "HKD 8,000.00"),
                                                 ("£12k", "GBP 12,000.00")])
def test_a_new_deal_amount_reads_its_currency_sign(bot, db, typed, shown_as) -> None:
    me = staff(AGENT, "agent", "Mike Sales")
    bot.press(AGENT, f"dl:{customer(me, 'Acme').id}")
    bot.send(AGENT, "Servers")
    bot.send(AGENT, typed)
    summary = only(bot.press(AGENT, "sx:skip"))
    assert shown_as in summary.text


# editing a customer ---------------------------------------------------------------------------
def test_a_wrong_birthday_is_said_back_as_typed_and_an_english_date_is_taken(bot, db) -> None:
    me = staff(AGENT, "agent", "Mike Sales")
    made = customer(me, "Wang Cheng")
    menu = sent(bot.press(AGENT, f"ed:{made.id}"))[-1]
    sent(bot.press(AGENT, menu.button("Birthday")))
    [wrong] = sent(bot.send(AGENT, "April 31 1983"))
    assert wrong.text == ("Birthday: April 31 1983 is not a date; write it like 1990-03-07 "
                          "or 7 March 1990")
    saved = sent(bot.send(AGENT, "April 11, 1983"))[-1]
    assert "Saved" in saved.text
    assert customers.get_customer(me, made.id).birthday == dt.date(1983, 4, 11)


def test_a_deal_lost_for_another_reason_reads_as_that_reason(bot, db) -> None:
    me = staff(AGENT, "agent", "Mike Sales")
    deal = sales.create_deal(me, customer(me, "Grace Cheung").id, "Website redesign")
    lost = next(s.id for s in sales.get_pipeline(Actor.system()).stages if s.kind == "lost")
    question = only(bot.press(AGENT, f"dm:{deal.id}:{lost}"))
    only(bot.press(AGENT, question.button("Other")))
    card = only(bot.send(AGENT, "Price too high vs. competitor"))
    assert "✖ Lost because: Price too high vs. competitor" in card.text
    assert "Other…" not in card.text
    history = only(bot.press(AGENT, card.button("History")))
    assert "✖ Price too high vs. competitor" in history.text and "Other…" not in history.text


def test_a_lost_reason_typed_at_the_question_is_the_reason_not_a_search(bot, db) -> None:
    me = staff(AGENT, "agent", "Mike Sales")
    deal = sales.create_deal(me, customer(me, "Grace Cheung").id, "Website redesign")
    question = only(bot.press(AGENT, only(bot.press(AGENT, f"d:{deal.id}")).button("Lost")))
    only(bot.press(AGENT, question.button("Deal")))  # taken back: nothing waits for words
    assert "Nobody found" in only(bot.send(AGENT, "Acme")).text
    question = only(bot.press(AGENT, only(bot.press(AGENT, f"d:{deal.id}")).button("Lost")))
    assert "Why was <b>Website redesign</b> lost? Tap a reason, or type it" in question.text
    lost = only(bot.send(AGENT, "Price too high"))
    assert "Nobody found" not in lost.text
    assert "✖ Lost because: Price too high" in lost.text
    saved = sales.get_deal(me, deal.id)
    assert (saved.stage.kind, saved.lost_reason, saved.lost_note) == ("lost", "other",
                                                                      "Price too high")
    assert "Nobody found" in only(bot.send(AGENT, "Price too high")).text  # the question ended


# an admin -------------------------------------------------------------------------------------
def test_status_names_each_job_once_as_a_job(chat, db) -> None:
    staff(7001, "admin", "Alice Admin")
    scheduling.job_started("watchdog", utcnow())
    scheduling.job_finished("watchdog", utcnow(), ok=True)
    status = " ".join(r.text for r in sent(chat.send(7001, "/status")))
    assert "job scheduler watchdog (watchdog): last ran" in status
    assert "job job" not in status
