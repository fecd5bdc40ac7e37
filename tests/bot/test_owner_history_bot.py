"""The owner history as people read it in the chat: picking the owner a customer already has
says so and changes nothing; an owner changed by any door shows on the timeline, in Chinese
and in English."""

from __future__ import annotations

import peewee
import pytest
from telegram.ext import CallbackQueryHandler

from crm import customers, sales, users
from crm.actors import Actor
from crm.errors import ValidationError
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


def test_a_pop_up_shows_a_typed_name_as_typed(chat, agent, managers) -> None:
    """A pop-up is plain text: what the user typed shows as typed, not as HTML escapes."""
    made = customer(agent, "Li & <Na>")
    replies = pick_owner(chat, ENGLISH_MANAGER, made.id, "Owner", "✓ 李娜")
    assert chat.alerts(replies) == ["李娜 already owns Li & <Na>; nothing changed."]

    async def refused(update, context) -> None:  # any button whose work crm refuses
        raise ValidationError("validation.phone", field="phone", value="12 & <34>")

    # a group of its own, before the bot's pre-handlers (one per group: the first match of a
    # group is the only one of it that runs)
    chat.app.add_handler(CallbackQueryHandler(refused, pattern="^refuse$"), group=-9)
    [alert] = chat.alerts(chat.press(ENGLISH_MANAGER, "refuse"))
    assert "12 & <34>" in alert and "&amp;" not in alert and "<b>" not in alert


def test_owner_changes_by_every_door_read_alike_on_the_timeline(chat, agent, managers) -> None:
    manager, english = managers
    other = users.identify(OTHER)
    made = customer(agent, "王小明")
    customers.update_customer(manager, made.id, "owner_id", other.id)  # an edit of the record
    users.reassign_customers(english, OTHER, AGENT)  # 王强's whole book back to 李娜
    pick_owner(chat, MANAGER, made.id, "负责人", "王强")  # the owner button
    chinese = timeline(chat, MANAGER, made.id)
    assert chinese.index("转交负责人 · 王经理\n    王强") < chinese.index(
        "整体移交客户 · Tom\n    李娜") < chinese.index("修改负责人 · 王经理\n    王强")
    english_text = timeline(chat, ENGLISH_MANAGER, made.id)
    assert english_text.index("Reassigned · 王经理") < english_text.index(
        "Handed over with a whole book · Tom") < english_text.index("Owner changed · 王经理")

