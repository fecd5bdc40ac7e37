"""A help article longer than one Telegram message: the app sends it in parts (at most 4096
characters each), and the article keeps every part, not only the first."""

from __future__ import annotations

import html
import re

import pytest

from crm import service, users
from crm.actors import Actor
from tests.bot.harness import Reply, said

MANAGER = 6801


def manager(locale: str) -> Actor:
    return users.add_user(Actor.system(), MANAGER, "manager", "Wang", locale=locale).as_actor()


def shown(replies: list[Reply]) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", "".join(r.text for r in said(replies))))


@pytest.mark.parametrize(("locale", "held"), [
    ("en", "send the rest if there is more"), ("zh-CN", "如果还有后续，请接着发送")])
def test_an_article_telegram_split_in_two_is_saved_whole(chat, db, locale, held) -> None:
    writer = manager(locale)
    first = ("Returns & refunds\n" + "Keep the box & <receipt> for seven days. " * 120)[:4096]
    rest = "Refunds reach the card within 5 working days. #returns"
    chat.press(MANAGER, "bn")  # 📝 New article
    [holding] = said(chat.send(MANAGER, first))
    assert held in holding.text and "4,096" in holding.text
    assert service.list_articles(writer) == []  # nothing saved from half a text
    article = shown(chat.send(MANAGER, rest))
    assert "Refunds reach the card within 5 working days." in article
    [saved] = service.list_articles(writer)
    whole = service.get_article(writer, saved.id)
    assert whole.title == "Returns & refunds" and whole.tags == ("returns",)
    assert whole.body == (first.split("\n", 1)[1] + "\n" + rest.replace(" #returns", "")).strip()


def test_a_long_article_that_is_all_there_is_saved_with_the_button(chat, db) -> None:
    writer = manager("zh-CN")
    body = "收到货七天内可以无理由退货，请保留包装和发票。" * 170  # 3,910 characters
    chat.press(MANAGER, "bn")
    [holding] = said(chat.send(MANAGER, "退货政策\n" + body))
    shown(chat.press(MANAGER, holding.button("保存")))
    [saved] = service.list_articles(writer)
    assert service.get_article(writer, saved.id).body == body
    assert chat.alerts(chat.press(MANAGER, "bs"))  # the spent button says so
