"""A person's rights under privacy law (PIPL, GDPR): everything held about a customer, exported;
and erasure, which removes or anonymises personal data while keeping business aggregates."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm import audit, conversations, runtime
from crm.actors import Actor
from crm.audit import forget_customer_key, iter_audit, local_changes
from crm.clock import as_datetime, utcnow
from crm.consent import consent_history
from crm.customers.interactions import TIMELINE_SOURCES
from crm.customers.load import load_card
from crm.errors import NotFound
from crm.localtime import local_now, zone_of
from crm.permissions import Action, require
from crm.privacy_sheets import SheetWords, privacy_sheets
from crm.spreadsheets import workbook_bytes
from storage import search
from storage.database import database, fetch_all, fetch_one, sql

ERASED = "[erased]"
# A stored time (naive UTC, or None) as the export's reader sees it.
Moment = Callable[[Any], str | None]
# Features (deals, orders, tickets, reminders) add what they hold about a person to the export:
# a section's rows as plain data, keyed by stable English names.
ExportSection = Callable[[int, Moment], list[dict[str, Any]]]
EXPORT_SECTIONS: dict[str, ExportSection] = {}
# Later features (orders, tickets, reminders) add functions that anonymise their own rows.
ERASURE_HOOKS: list[Callable[[int], None]] = []


def register_erasure_hook(hook: Callable[[int], None]) -> None:
    """Add a step that anonymises a feature's rows of one customer during erasure."""
    if hook not in ERASURE_HOOKS:
        ERASURE_HOOKS.append(hook)


def register_export_section(name: str, collect: ExportSection) -> None:
    """Add what a feature holds about one customer to the privacy export, under ``name``."""
    EXPORT_SECTIONS.setdefault(name, collect)


def _load_any(customer_id: int) -> tuple:
    row = fetch_one("select id, erased_at, merged_into_id from customer where id = ?",
                    (customer_id,))
    if row is None:
        raise NotFound("customer.not_found")
    return row


@dataclass(frozen=True)
class ErasureSubject:
    """Whom an erasure would reach, for the operator to confirm before it happens."""

    id: int
    name: str
    merged: int  # records merged into this one, erased along with it
    erased_at: dt.datetime | None  # already erased: there is nothing left to remove


def erasure_subject(actor: Actor, customer_id: int) -> ErasureSubject:
    """The customer an erasure would remove (also a deleted one); NotFound when none."""
    require(actor, Action.PRIVACY)
    row = fetch_one("select id, name, erased_at from customer where id = ?", (customer_id,))
    if row is None:
        raise NotFound("customer.not_found")
    merged = fetch_one("select count(*) from customer where merged_into_id = ?",
                       (customer_id,))
    return ErasureSubject(row[0], row[1], merged[0] if merged else 0, as_datetime(row[2]))


def export_customer(actor: Actor, customer_id: int, *, now: dt.datetime | None = None,
                    audit_words: audit.Wording | None = None) -> dict[str, Any]:
    """Everything held about one customer, as plain data (admins only; audited). Given
    ``audit_words``, the audit entries read as the audit log shows them (the system in words,
    a person by name; changes with other records by name, amounts as money, coded values in
    words); else as stored, for the file for machines."""
    require(actor, Action.PRIVACY)
    now = now or utcnow()
    zone = zone_of(actor)  # the reader's clock, with its offset: nobody takes it for UTC
    erased_at = as_datetime(_load_any(customer_id)[1])
    if erased_at is not None:  # not "not found": the person must hear their data is gone
        raise NotFound("privacy.erased", id=customer_id, at=_moment(erased_at, zone))
    card = load_card(customer_id)

    def at(value: Any) -> str | None:
        moment = as_datetime(value)
        return None if moment is None else _moment(moment, zone)

    data = {
        "exported_at": at(now),
        "customer": _card_dict(card, zone),
        "identity": {name: runtime.decrypt(bytes(blob)) for name, blob in fetch_all(
            "select name, value_enc from customer_secret where customer_id = ?",
            (customer_id,))},
        "interactions": _interactions(customer_id, zone),
        **{name: collect(customer_id, at) for name, collect in EXPORT_SECTIONS.items()},
        "timeline": [{"at": at(e.at), "kind": e.kind, "what": e.subkind,
                      "summary": e.summary, "by": e.staff_name,
                      "merged_from": e.merged_from.id if e.merged_from else None}
                     for e in _all_timeline(customer_id)],
        "consent": [{"channel": c.channel, "granted": c.granted, "at": at(c.at),
                     "method": c.method, "note": c.note} for c in consent_history(actor,
                                                                                  customer_id)],
        "merged_records": [{"id": r[0], "name": r[1]} for r in fetch_all(
            "select id, name from customer where merged_into_id = ?", (customer_id,))],
        "audit": [{"at": at(e.at), "by": e.actor_name if audit_words is None
                   else audit_words.actor(e), "via": e.channel, "action": e.action,
                   "entity": e.entity, "entity_id": e.entity_id, "erased": e.erased,
                   "changes": local_changes(e.changes if audit_words is None
                                            else audit.shown_changes(e, audit_words), zone)}
                  for e in iter_audit(actor, customer_id=customer_id)],
    }
    with database.atomic():
        audit.record(actor, "privacy.export", "customer", customer_id, customer_id=customer_id,
                     now=now)
    return data


