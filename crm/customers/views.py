"""What the customer services return: plain frozen data, never live ORM rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm.paging import Page

__all__ = ["Page"]

STATUSES = ("lead", "prospect", "customer", "inactive")
CHANNEL_KINDS = ("phone", "email", "wechat", "qq", "telegram", "whatsapp", "other")
ADDRESS_KINDS = ("home", "work", "billing", "shipping", "other")
INTERACTION_KINDS = ("call", "visit", "meeting", "message", "email", "note")
DIRECTIONS = ("in", "out")
GENDERS = ("male", "female", "other")


@dataclass(frozen=True)
class ChannelView:
    id: int
    kind: str
    value: str
    label: str | None
    is_primary: bool


@dataclass(frozen=True)
class AddressView:
    id: int
    kind: str
    country: str | None
    province: str | None
    city: str | None
    district: str | None
    street: str | None
    postal_code: str | None
    is_primary: bool


@dataclass(frozen=True)
class CompanyView:
    id: int
    name: str
    industry: str | None = None
    size: str | None = None
    registered_address: str | None = None
    legal_representative: str | None = None
    credit_code: str | None = None
    website: str | None = None


@dataclass(frozen=True)
class SecretView:
    name: str
    masked: str


@dataclass(frozen=True)
class CustomerSummary:
    """One line of a search result or a list."""

    id: int
    name: str
    company: str | None
    phone: str | None
    status: str
    owner_id: int | None


@dataclass(frozen=True)
class CustomerCard:
    """The whole record as a card shows it."""

    id: int
    name: str
    gender: str | None
    birthday: dt.date | None
    age: int | None
    occupation: str | None
    notes: str | None
    status: str
    source: str | None
    owner_id: int | None
    owner_name: str | None
    company: CompanyView | None
    channels: tuple[ChannelView, ...]
    addresses: tuple[AddressView, ...]
    tags: tuple[str, ...]
    secrets: tuple[SecretView, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    last_interaction_at: dt.datetime | None
    deleted_at: dt.datetime | None = None
    merged_into_id: int | None = None

    def primary(self, kind: str) -> str | None:
        """The primary value of a channel kind, else the first one."""
        values = [c for c in self.channels if c.kind == kind]
        chosen = next((c for c in values if c.is_primary), values[0] if values else None)
        return chosen.value if chosen else None


@dataclass(frozen=True)
class AttachmentInput:
    file_id: str
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


@dataclass(frozen=True)
class InteractionView:
    id: int
    customer_id: int
    kind: str
    direction: str | None
    occurred_at: dt.datetime
    staff_id: int | None
    staff_name: str | None
    summary: str
    outcome: str | None
    latitude: float | None
    longitude: float | None
    attachments: tuple[AttachmentInput, ...] = ()


@dataclass(frozen=True)
class MergedFrom:
    """The record a history entry belonged to before that record was merged into this one."""

    id: int
    name: str | None  # None once that record is erased: its name is gone for good


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to a customer; ``kind`` says which table it came from."""

    at: dt.datetime
    kind: str  # interaction, event (later: deal_stage, order, payment, ticket, reminder)
    subkind: str  # call / visit / ... or created / merged / deleted / restored
    summary: str
    staff_name: str | None
    ref_id: int
    data: dict = field(default_factory=dict)
    merged_from: MergedFrom | None = None  # came with a merged record (history, orders, tickets)


@dataclass(frozen=True)
class DuplicateMatch:
    """An existing record that a new or edited one may duplicate."""

    customer_id: int | None  # None when the actor may not see it
    name: str | None
    reason: str  # phone, email, similar_name
    value: str
    score: float = 100.0
