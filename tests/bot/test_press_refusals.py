"""A button from an old menu is refused at the press, saying who may, before any further
question is asked: the export menu's kinds and formats."""

from __future__ import annotations

from collections.abc import Iterator

import peewee
import pytest

from crm import users
from crm.actors import Actor
from tests.bot.harness import ChatHarness

MANAGER, AGENT, VIEWER = 6102, 6103, 6104
REFUSED = {"en": "Only managers and admins can export.", "zh-CN": "只有经理和管理员可以导出数据。"}


@pytest.fixture
def chat(db: peewee.Database) -> Iterator[ChatHarness]:
    harness = ChatHarness(db)
    yield harness
    harness.close()


@pytest.fixture
def staff(db: peewee.Database) -> None:
    for telegram_id, role in ((MANAGER, "manager"), (AGENT, "agent"), (VIEWER, "viewer")):
        users.add_user(Actor.system(), telegram_id, role, f"Staff {role}")


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize("user", [AGENT, VIEWER])
def test_an_old_export_menu_is_refused_at_the_kind_and_at_the_format(chat, staff, user,
                                                                      language) -> None:
    chat.send(user, "/help", language=language)
    for pressed in ("exk:customers", "exf:deals:xlsx"):
        replies = chat.press(user, pressed)
        assert chat.alerts(replies) == [REFUSED[language]], pressed
        assert not [r for r in replies if r.method in ("editMessageText", "sendMessage",
                                                       "sendDocument")], pressed


def test_a_manager_still_chooses_the_format(chat, staff) -> None:
    [_, question] = chat.press(MANAGER, "exk:customers")
    assert question.method == "editMessageText"
    assert [label for label, _ in question.buttons] == ["XLSX", "CSV"]
