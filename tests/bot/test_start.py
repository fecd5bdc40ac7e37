"""/start and /help: staff are welcomed in their language, strangers learn nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from crm import invites, users
from crm.actors import Actor
from crm.clock import utcnow
from tests.bot.harness import said


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


def test_a_deactivated_member_is_told_their_access_was_removed_and_whom_to_ask(chat) -> None:
    users.add_user(Actor.system(), 4003, "agent", "Former <i>", locale="zh-CN")
    assert "您好" in chat.send(4003, "/start")[0].text
    users.deactivate_user(Actor.system(), 4003)
    for typed in ("/start", "/help", "/today"):  # in their own language, not Telegram's
        [reply] = chat.send(4003, typed, language="en")
        assert "员工权限已被停用" in reply.text and "管理员" in reply.text
        assert "Former &lt;i&gt;" in reply.text and "4003" in reply.text
        assert "本公司员工" not in reply.text and not reply.buttons  # no customer greeting
    [refused] = chat.press(4003, "cust:1")  # an old staff button opens nothing
    assert refused.method == "answerCallbackQuery"


def test_a_deactivated_member_without_a_language_is_told_in_telegrams(chat) -> None:
    users.add_user(Actor.system(), 4009, "agent", "Former")
    users.deactivate_user(Actor.system(), 4009)
    [reply] = chat.send(4009, "/start", language="en")
    assert "Your staff access to this bot has been removed" in reply.text
    assert "ask an administrator" in reply.text and "Staff of this company" not in reply.text


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "This invite code is not valid."), ("zh-CN", "邀请码无效")])
@pytest.mark.parametrize("code", ["hello", "inv_nosuchcode", "<b>x</b>"])
def test_start_with_a_code_that_is_no_invite_says_so(chat, language: str, expected: str,
                                                     code: str) -> None:
    [reply] = chat.send(4010, f"/start {code}", language=language)
    assert expected in reply.text and "4010" not in reply.text and not reply.buttons
    assert users.identify(4010) is None


def test_start_with_an_expired_or_used_invite_keeps_its_own_message(chat) -> None:
    admin = users.add_user(Actor.system(), 4011, "admin", "Admin").as_actor()
    old = utcnow() - dt.timedelta(days=2)
    expired = invites.create_invite(admin, "agent", now=old)
    assert "expired" in chat.send(4012, f"/start {expired.code}")[0].text
    used = invites.create_invite(admin, "agent")
    [joined] = said(chat.send(4013, f"/start {used.code}"))
    assert "Welcome" in joined.text
    assert "already been used" in chat.send(4014, f"/start {used.code}")[0].text


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
