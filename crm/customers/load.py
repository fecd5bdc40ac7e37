"""Loading customers for display, through the visibility rule, with prepared SQL (hot path)."""

from __future__ import annotations

import datetime as dt

from crm.actors import Actor
from crm.clock import as_date, as_datetime, utcnow
from crm.customers.views import (
    AddressView,
    ChannelView,
    CompanyView,
    CustomerCard,
    CustomerSummary,
    Page,
    SecretView,
)
from crm.errors import NotFound
from crm.localtime import installation_today, local_today
from crm.permissions import Action, require
from crm.validation import age_on
from crm.visibility import can_see, scope_of
from storage.database import bytewise, fetch_all, fetch_one
from storage.models import Customer

_CARD_SQL = (
    "select c.id, c.name, c.gender, c.birthday, c.occupation, c.notes, c.status, c.source,"
    " c.owner_id, s.name, c.company_id, c.created_at, c.updated_at, c.last_interaction_at,"
    " c.deleted_at, c.merged_into_id"
    " from customer c left join staff_user s on s.id = c.owner_id where c.id = ?"
)
_COMPANY_SQL = (
    "select id, name, industry, size, registered_address, legal_representative, credit_code,"
    " website from company where id = ?"
)


def require_visible(actor: Actor, customer_id: int) -> Customer:
    """The live customer row if the actor may see it; NotFound otherwise (no existence leak)."""
    require(actor, Action.READ)
    row = Customer.get_or_none(Customer.id == customer_id)
    if row is None or row.deleted_at is not None or not can_see(actor, row.owner_id, row.team_id):
        raise NotFound("customer.not_found")
    return row


def get_customer(actor: Actor, customer_id: int, *, today: dt.date | None = None) -> CustomerCard:
    """The full card of a customer the actor may see.

    A customer merged into another opens the surviving record, so old links keep working.
    """
    require(actor, Action.READ)
    row = fetch_one("select owner_id, deleted_at, merged_into_id, team_id from customer"
                    " where id = ?", (customer_id,))
    if row is not None and row[2] is not None:
        return get_customer(actor, row[2], today=today)
    if row is None or row[1] is not None or not can_see(actor, row[0], row[3]):
        raise NotFound("customer.not_found")
    return load_card(customer_id, today=today or local_today(actor, utcnow()))


def load_card(customer_id: int, *, today: dt.date | None = None) -> CustomerCard:
    """Build the card without checks (callers have checked)."""
    row = fetch_one(_CARD_SQL, (customer_id,))
    if row is None:
        raise NotFound("customer.not_found")
    birthday = as_date(row[3])
    today = today or installation_today(utcnow())
    return CustomerCard(
        id=row[0], name=row[1], gender=row[2], birthday=birthday,
        age=age_on(birthday, today) if birthday and birthday <= today else None,
        occupation=row[4], notes=row[5], status=row[6], source=row[7], owner_id=row[8],
        owner_name=row[9], company=_company(row[10]), channels=_channels(customer_id),
        addresses=_addresses(customer_id), tags=_tags(customer_id),
        secrets=_secrets(customer_id), created_at=as_datetime(row[11]),
        updated_at=as_datetime(row[12]), last_interaction_at=as_datetime(row[13]),
        deleted_at=as_datetime(row[14]), merged_into_id=row[15])


def _company(company_id: int | None) -> CompanyView | None:
    if company_id is None:
        return None
    row = fetch_one(_COMPANY_SQL, (company_id,))
    return CompanyView(*row) if row else None


def _channels(customer_id: int) -> tuple[ChannelView, ...]:
    rows = fetch_all("select id, kind, value, label, is_primary from contact_channel"
                     " where customer_id = ? order by kind, is_primary desc, id", (customer_id,))
    return tuple(ChannelView(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows)


def _addresses(customer_id: int) -> tuple[AddressView, ...]:
    rows = fetch_all("select id, kind, country, province, city, district, street, postal_code,"
                     " is_primary from address where customer_id = ?"
                     " order by is_primary desc, id", (customer_id,))
    return tuple(AddressView(*r[:8], bool(r[8])) for r in rows)


def _tags(customer_id: int) -> tuple[str, ...]:
    rows = fetch_all("select t.name from tag t join customer_tag ct on ct.tag_id = t.id"
                     f" where ct.customer_id = ? order by {bytewise('t.name')}", (customer_id,))
    return tuple(r[0] for r in rows)


def _secrets(customer_id: int) -> tuple[SecretView, ...]:
    rows = fetch_all("select name, masked from customer_secret where customer_id = ?"
                     " order by name", (customer_id,))
    return tuple(SecretView(r[0], r[1]) for r in rows)


_SUMMARY_SQL = (
    "select c.id, c.name, co.name, (select value from contact_channel ch"
    " where ch.customer_id = c.id and ch.kind = 'phone' order by ch.is_primary desc, ch.id"
    " limit 1), c.status, c.owner_id from customer c"
    " left join company co on co.id = c.company_id where c.id in ({ids})"
)


def summaries(ids: list[int]) -> list[CustomerSummary]:
    """One-line summaries of customers, in the order of ``ids``."""
    if not ids:
        return []
    rows = fetch_all(_SUMMARY_SQL.format(ids=", ".join("?" * len(ids))), tuple(ids))
    by_id = {r[0]: CustomerSummary(*r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def list_deleted(actor: Actor, *, offset: int = 0, limit: int = 10) -> Page[CustomerSummary]:
    """Recently deleted customers, newest first, that the actor may restore."""
    require(actor, Action.DELETE)
    scope = scope_of(actor)
    clause, params = scope.sql() if scope else ("", ())
    rows = fetch_all("select c.id from customer c where c.deleted_at is not null"
                     f" and c.merged_into_id is null{clause}"
                     " order by c.deleted_at desc, c.id desc limit ? offset ?",
                     (*params, limit + 1, offset))
    ids = [r[0] for r in rows]
    return Page(tuple(summaries(ids[:limit])), offset, len(ids) > limit)
