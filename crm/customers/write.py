"""Creating and editing customers: each service validates, writes in one transaction and
keeps the search index in step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from crm import audit
from crm.actors import Actor
from crm.clock import utcnow
from crm.customers import inputs
from crm.customers.duplicates import check_contact_duplicates, check_similar_name
from crm.customers.events import record_event, touch
from crm.customers.load import load_card, require_visible
from crm.customers.secrets import store_secret
from crm.customers.views import CustomerCard
from crm.errors import NotFound, ValidationError
from crm.handover import EDIT, hand_over_customer
from crm.localtime import local_today
from crm.permissions import Action, require
from crm.search_terms import build_document, normalise_text
from crm.users import check_can_own
from crm.visibility import can_see
from storage import search
from storage.database import (
    bytewise,
    database,
    fetch_all,
    fetch_one,
    insert,
    sql,
)
from storage.locks import one_at_a_time
from storage.models import (
    Address,
    ContactChannel,
    Customer,
    CustomerTag,
    Tag,
)

EDITABLE_FIELDS = ("name", "gender", "birthday", "occupation", "notes", "status", "source",
                   "company", "owner_id", "team_id")


def create_customer(actor: Actor, draft: inputs.CustomerDraft, *, allow_duplicate: bool = False,
                    now: dt.datetime | None = None) -> CustomerCard:
    """Add a customer with its channels, addresses, tags and identity fields."""
    require(actor, Action.CREATE)
    now = now or utcnow()
    record = checked_draft(draft, local_today(actor, now))
    owner_id = draft.owner_id if draft.owner_id is not None else actor.user_id
    check_owner(actor, owner_id)
    with database.atomic():
        if not allow_duplicate:
            values = [(c.kind, c.value) for c in record["channels"]]
            check_contact_duplicates(actor, values)
            check_similar_name(actor, record["name"], record["company"])
        customer_id = insert("customer", {
            "name": record["name"], "name_norm": normalise_text(record["name"]),
            "gender": record["gender"], "birthday": record["birthday"],
            "occupation": record["occupation"], "notes": record["notes"],
            "status": record["status"], "source": record["source"], "owner_id": owner_id,
            "company_id": _company_id(record["company"], now), "created_by_id": actor.user_id,
            "created_at": now, "updated_at": now})
        _insert_channels(customer_id, record["channels"])
        for address in record["addresses"]:
            _insert_address(customer_id, address)
        _attach_tags(customer_id, record["tags"], now)
        for name, value in record["secrets"].items():
            store_secret(customer_id, name, value)
        record_event(customer_id, "created", actor, now)
        reindex(customer_id)
        audit.record(actor, "customer.create", "customer", customer_id,
                     customer_id=customer_id, changes=created_changes(record, owner_id),
                     now=now)
        if draft.owner_id is None:
            from crm.sales.assignment import assign_new_lead  # sales builds on customers

            assign_new_lead(actor, customer_id, now=now)
    return load_card(customer_id)


def created_changes(record: dict[str, Any], owner_id: int | None) -> dict[str, Any]:
    """The new record as the audit log shows it (identity values only as changed)."""
    after = {k: v for k, v in record.items()
             if k not in ("channels", "addresses", "secrets") and v not in (None, [], "")}
    after["owner_id"] = owner_id
    after |= {f"channel.{c.kind}": c.value for c in record["channels"]}
    after |= {f"address.{i}": _address_text(a) for i, a in enumerate(record["addresses"])}
    hidden = frozenset(record["secrets"])
    return audit.diff({}, after | dict.fromkeys(hidden, "set"), hidden)


def _address_text(item: inputs.AddressInput) -> str:
    parts = (item.country, item.province, item.city, item.district, item.street,
             item.postal_code)
    return " ".join(p for p in parts if p)


def checked_draft(draft: inputs.CustomerDraft, today: dt.date) -> dict[str, Any]:
    """The draft validated and normalised as create_customer stores it (bulk imports too)."""
    channels = [inputs.ChannelInput("phone", p) for p in draft.phones if p.strip()]
    channels += [inputs.ChannelInput("email", e) for e in draft.emails if e.strip()]
    channels = [inputs.channel(c) for c in [*channels, *draft.channels]]
    _mark_primaries(channels)
    return {
        "name": inputs.name(draft.name),
        "company": inputs.optional_text(draft.company, field="company",
                                        max_length=inputs.COMPANY_MAX),
        "gender": inputs.gender(draft.gender),
        "birthday": inputs.birthday(draft.birthday, today),
        "occupation": inputs.optional_text(draft.occupation, field="occupation"),
        "notes": inputs.optional_text(draft.notes, field="notes", max_length=inputs.NOTES_MAX),
        "status": inputs.status(draft.status),
        "source": inputs.optional_text(draft.source, field="source", max_length=50),
        "channels": _unique_channels(channels),
        "addresses": _primary_address([inputs.address(a) for a in draft.addresses]),
        "tags": inputs.tags(draft.tags),
        "secrets": {k: inputs.secret(k, v, today) for k, v in draft.secrets.items() if v},
    }


def _unique_channels(channels: list[inputs.ChannelInput]) -> list[inputs.ChannelInput]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for item in channels:
        if (item.kind, item.value) not in seen:
            seen.add((item.kind, item.value))
            unique.append(item)
    return unique


def _mark_primaries(channels: list[inputs.ChannelInput]) -> None:
    """Exactly one primary per kind: the one asked for, else the first."""
    for kind in {c.kind for c in channels}:
        same = [i for i, c in enumerate(channels) if c.kind == kind]
        chosen = next((i for i in same if channels[i].primary), same[0])
        for i in same:
            c = channels[i]
            channels[i] = inputs.ChannelInput(c.kind, c.value, c.label, i == chosen)


def _primary_address(addresses: list[inputs.AddressInput]) -> list[inputs.AddressInput]:
    if addresses and not any(a.primary for a in addresses):
        first = addresses[0]
        addresses[0] = inputs.AddressInput(**{**first.__dict__, "primary": True})
    return addresses


def check_owner(actor: Actor, owner_id: int | None) -> None:
    """The owner must be staff who may own customers (``check_can_own``), and the actor must
    see what it hands over."""
    if owner_id is None:
        return
    check_can_own(owner_id)
    if not can_see(actor, owner_id, None):
        require(actor, Action.REASSIGN)  # only managers and admins hand records to others


def _company_id(name: str | None, now: dt.datetime) -> int | None:
    """The company with this name, created on first use."""
    if not name:
        return None
    norm = normalise_text(name)
    if row := _company_named(norm):  # on file: no lock to wait for (an import may hold many)
        return row
    one_at_a_time("company", norm)  # two people of a new company added at once: one company
    if row := _company_named(norm):
        return row
    return insert("company", {"name": name, "name_norm": norm, "created_at": now,
                              "updated_at": now})


def _company_named(norm: str) -> int | None:
    """The oldest company of this normalised name."""
    row = fetch_one("select id from company where name_norm = ? order by id limit 1", (norm,))
    return row[0] if row else None


def _insert_channels(customer_id: int, channels: list[inputs.ChannelInput]) -> None:
    for item in channels:
        insert("contact_channel", {"customer_id": customer_id, "kind": item.kind,
                                   "value": item.value, "label": item.label,
                                   "is_primary": item.primary})


def _insert_address(customer_id: int, item: inputs.AddressInput) -> None:
    if item.primary:
        Address.update(is_primary=False).where(Address.customer == customer_id).execute()
    Address.create(customer=customer_id, kind=item.kind, country=item.country,
                   province=item.province, city=item.city, district=item.district,
                   street=item.street, postal_code=item.postal_code, is_primary=item.primary)


def tag_row(name: str, now: dt.datetime, *, create: bool = True) -> tuple[int, str] | None:
    """The tag ``name`` means, as (id, stored name): ``vip`` finds VIP; made when missing and
    ``create``, else None."""
    norm = normalise_text(name)
    found = fetch_one("select id, name from tag where name_norm = ?", (norm,))
    if found is None and create:
        Tag.insert(name=name, name_norm=norm, created_at=now).on_conflict_ignore().execute()
        found = fetch_one("select id, name from tag where name_norm = ?", (norm,))
    return (found[0], found[1]) if found else None


def _attach_tags(customer_id: int, names: list[str], now: dt.datetime) -> None:
    for tag_name in names:
        found = tag_row(tag_name, now)
        if not fetch_one("select 1 from customer_tag where customer_id = ? and tag_id = ?",
                         (customer_id, found[0])):
            insert_link("customer_tag", customer_id, found[0])


def insert_link(table: str, customer_id: int, tag_id: int) -> None:
    database.execute_sql(sql(f"insert into {table} (customer_id, tag_id) values (?, ?)"),
                         (customer_id, tag_id))


def _tag_names(customer_id: int) -> list[str]:
    return [r[0] for r in fetch_all(
        "select t.name from tag t join customer_tag ct on ct.tag_id = t.id"
        f" where ct.customer_id = ? order by {bytewise('t.name')}", (customer_id,))]


def reindex(customer_id: int) -> None:
    """Rebuild one customer's search entry from its current record."""
    row = fetch_one(
        "select c.name, c.owner_id, co.name, c.team_id from customer c"
        " left join company co on co.id = c.company_id where c.id = ?", (customer_id,))
    if row is None:
        return
    channels = fetch_all("select kind, value from contact_channel where customer_id = ?",
                         (customer_id,))
    tag_names = _tag_names(customer_id)
    aliases = [r[0] for r in fetch_all("select name from customer where merged_into_id = ?",
                                       (customer_id,))]
    document = build_document(
        name=row[0], owner_id=row[1], team_id=row[3], company=row[2], aliases=aliases,
        phones=[v for k, v in channels if k in ("phone", "whatsapp")],
        emails=[v for k, v in channels if k == "email"],
        accounts=[v for k, v in channels if k not in ("phone", "whatsapp", "email")],
        tags=tag_names)
    search.index_document(customer_id, document.terms, document.haystack)


