"""Writing an import: new customers in bulk with exactly the rows create_customer writes (the
record, channels, addresses, company link, tags, identity fields, timeline event, search entry
and a sealed audit entry each), existing ones changed as the customer services change them
(crm.imports.updates), then the lead assignment rules; all inside the caller's one
transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from crm import audit
from crm.actors import Actor
from crm.customers.secrets import sealed_secret
from crm.customers.write import created_changes
from crm.imports import updates
from crm.imports.rows import ValidRow
from crm.search_terms import build_document, normalise_text
from storage import bulk, locks, search
from storage.database import fetch_all, fetch_one
from storage.models import Tag

Progress = Callable[[int, int], None]
CHUNK = 5_000
LOOKUP_CHUNK = 500
_SEARCH_KINDS = {"phone": "phones", "whatsapp": "phones", "email": "emails"}


@dataclass(frozen=True)
class NewCustomer:
    """What a new customer's rows need beyond the checked record, computed off the database
    thread: its search entry, its sealed audit entry with the key that opens it, and its
    encrypted identity fields."""

    terms: str
    haystack: str
    wrapped_key: bytes
    sealed_changes: bytes
    secrets: tuple[tuple[str, bytes, str, str], ...]


def owner_of(actor: Actor, row: ValidRow) -> int | None:
    """As create_customer: the owner named in the file, else the importer."""
    return row.owner_id if row.owner_id is not None else actor.user_id


def prepare_new(actor: Actor, rows: Sequence[ValidRow],
                national: dict[str, str] | None = None) -> dict[int, NewCustomer]:
    """Search entry, audit entry and sealed identity fields of each row if it becomes new, by
    row number (``national``: the home digits of checked phones, see ``Checker.national``)."""
    changes, entries = [], []
    for row in rows:
        record, owner_id = row.new_record, owner_of(actor, row)
        lists: dict[str, list[str]] = {"phones": [], "emails": [], "accounts": []}
        for item in record["channels"]:
            lists[_SEARCH_KINDS.get(item.kind, "accounts")].append(item.value)
        document = build_document(name=record["name"], owner_id=owner_id,
                                  company=record["company"], tags=sorted(record["tags"]),
                                  national=national, **lists)
        identity = tuple((name, *sealed_secret(name, value))
                         for name, value in record["secrets"].items())
        changes.append(created_changes(record, owner_id))
        entries.append((row.row, document, identity))
    sealed = audit.seal_new_customers(changes)
    return {number: NewCustomer(document.terms, document.haystack, wrapped, seal, identity)
            for (number, document, identity), (wrapped, seal) in zip(entries, sealed,
                                                                      strict=True)}


def _by_name(table: str, norms: Sequence[str]) -> dict[str, int]:
    """Existing rows of ``table`` by normalised name (the oldest wins, as on create)."""
    found: dict[str, int] = {}
    for start in range(0, len(norms), LOOKUP_CHUNK):
        chunk = norms[start:start + LOOKUP_CHUNK]
        rows = fetch_all(f"select name_norm, id from {table} where name_norm in"
                         f" ({', '.join('?' * len(chunk))}) order by id desc", tuple(chunk))
        found |= dict(rows)
    return found


def lock_new_companies(rows: Iterable[ValidRow]) -> None:
    """Take the lock adding a customer takes for a company not on file yet
    (crm.customers.write), for every one the rows name, at once and before anything is
    written: one being added in the chat meanwhile is then made once, not once on each side."""
    if not locks.in_use():
        return
    wanted = {normalise_text(name) for row in rows if (name := row.record["company"])}
    found = _by_name("company", list(wanted))
    locks.each_one_at_a_time("company", [norm for norm in wanted if norm not in found])


def _companies(rows: Sequence[ValidRow], now: dt.datetime) -> dict[str, int]:
    """Company ids by normalised name; companies not on file yet are created (with the
    industry of the first row naming them)."""
    wanted: dict[str, tuple[str, str | None]] = {}
    for row in rows:
        name = row.record["company"]
        if name:
            wanted.setdefault(normalise_text(name), (name, row.industry))
    found = _by_name("company", list(wanted))
    missing = [norm for norm in wanted if norm not in found]
    ids = bulk.reserve_ids("company", len(missing))
    bulk.insert_rows("company", ("id", "name", "name_norm", "industry", "created_at",
                                 "updated_at"),
                     [(new_id, wanted[norm][0], norm, wanted[norm][1], now, now)
                      for new_id, norm in zip(ids, missing, strict=True)])
    return found | dict(zip(missing, ids, strict=True))


def _tags(rows: Sequence[ValidRow], now: dt.datetime) -> dict[str, int]:
    """Tag ids by normalised name, created on first use like on create."""
    wanted = {normalise_text(tag): tag for row in rows for tag in row.record["tags"]}
    found = _by_name("tag", list(wanted))
    for norm in (n for n in wanted if n not in found):
        Tag.insert(name=wanted[norm], name_norm=norm, created_at=now).on_conflict_ignore().execute()
        found[norm] = fetch_one("select id from tag where name_norm = ?", (norm,))[0]
    return found


class _Rows:
    """The rows of one chunk of new customers, per table."""

    def __init__(self) -> None:
        self.customer: list[tuple] = []
        self.channel: list[tuple] = []
        self.address: list[tuple] = []
        self.tag: list[tuple] = []
        self.secret: list[tuple] = []
        self.event: list[tuple] = []
        self.search: list[tuple] = []
        self.audit: list[tuple[int, bytes, bytes]] = []

    def add(self, actor: Actor, customer_id: int, row: ValidRow, new: NewCustomer,
            company_id: int | None, tag_ids: dict[str, int], now: dt.datetime) -> None:
        record = row.new_record
        self.customer.append((
            customer_id, record["name"], normalise_text(record["name"]), record["gender"],
            record["birthday"], record["occupation"], record["notes"], record["status"],
            record["source"], owner_of(actor, row), company_id, actor.user_id, now, now))
        self.channel += [(customer_id, c.kind, c.value, c.label, c.primary)
                         for c in record["channels"]]
        self.address += [(customer_id, a.kind, a.country, a.province, a.city, a.district,
                          a.street, a.postal_code, a.primary) for a in record["addresses"]]
        self.tag += list(dict.fromkeys((customer_id, tag_ids[normalise_text(t)])
                                       for t in record["tags"]))
        self.secret += [(customer_id, *secret) for secret in new.secrets]
        self.event.append((customer_id, "created", now, actor.user_id))
        self.search.append((customer_id, new.terms, new.haystack))
        self.audit.append((customer_id, new.wrapped_key, new.sealed_changes))

    def write(self, actor: Actor, now: dt.datetime,
              index: Callable[[Sequence[tuple[int, str, str]]], None]) -> None:
        bulk.insert_rows("customer", (
            "id", "name", "name_norm", "gender", "birthday", "occupation", "notes", "status",
            "source", "owner_id", "company_id", "created_by_id", "created_at", "updated_at"),
            self.customer)
        bulk.insert_rows("contact_channel", ("customer_id", "kind", "value", "label",
                                             "is_primary"), self.channel)
        bulk.insert_rows("address", ("customer_id", "kind", "country", "province", "city",
                                     "district", "street", "postal_code", "is_primary"),
                         self.address)
        bulk.insert_rows("customer_tag", ("customer_id", "tag_id"), self.tag)
        bulk.insert_rows("customer_secret", ("customer_id", "name", "value_enc", "value_hash",
                                             "masked"), self.secret)
        bulk.insert_rows("customer_event", ("customer_id", "kind", "at", "staff_id"), self.event)
        index(self.search)
        audit.record_new_customers(actor, "customer.create", self.audit, now)


def create_new(actor: Actor, rows: Sequence[ValidRow], prepared: dict[int, NewCustomer],
               now: dt.datetime, progress: Progress | None = None) -> list[int]:
    """Insert the new customers; returns their ids in the order of ``rows``."""
    ids = bulk.reserve_ids("customer", len(rows))
    company_ids = _companies(rows, now)
    tag_ids = _tags(rows, now)
    missing = [row for row in rows if row.row not in prepared]
    prepared = {**prepared, **prepare_new(actor, missing)} if missing else prepared
    with search.documents_in_bulk() as index:
        for start in range(0, len(rows), CHUNK):
            chunk = _Rows()
            for customer_id, row in zip(ids[start:start + CHUNK], rows[start:start + CHUNK],
                                        strict=True):
                company = row.record["company"]
                chunk.add(actor, customer_id, row, prepared[row.row],
                          company_ids[normalise_text(company)] if company else None, tag_ids,
                          now)
            chunk.write(actor, now, index)
            if progress:  # the search index is filled at the end: about a third of the time
                progress(min(start + CHUNK, len(rows)) * 2 // 3, len(rows))
    if progress:
        progress(len(rows), len(rows))
    return ids


def assign_leads(actor: Actor, customer_ids: Iterable[int], now: dt.datetime) -> int:
    """The lead assignment hook for each new customer the file gave no owner; how many were
    assigned. With assignment off the hook does nothing, so it is not called 100,000 times."""
    from crm.sales.assignment import assign_new_lead
    from crm.sales.assignment_rules import load_settings

    if load_settings().mode == "off":
        return 0
    return sum(assign_new_lead(actor, customer_id, now=now) is not None
               for customer_id in customer_ids)


def update_existing(actor: Actor, pairs: Sequence[tuple[ValidRow, int]],
                    now: dt.datetime) -> int:
    """Bring existing customers in line with their rows, in bulk (see crm.imports.updates);
    how many changed."""
    rows = [row for row, _ in pairs]
    return updates.update_existing(actor, pairs, now, _companies(rows, now), _tags(rows, now))


def record_summary(actor: Actor, file_name: str, counts: dict[str, int],
                   now: dt.datetime) -> None:
    """One audit entry for the whole import, beside the entry of each customer."""
    audit.record(actor, "import.apply", "import_job", None,
                 changes={"file": [None, file_name]} | {k: [None, v] for k, v in counts.items()},
                 now=now)

