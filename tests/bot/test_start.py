"""The real Application with only Telegram's servers replaced: who gets what on /start."""

from __future__ import annotations

import asyncio

import peewee
import pytest

from bot.app import build_application
from crm import users
from crm.actors import Actor
from crm.config import load_config
from storage.executor import DatabaseExecutor
from tests.bot.telegram_stub import TelegramStub, text_update


def _run(db: peewee.Database, updates: list[tuple[int, str, str]]) -> list[str]:
    stub = TelegramStub()
    executor = DatabaseExecutor(db)
    application = build_application(load_config(environ={}), executor, request=stub)

    async def scenario() -> None:
        async with application:
            for user_id, text, language in updates:
                await application.process_update(text_update(application.bot, user_id, text,
                                                              language=language))

    asyncio.run(scenario())
    executor.shutdown()
    return stub.sent_texts()


@pytest.mark.parametrize(("language", "expected"), [("en", "Hello"), ("zh-hans", "您好")])
def test_staff_are_welcomed_by_name_in_their_language(db: peewee.Database, language: str,
                                                      expected: str) -> None:
    users.add_user(Actor.system(), 4001, "agent", "<b>李&娜</b>")
    [reply] = _run(db, [(4001, "/start", language)])
    assert expected in reply
    assert "&lt;b&gt;李&amp;娜&lt;/b&gt;" in reply


def test_a_stranger_learns_nothing_but_their_own_id(db: peewee.Database) -> None:
    users.add_user(Actor.system(), 4002, "admin", "Secret Admin")
    [reply] = _run(db, [(4999, "/start", "en")])
    assert "4999" in reply
    assert "Secret Admin" not in reply


def test_a_deactivated_user_is_a_stranger(db: peewee.Database) -> None:
    users.add_user(Actor.system(), 4003, "agent", "Former")
    users.deactivate_user(Actor.system(), 4003)
    [reply] = _run(db, [(4003, "/start", "zh-CN")])
    assert "Former" not in reply and "仅供本公司员工使用" in reply
