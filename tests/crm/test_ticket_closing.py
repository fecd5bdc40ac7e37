"""When a ticket was resolved and closed: each resolution and close is stamped at its own time,
and a reopened ticket is neither until it is resolved or closed again."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from crm import service
from crm.service import PortalUser
from tests.crm.cast import make_cast

NOW = dt.datetime(2026, 12, 7, 2, 0)
ALICE = PortalUser(70001, "Alice 王", "zh-CN")


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def hours(n: float) -> dt.datetime:
    return NOW + dt.timedelta(hours=n)


def test_a_rating_after_a_reopen_stamps_the_new_close_not_the_first(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "打印机坏了", now=NOW)
    service.set_ticket_status(cast.admin, ticket.id, "closed", now=hours(1))
    reopened = service.customer_reply(ALICE, ticket.id, "又坏了，开不了机", now=hours(2))
    assert reopened.status == "reopened"
    assert (reopened.resolved_at, reopened.closed_at) == (None, None)
    service.set_ticket_status(cast.admin, ticket.id, "resolved", now=hours(3))
    rated = service.rate_ticket(ALICE, ticket.id, 5, now=hours(4))
    assert (rated.status, rated.resolved_at, rated.closed_at) == ("closed", hours(3), hours(4))


def test_a_staff_reopen_clears_both_stamps_and_a_second_close_stamps_its_own(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "发票", now=NOW)
    service.set_ticket_status(cast.admin, ticket.id, "resolved", now=hours(1))
    service.set_ticket_status(cast.admin, ticket.id, "closed", now=hours(2))
    reopened = service.set_ticket_status(cast.admin, ticket.id, "reopened", now=hours(5))
    assert (reopened.resolved_at, reopened.closed_at) == (None, None)
    closed = service.set_ticket_status(cast.admin, ticket.id, "closed", now=hours(6))
    assert (closed.resolved_at, closed.closed_at) == (None, hours(6))


def test_a_ticket_closed_late_after_a_reopen_is_late_not_done_at_its_first_resolution(
        cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "打印机坏了", now=NOW)  # 3 days to resolve
    service.reply_to_ticket(cast.admin, ticket.id, "请重启", now=hours(1))
    service.set_ticket_status(cast.admin, ticket.id, "resolved", now=hours(2))
    service.customer_reply(ALICE, ticket.id, "重启了也不行", now=hours(3))
    closed = service.set_ticket_status(cast.admin, ticket.id, "closed", now=hours(100))
    assert closed.closed_at == hours(100) and closed.resolved_at is None
    assert closed.missed_service_level(hours(101))  # done after its due time, not at hour 2


def test_rating_a_ticket_staff_closed_keeps_when_it_was_closed(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "发票", now=NOW)
    service.set_ticket_status(cast.admin, ticket.id, "resolved", now=hours(1))
    service.set_ticket_status(cast.admin, ticket.id, "closed", now=hours(2))
    rated = service.rate_ticket(ALICE, ticket.id, 3, now=hours(8))
    assert (rated.rating, rated.closed_at) == (3, hours(2))
