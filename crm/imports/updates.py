"""Existing customers brought in line with their rows, in bulk: the changes the customer
services would make one call at a time (``update_customer`` per field, ``add_channel``,
``add_tags``, ``add_address``, ``set_secret``), each audited as that service audits it, but read
and written a table at a time inside the import's transaction. Empty cells change nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from crm import audit, runtime
from crm.actors import Actor
from crm.customers.index import chunks, reindex_customers, tag_names
from crm.customers.secrets import store_secret
from crm.customers.write import _address_text
from crm.handover import IMPORT, Move, hand_over_customers
from crm.imports.rows import ValidRow
from crm.permissions import Action, require
from crm.search_terms import normalise_text
from storage import bulk
from storage.database import bytewise, database, fetch_all, sql
from storage.models import Customer

SCALAR_FIELDS = ("name", "gender", "birthday", "occupation", "notes", "status", "source")
ADDRESS_PARTS = ("country", "province", "city", "district", "street", "postal_code")


@dataclass
class _Current:
    """One customer as stored, changed in memory as the import goes."""

    values: dict[str, Any]  # the scalar fields, company_id, owner_id and company_norm
    channels: set[tuple[str, str]] = field(default_factory=set)
    tags: list[str] = field(default_factory=list)  # names, as tag_names orders them
    addresses: set[tuple[str, ...]] = field(default_factory=set)
    secrets: dict[str, str] = field(default_factory=dict)  # name → blind index
    changed: dict[str, Any] = field(default_factory=dict)  # columns to write


def _address_key(values: Sequence[str | None]) -> tuple[str, ...]:
    return tuple(normalise_text(part or "") for part in values)


def _held(key: tuple[str, ...], held: set[tuple[str, ...]]) -> bool:
    """Whether a stored address agrees with every part the row gives: a row leaves out what
    its file has no column for (an export has no country or postal code), which is not a
    different address. A line of an export's other addresses (only a street) is the stored
    address whose parts it joins."""
    if key in held or any(all(not part or part == have for part, have in
                              zip(key, stored, strict=True)) for stored in held):
        return True
    street = ADDRESS_PARTS.index("street")
    if any(part for i, part in enumerate(key) if i != street):
        return False
    return any(" ".join(stored[i] for i in _EXPORTED_PARTS if stored[i]) == key[street]
               for stored in held)


# The parts an export writes of each further address, in its order (no country, no postcode).
_EXPORTED_PARTS = tuple(ADDRESS_PARTS.index(p) for p in ("province", "city", "district",
                                                          "street"))


def _load(ids: Sequence[int]) -> dict[int, _Current]:
    """The stored state of ``ids``: a handful of queries per 500 customers."""
    found: dict[int, _Current] = {}
    columns = [getattr(Customer, name) for name in SCALAR_FIELDS]
    for chunk, marks in chunks(ids):
        query = (Customer.select(Customer.id, *columns, Customer.company, Customer.owner)
                 .where(Customer.id.in_(chunk)).tuples())
        for customer_id, *values in query:
            found[customer_id] = _Current(dict(zip((*SCALAR_FIELDS, "company_id", "owner_id"),
                                                   values, strict=True)))
        companies = dict(fetch_all(f"select c.id, co.name from customer c join company co"
                                   f" on co.id = c.company_id where c.id in ({marks})", chunk))
        for customer_id, name in companies.items():
            found[customer_id].values["company_norm"] = normalise_text(name)
        for customer_id, kind, value in fetch_all(
                f"select customer_id, kind, value from contact_channel where customer_id in"
                f" ({marks})", chunk):
            found[customer_id].channels.add((kind, value))
        for customer_id, name in fetch_all(
                "select ct.customer_id, t.name from tag t join customer_tag ct on ct.tag_id = t.id"
                f" where ct.customer_id in ({marks}) order by {bytewise('t.name')}", chunk):
            found[customer_id].tags.append(name)
        for customer_id, *parts in fetch_all(
                f"select customer_id, {', '.join(ADDRESS_PARTS)} from address"
                f" where customer_id in ({marks})", chunk):
            found[customer_id].addresses.add(_address_key(parts))
        for customer_id, name, value_hash in fetch_all(
                f"select customer_id, name, value_hash from customer_secret where customer_id in"
                f" ({marks})", chunk):
            found[customer_id].secrets[name] = value_hash
    return found


class _Plan:
    """The rows to write and the audit entries, per table."""

    def __init__(self) -> None:
        self.channels: list[tuple] = []
        self.tags: list[tuple[int, int]] = []
        self.addresses: list[tuple] = []
        self.secrets: list[tuple[int, str, str]] = []
        self.audit: list[tuple[str, int, dict[str, Any] | None]] = []
        self.tag_before: dict[int, list[str]] = {}
        self.handovers: list[Move] = []  # owner changes, whose open work follows

    def scalars(self, customer_id: int, current: _Current, row: ValidRow,
                company_ids: dict[str, int]) -> None:
        """update_customer's changes: each field on its own, then company and owner."""
        # The notes as a new customer gets them (the notes cell, then the lines of the
        # columns no field takes), so the same file imported again changes nothing.
        record, values = {**row.record, "notes": row.new_notes}, current.values
        for name in SCALAR_FIELDS:
            new = record[name]
            if name in row.given and new is not None and new != values[name]:
                self._column(customer_id, current, name, new, {name: [values[name], new]})
                if name == "name":
                    current.changed["name_norm"] = normalise_text(new)
        company = record["company"]
        if company and values.get("company_norm") != normalise_text(company):
            new_id = company_ids[normalise_text(company)]
            changes = audit.diff({"company": values["company_id"]}, {"company": new_id})
            self._column(customer_id, current, "company_id", new_id, changes)
            values["company_norm"] = normalise_text(company)
        if row.owner_id is not None and row.owner_id != values["owner_id"]:
            self.handovers.append((customer_id, values["owner_id"], row.owner_id))
            self._column(customer_id, current, "owner_id", row.owner_id,
                         {"owner": [values["owner_id"], row.owner_id]})

    def _column(self, customer_id: int, current: _Current, column: str, new: Any,
                changes: dict[str, Any]) -> None:
        current.values[column] = current.changed[column] = new
        self.audit.append(("customer.update", customer_id, changes))

    def details(self, customer_id: int, current: _Current, row: ValidRow,
                tag_ids: dict[str, int]) -> None:
        """add_channel, add_tags, add_address and set_secret, for what the customer lacks."""
        record = row.record
        for item in record["channels"]:
            if (item.kind, item.value) in current.channels:
                continue
            primary = not any(kind == item.kind for kind, _ in current.channels)
            current.channels.add((item.kind, item.value))
            self.channels.append((customer_id, item.kind, item.value, item.label, primary))
            self.audit.append(("customer.channel_add", customer_id,
                               {f"channel.{item.kind}": [None, item.value]}))
        known = {normalise_text(t) for t in current.tags}
        missing = [t for t in record["tags"] if normalise_text(t) not in known]
        if missing:
            self.tag_before[customer_id] = list(current.tags)
            for norm in dict.fromkeys(normalise_text(t) for t in missing):
                self.tags.append((customer_id, tag_ids[norm]))
            current.tags += missing
            self.audit.append(("customer.tags", customer_id, None))  # filled once written
        for item in record["addresses"]:
            key = _address_key([getattr(item, part) for part in ADDRESS_PARTS])
            if _held(key, current.addresses):
                continue
            self.addresses.append((customer_id, item.kind, *[getattr(item, part) for part in
                                                             ADDRESS_PARTS],
                                   not current.addresses))
            current.addresses.add(key)
            self.audit.append(("customer.address_add", customer_id,
                               {"address": [None, _address_text(item)]}))
        for name, value in record["secrets"].items():
            if current.secrets.get(name) != runtime.keyring().blind_index(f"{name}:{value}"):
                self.secrets.append((customer_id, name, value))
                self.audit.append(("customer.secret_set", customer_id,
                                   {name: [audit.CHANGED, audit.CHANGED]}))


