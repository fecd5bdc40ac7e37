"""The bot keeps serving through flood control, blocked users, bugs, redelivered updates and
restarts."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import peewee
import pytest

from crm import customers, users
from crm.actors import Actor
from tests.bot.harness import ChatHarness
from tests.crm.cast import customer

AGENT, OTHER, ADMIN = 7001, 7002, 7003


@pytest.fixture
def staff(db: peewee.Database) -> Actor:
    """An agent (returned), a second agent and an admin."""
    users.add_user(Actor.system(), OTHER, "agent", "Other")
    users.add_user(Actor.system(), ADMIN, "admin", "Admin")
    return users.add_user(Actor.system(), AGENT, "agent", "Agent").as_actor()


def methods(replies) -> list[str]:
    return [r.method for r in replies]


def callback_payload(user_id: int, data: str) -> dict[str, Any]:
    """A button press as Telegram sends it (for delivering the very same update twice)."""
    message = {"message_id": 1, "date": int(time.time()), "text": "…",
               "chat": {"id": user_id, "type": "private"},
               "from": {"id": 777000111, "is_bot": True, "first_name": "CRM"}}
    return {"callback_query": {"id": "cq1", "chat_instance": "ci", "data": data,
                               "message": message,
                               "from": {"id": user_id, "is_bot": False, "first_name": "U"}}}


def test_flood_control_is_waited_out_and_the_reply_still_arrives(chat, staff) -> None:
    chat.stub.fail_next("sendMessage", 429, "Too Many Requests: retry after 1",
                        {"retry_after": 1})
    started = time.monotonic()
    replies = chat.send(AGENT, "/start")
    assert methods(replies) == ["sendMessage!failed", "sendMessage"]
    assert "Hello" in replies[-1].text and time.monotonic() - started >= 1


def test_search_results_wait_out_flood_control_and_a_blocked_user_breaks_nothing(
        chat, staff, caplog) -> None:
    """Search replies are sent without being read back, through the same throttle."""
    customer(staff, "张伟")
    customer(staff, "张伟强")
    chat.stub.fail_next("sendMessage", 429, "Too Many Requests: retry after 1",
                        {"retry_after": 1})
    started = time.monotonic()
    replies = chat.send(AGENT, "张伟", language="zh-CN")
    assert methods(replies) == ["sendMessage!failed", "sendMessage"]
    assert time.monotonic() - started >= 1
    assert "搜索结果" in replies[-1].text and replies[-1].button("张伟强").startswith("c:")
    chat.stub.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with caplog.at_level(logging.INFO):
        assert methods(chat.send(AGENT, "无此人", language="zh-CN")) == ["sendMessage!failed"]
    assert "blocked the bot" in caplog.text and "unexpected" not in caplog.text
    assert "没有找到" in chat.send(AGENT, "无此人", language="zh-CN")[0].text


def test_a_user_who_blocked_the_bot_breaks_nothing(chat, staff, caplog) -> None:
    chat.stub.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with caplog.at_level(logging.INFO):
        replies = chat.send(AGENT, "/start")
    assert methods(replies) == ["sendMessage!failed"]  # no apology sent into the void
    assert "blocked the bot" in caplog.text and "unexpected" not in caplog.text
    assert "Hello" in chat.send(OTHER, "/start")[0].text
    assert "Hello" in chat.send(AGENT, "/start")[0].text


def test_a_bug_is_logged_with_an_id_that_the_user_sees(chat, staff, caplog,
                                                       monkeypatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(customers, "search_customers", broken)
    with caplog.at_level(logging.ERROR):
        [reply] = chat.send(AGENT, "张伟", language="zh-CN")
    error_id = re.search(r"错误编号 ([0-9a-f]{8})", reply.text)
    assert error_id is not None and "boom" not in reply.text
    assert f"unexpected error {error_id.group(1)}" in caplog.text and "RuntimeError" in caplog.text
    monkeypatch.setattr(users, "list_users", broken)
    [alert] = chat.alerts(chat.press(ADMIN, "aup:0"))
    assert re.search(r"error [0-9a-f]{8}", alert)
    assert "Hello" in chat.send(OTHER, "/start", language="en")[0].text


def test_the_same_update_delivered_twice_is_answered_once(chat, staff) -> None:
    message = {"message": chat._message(ADMIN, "en", text="/users", entities=[
        {"type": "bot_command", "offset": 0, "length": 6}])}
    assert methods(chat.deliver(message, update_id=424242)) == ["sendMessage"]
    assert chat.deliver(message, update_id=424242) == []
    press = callback_payload(ADMIN, f"ax:{AGENT}")
    assert "editMessageText" in methods(chat.deliver(press, update_id=424243))
    assert chat.deliver(press, update_id=424243) == []
    assert len(chat.stub.sent("deleteMyCommands")) == 1


def test_a_restart_answers_old_buttons_sensibly(db: peewee.Database, staff) -> None:
    for i in range(10):
        customer(staff, f"张伟{i}", phones=(f"1380013{i:04d}",))
    before = ChatHarness(db)
    try:
        [results] = before.send(AGENT, "/find 张伟")
        forward, person = results.button("▶"), results.buttons[0][1]
        redelivered = {"message": before._message(AGENT, "en", text="/start", entities=[
            {"type": "bot_command", "offset": 0, "length": 6}])}
        assert before.deliver(redelivered, update_id=515151)
    finally:
        before.close()
    after = ChatHarness(db)
    try:
        assert after.alerts(after.press(AGENT, forward)) == [
            "This list is too old; please search again."]
        [card] = [r for r in after.press(AGENT, person) if r.method == "sendMessage"]
        assert "张伟" in card.text  # buttons that carry what they need keep working
        assert "Staff" in after.texts(after.press(ADMIN, "aup:0"))[0]
        assert after.deliver(redelivered, update_id=515151) == []  # claimed before the restart
    finally:
        after.close()


def test_a_message_that_could_not_reach_telegram_is_sent_again(chat) -> None:
    from crm import users as staff
    from crm.actors import Actor as _Actor

    staff.add_user(_Actor.system(), 6101, "agent", "Retry")
    chat.stub.drop_next("sendMessage")
    replies = chat.send(6101, "/start")
    assert [r.method for r in replies] == ["sendMessage!failed", "sendMessage"]
    assert "Retry" in replies[-1].text


def test_a_long_timeline_fits_in_one_message(chat) -> None:
    from crm import customers as crm_customers
    from crm import users as staff
    from crm.actors import Actor as _Actor

    agent = staff.add_user(_Actor.system(), 6102, "agent", "Long").as_actor()
    made = crm_customers.create_customer(agent, crm_customers.CustomerDraft(name="话多的客户"))
    for _ in range(8):
        crm_customers.log_interaction(agent, made.id, "note", "很长的备注" * 700)
    [timeline] = [r for r in chat.press(6102, f"tl:{made.id}:0") if r.method == "sendMessage"]
    assert len(timeline.text) <= 4096 and "…" in timeline.text


def test_a_screen_pressed_again_or_deleted_is_no_error(chat, staff, caplog) -> None:
    """Telegram refuses an edit that changes nothing (a button pressed twice) and one of a
    message the user deleted: the first is already done, the second comes as a new message."""
    chat.stub.fail_next("editMessageText", 400, "Bad Request: message is not modified: "
                        "specified new message content and reply markup are exactly the same")
    with caplog.at_level(logging.ERROR):
        replies = chat.press(ADMIN, "aup:0")
    assert methods(replies) == ["answerCallbackQuery", "editMessageText!failed"]
    chat.stub.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
    with caplog.at_level(logging.ERROR):
        replies = chat.press(ADMIN, "aup:0")
    assert methods(replies) == ["answerCallbackQuery", "editMessageText!failed", "sendMessage"]
    assert "Staff" in replies[-1].text and replies[-1].button("Agent")
    assert "unexpected" not in caplog.text and not chat.alerts(replies)


def test_a_press_answered_too_late_still_shows_its_screen(chat, staff, caplog) -> None:
    """A press that waited (behind a long write) past Telegram's time to answer it: the spinner
    has stopped by itself; the screen is still shown, with no apology."""
    chat.stub.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old and "
                        "response timeout expired or query ID is invalid")
    with caplog.at_level(logging.ERROR):
        replies = chat.press(ADMIN, "aup:0")
    assert methods(replies) == ["answerCallbackQuery!failed", "editMessageText"]
    assert "Staff" in replies[-1].text and "unexpected" not in caplog.text


def test_a_reply_that_timed_out_is_not_followed_by_an_invitation_to_try_again(
        chat, staff, caplog) -> None:
    """A reply whose answer never came back may have arrived: no "please try again" that would
    have the user save the same customer twice; the step waits for the answer again."""
    chat.send(AGENT, "/new")
    chat.send(AGENT, "李雷")
    chat.stub.time_out_next("sendMessage")
    with caplog.at_level(logging.WARNING):
        replies = chat.send(AGENT, "13800138000")
    assert methods(replies) == ["sendMessage!failed"]
    assert "may be lost" in caplog.text and "unexpected" not in caplog.text
    assert "E-mail" in chat.send(AGENT, "13800138000")[-1].text
