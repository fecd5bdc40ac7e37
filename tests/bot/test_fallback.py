"""What no handler takes gets a pointer, never silence: an unknown command, a location outside
a visit, a sticker or a voice note; flows that want such messages still get them first."""

from __future__ import annotations

import pytest

from crm import users
from crm.actors import Actor
from tests.crm.cast import customer

STAFF, STRANGER = 5301, 5399


@pytest.fixture
def staff(db) -> Actor:
    return users.add_user(Actor.system(), STAFF, "agent", "李娜").as_actor()


def texts(replies) -> list[str]:
    return [r.text for r in replies if r.method == "sendMessage"]


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "I don't know /frobnicate. /help lists what you can do."),
    ("zh-CN", "没有 /frobnicate 这个命令。发送 /help 查看可用的命令。")])
def test_an_unknown_command_points_to_help(chat, staff, language, expected) -> None:
    assert texts(chat.send(STAFF, "/frobnicate now", language=language)) == [expected]
    assert "/find" in texts(chat.send(STAFF, "/help", language=language))[0]


def test_a_location_outside_a_visit_says_how_to_attach_one(chat, staff) -> None:
    [pointer] = texts(chat.share_location(STAFF, 31.2304, 121.4737))
    assert "Visit" in pointer
    made = customer(staff, "陈静")
    chat.press(STAFF, f"lg:{made.id}:visit")
    [attached] = texts(chat.share_location(STAFF, 31.2304, 121.4737))  # the visit takes it
    assert "Visit" not in attached and "ocation" in attached


@pytest.mark.parametrize("content", [
    {"sticker": {"file_id": "s1", "file_unique_id": "us1", "width": 512, "height": 512,
                 "is_animated": False, "is_video": False, "type": "regular"}},
    {"voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3}}])
def test_a_sticker_or_a_voice_note_gets_a_pointer(chat, staff, content) -> None:
    replies = chat.deliver({"message": chat._message(STAFF, "zh-CN", **content)})
    assert texts(replies) == ["这里用不到这条消息。发送姓名、电话或公司即可搜索，或发送 /help。"]


def test_strangers_get_the_customer_side_not_the_pointer(chat, staff) -> None:
    replies = chat.send(STRANGER, "/frobnicate")
    assert not any("/help lists" in text for text in texts(replies))
