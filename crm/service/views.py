"""What the service desk returns: plain frozen data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm.customers.views import MergedFrom

CUSTOMER_CARD = "card"
CUSTOMER_READ = "read"


@dataclass(frozen=True)
class TicketMessageView:
    id: int
    author: str  # customer, staff, system
    staff_name: str | None
    body: str
    internal: bool
    file_id: str | None
    file_kind: str | None  # photo, document
    created_at: dt.datetime
    file_name: str | None = None  # a document's, as sent


@dataclass(frozen=True)
class TicketView:
    id: int
    number: str
    customer_id: int
    customer_name: str
    subject: str
    description: str
    status: str
    priority: str
    channel: str
    assignee_id: int | None
    assignee_name: str | None
    first_response_due_at: dt.datetime
    resolution_due_at: dt.datetime
    first_responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    rating: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    messages: tuple[TicketMessageView, ...] = ()
    # Whether staff answers reach the customer's chat (they have written to the bot).
    customer_on_telegram: bool = False
    # The resolution clock: paused since when (waiting for the customer), paused how long
    # in earlier waits (already added to resolution_due_at).
    waiting_since: dt.datetime | None = None
    resolution_paused: dt.timedelta = dt.timedelta(0)
    merged_from: MergedFrom | None = None  # came with a customer record merged into this one
    closed_at: dt.datetime | None = None
    # How the reader may open the ticket's customer: CUSTOMER_CARD (they see the customer: the
    # whole card), CUSTOMER_READ (they work the ticket of a customer they do not see: the card
    # to read, from the ticket), or None (not at all).
    customer_access: str | None = None

    def breaching(self, now: dt.datetime) -> bool:
        """Whether a service level has been missed and the ticket is still open; a ticket
        waiting for the customer is not late to be resolved (its clock is paused)."""
        if self.status not in ("new", "open", "waiting", "reopened"):
            return False
        late_answer = self.first_responded_at is None and self.first_response_due_at < now
        late_resolution = self.status != "waiting" and self.resolution_due_at < now
        return late_answer or late_resolution

    def missed_service_level(self, now: dt.datetime) -> bool:
        """Whether a service level was missed, whatever the ticket's status now, as the
        tickets report counts it: the first answer came after its due time (or is still
        missing past it), or the resolution did (or, still open and not waiting for the
        customer, its due time has passed). A resolved ticket keeps its miss on record."""
        answered = self.first_responded_at
        late_answer = (answered or now) > self.first_response_due_at
        if self.status in ("resolved", "closed"):
            done = self.resolved_at or self.closed_at
            late_resolution = done is not None and done > self.resolution_due_at
        else:
            late_resolution = self.status != "waiting" and self.resolution_due_at < now
        return late_answer or late_resolution


@dataclass(frozen=True)
class TicketSummary:
    id: int
    number: str
    subject: str
    status: str
    priority: str
    customer_name: str
    assignee_name: str | None
    breaching: bool


@dataclass(frozen=True)
class Relay:
    """A staff reply on its way to the customer's chat."""

    message_id: int
    ticket_id: int
    ticket_number: str
    telegram_id: int
    body: str
    file_id: str | None
    file_kind: str | None
    staff_name: str | None
    status: str  # the ticket's status when sent
    rated: bool = False  # the customer has rated it: the stars are not offered again


@dataclass(frozen=True)
class SentNotice:
    """A staff notification about a customer's words, already sent: the Telegram message to
    correct (``message_id`` None when it was sent before its id was kept: follow it up)."""

    telegram_id: int
    message_id: int | None
    locale: str | None
    timezone: str | None
    code: str
    params: dict


@dataclass(frozen=True)
class ArticleView:
    id: int
    title: str
    body: str
    tags: tuple[str, ...]
    status: str  # draft, published
    updated_at: dt.datetime
