"""The owner history as people read it in the chat: picking the owner a customer already has
says so and changes nothing; an owner changed by any door shows on the timeline, in Chinese
and in English."""

from __future__ import annotations

import peewee
import pytest

from crm import sales, users
from crm.actors import Actor
from tests.bot.harness import ChatHarness, Reply
from tests.crm.cast import customer

AGENT, OTHER, MANAGER, ENGLISH_MANAGER = 5401, 5402, 5403, 5404
SYSTEM = Actor.system()


@pytest.fixture
def agent(db: peewee.Database) -> Actor:
    return users.add_user(SYSTEM, AGENT, "agent", "李娜", locale="zh-CN").as_actor()


@pytest.fixture
def managers(db: peewee.Database, agent: Actor) -> tuple[Actor, Actor]:
    users.add_user(SYSTEM, OTHER, "agent", "王强", locale="zh-CN")
    return (users.add_user(SYSTEM, MANAGER, "manager", "王经理", locale="zh-CN").as_actor(),
            users.add_user(SYSTEM, ENGLISH_MANAGER, "manager", "Tom", locale="en").as_actor())


def last_message(replies: list[Reply]) -> Reply:
    return [r for r in replies if r.method in ("sendMessage", "editMessageText")][-1]


def pick_owner(chat: ChatHarness, user_id: int, customer_id: int, owner_label: str,
               owner_button: str) -> list[Reply]:
    """✏️ Edit → 👤 Owner → the button naming ``owner_button``."""
    menu = last_message(chat.press(user_id, f"ed:{customer_id}"))
    owners = last_message(chat.press(user_id, menu.button(owner_label)))
    return chat.press(user_id, owners.button(owner_button))


def timeline(chat: ChatHarness, user_id: int, customer_id: int) -> str:
    return last_message(chat.press(user_id, f"tl:{customer_id}:0")).text


def test_picking_the_current_owner_says_so_in_each_language_and_changes_nothing(
        chat, agent, managers) -> None:
    made = customer(agent, "王小明")
    replies = pick_owner(chat, MANAGER, made.id, "负责人", "✓ 李娜")
    assert chat.alerts(replies) == ["王小明 的负责人已经是 李娜，未做任何更改。"]
    replies = pick_owner(chat, ENGLISH_MANAGER, made.id, "Owner", "✓ 李娜")
    assert chat.alerts(replies) == ["李娜 already owns 王小明; nothing changed."]
    assert sales.list_assignment_history(SYSTEM, made.id) == []
    assert "转交负责人" not in timeline(chat, MANAGER, made.id)

