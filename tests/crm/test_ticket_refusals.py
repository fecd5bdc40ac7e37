"""The English fallback of the service desk's refusals (``str(error)``, what the command line
and the logs show) reads as a sentence: statuses and who acted in words, never a code or a
dict of parameters."""

from __future__ import annotations

import datetime as dt
import re

import peewee
import pytest

from crm import consent, service
from crm.actors import Actor
from crm.errors import ChangedSince, Conflict, CrmError, ValidationError
from crm.service import PortalUser
from storage.database import database, sql
from tests.crm.cast import customer, make_cast

NOW = dt.datetime(2026, 12, 7, 2, 0)
ALICE = PortalUser(70001, "Alice 王", "zh-CN")
AT = r"\d{4}-\d\d-\d\d \d\d:\d\d"


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def minutes(n: float) -> dt.datetime:
    return NOW + dt.timedelta(minutes=n)


def refusal(kind: type[CrmError], action) -> str:
    with pytest.raises(kind) as caught:
        action()
    text = str(caught.value)
    assert "{" not in text and "code" not in text and caught.value.code not in text
    return text


def test_a_status_moved_since_names_the_status_and_who_moved_it(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "打印机坏了", now=NOW)
    number = ticket.number
    service.set_ticket_status(cast.manager, ticket.id, "waiting", now=minutes(1))
    by_staff = refusal(ChangedSince, lambda: service.set_ticket_status(
        cast.admin, ticket.id, "resolved", seen_status="new", now=minutes(2)))
    assert re.fullmatch(rf"{number} was moved to waiting for the customer by 王经理 at {AT};"
                        " nothing changed", by_staff)
    by_you = refusal(ChangedSince, lambda: service.set_ticket_status(
        cast.manager, ticket.id, "open", seen_status="new", now=minutes(2)))
    assert re.fullmatch(rf"{number} was moved to waiting for the customer by you at {AT};"
                        " nothing changed", by_you)
    service.customer_reply(ALICE, ticket.id, "型号是 M428", now=minutes(3))
    by_customer = refusal(ChangedSince, lambda: service.assign_ticket(
        cast.admin, ticket.id, cast.admin.user_id, seen_status="waiting", now=minutes(4)))
    assert re.fullmatch(rf"{number} was moved to open by the customer at {AT}; nothing changed",
                        by_customer)
    service.set_ticket_status(Actor.system(), ticket.id, "resolved", now=minutes(5))
    by_system = refusal(ChangedSince, lambda: service.set_ticket_priority(
        cast.admin, ticket.id, "high", seen_status="open", now=minutes(6)))
    assert re.fullmatch(rf"{number} was moved to resolved by the system at {AT};"
                        " nothing changed", by_system)


def test_a_status_moved_before_tickets_kept_who_moved_them_names_the_status(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "发票", now=NOW)
    service.set_ticket_status(cast.admin, ticket.id, "closed", now=minutes(1))
    database.execute_sql(sql("update ticket set status_changed_at = null where id = ?"),
                         (ticket.id,))
    text = refusal(ChangedSince, lambda: service.set_ticket_status(
        cast.admin, ticket.id, "reopened", seen_status="open", now=minutes(2)))
    assert text == f"{ticket.number} is closed now; nothing changed"


def test_a_reply_to_a_closed_ticket_says_who_closed_it(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "发票", now=NOW)
    service.set_ticket_status(cast.manager, ticket.id, "closed", now=minutes(1))
    text = refusal(ChangedSince, lambda: service.reply_to_ticket(
        cast.admin, ticket.id, "请提供发票号", now=minutes(2)))
    assert re.fullmatch(rf"{ticket.number} was closed by 王经理 at {AT}; reopen it first", text)


def test_a_ticket_handed_over_since_names_who_has_it(cast) -> None:
    ticket = service.open_ticket(cast.agent, customer(cast.agent).id, "发票", now=NOW)
    service.assign_ticket(cast.manager, ticket.id, cast.teammate.user_id, now=minutes(1))
    text = refusal(ChangedSince, lambda: service.assign_ticket(
        cast.manager, ticket.id, None, seen_assignee=cast.agent.user_id, now=minutes(2)))
    assert text == f"{ticket.number} has been handed to 张伟 since; nothing changed"


def test_a_move_a_ticket_cannot_make_names_both_statuses(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "发票", now=NOW)
    service.set_ticket_status(cast.admin, ticket.id, "closed", now=minutes(1))
    text = refusal(ValidationError, lambda: service.set_ticket_status(
        cast.admin, ticket.id, "waiting", now=minutes(2)))
    assert text == "a ticket that is closed cannot become waiting"


def test_the_customers_refusals_read_as_sentences(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "打印机坏了", now=NOW)
    service.set_ticket_status(cast.admin, ticket.id, "resolved", now=minutes(1))
    service.rate_ticket(ALICE, ticket.id, 4, now=minutes(2))
    rated = refusal(Conflict, lambda: service.rate_ticket(ALICE, ticket.id, 5, now=minutes(3)))
    assert rated == f"{ticket.number} was already rated ⭐⭐⭐⭐; nothing changed"

    waiting = service.open_customer_ticket(ALICE, "发票", now=minutes(4))
    service.reply_to_ticket(cast.admin, waiting.id, "请提供发票号", now=minutes(5))
    placed = service.reply_to_waiting(ALICE, "号码是 123", now=minutes(6))
    service.reply_to_ticket(cast.admin, waiting.id, "收到", now=minutes(7))
    kept = refusal(Conflict, lambda: service.take_back_reply(
        ALICE, waiting.id, placed.message_id, "号码是 123", written_at=placed.written_at,
        now=minutes(8)))
    assert kept == f"{waiting.number} has moved on since these words were added to it," \
        " so they stay there"
    again = service.reply_to_waiting(ALICE, "另外想问保修", now=minutes(9))
    service.take_back_reply(ALICE, waiting.id, again.message_id, "另外想问保修",
                            written_at=again.written_at, now=minutes(10))
    twice = refusal(Conflict, lambda: service.take_back_reply(
        ALICE, waiting.id, again.message_id, "另外想问保修", written_at=again.written_at,
        now=minutes(11)))
    assert twice == f"these words were already taken off {waiting.number}; nothing changed"

    consent.record_customer_choice(Actor.system(), ticket.customer_id, ("telegram",), True,
                                   "asked", minutes(12))
    agreed = service.unsubscribe(ALICE, now=minutes(13))
    service.undo_unsubscribe(ALICE, agreed, now=minutes(14))
    undone = refusal(Conflict, lambda: service.undo_unsubscribe(ALICE, agreed, now=minutes(15)))
    assert undone == "that was already undone; the marketing choices stay as they are"
