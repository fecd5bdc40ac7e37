"""Texts longer than one Telegram message (4096 characters) arrive whole, in several
messages, each valid HTML; the test stand-in refuses what Telegram refuses, everywhere."""

from __future__ import annotations

import html
import re

import pytest

from bot.long_text import split_html, units
from crm import customers, service, users
from crm.actors import Actor
from tests.crm.cast import customer

MANAGER = 5501
_TAG = re.compile(r"<[^>]*>")


def shown(part: str) -> str:
    return html.unescape(_TAG.sub("", part))


def test_a_short_text_is_one_part() -> None:
    assert split_html("<b>张伟</b> &amp; 华为") == ["<b>张伟</b> &amp; 华为"]


def test_long_lines_are_cut_at_line_breaks_and_nothing_is_lost() -> None:
    text = "\n".join(f"第{i}行：" + "客户" * 40 for i in range(200))
    parts = split_html(text)
    assert len(parts) > 1 and all(units(p) <= 4096 for p in parts)
    assert "".join(parts) == text and all(p.endswith("\n") for p in parts[:-1])


def test_one_long_line_is_never_cut_inside_an_entity_or_a_tag() -> None:
    typed = "A&B <i>x</i> " * 1200  # as a user typed it, escaped on the way in
    text = "<b>Notes</b>\n" + html.escape(typed) + '<a href="https://example.com/x">link</a>'
    parts = split_html(text)
    assert len(parts) > 1 and all(units(p) <= 4096 for p in parts)
    for part in parts:
        assert not re.search(r"&[a-z]*$", part) and not re.search(r"<[^>]*$", part)
    assert "".join(shown(p) for p in parts) == "Notes\n" + typed + "link"


def test_a_tag_open_at_a_cut_is_closed_and_reopened() -> None:
    text = "<blockquote><b>" + "长" * 5000 + "</b></blockquote>"
    parts = split_html(text)
    assert len(parts) == 2
    assert parts[0].endswith("</b></blockquote>") and parts[1].startswith("<blockquote><b>")
    assert all(p.count("<b>") == p.count("</b>") for p in parts)
    assert "".join(shown(p) for p in parts) == "长" * 5000


def test_characters_outside_the_basic_plane_count_twice() -> None:
    parts = split_html("😀" * 3000)
    assert len(parts) == 2 and all(units(p) <= 4096 for p in parts)


@pytest.fixture
def manager(db) -> Actor:
    return users.add_user(Actor.system(), MANAGER, "manager", "Manager", locale="en").as_actor()


def test_a_long_article_is_read_whole_with_its_buttons_under_the_last_part(chat,
                                                                         manager) -> None:
    body = "\n".join(f"{i}. Check the cable & the <power> switch, then wait." for i in range(70))
    article = service.write_article(manager, "Printer help", body[:4000], publish=True)
    replies = chat.press(MANAGER, f"ba:{article.id}")
    parts = [r for r in replies if r.method == "sendMessage"]
    assert len(parts) == 2 and not parts[0].buttons and parts[-1].buttons
    assert body[:4000] in "".join(shown(p.text) for p in parts)


def test_notes_of_4000_characters_are_shown_whole_when_editing_them(chat, manager) -> None:
    notes = ("对价格敏感 & 喜欢<样品>。" * 300)[:4000]
    made = customer(manager, "王小明")
    customers.update_customer(manager, made.id, "notes", notes)
    chat.press(MANAGER, f"ed:{made.id}")
    replies = chat.press(MANAGER, f"ef:{made.id}:notes")
    parts = [r for r in replies if r.method == "sendMessage"]
    assert len(parts) == 2 and parts[-1].buttons
    assert notes in "".join(shown(p.text) for p in parts)