def _moment(moment: dt.datetime, zone: str) -> str:
    """A stored (naive UTC) time on the reader's clock with its offset, to the second."""
    local = local_now(zone, moment.replace(microsecond=0))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def _card_dict(card, zone: str) -> dict[str, Any]:
    return {
        "id": card.id, "name": card.name, "gender": card.gender,
        "birthday": card.birthday.isoformat() if card.birthday else None,
        "occupation": card.occupation, "notes": card.notes, "status": card.status,
        "source": card.source, "owner": card.owner_name,
        "company": card.company.name if card.company else None,
        "company_id": card.company.id if card.company else None,
        "channels": [{"kind": c.kind, "value": c.value, "label": c.label,
                      "primary": c.is_primary} for c in card.channels],
        "addresses": [{k: getattr(a, k) for k in ("kind", "country", "province", "city",
                                                  "district", "street", "postal_code")}
                      for a in card.addresses],
        "tags": list(card.tags),
        "created_at": _moment(card.created_at, zone),
    }


def _interactions(customer_id: int, zone: str) -> list[dict[str, Any]]:
    rows = fetch_all(
        "select i.occurred_at, i.kind, i.direction, s.name, i.summary, i.outcome, i.latitude,"
        " i.longitude from interaction i left join staff_user s on s.id = i.staff_id"
        " where i.customer_id = ? order by i.occurred_at", (customer_id,))
    return [dict(zip(_INTERACTION_HEADERS, (_moment(as_datetime(r[0]), zone), *r[1:]),
                     strict=True)) for r in rows]


def _all_timeline(customer_id: int) -> list:
    """Every timeline entry, also of a deleted record (an export is about everything)."""
    streams = [source(customer_id, 1_000_000) for source in TIMELINE_SOURCES]
    return sorted((e for stream in streams for e in stream), key=lambda e: (e.at, e.ref_id))


def export_customer_json(actor: Actor, customer_id: int) -> bytes:
    """The export as a UTF-8 JSON file."""
    data = export_customer(actor, customer_id)
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()


def export_customer_xlsx(actor: Actor, customer_id: int, *,
                         words: SheetWords | None = None) -> bytes:
    """The export as a spreadsheet, one sheet per kind of data, in the reader's ``words``."""
    words = words or SheetWords()
    return workbook_bytes(privacy_sheets(
        export_customer(actor, customer_id, audit_words=words.audit), words))


_INTERACTION_HEADERS = ("at", "kind", "direction", "by", "summary", "outcome", "latitude",
                        "longitude")


def erase_customer(actor: Actor, customer_id: int, *, now: dt.datetime | None = None) -> None:
    """Remove a customer's personal data for good (admins only; audited).

    The record stays as an anonymous shell so business figures (orders, activity counts) keep
    adding up; records merged into it are erased too; its audit details become unreadable
    because its own key is destroyed.
    """
    require(actor, Action.PRIVACY)
    now = now or utcnow()
    with database.atomic():
        _load_any(customer_id)
        merged = [r[0] for r in fetch_all("select id from customer where merged_into_id = ?",
                                          (customer_id,))]
        for target in [customer_id, *merged]:
            _erase_one(target, now)
        audit.record(actor, "privacy.erase", "customer", customer_id, customer_id=customer_id,
                     now=now)
    search.purge_deleted()


def _forget_merge_snapshots(customer_id: int) -> None:
    """A survivor's "merged" event keeps the merged record's name and channels (its timeline
    says what was merged in); once that record is erased, only its id stays."""
    for event_id, data in fetch_all(
            "select id, data from customer_event where kind = 'merged' and data is not null"
            " and customer_id <> ?", (customer_id,)):
        if json.loads(data).get("merged_id") == customer_id:
            database.execute_sql(sql("update customer_event set data = ? where id = ?"),
                                 (json.dumps({"merged_id": customer_id}), event_id))


def _erase_one(customer_id: int, now: dt.datetime) -> None:
    execute = database.execute_sql
    linked = fetch_one("select telegram_user_id from customer where id = ?", (customer_id,))
    conversations.drop_conversation_state(linked[0] if linked else None)
    execute(sql("update customer set name = ?, name_norm = ?, gender = null, birthday = null,"
                " occupation = null, notes = null, source = null, erased_at = ?,"
                " deleted_at = coalesce(deleted_at, ?), updated_at = ? where id = ?"),
            (ERASED, ERASED, now, now, now, customer_id))
    for table in ("contact_channel", "address", "customer_tag", "customer_secret"):
        execute(sql(f"delete from {table} where customer_id = ?"), (customer_id,))
    execute(sql("delete from interaction_attachment where interaction_id in"
                " (select id from interaction where customer_id = ?)"), (customer_id,))
    execute(sql("update interaction set summary = ?, outcome = null, latitude = null,"
                " longitude = null where customer_id = ?"), (ERASED, customer_id))
    execute(sql("update customer_event set data = null where customer_id = ?"), (customer_id,))
    _forget_merge_snapshots(customer_id)
    execute(sql("update consent set note = null where customer_id = ?"), (customer_id,))
    search.remove_document(customer_id)
    forget_customer_key(customer_id)
    for hook in ERASURE_HOOKS:
        hook(customer_id)
