"""A value Edit refuses keeps the question's ◀ Back and ✖ Cancel under the refusal, so the
user leaves the step with one tap instead of scrolling up to the question."""

from __future__ import annotations

import pytest

from crm import customers, users
from crm.actors import Actor
from tests.bot.harness import said
from tests.crm.cast import customer

AGENT = 6401


@pytest.mark.parametrize(("locale", "field", "typed", "refusal", "back", "cancel", "cancelled"), [
    ("zh-CN", "birthday", "2999-01-01", "生日：2999-01-01 晚于今天", "上一步", "取消",
     "已取消"),
    ("en", "phone", "12345", "Phone: 12345 is not a valid phone number", "Back", "Cancel",
     "Cancelled")])
def test_a_refused_value_keeps_back_and_cancel_under_the_refusal(
        chat, db, locale, field, typed, refusal, back, cancel, cancelled) -> None:
    agent = users.add_user(Actor.system(), AGENT, "agent", "Emily", locale=locale).as_actor()
    made = customer(agent, "Bob Lee")
    chat.press(AGENT, f"ed:{made.id}")
    chat.press(AGENT, f"ef:{made.id}:{field}")
    [refused] = said(chat.send(AGENT, typed))
    assert refused.text == refusal
    assert refused.button(back) == f"ed:{made.id}" and refused.button(cancel) == f"ex:{made.id}"
    menu = said(chat.press(AGENT, refused.button(back)))[0]
    assert "Bob Lee" in menu.text and menu.button(cancel) == f"ex:{made.id}"
    chat.press(AGENT, f"ef:{made.id}:{field}")
    [refused] = said(chat.send(AGENT, typed))
    [left] = said(chat.press(AGENT, refused.button(cancel)))
    assert cancelled in left.text
    card = customers.get_customer(agent, made.id)
    assert card.birthday is None and not card.channels
