"""Interactions (calls, visits, meetings, messages, e-mails, notes) and the customer timeline."""

from __future__ import annotations

import datetime as dt
import heapq
import json
from collections.abc import Callable

from crm import audit
from crm.actors import Actor
from crm.clock import as_datetime, utcnow
from crm.customers import inputs
from crm.customers.load import require_visible
from crm.customers.views import (
    AttachmentInput,
    InteractionView,
    MergedFrom,
    Page,
    TimelineEntry,
)
from crm.errors import NotFound, ValidationError
from crm.permissions import Action, require
from storage.database import database, fetch_all, fetch_one, sql
from storage.models import Customer, Interaction, InteractionAttachment

TimelineSource = Callable[[int, int], list[TimelineEntry]]


def log_interaction(actor: Actor, customer_id: int, kind: str, summary: str, *,
                    direction: str | None = None, occurred_at: dt.datetime | None = None,
                    outcome: str | None = None, latitude: float | None = None,
                    longitude: float | None = None,
                    attachments: tuple[AttachmentInput, ...] = (),
                    follow_up: dt.datetime | None = None,
                    now: dt.datetime | None = None) -> InteractionView:
    """Record a call, visit, meeting, message, e-mail or note on a customer; ``follow_up``
    (naive UTC) also sets the actor a reminder to follow up then."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    checked_kind = inputs.interaction_kind(kind)
    checked_summary = inputs.optional_text(summary, field="summary",
                                           max_length=inputs.SUMMARY_MAX)
    if checked_summary is None and checked_kind != "visit":
        raise ValidationError("validation.required", field="summary")
    inputs.coordinates(latitude, longitude)
    when = occurred_at or now
    if follow_up is not None and follow_up <= now:
        raise ValidationError("reminder.when_past", field="follow_up")
    with database.atomic():
        require_visible(actor, customer_id)
        row = Interaction.create(
            customer=customer_id, kind=checked_kind, direction=inputs.direction(direction),
            occurred_at=when, staff=actor.user_id, summary=checked_summary or "",
            outcome=inputs.optional_text(outcome, field="outcome", max_length=200),
            latitude=latitude, longitude=longitude, created_at=now)
        for item in attachments:
            InteractionAttachment.create(interaction=row.id, file_id=item.file_id,
                                         file_name=item.file_name, mime_type=item.mime_type,
                                         file_size=item.file_size)
        database.execute_sql(sql(
            "update customer set last_interaction_at = ? where id = ?"
            " and (last_interaction_at is null or last_interaction_at < ?)"),
            (when, customer_id, when))
        Customer.update(updated_at=now).where(Customer.id == customer_id).execute()
        audit.record(actor, "interaction.create", "interaction", row.id,
                     customer_id=customer_id, changes={
                         "kind": [None, checked_kind], "summary": [None, checked_summary],
                         "occurred_at": [None, when.isoformat(sep=" ")]}, now=now)
        if follow_up is not None:
            # Imported here: reminders build on customers, not the other way round.
            from crm.reminders.service import add_follow_up

            add_follow_up(actor, row.id, customer_id, checked_summary or "", follow_up, now)
    return get_interaction(actor, row.id)


def get_interaction(actor: Actor, interaction_id: int) -> InteractionView:
    """One interaction of a customer the actor may see."""
    row = fetch_one(
        "select i.id, i.customer_id, i.kind, i.direction, i.occurred_at, i.staff_id, s.name,"
        " i.summary, i.outcome, i.latitude, i.longitude from interaction i"
        " left join staff_user s on s.id = i.staff_id where i.id = ?", (interaction_id,))
    if row is None:
        raise NotFound("not_found")
    require_visible(actor, row[1])
    files = fetch_all("select file_id, file_name, mime_type, file_size from"
                      " interaction_attachment where interaction_id = ? order by id",
                      (interaction_id,))
    return InteractionView(*row[:4], as_datetime(row[4]), *row[5:],
                           attachments=tuple(AttachmentInput(*f) for f in files))


def _interactions(customer_id: int, count: int) -> list[TimelineEntry]:
    rows = fetch_all(
        "select i.id, i.kind, i.direction, i.occurred_at, i.summary, i.outcome, s.name,"
        " i.latitude, i.longitude, (select count(*) from interaction_attachment a"
        " where a.interaction_id = i.id), i.merged_from_id, m.name, m.erased_at"
        " from interaction i left join staff_user s on s.id = i.staff_id"
        " left join customer m on m.id = i.merged_from_id where i.customer_id = ?"
        " order by i.occurred_at desc, i.id desc limit ?", (customer_id, count))
    return [TimelineEntry(as_datetime(r[3]), "interaction", r[1], r[4], r[6], r[0],
                          {"direction": r[2], "outcome": r[5], "latitude": r[7],
                           "longitude": r[8], "attachments": r[9]},
                          merged_from(*r[10:13])) for r in rows]


def _events(customer_id: int, count: int) -> list[TimelineEntry]:
    rows = fetch_all(
        "select e.id, e.kind, e.at, e.data, s.name, e.merged_from_id, m.name, m.erased_at"
        " from customer_event e left join staff_user s on s.id = e.staff_id"
        " left join customer m on m.id = e.merged_from_id where e.customer_id = ?"
        " and e.kind <> 'revealed' order by e.at desc, e.id desc limit ?", (customer_id, count))
    return [TimelineEntry(as_datetime(r[2]), "event", r[1], "", r[4], r[0],
                          json.loads(r[3]) if r[3] else {}, merged_from(*r[5:8]))
            for r in rows]


def merged_from(record_id: int | None, name: str | None,
                erased_at: object) -> MergedFrom | None:
    """Where a merged-in entry came from; the record's name only while it is not erased."""
    if record_id is None:
        return None
    return MergedFrom(record_id, None if erased_at is not None else name)


# Later features (deals, orders, tickets, reminders) register their own sources here.
TIMELINE_SOURCES: list[TimelineSource] = [_interactions, _events]


def register_timeline_source(source: TimelineSource) -> None:
    """Add a source of timeline entries: (customer id, how many newest) → entries."""
    if source not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(source)


def get_timeline(actor: Actor, customer_id: int, *, offset: int = 0,
                 limit: int = 10) -> Page[TimelineEntry]:
    """Everything about a customer, newest first, a page at a time."""
    require_visible(actor, customer_id)
    count = offset + limit + 1
    streams = [source(customer_id, count) for source in TIMELINE_SOURCES]
    merged = list(heapq.merge(*streams, key=lambda e: (e.at, e.ref_id), reverse=True))[:count]
    return Page(tuple(merged[offset:offset + limit]), offset, len(merged) > offset + limit)