def update_customer(actor: Actor, customer_id: int, field: str, value: Any, *,
                    now: dt.datetime | None = None) -> CustomerCard:
    """Change one field of the record; the value is checked like on create. The value the
    record already has changes nothing (no audit entry, no owner history)."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    if field not in EDITABLE_FIELDS:
        raise ValidationError("customer.field", field=field, name=field)
    with database.atomic():
        current = require_visible(actor, customer_id)
        changes = _checked_change(actor, current, field, value, now)
        before = {k: getattr(current, k if k not in ("owner", "company", "team") else k + "_id")
                  for k in changes if k != "name_norm"}
        after = {k: v for k, v in changes.items() if k != "name_norm"}
        changed = audit.diff(before, after)
        if not changed:
            return load_card(customer_id)
        Customer.update(**changes, updated_at=now).where(Customer.id == customer_id).execute()
        reindex(customer_id)
        audit.record(actor, "customer.update", "customer", customer_id, customer_id=customer_id,
                     changes=changed, now=now)
        if "owner" in changes:
            hand_over_customer(actor, customer_id, current.owner_id, changes["owner"], now,
                               reason=EDIT)
    return load_card(customer_id)


def _checked_change(actor: Actor, current: Customer, field: str, value: Any,
                    now: dt.datetime) -> dict[str, Any]:
    if field == "name":
        new_name = inputs.name(value)
        return {"name": new_name, "name_norm": normalise_text(new_name)}
    if field == "gender":
        return {"gender": inputs.gender(value)}
    if field == "birthday":
        return {"birthday": inputs.birthday(value, local_today(actor, now))}
    if field in ("occupation", "source"):
        return {field: inputs.optional_text(value, field=field,
                                            max_length=50 if field == "source" else 100)}
    if field == "notes":
        return {"notes": inputs.optional_text(value, field="notes", max_length=inputs.NOTES_MAX)}
    if field == "status":
        return {"status": inputs.status(value)}
    if field == "company":
        company = inputs.optional_text(value, field="company", max_length=inputs.COMPANY_MAX)
        return {"company": _company_id(company, now)}
    if field == "team_id":
        return {"team": _checked_team(actor, value)}
    owner_id = int(value) if value not in (None, "") else None
    require(actor, Action.REASSIGN)
    check_owner(actor, owner_id)
    return {"owner": owner_id}


def _checked_team(actor: Actor, value: Any) -> int | None:
    """Share with a team: agents only with their own team; managers and admins with any."""
    team_id = int(value) if value not in (None, "") else None
    if team_id is None:
        return None
    if fetch_one("select 1 from team where id = ?", (team_id,)) is None:
        raise ValidationError("validation.choice", field="team", value=str(team_id),
                              allowed="existing teams")
    if team_id != actor.team_id:
        require(actor, Action.REASSIGN)
    return team_id


def add_channel(actor: Actor, customer_id: int, kind: str, value: str, *,
                label: str | None = None, primary: bool = False, allow_duplicate: bool = False,
                now: dt.datetime | None = None) -> CustomerCard:
    """Add a phone, e-mail or account; a value already on another record is reported."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    item = inputs.channel(inputs.ChannelInput(kind, value, label, primary))
    with database.atomic():
        require_visible(actor, customer_id)
        existing = fetch_all("select kind, value, is_primary from contact_channel"
                             " where customer_id = ?", (customer_id,))
        if any(k == item.kind and v == item.value for k, v, _ in existing):
            return load_card(customer_id)
        if not allow_duplicate:
            check_contact_duplicates(actor, [(item.kind, item.value)], exclude_id=customer_id)
        is_primary = primary or not any(k == item.kind for k, _, _ in existing)
        if is_primary:
            ContactChannel.update(is_primary=False).where(
                (ContactChannel.customer == customer_id)
                & (ContactChannel.kind == item.kind)).execute()
        ContactChannel.create(customer=customer_id, kind=item.kind, value=item.value,
                              label=item.label, is_primary=is_primary)
        touch(customer_id, now)
        reindex(customer_id)
        audit.record(actor, "customer.channel_add", "customer", customer_id,
                     customer_id=customer_id,
                     changes={f"channel.{item.kind}": [None, item.value]}, now=now)
    return load_card(customer_id)


