"""What the bot makes of Telegram's answers: a sent message comes back without the keyboard and
formatting it echoes (never read, costly to parse); everything else exactly as sent."""

from __future__ import annotations

import json

import pytest
from telegram import Bot, Message
from telegram.error import TelegramError

from bot.transport import RetryingRequest


def _answer(result: object) -> bytes:
    return json.dumps({"ok": True, "result": result}).encode()


def test_a_sent_message_keeps_what_the_bot_reads_and_drops_the_echoed_keyboard() -> None:
    sent = {"message_id": 41, "date": 1_700_000_000, "text": "张伟 <b>&",
            "chat": {"id": 7, "type": "private"},
            "entities": [{"type": "bold", "offset": 3, "length": 3}],
            "reply_markup": {"inline_keyboard": [[{"text": "张伟", "callback_data": "c:1"}]]}}
    parsed = RetryingRequest.parse_json_payload(_answer(sent))["result"]
    message = Message.de_json(parsed, Bot("1:x"))
    assert (message.message_id, message.chat.id, message.text) == (41, 7, "张伟 <b>&")
    assert message.reply_markup is None and message.entities == ()


def test_updates_and_other_answers_are_left_whole() -> None:
    update = {"update_id": 1, "message": {
        "message_id": 2, "date": 1_700_000_000, "text": "/find 王", "chat": {"id": 7, "type":
                                                                              "private"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        "reply_markup": {"inline_keyboard": []}}}
    assert RetryingRequest.parse_json_payload(_answer([update]))["result"] == [update]
    chat = {"id": 7, "type": "private", "first_name": "王"}
    assert RetryingRequest.parse_json_payload(_answer(chat))["result"] == chat
    refusal = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
    assert RetryingRequest.parse_json_payload(json.dumps(refusal).encode()) == refusal


def test_an_answer_that_is_not_json_is_a_telegram_error() -> None:
    with pytest.raises(TelegramError, match="Invalid server response"):
        RetryingRequest.parse_json_payload(b"<html>502 Bad Gateway</html>")
