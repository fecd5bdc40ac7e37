"""A reminder set from a customer's or a deal's card with a time and no words of its own reads
as what it is about, not as a dash."""

from __future__ import annotations

from bot import reminder_jobs
from crm import customers, sales, users
from crm.actors import Actor
from crm.clock import utcnow
from crm.reminders.service import add_reminder
from tests.bot.harness import ChatHarness, Reply

AGENT = 8301


def shown(replies: list[Reply]) -> Reply:
    [message] = [r for r in replies if r.method in ("sendMessage", "editMessageText")]
    return message


def agent(locale: str) -> Actor:
    return users.add_user(Actor.system(), AGENT, "agent", "Mike", locale=locale).as_actor()


def set_on_card(chat: ChatHarness, opener: str, save: str) -> Reply:
    chat.press(AGENT, opener)
    [confirm] = chat.send(AGENT, "2030-01-15 15:00")
    return shown(chat.press(AGENT, confirm.button(save)))


def test_a_card_reminder_without_words_names_its_customer(chat) -> None:
    mike = agent("en")
    buyer = customers.create_customer(mike, customers.CustomerDraft(name="Bob & <Sons>"))
    saved = set_on_card(chat, f"rm:{buyer.id}", "Save")
    assert saved.text.startswith("✅ Saved: about Bob &amp; &lt;Sons&gt;\n")
    [line] = shown(chat.send(AGENT, "/reminders")).text.splitlines()[1:]
    assert line == "• Tue 2030-01-15 15:00 about Bob &amp; &lt;Sons&gt;"
    card = shown(chat.send(AGENT, "/find Bob"))
    assert "⏰ Next reminder: Tue 2030-01-15 15:00 about Bob &amp; &lt;Sons&gt;" in card.text
    assert "—" not in card.text.split("⏰ Next reminder:")[1]


def test_a_deal_reminder_without_words_names_its_deal_in_chinese(chat) -> None:
    mike = agent("zh-CN")
    buyer = customers.create_customer(mike, customers.CustomerDraft(name="王小明"))
    deal = sales.create_deal(mike, buyer.id, "5G基站采购")
    saved = set_on_card(chat, f"rq:{deal.id}", "保存")
    assert saved.text.startswith("✅ 已保存：关于「5G基站采购」\n")


def test_a_delivered_reminder_without_words_says_whom_it_is_about(chat) -> None:
    mike = agent("en")
    buyer = customers.create_customer(mike, customers.CustomerDraft(name="Bob Smith"))
    now = utcnow()  # due now: written directly, as the service refuses a time already past
    add_reminder(mike.user_id, now, "", "UTC", now, customer_id=buyer.id)
    chat.loop.run_until_complete(reminder_jobs.deliver_reminders(chat.app, now))
    [delivered] = chat.stub.sent()
    assert delivered.params["text"].startswith("⏰ <b>Reminder</b>: about Bob Smith\n")