def update_existing(actor: Actor, pairs: Sequence[tuple[ValidRow, int]], now: dt.datetime,
                    company_ids: dict[str, int], tag_ids: dict[str, int]) -> int:
    """Bring each (row, customer id) in line with its row; how many customers changed.
    ``company_ids`` and ``tag_ids`` by normalised name hold every company and tag the rows
    name."""
    if not pairs:
        return 0
    require(actor, Action.EDIT)
    current = _load([customer_id for _, customer_id in pairs])
    plan = _Plan()
    for row, customer_id in pairs:
        state = current[customer_id]
        before = len(plan.audit)
        plan.scalars(customer_id, state, row, company_ids)
        plan.details(customer_id, state, row, tag_ids)
        if len(plan.audit) > before:
            state.changed["updated_at"] = now
    changed = [customer_id for customer_id, state in current.items() if state.changed]
    if any("owner_id" in current[customer_id].changed for customer_id in changed):
        require(actor, Action.REASSIGN)  # as update_customer asks before handing over
    _write(plan, current, changed, actor, now)
    return len(changed)


def _write(plan: _Plan, current: dict[int, _Current], changed: list[int], actor: Actor,
           now: dt.datetime) -> None:
    by_columns: dict[tuple[str, ...], list[tuple]] = {}
    for customer_id in changed:
        columns = current[customer_id].changed
        by_columns.setdefault(tuple(columns), []).append((*columns.values(), customer_id))
    cursor = database.cursor()
    for columns, rows in by_columns.items():
        assignments = ", ".join(f"{column} = ?" for column in columns)
        cursor.executemany(sql(f"update customer set {assignments} where id = ?"), rows)
    bulk.insert_rows("contact_channel", ("customer_id", "kind", "value", "label", "is_primary"),
                     plan.channels)
    bulk.insert_rows("customer_tag", ("customer_id", "tag_id"), plan.tags)
    bulk.insert_rows("address", ("customer_id", "kind", *ADDRESS_PARTS, "is_primary"),
                     plan.addresses)
    for customer_id, name, value in plan.secrets:
        store_secret(customer_id, name, value)
    tags_after = tag_names(list(plan.tag_before))
    entries = [(action, customer_id, changes if changes is not None else audit.diff(
        {"tags": plan.tag_before[customer_id]}, {"tags": tags_after.get(customer_id, [])}))
        for action, customer_id, changes in plan.audit]
    audit.record_for_customers(actor, entries, now)
    reindex_customers(changed)
    hand_over_customers(actor, plan.handovers, now, reason=IMPORT)
