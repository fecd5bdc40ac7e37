"""Staff notifications from the outbox reach Telegram once; a blocked user is given up on."""

from __future__ import annotations

import peewee
import pytest

from bot.jobs import deliver_notifications
from crm import customers, users
from crm.actors import Actor
from crm.sales.assignment_rules import add_assignment_rule, configure_assignment
from storage.database import fetch_all

ADMIN, AGENT = 8101, 8102


@pytest.fixture
def lead(db: peewee.Database):
    """A new lead from Shenzhen, assigned by rule to the agent."""
    admin = users.add_user(Actor.system(), ADMIN, "admin", "Boss").as_actor()
    agent = users.add_user(Actor.system(), AGENT, "agent", "李娜", locale="zh-CN")
    configure_assignment(admin, "rules", fallback_owner_id=admin.user_id)
    add_assignment_rule(admin, "city", "深圳", agent.id)
    return customers.create_customer(admin, customers.CustomerDraft(
        name="<b>深圳</b>客户", addresses=(customers.AddressInput("work", city="深圳"),)))


def deliver(chat) -> int:
    return chat.loop.run_until_complete(deliver_notifications(chat.app))


def test_the_assignee_is_told_once_in_their_language(chat, lead) -> None:
    assert deliver(chat) == 1
    [message] = [c for c in chat.stub.sent() if int(c.params["chat_id"]) == AGENT]
    assert message.params["text"].startswith("🆕")
    assert "&lt;b&gt;深圳&lt;/b&gt;客户" in message.params["text"]
    assert message.buttons() == [("👤 打开客户", f"c:{lead.id}")]
    assert deliver(chat) == 0  # never twice


def test_a_user_who_blocked_the_bot_is_not_tried_again(chat, lead) -> None:
    chat.stub.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    assert deliver(chat) == 0
    assert deliver(chat) == 0
    [(failed_at, error)] = fetch_all("select failed_at, last_error from notification")
    assert failed_at is not None and "blocked" in error


def test_a_transient_failure_is_retried_later(chat, lead) -> None:
    chat.stub.fail_next("sendMessage", 500, "Internal Server Error")
    assert deliver(chat) == 0
    [(sent_at, failed_at, available_at, created_at)] = fetch_all(
        "select sent_at, failed_at, available_at, created_at from notification")
    assert sent_at is None and failed_at is None and str(available_at) > str(created_at)


def test_a_book_handed_over_from_the_command_line_is_by_the_system_in_the_readers_language(
        chat, db) -> None:
    leaving = users.add_user(Actor.system(), 8103, "agent", "张伟").as_actor()
    users.add_user(Actor.system(), AGENT, "agent", "李娜", locale="zh-CN")
    customers.create_customer(leaving, customers.CustomerDraft(name="王小明"))
    users.reassign_customers(Actor.system(), 8103, AGENT)
    assert deliver(chat) == 1
    [message] = [c for c in chat.stub.sent() if int(c.params["chat_id"]) == AGENT]
    assert "系统 将 张伟 的 1 位客户移交给了您" in message.params["text"]
    assert "system" not in message.params["text"]