def remove_channel(actor: Actor, customer_id: int, channel_id: int, *,
                   now: dt.datetime | None = None) -> CustomerCard:
    """Remove a contact detail; another of the same kind becomes primary."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    with database.atomic():
        require_visible(actor, customer_id)
        row = ContactChannel.get_or_none((ContactChannel.id == channel_id)
                                         & (ContactChannel.customer == customer_id))
        if row is None:
            raise NotFound("customer.channel_not_found")
        row.delete_instance()
        if row.is_primary:
            successor = (ContactChannel.select().where(
                (ContactChannel.customer == customer_id) & (ContactChannel.kind == row.kind))
                .order_by(ContactChannel.id).first())
            if successor:
                successor.is_primary = True
                successor.save()
        touch(customer_id, now)
        reindex(customer_id)
        audit.record(actor, "customer.channel_remove", "customer", customer_id,
                     customer_id=customer_id,
                     changes={f"channel.{row.kind}": [row.value, None]}, now=now)
    return load_card(customer_id)


def add_address(actor: Actor, customer_id: int, address: inputs.AddressInput, *,
                now: dt.datetime | None = None) -> CustomerCard:
    """Add an address; the first one, or one marked primary, becomes primary."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    item = inputs.address(address)
    with database.atomic():
        require_visible(actor, customer_id)
        has_any = fetch_one("select 1 from address where customer_id = ?", (customer_id,))
        if not has_any and not item.primary:
            item = inputs.AddressInput(**{**item.__dict__, "primary": True})
        _insert_address(customer_id, item)
        touch(customer_id, now)
        audit.record(actor, "customer.address_add", "customer", customer_id,
                     customer_id=customer_id, changes={"address": [None, _address_text(item)]},
                     now=now)
    return load_card(customer_id)


