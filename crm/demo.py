"""Deterministic, realistic sample data (mixed Chinese and English) for trying and benchmarking.

Written in bulk (not through the per-record services) so a million customers load in minutes,
but with the same normalisation, search documents and encryption as the services use.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from crm import runtime
from crm.actors import Actor
from crm.clock import utcnow
from crm.customers.inputs import mask
from crm.demo_people import DemoCompany, DemoCustomer, generate_companies, generate_customers
from crm.demo_sales import add_demo_sales
from crm.permissions import Action, require
from crm.search_terms import build_document, normalise_text
from crm.validation import id_card_check_char
from storage import bulk
from storage.database import database, fetch_all
from storage.models import StaffUser

STAFF = [
    (900000001, "王经理", "manager", "zh-CN"),
    (900000002, "李娜", "agent", "zh-CN"),
    (900000003, "张伟", "agent", "zh-CN"),
    (900000004, "Emily Chen", "agent", "en"),
    (900000005, "陈静", "agent", "zh-CN"),
    (900000006, "赵敏", "viewer", "zh-CN"),
]
CHUNK = 20_000
INTERACTION_TEXTS = {
    "call": ["电话沟通报价", "确认交货时间", "Follow-up call about the quote", "客户询问售后"],
    "visit": ["上门拜访，演示样品", "Visited the office, met the buyer", "参观工厂"],
    "meeting": ["线上会议讨论合同条款", "Quarterly review meeting"],
    "message": ["微信发了产品目录", "Sent the catalogue on WhatsApp"],
    "email": ["发送报价单", "Sent the proposal by e-mail"],
    "note": ["对价格敏感，下次带样品", "Prefers e-mail over calls", "决策人是采购总监"],
}


def create_demo_data(actor: Actor, *, customers: int, seed: int = 42,
                     now: dt.datetime | None = None, sales: bool = True) -> dict[str, int]:
    """Add the demo staff (once) and ``customers`` customers with everything on their record;
    with ``sales``, their deals, orders and tickets too."""
    require(actor, Action.MANAGE_USERS)
    now = now or utcnow()
    with database.atomic():
        staff_ids = _ensure_staff(now)
        companies = generate_companies(max(1, customers // 50), seed)
        company_ids = _insert_companies(companies, now)
        owners = [staff_ids[i] for i in (1, 2, 3, 4)]
        people = generate_customers(customers, len(companies), seed)
        first_customer = bulk.next_id("customer")
        _insert_customers(people, companies, company_ids, owners, random.Random(seed), now)
        for table in ("company", "customer", "contact_channel", "address", "tag",
                      "interaction", "customer_secret", "customer_event"):
            bulk.sync_sequence(table)
        if sales:
            add_demo_sales(now, random.Random(seed), first_customer=first_customer)
    return {table: fetch_all(f"select count(*) from {table}")[0][0]
            for table in ("staff_user", "company", "customer", "contact_channel", "address",
                          "customer_tag", "interaction", "customer_secret", "deal",
                          "sales_order", "ticket")}


def _ensure_staff(now: dt.datetime) -> list[int]:
    for telegram_id, name, role, locale in STAFF:
        StaffUser.insert(telegram_id=telegram_id, name=name, role=role, locale=locale,
                         active=True, created_at=now, updated_at=now).on_conflict_ignore().execute()
    rows = dict(fetch_all("select telegram_id, id from staff_user"))
    return [rows[telegram_id] for telegram_id, *_ in STAFF]


def _insert_companies(companies: list[DemoCompany], now: dt.datetime) -> list[int]:
    existing = dict(fetch_all("select name_norm, id from company"))
    first = bulk.next_id("company")
    ids, rows = [], []
    for company in companies:
        norm = normalise_text(company.name)
        if norm in existing:
            ids.append(existing[norm])
            continue
        new_id = first + len(rows)
        existing[norm] = new_id
        ids.append(new_id)
        rows.append((new_id, company.name, norm, company.industry, company.size,
                     company.website, now, now))
    bulk.insert_rows("company", ("id", "name", "name_norm", "industry", "size", "website",
                                 "created_at", "updated_at"), rows)
    return ids


class _Tables:
    """Rows of one chunk, per table."""

    def __init__(self) -> None:
        self.customer: list[tuple] = []
        self.channel: list[tuple] = []
        self.address: list[tuple] = []
        self.tag: list[tuple] = []
        self.interaction: list[tuple] = []
        self.secret: list[tuple] = []
        self.search: list[tuple] = []
        self.event: list[tuple] = []

    def flush(self) -> None:
        bulk.insert_rows("customer", (
            "id", "name", "name_norm", "gender", "birthday", "occupation", "notes", "status",
            "source", "owner_id", "company_id", "created_at", "updated_at",
            "last_interaction_at"), self.customer)
        bulk.insert_rows("contact_channel", ("customer_id", "kind", "value", "is_primary"),
                         self.channel)
        bulk.insert_rows("address", ("customer_id", "kind", "country", "province", "city",
                                     "is_primary"), self.address)
        bulk.insert_rows("customer_tag", ("customer_id", "tag_id"), self.tag)
        bulk.insert_rows("interaction", ("customer_id", "kind", "direction", "occurred_at",
                                         "staff_id", "summary", "created_at"), self.interaction)
        bulk.insert_rows("customer_secret", ("customer_id", "name", "value_enc", "value_hash",
                                             "masked"), self.secret)
        bulk.insert_rows("customer_event", ("customer_id", "kind", "at", "staff_id"), self.event)
        bulk.insert_rows("customer_search", ("customer_id", "terms", "haystack"), self.search)
        self.__init__()


def _insert_customers(people: Iterator[DemoCustomer], companies: list[DemoCompany],
                      company_ids: list[int], owners: list[int], rnd: random.Random,
                      now: dt.datetime) -> None:
    tag_ids: dict[str, int] = dict(fetch_all("select name, id from tag"))
    next_customer = bulk.next_id("customer")
    tables = _Tables()
    ring = runtime.keyring()
    for index, person in enumerate(people):
        customer_id = next_customer + index
        owner = owners[index % len(owners)]
        company = companies[person.company_index] if person.company_index is not None else None
        company_id = company_ids[person.company_index] if company else None
        created = now - dt.timedelta(days=rnd.randrange(1, 1500), minutes=rnd.randrange(1440))
        last = _add_interactions(tables, customer_id, owner, created, now, rnd)
        tables.customer.append((
            customer_id, person.name, normalise_text(person.name), person.gender,
            person.birthday, person.occupation, person.notes, person.status, person.source,
            owner, company_id, created, created, last))
        _add_channels(tables, customer_id, person)
        if person.city:
            tables.address.append((customer_id, "work", "中国" if person.province else None,
                                   person.province or None, person.city, True))
        for tag in person.tags:
            if tag not in tag_ids:
                tag_ids[tag] = _create_tag(tag, now)
            tables.tag.append((customer_id, tag_ids[tag]))
        if index % 10 == 0 and person.birthday:
            _add_id_card(tables, ring, customer_id, person, rnd)
        tables.event.append((customer_id, "created", created, owner))
        document = build_document(
            name=person.name, owner_id=owner, company=company.name if company else None,
            phones=[person.phone], emails=[person.email] if person.email else [],
            accounts=[person.wechat] if person.wechat else [], tags=person.tags)
        tables.search.append((customer_id, document.terms, document.haystack))
        if len(tables.customer) >= CHUNK:
            tables.flush()
    tables.flush()


def _add_channels(tables: _Tables, customer_id: int, person: DemoCustomer) -> None:
    tables.channel.append((customer_id, "phone", person.phone, True))
    if person.email:
        tables.channel.append((customer_id, "email", person.email, True))
    if person.wechat:
        tables.channel.append((customer_id, "wechat", person.wechat, True))


def _add_interactions(tables: _Tables, customer_id: int, owner: int, created: dt.datetime,
                      now: dt.datetime, rnd: random.Random) -> dt.datetime | None:
    last = None
    span = max(1, int((now - created).total_seconds()))
    for _ in range(rnd.choice((0, 1, 1, 2, 3))):
        kind = rnd.choice(tuple(INTERACTION_TEXTS))
        when = created + dt.timedelta(seconds=rnd.randrange(span))
        direction = None if kind == "note" else rnd.choice(("in", "out", "out"))
        tables.interaction.append((customer_id, kind, direction, when, owner,
                                   rnd.choice(INTERACTION_TEXTS[kind]), when))
        last = max(last, when) if last else when
    return last


def _add_id_card(tables: _Tables, ring, customer_id: int, person: DemoCustomer,
                 rnd: random.Random) -> None:
    body = f"{rnd.choice(('110105', '310104', '440305', '330106'))}" \
           f"{person.birthday:%Y%m%d}{rnd.randrange(1000):03d}"
    value = body + id_card_check_char(body)
    tables.secret.append((customer_id, "id_card", ring.encrypt(value),
                          ring.blind_index(f"id_card:{value}"), mask("id_card", value)))


def _create_tag(name: str, now: dt.datetime) -> int:
    from storage.models import Tag

    return Tag.create(name=name, name_norm=normalise_text(name), created_at=now).id
