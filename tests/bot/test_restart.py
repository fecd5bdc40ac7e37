"""A restart of the bot in the middle of a conversation: the user simply continues, a flow left
too long still ends with its message, and what was half-typed is stored sealed and only while
the flow runs."""

from __future__ import annotations

import asyncio
import pickle
import time
from collections.abc import Iterator

import peewee
import pytest

from bot.handlers import edit
from crm import conversations, customers, users
from crm.actors import Actor
from tests.bot.harness import ChatHarness, Reply
from tests.crm.cast import customer

AGENT, ADMIN = 5301, 5302
PHONE = "13800138000"


@pytest.fixture
def agent(db: peewee.Database) -> Actor:
    return users.add_user(Actor.system(), AGENT, "agent", "Emily", locale="en").as_actor()


@pytest.fixture
def admin(db: peewee.Database) -> Actor:
    return users.add_user(Actor.system(), ADMIN, "admin", "Admin", locale="en").as_actor()


@pytest.fixture
def harnesses(db: peewee.Database) -> Iterator[list[ChatHarness]]:
    """Bots started on the test's database; each restart adds one."""
    started: list[ChatHarness] = []
    yield started
    for harness in started:
        if not harness.loop.is_closed():
            harness.close()


def start(db: peewee.Database, harnesses: list[ChatHarness]) -> ChatHarness:
    harness = ChatHarness(db)
    harnesses.append(harness)
    return harness


def restart(db: peewee.Database, harnesses: list[ChatHarness]) -> ChatHarness:
    """A clean stop (a deploy), then the bot started again on the same database."""
    harnesses[-1].close()
    return start(db, harnesses)


def crash(db: peewee.Database, harnesses: list[ChatHarness]) -> ChatHarness:
    """The process dies: nothing is written beyond the last periodic write."""
    old = harnesses.pop()
    old.loop.run_until_complete(old.app.job_queue.stop(wait=False))
    old.loop.close()
    old.executor.shutdown()
    return start(db, harnesses)


def last(replies: list[Reply]) -> Reply:
    return [r for r in replies if r.method in ("sendMessage", "editMessageText")][-1]


def stored(db: peewee.Database) -> list[tuple[int, bytes]]:
    return [(row[0], bytes(row[1])) for row in
            db.execute_sql("select telegram_id, payload from conversation_state").fetchall()]


def test_a_new_customer_begun_before_a_restart_is_saved_after_it(db, agent, harnesses) -> None:
    bot = start(db, harnesses)
    bot.send(AGENT, "/new")
    assert "Phone" in last(bot.send(AGENT, "Bob Lee")).text
    bot = restart(db, harnesses)
    email = last(bot.send(AGENT, PHONE))
    assert "e-mail" in email.text.lower() and "Nobody found" not in email.text
    assert "company" in last(bot.press(AGENT, "nw:skip")).text.lower()
    bot.press(AGENT, "nw:skip")
    summary = last(bot.press(AGENT, "nw:skip"))
    assert "Bob Lee" in summary.text and PHONE in summary.text
    card = last(bot.press(AGENT, "nw:save"))
    assert "Bob Lee" in card.text and "+86 138 0013 8000" in card.text
    assert [c.name for c in customers.search_customers(agent, "Bob Lee").items] == ["Bob Lee"]
    bot.close()
    assert stored(db) == []  # the flow ended: nothing of it is kept


def test_an_edit_in_progress_continues_after_a_restart(db, agent, harnesses) -> None:
    made = customer(agent, "Bob")
    bot = start(db, harnesses)
    menu = last(bot.press(AGENT, f"ed:{made.id}"))
    bot.press(AGENT, menu.button("Birthday"))
    bot = restart(db, harnesses)
    card = last(bot.send(AGENT, "1990-03-07"))
    assert "Bob" in card.text and "Nobody found" not in card.text
    assert customers.get_customer(agent, made.id).birthday.isoformat() == "1990-03-07"


def test_a_crash_keeps_what_the_last_periodic_write_held(db, agent, harnesses) -> None:
    bot = start(db, harnesses)
    bot.send(AGENT, "/new")
    bot.send(AGENT, "Bob Lee")
    bot.loop.run_until_complete(bot.app.update_persistence())  # the periodic write
    bot = crash(db, harnesses)
    assert "e-mail" in last(bot.send(AGENT, PHONE)).text.lower()


