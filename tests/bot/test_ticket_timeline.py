"""A ticket on the customer's timeline reads like the other entries: its icon first, then
when, what and who opened it (a colleague, or the customer from the chat)."""

from __future__ import annotations

import pytest

from crm import service, users
from crm.actors import Actor
from storage.database import fetch_one
from tests.bot.harness import said

MANAGER, ALICE = 6501, 6502  # staff; a customer writing to the bot


def entry_lines(text: str) -> list[str]:
    """The headings of the timeline's entries (not the title, not the indented summaries)."""
    return [line for line in text.splitlines()[1:] if not line.startswith(" ")]


@pytest.mark.parametrize(("locale", "ticket", "by_customer", "note"), [
    ("en", "Ticket", "the customer", "Note"), ("zh-CN", "工单", "客户本人", "备注")])
def test_a_ticket_on_the_timeline_starts_with_its_icon_and_names_who_opened_it(
        chat, db, locale, ticket, by_customer, note) -> None:
    manager = users.add_user(Actor.system(), MANAGER, "manager", "Wang Li",
                             locale=locale).as_actor()
    chat.send(ALICE, "/start", language="zh")
    chat.press(ALICE, "qn")  # a new question, typed next
    chat.send(ALICE, "打印机卡纸")
    customer_id = fetch_one("select customer_id from ticket")[0]
    service.open_ticket(manager, customer_id, "Invoice is wrong")
    chat.press(MANAGER, f"lg:{customer_id}:note")
    chat.send(MANAGER, "Called back")
    [timeline] = said(chat.press(MANAGER, f"tl:{customer_id}:0"))
    headings = entry_lines(timeline.text)
    assert headings[0].startswith("📝 ") and headings[0].endswith(f" {note} · Wang Li")
    staff_opened = next(h for h in headings if "Wang Li" in h and ticket in h)
    assert staff_opened.startswith("🎫 ") and staff_opened.endswith(f" {ticket} · Wang Li")
    opened_in_chat = [h for h in headings if h.endswith(f" {ticket} · {by_customer}")]
    assert len(opened_in_chat) == 1 and opened_in_chat[0].startswith("🎫 ")
    assert not any(h.startswith("•") for h in headings), headings
    assert "Invoice is wrong" in timeline.text and "打印机卡纸" in timeline.text