def remove_address(actor: Actor, customer_id: int, address_id: int, *,
                   now: dt.datetime | None = None) -> CustomerCard:
    """Remove an address."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    with database.atomic():
        require_visible(actor, customer_id)
        row = Address.get_or_none((Address.id == address_id) & (Address.customer == customer_id))
        if row is None:
            raise NotFound("customer.address_not_found")
        row.delete_instance()
        touch(customer_id, now)
        audit.record(actor, "customer.address_remove", "customer", customer_id,
                     customer_id=customer_id, changes={"address": [_address_text(row), None]},
                     now=now)
    return load_card(customer_id)


def add_tags(actor: Actor, customer_id: int, names: list[str], *,
             now: dt.datetime | None = None) -> CustomerCard:
    """Tag a customer; tags are created on first use."""
    cleaned = inputs.tags(names)
    return _change_tags(actor, customer_id,
                        lambda moment: _attach_tags(customer_id, cleaned, moment), now)


def remove_tag(actor: Actor, customer_id: int, name: str, *,
               now: dt.datetime | None = None) -> CustomerCard:
    """Take a tag off a customer."""
    def detach(_moment: dt.datetime) -> None:
        tag = fetch_one("select id from tag where name_norm = ?", (normalise_text(name),))
        if tag:
            CustomerTag.delete().where((CustomerTag.customer == customer_id)
                                       & (CustomerTag.tag == tag[0])).execute()

    return _change_tags(actor, customer_id, detach, now)


def _change_tags(actor: Actor, customer_id: int, change: Callable[[dt.datetime], None],
                 now: dt.datetime | None) -> CustomerCard:
    """Apply a tag change in one transaction: reindexed and audited with before and after."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    with database.atomic():
        require_visible(actor, customer_id)
        before = _tag_names(customer_id)
        change(now)
        touch(customer_id, now)
        reindex(customer_id)
        audit.record(actor, "customer.tags", "customer", customer_id, customer_id=customer_id,
                     changes=audit.diff({"tags": before}, {"tags": _tag_names(customer_id)}),
                     now=now)
    return load_card(customer_id)


