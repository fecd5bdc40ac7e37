"""Marketing consent per channel: when and how it was given or withdrawn (history kept)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm import audit
from crm.actors import Actor
from crm.clock import as_datetime, utcnow
from crm.customers import inputs
from crm.customers.load import require_visible
from crm.permissions import Action, require
from storage.database import database, fetch_all, insert

CONSENT_CHANNELS = ("phone", "sms", "email", "wechat", "telegram", "whatsapp", "post")
CONSENT_METHODS = ("verbal", "written", "web_form", "email_reply", "chat", "other")


@dataclass(frozen=True)
class ConsentView:
    channel: str
    granted: bool
    at: dt.datetime
    method: str
    note: str | None
    recorded_by: str | None


def record_consent(actor: Actor, customer_id: int, channel: str, granted: bool, *,
                   method: str, note: str | None = None, at: dt.datetime | None = None,
                   now: dt.datetime | None = None) -> ConsentView:
    """Record that a customer gave (or withdrew) consent to marketing on a channel."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    checked_channel = inputs.choice(channel, CONSENT_CHANNELS, field="channel")
    # Not "method": that label is a payment's (付款方式).
    checked_method = inputs.choice(method, CONSENT_METHODS, field="consent_method")
    checked_note = inputs.optional_text(note, field="note", max_length=200)
    when = at or now
    with database.atomic():
        require_visible(actor, customer_id)
        insert("consent", {"customer_id": customer_id, "channel": checked_channel,
                           "granted": granted, "at": when, "method": checked_method,
                           "note": checked_note, "recorded_by_id": actor.user_id})
        audit.record(actor, "consent.record", "customer", customer_id, customer_id=customer_id,
                     changes={f"consent.{checked_channel}": [None, granted],
                              "method": [None, checked_method]}, now=now)
    return ConsentView(checked_channel, granted, when, checked_method, checked_note, actor.name)


def consent_history(actor: Actor, customer_id: int) -> list[ConsentView]:
    """Every consent record of a customer, newest first."""
    require_visible(actor, customer_id)
    rows = fetch_all(
        "select c.channel, c.granted, c.at, c.method, c.note, s.name from consent c"
        " left join staff_user s on s.id = c.recorded_by_id where c.customer_id = ?"
        " order by c.at desc, c.id desc", (customer_id,))
    return [ConsentView(r[0], bool(r[1]), as_datetime(r[2]), r[3], r[4], r[5]) for r in rows]


def current_consent(actor: Actor, customer_id: int) -> dict[str, ConsentView]:
    """The latest word per channel; a channel never asked has no entry (no consent)."""
    latest: dict[str, ConsentView] = {}
    for view in consent_history(actor, customer_id):
        latest.setdefault(view.channel, view)
    return latest


def may_contact(actor: Actor, customer_id: int, channel: str) -> bool:
    """Whether marketing may use this channel now."""
    view = current_consent(actor, customer_id).get(channel)
    return bool(view and view.granted)


def latest_by_channel(customer_id: int) -> dict[str, tuple[bool, str, int | None]]:
    """The latest word per channel as (granted, method, recorded_by_id), read without an
    actor: for the customer's own requests, which crm has already tied to their record."""
    latest: dict[str, tuple[bool, str, int | None]] = {}
    for channel, granted, method, by in fetch_all(
            "select channel, granted, method, recorded_by_id from consent where customer_id = ?"
            " order by at desc, id desc", (customer_id,)):
        latest.setdefault(channel, (bool(granted), method, by))
    return latest


def record_customer_choice(actor: Actor, customer_id: int, channels: tuple[str, ...],
                           granted: bool, note: str, now: dt.datetime) -> None:
    """The customer's own word on ``channels`` (already checked), given in the chat: stored and
    audited with the customer as the actor (inside the caller's transaction). The audit's
    "before" is the channel's latest word: none for a channel never asked."""
    latest = latest_by_channel(customer_id)
    for channel in channels:
        before = latest[channel][0] if channel in latest else None
        insert("consent", {"customer_id": customer_id, "channel": channel, "granted": granted,
                           "at": now, "method": "chat", "note": note, "recorded_by_id": None})
        audit.record(actor, "consent.record", "customer", customer_id, customer_id=customer_id,
                     changes={f"consent.{channel}": [before, granted],
                              "method": [None, "chat"]}, now=now)