def test_what_is_stored_is_sealed_and_leaves_the_actor_out(db, agent, harnesses) -> None:
    bot = start(db, harnesses)
    bot.send(AGENT, "/new")
    bot.send(AGENT, "Bob Lee")
    bot.send(AGENT, PHONE)
    bot.loop.run_until_complete(bot.app.update_persistence())
    [(telegram_id, payload)] = stored(db)
    assert telegram_id == AGENT
    for plain in (PHONE.encode(), b"Bob Lee", "Bob Lee".encode("utf-16-le")):
        assert plain not in payload
    [state] = conversations.load_conversation_states().values()  # with the key, it opens
    user_data = pickle.loads(state)["user_data"]
    assert "actor" not in user_data and "Bob Lee" in repr(user_data)


@pytest.fixture
def quick_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(edit, "TIMEOUT_SECONDS", 0.5)
    return 0.5


def _wait_for_a_message(bot: ChatHarness, before: int) -> list[str]:
    deadline = time.monotonic() + 5
    while len(bot.stub.calls) == before and time.monotonic() < deadline:
        bot.loop.run_until_complete(asyncio.sleep(0.05))
    return [str(c.params.get("text")) for c in bot.stub.calls[before:]]


def test_a_flow_that_expired_during_a_restart_ends_with_its_message(
        db, agent, harnesses, quick_timeout) -> None:
    bot = start(db, harnesses)
    bot.send(AGENT, "/new")
    bot.send(AGENT, "Bob Lee")
    bot.close()
    time.sleep(quick_timeout)  # the bot is down when the time is up
    bot = start(db, harnesses)
    [notice] = _wait_for_a_message(bot, len(bot.stub.calls))
    assert notice.startswith("Adding the customer stopped after 10 quiet minutes")
    assert "Nobody found" in last(bot.send(AGENT, PHONE)).text
    bot.close()
    assert stored(db) == []


def test_a_flow_restored_before_its_time_is_up_still_ends_with_its_message(
        db, agent, harnesses, quick_timeout) -> None:
    bot = start(db, harnesses)
    bot.send(AGENT, "/new")
    bot.send(AGENT, "Bob Lee")
    bot = restart(db, harnesses)
    [notice] = _wait_for_a_message(bot, len(bot.stub.calls))
    assert notice.startswith("Adding the customer stopped after 10 quiet minutes")


def test_deactivation_drops_the_stored_flow_for_good(db, agent, admin, harnesses) -> None:
    bot = start(db, harnesses)
    bot.send(AGENT, "/new")
    bot.send(AGENT, "Bob Lee")
    bot.loop.run_until_complete(bot.app.update_persistence())
    assert len(stored(db)) == 1
    users.deactivate_user(admin, AGENT)
    assert stored(db) == []
    bot.send(AGENT, PHONE)  # refused; the running bot writes again, but keeps nothing of theirs
    bot.close()
    assert stored(db) == []
    users.reactivate_user(admin, AGENT)
    bot = start(db, harnesses)
    assert "Nobody found" in last(bot.send(AGENT, PHONE)).text


def test_a_reminder_awaiting_its_save_is_saved_after_a_restart(db, agent, harnesses) -> None:
    bot = start(db, harnesses)
    confirm = last(bot.send(AGENT, "/remind 明天下午3点 给张伟打电话"))
    bot = restart(db, harnesses)
    bot.press(AGENT, confirm.button("Save"))
    assert [row[0] for row in db.execute_sql("select text from reminder").fetchall()] == [
        "给张伟打电话"]


def test_a_note_being_written_is_logged_after_a_restart(db, agent, harnesses) -> None:
    made = customer(agent, "Bob")
    bot = start(db, harnesses)
    bot.press(AGENT, f"lg:{made.id}:note")
    bot = restart(db, harnesses)
    bot.send(AGENT, "Wants the blue model")
    summaries = db.execute_sql("select summary from interaction where customer_id = %s"
                               .replace("%s", db.param), (made.id,)).fetchall()
    assert [row[0] for row in summaries] == ["Wants the blue model"]


@pytest.mark.parametrize("payload", [
    pickle.dumps({"user_data": {}, "flows": {"a flow since removed": {(AGENT,): 1}}}),
    b"not a pickle: written by another program",
])
def test_a_stored_flow_this_program_cannot_continue_is_dropped(db, agent, harnesses,
                                                               payload) -> None:
    conversations.save_conversation_states({AGENT: payload})
    bot = start(db, harnesses)
    assert "Nobody found" in last(bot.send(AGENT, PHONE)).text
    bot.loop.run_until_complete(bot.app.update_persistence())
    assert stored(db) == []
