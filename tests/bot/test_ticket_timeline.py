"""A ticket on the customer's timeline reads like the other entries: its icon first, then
when, what and who opened it (a colleague, or the customer from the chat); deal moves, orders,
payments, owner changes and reminders have their icons too."""

from __future__ import annotations

import datetime as dt

import pytest

from crm import customers, reminders, sales, service, users
from crm.actors import Actor
from storage.database import fetch_one
from tests.bot.harness import said

MANAGER, ALICE, AGENT = 6501, 6502, 6503  # staff; a customer writing to the bot; staff


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


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", {"💼": ("New deal, at", "Deal moved", "Deal won"), "🧾": ("Order confirmed",),
            "💰": ("Payment (cash)",), "👤": ("Reassigned",), "⏰": ("Reminder set for",),
            "✨": ("Created",)}),
    ("zh-CN", {"💼": ("新商机", "商机推进", "赢单"), "🧾": ("订单已确认",),
               "💰": ("收款（现金）",), "👤": ("转交负责人",), "⏰": ("设置了提醒",),
               "✨": ("创建",)})])
def test_every_kind_of_timeline_entry_starts_with_its_icon(chat, db, locale, expected) -> None:
    manager = users.add_user(Actor.system(), MANAGER, "manager", "Wang Li",
                             locale=locale).as_actor()
    agent = users.add_user(Actor.system(), AGENT, "agent", "Li Na", locale=locale)
    buyer = customers.create_customer(manager, customers.CustomerDraft(name="张伟"))
    stages = sales.get_pipeline(manager).stages
    deal = sales.create_deal(manager, buyer.id, "打印机", amount="1000")
    sales.move_deal_to_stage(manager, deal.id, [s for s in stages if s.kind == "open"][1].id)
    sales.move_deal_to_stage(manager, deal.id, next(s.id for s in stages if s.kind == "won"))
    order = sales.create_order(manager, buyer.id, [sales.OrderLineInput(
        quantity=1, description="打印机", unit_price="1000")])
    sales.change_order_status(manager, order.id, "confirmed")
    sales.record_payment(manager, order.id, "100", "cash")
    sales.reassign_lead(manager, buyer.id, agent.id)
    reminders.create_reminder(manager, dt.datetime(2030, 1, 15, 1), "回访",
                              customer_id=buyer.id)
    [timeline] = said(chat.press(MANAGER, f"tl:{buyer.id}:0"))
    headings = entry_lines(timeline.text)
    assert not any(h.startswith("•") for h in headings), headings
    for icon, words in expected.items():
        for word in words:
            assert any(h.startswith(f"{icon} ") and word in h for h in headings), (word, headings)
