"""A note longer than one Telegram message: the app sends it in parts (at most 4096 characters
each), and the entry keeps every part, not only the last."""

from __future__ import annotations

import html
import re

import peewee
import pytest

from crm import customers, users
from crm.actors import Actor
from tests.bot.harness import Reply
from tests.crm.cast import customer

AGENT = 6301


@pytest.fixture
def agent(db: peewee.Database) -> Actor:
    return users.add_user(Actor.system(), AGENT, "agent", "Mike Sales", locale="en").as_actor()


def sent(replies: list[Reply]) -> list[Reply]:
    return [r for r in replies if r.method == "sendMessage"]


def notes_of(agent: Actor, customer_id: int) -> list[str]:
    page = customers.get_timeline(agent, customer_id)
    return [e.summary for e in page.items if e.kind == "interaction"]


def test_a_note_telegram_split_in_two_is_saved_whole(chat, agent) -> None:
    made = customer(agent, "Bob Smith")
    first = ("Meeting minutes & <actions>. " * 200)[:4096]
    rest = "Last part: send the quote by Friday."
    chat.press(AGENT, f"lg:{made.id}:note")
    [held] = sent(chat.send(AGENT, first))
    assert "send the rest" in held.text and "4,096 characters" in held.text
    assert notes_of(agent, made.id) == []  # nothing saved from half a text
    [saved] = sent(chat.send(AGENT, rest))
    assert saved.text == "✅ Note saved for <b>Bob Smith</b>."
    assert notes_of(agent, made.id) == [first + "\n" + rest]


def test_a_long_note_that_is_all_there_is_saved_with_the_button(chat, agent) -> None:
    made = customer(agent, "Bob Smith")
    whole = "长" * 4050
    chat.press(AGENT, f"lg:{made.id}:call")
    [held] = sent(chat.send(AGENT, whole))
    [saved] = sent(chat.press(AGENT, held.button("Save")))
    assert saved.text == "✅ Call saved for <b>Bob Smith</b>."
    assert notes_of(agent, made.id) == [whole]


def test_a_short_note_is_saved_at_once(chat, agent) -> None:
    made = customer(agent, "Bob Smith")
    chat.press(AGENT, f"lg:{made.id}:note")
    [saved] = sent(chat.send(AGENT, "Prefers e-mail."))
    assert saved.text == "✅ Note saved for <b>Bob Smith</b>."
    assert notes_of(agent, made.id) == ["Prefers e-mail."]


def test_a_pasted_note_is_read_whole_from_the_timeline(chat, agent) -> None:
    made = customer(agent, "Bob Smith")
    parts = [("Minutes & <notes> " * 300)[:4096], ("More minutes " * 300)[:4000], "The end."]
    chat.press(AGENT, f"lg:{made.id}:note")
    for part in parts:
        chat.send(AGENT, part)
    [timeline] = sent(chat.press(AGENT, f"tl:{made.id}:0"))
    read = sent(chat.press(AGENT, timeline.button("📖")))
    shown = html.unescape("".join(re.sub(r"<[^>]*>", "", r.text) for r in read))
    assert len(read) == 3 and all(part.strip() in shown for part in parts)
