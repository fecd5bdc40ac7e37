"""What a ticket's card says about when it was resolved, after the ticket was reopened."""

from __future__ import annotations

import datetime as dt

import peewee

from crm import service, users
from crm.actors import Actor
from crm.clock import utcnow
from crm.service import PortalUser

ADMIN = 8501
ALICE = PortalUser(8502, "Alice", "en")


def shown(replies):
    return [r for r in replies if r.method in ("sendMessage", "editMessageText")]


def test_a_ticket_reopened_and_closed_does_not_say_it_was_resolved_before(
        chat, db: peewee.Database) -> None:
    admin = users.add_user(Actor.system(), ADMIN, "admin", "Admin", locale="en").as_actor()
    start = utcnow() - dt.timedelta(days=2)
    ticket = service.open_customer_ticket(ALICE, "Printer broken", now=start)
    service.set_ticket_status(admin, ticket.id, "resolved", now=start + dt.timedelta(hours=1))
    service.customer_reply(ALICE, ticket.id, "It fails again", now=start + dt.timedelta(hours=2))
    service.set_ticket_status(admin, ticket.id, "closed", now=start + dt.timedelta(hours=3))
    [card] = shown(chat.press(ADMIN, f"k:{ticket.id}"))
    assert "Closed" in card.text and "Resolved" not in card.text
