"""Sensitive identity fields: stored encrypted, shown masked, revealed to allowed roles only,
found exactly through a keyed hash (blind index)."""

from __future__ import annotations

import datetime as dt

from crm import audit, runtime
from crm.actors import Actor
from crm.clock import utcnow
from crm.customers import inputs
from crm.customers.events import record_event, touch
from crm.customers.load import load_card, require_visible
from crm.customers.views import CustomerCard
from crm.errors import NotFound
from crm.localtime import local_today
from crm.permissions import Action, require
from crm.visibility import can_see
from storage.database import database, fetch_all, fetch_one
from storage.models import CustomerSecret


def sealed_secret(name: str, value: str) -> tuple[bytes, str, str]:
    """What is stored for a checked sensitive value: ciphertext, blind index and mask."""
    return (runtime.encrypt(value), runtime.keyring().blind_index(f"{name}:{value}"),
            inputs.mask(name, value))


def store_secret(customer_id: int, name: str, value: str) -> None:
    CustomerSecret.delete().where((CustomerSecret.customer == customer_id)
                                  & (CustomerSecret.name == name)).execute()
    value_enc, value_hash, masked = sealed_secret(name, value)
    CustomerSecret.create(customer=customer_id, name=name, value_enc=value_enc,
                          value_hash=value_hash, masked=masked)

def set_secret(actor: Actor, customer_id: int, name: str, value: str, *,
               now: dt.datetime | None = None) -> CustomerCard:
    """Store or replace a sensitive identity value (encrypted, masked when shown)."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    checked = inputs.secret(name, value, local_today(actor, now))
    with database.atomic():
        require_visible(actor, customer_id)
        store_secret(customer_id, name, checked)
        touch(customer_id, now)
        audit.record(actor, "customer.secret_set", "customer", customer_id,
                     customer_id=customer_id, changes={name: [audit.CHANGED, audit.CHANGED]},
                     now=now)
    return load_card(customer_id)


def reveal_secret(actor: Actor, customer_id: int, name: str, *,
                  now: dt.datetime | None = None) -> str:
    """The plain value of a sensitive field, for roles allowed to see it; each reveal is kept."""
    require(actor, Action.REVEAL)
    now = now or utcnow()
    with database.atomic():
        require_visible(actor, customer_id)
        row = fetch_one("select value_enc from customer_secret where customer_id = ? and name = ?",
                        (customer_id, name))
        if row is None:
            raise NotFound("customer.secret_missing", name=name)
        value = runtime.decrypt(bytes(row[0]))
        record_event(customer_id, "revealed", actor, now, {"field": name})
        audit.record(actor, "customer.reveal", "customer", customer_id,
                     customer_id=customer_id, changes={"field": name}, now=now)
    return value


def find_by_secret(actor: Actor, name: str, value: str) -> list[int]:
    """Customers whose sensitive field equals ``value`` exactly (through the blind index)."""
    require(actor, Action.REVEAL)
    checked = inputs.secret(name, value, local_today(actor, utcnow()))
    digest = runtime.keyring().blind_index(f"{name}:{checked}")
    rows = fetch_all(
        "select s.customer_id, c.owner_id, c.team_id from customer_secret s"
        " join customer c on c.id = s.customer_id"
        " where s.name = ? and s.value_hash = ? and c.deleted_at is null", (name, digest))
    return [cid for cid, owner, team in rows if can_see(actor, owner, team)]
