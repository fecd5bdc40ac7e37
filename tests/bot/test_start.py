"""/start and /help: staff are welcomed in their language, strangers learn nothing."""

from __future__ import annotations

import pytest

from crm import users
from crm.actors import Actor


@pytest.mark.parametrize(("language", "expected"), [("en", "Hello"), ("zh-hans", "您好")])
def test_staff_are_welcomed_by_name_in_their_language(chat, language: str,
                                                      expected: str) -> None:
    users.add_user(Actor.system(), 4001, "agent", "<b>李&娜</b>")
    [reply] = chat.send(4001, "/start", language=language)
    assert expected in reply.text
    assert "&lt;b&gt;李&amp;娜&lt;/b&gt;" in reply.text


def test_a_stranger_learns_nothing_but_their_own_id(chat) -> None:
    users.add_user(Actor.system(), 4002, "admin", "Secret Admin")
    [reply] = chat.send(4999, "/start")
    assert "4999" in reply.text and "Secret Admin" not in reply.text


def test_a_deactivated_user_is_a_stranger_at_once(chat) -> None:
    users.add_user(Actor.system(), 4003, "agent", "Former")
    assert "Hello" in chat.send(4003, "/start")[0].text
    users.deactivate_user(Actor.system(), 4003)
    [reply] = chat.send(4003, "/start", language="zh-CN")
    assert "Former" not in reply.text and "提交工单" in str(reply.buttons)  # a customer now


def test_help_differs_for_staff_and_strangers(chat) -> None:
    users.add_user(Actor.system(), 4004, "agent", "Agent")
    assert "/new" in chat.send(4004, "/help")[0].text
    assert "/new" not in chat.send(4998, "/help")[0].text


def test_the_same_update_delivered_twice_is_answered_once(chat) -> None:
    users.add_user(Actor.system(), 4005, "agent", "Agent")
    payload = {"message": chat._message(4005, "en", text="/start", entities=[
        {"type": "bot_command", "offset": 0, "length": 6}])}
    assert len(chat.deliver(payload, update_id=987654)) == 1
    assert chat.deliver(payload, update_id=987654) == []


@pytest.mark.parametrize(("language", "log_line", "export_line"), [
    ("en", "/log — Log a call, visit or note", "/export — Export to a spreadsheet"),
    ("zh-CN", "/log — 记录电话、拜访或备注", "/export — 导出为表格")])
def test_help_lists_the_commands_of_the_members_role(chat, language: str, log_line: str,
                                                     export_line: str) -> None:
    users.add_user(Actor.system(), 4006, "agent", "Agent")
    users.add_user(Actor.system(), 4007, "admin", "Admin")
    users.add_user(Actor.system(), 4008, "viewer", "Viewer")
    agent = chat.send(4006, "/help", language=language)[0].text
    admin = chat.send(4007, "/help", language=language)[0].text
    viewer = chat.send(4008, "/help", language=language)[0].text
    assert log_line in agent and "/reminders" in agent and "/settings" in agent
    assert export_line not in agent and "/users" not in agent and "/backup" not in agent
    assert export_line in admin and "/users" in admin and "/backup" in admin
    assert "/log" not in viewer and "/new" not in viewer and "/find" in viewer
    # /deleted (restore) for those who may delete, named in the reader's language
    deleted = {"en": "/deleted — Recently deleted customers, to restore",
               "zh-CN": "/deleted — 最近删除的客户，可恢复"}[language]
    assert deleted in admin and "/deleted" not in agent and "/deleted" not in viewer
