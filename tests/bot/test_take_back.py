"""🆕 "It's a new question" under words added to a waiting ticket takes back those words and
no others, even where SQLite gave a later message the id of words already taken back."""

from __future__ import annotations

import peewee

from crm import service, users
from crm.actors import Actor
from storage.database import fetch_all, fetch_one, is_sqlite

AGENT, ALICE = 8601, 8602


def shown(replies):
    return [r for r in replies if r.method in ("sendMessage", "editMessageText")]


def test_an_old_button_does_not_take_back_the_same_words_written_again(
        chat, db: peewee.Database) -> None:
    agent = users.add_user(Actor.system(), AGENT, "agent", "Li Na", locale="en").as_actor()
    chat.send(ALICE, "/start", language="en")
    chat.press(ALICE, "qn")
    chat.send(ALICE, "Printer broken", language="en")
    ticket_id = fetch_one("select id from ticket")[0]
    service.reply_to_ticket(agent, ticket_id, "When can we come?")
    [first] = chat.send(ALICE, "tomorrow 3pm", language="en")
    assert "Taken off ticket" in shown(chat.press(ALICE, first.button("new question")))[0].text
    [second] = chat.send(ALICE, "tomorrow 3pm", language="en")
    assert "Added to ticket" in second.text
    [kept] = fetch_all("select id from ticket_message where body = 'tomorrow 3pm'")
    if is_sqlite(db):  # the id of the words taken back, given again
        assert str(kept[0]) in first.button("new question")
    again = shown(chat.press(ALICE, first.button("new question")))[0]
    assert "already taken off ticket" in again.text
    assert fetch_all("select id from ticket_message where body = 'tomorrow 3pm'") == [kept]
    assert fetch_one("select status from ticket")[0] == "open"
    # The button under the words written again takes them back.
    shown(chat.press(ALICE, second.button("new question")))
    assert fetch_all("select id from ticket_message where body = 'tomorrow 3pm'") == []
