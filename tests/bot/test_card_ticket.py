"""A new ticket from the customer card's 🎫: the question can be cancelled with a button, and
whatever is typed while it waits goes to the ticket, never to search: a title sent alone is
followed by its details, a long description pasted in one go (Telegram sends it in parts of up
to 4096 characters) is kept whole, and a question left unanswered says it stopped waiting."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.handlers import log
from crm import customers, users
from crm.actors import Actor
from storage.database import fetch_all
from tests.bot.harness import ChatHarness, said

AGENT = 6701


def buyer(locale: str) -> int:
    agent = users.add_user(Actor.system(), AGENT, "agent", "Emily", locale=locale).as_actor()
    return customers.create_customer(agent, customers.CustomerDraft(name="Bob Lee")).id


def tickets() -> list[tuple[str, str]]:
    return [tuple(row) for row in fetch_all("select subject, description from ticket")]


@pytest.mark.parametrize(("locale", "cancel", "cancelled", "nobody"), [
    ("en", "✖ Cancel", "Cancelled; nothing was saved.", "Nobody found"),
    ("zh-CN", "✖ 取消", "已取消，未保存任何内容。", "没有找到")])
def test_the_ticket_question_is_cancelled_with_its_button(chat, db, locale, cancel, cancelled,
                                                          nobody) -> None:
    customer_id = buyer(locale)
    [question] = said(chat.press(AGENT, f"tk:{customer_id}"))
    assert question.buttons == [(cancel, "kx")]
    [left] = said(chat.press(AGENT, question.button(cancel)))
    assert left.text == cancelled and tickets() == []
    assert nobody in said(chat.send(AGENT, "Printer jams"))[0].text  # a search again
    assert chat.alerts(chat.press(AGENT, "kx"))  # the spent button says so


@pytest.mark.parametrize(("locale", "held", "open_button"), [
    ("en", "Send the details", "✅ Open ticket"), ("zh-CN", "请发送问题详情", "✅ 提交工单")])
def test_details_sent_after_the_title_go_to_the_ticket_not_to_search(chat, db, locale, held,
                                                                     open_button) -> None:
    customer_id = buyer(locale)
    chat.press(AGENT, f"tk:{customer_id}")
    [asked] = said(chat.send(AGENT, "Printer jams <b>"))
    assert held in asked.text and "Printer jams &lt;b&gt;" in asked.text
    assert asked.button(open_button) == "ko" and asked.button("✖") == "kx"
    assert tickets() == []
    [card] = said(chat.send(AGENT, "Since Monday, on page 2 of every print."))
    assert card.text.startswith("🎫 <b>T-") and "Since Monday, on page 2" in card.text
    assert tickets() == [("Printer jams <b>",
                          "Printer jams <b>\nSince Monday, on page 2 of every print.")]


def test_a_title_alone_is_opened_with_the_button(chat, db) -> None:
    customer_id = buyer("en")
    chat.press(AGENT, f"tk:{customer_id}")
    [asked] = said(chat.send(AGENT, "Call back about the invoice"))
    [card] = said(chat.press(AGENT, asked.button("Open ticket")))
    assert "Call back about the invoice" in card.text
    assert tickets() == [("Call back about the invoice", "Call back about the invoice")]


def test_a_long_description_telegram_sent_in_parts_is_kept_whole(chat, db) -> None:
    customer_id = buyer("en")
    first = ("Printer jams\n" + "The tray & <rollers> slip on thick paper. " * 120)[:4096]
    second = ("It started after the firmware update of last week. " * 90)[:4000]
    last = "Ticket raised by phone."
    chat.press(AGENT, f"tk:{customer_id}")
    [held] = said(chat.send(AGENT, first))
    assert "send the rest" in held.text and "4,096 characters" in held.text
    [held] = said(chat.send(AGENT, second))
    assert "8,097 characters" in held.text and tickets() == []
    card = said(chat.send(AGENT, last))
    assert card[0].text.startswith("🎫 <b>T-")
    assert tickets() == [("Printer jams", "\n".join([first, second, last]))]


def test_a_long_description_that_is_all_there_is_opened_with_the_button(chat, db) -> None:
    customer_id = buyer("zh-CN")
    whole = "打印机卡纸\n" + "进纸时打滑，换了纸也一样。" * 330
    chat.press(AGENT, f"tk:{customer_id}")
    [held] = said(chat.send(AGENT, whole))
    assert "如果还有后续，请接着发送" in held.text
    chat.press(AGENT, held.button("提交工单"))
    assert tickets() == [("打印机卡纸", whole)]


def test_a_ticket_question_left_unanswered_says_it_stopped_waiting(db, monkeypatch) -> None:
    monkeypatch.setattr(log, "TIMEOUT", 0.2)  # the quiet time, shortened
    harness = ChatHarness(db)
    try:
        customer_id = buyer("en")
        harness.press(AGENT, f"tk:{customer_id}")
        before = len(harness.stub.calls)
        deadline = time.monotonic() + 5
        while len(harness.stub.calls) == before and time.monotonic() < deadline:
            harness.loop.run_until_complete(asyncio.sleep(0.05))
        [notice] = harness.stub.calls[before:]
        assert notice.params["text"].startswith("The new ticket for <b>Bob Lee</b> was not opened")
    finally:
        harness.close()


def test_a_held_title_dropped_for_another_flow_is_said_to_be_dropped(chat, db) -> None:
    customer_id = buyer("en")
    chat.press(AGENT, f"tk:{customer_id}")
    chat.send(AGENT, "Printer <jams>")
    dropped, question = said(chat.press(AGENT, f"lg:{customer_id}:note"))
    assert dropped.text == ("New ticket “Printer &lt;jams&gt;” was not saved and has been"
                            " dropped.")
    assert "Note on <b>Bob Lee</b>" in question.text and tickets() == []