def delete_customer(actor: Actor, customer_id: int, *,
                    now: dt.datetime | None = None) -> None:
    """Soft-delete: hidden everywhere, restorable from the recently deleted list."""
    require(actor, Action.DELETE)
    now = now or utcnow()
    with database.atomic():
        require_visible(actor, customer_id)
        Customer.update(deleted_at=now, deleted_by=actor.user_id, updated_at=now).where(
            Customer.id == customer_id).execute()
        search.remove_document(customer_id)
        record_event(customer_id, "deleted", actor, now)
        audit.record(actor, "customer.delete", "customer", customer_id,
                     customer_id=customer_id, now=now)


def restore_customer(actor: Actor, customer_id: int, *,
                     now: dt.datetime | None = None) -> CustomerCard:
    """Bring back a soft-deleted customer (not one merged into another)."""
    require(actor, Action.DELETE)
    now = now or utcnow()
    with database.atomic():
        row = Customer.get_or_none(Customer.id == customer_id)
        if (row is None or not can_see(actor, row.owner_id, row.team_id) or row.merged_into_id
                or row.erased_at is not None):
            raise NotFound("customer.not_found")
        if row.deleted_at is None:
            raise ValidationError("customer.not_deleted", field="customer")
        Customer.update(deleted_at=None, deleted_by=None, updated_at=now).where(
            Customer.id == customer_id).execute()
        reindex(customer_id)
        record_event(customer_id, "restored", actor, now)
        audit.record(actor, "customer.restore", "customer", customer_id,
                     customer_id=customer_id, now=now)
    return load_card(customer_id)
