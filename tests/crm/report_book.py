"""The fixed data set of the report tests, built through the services. The right answers are
worked out by hand in tests/crm/test_reports.py (and reused by the bot tests).

Installation time zone Asia/Shanghai (UTC+8). Teams: 华南 = agent A (李娜), teammate B (张伟)
and the manager (王经理); 华北 = other agent C (Emily Chen). Times below are UTC.

Customers (owner, source, created):
    a1 A referral 2026-01-10 10:00     a2 A website  2026-01-31 17:00 (Feb 1 in Shanghai)
    a3 A (none)   2026-02-15 10:00     b1 B referral 2026-02-20 10:00
    b2 B "=HYPERLINK(...)" 2026-03-05  c1 C website  2026-03-10 08:00
    c2 C exhibition 2025-12-20         d1 A referral 2026-01-15, deleted
Deals (default pipeline; created → moves, at 09:00 unless said):
    D1 A a1 CNY 10,000 close 03-20  01-12 → Contacted, Qualified, Proposal
    D2 A a2 CNY 20,000 close 04-10  02-02 → Contacted
    D3 B b1 CNY  5,000 close 02-25  02-21 (Lead)
    D4 B b1 CNY  8,000              01-20 → Contacted, Qualified, Won 02-09
    D5 C c1 CNY 30,000              03-10 → Qualified, Won 03-15
    D6 A a3 CNY  4,000              02-16 → Contacted, Lost (price) 03-01
    D7 B b2 USD  1,000 close 03-31  03-06 → Proposal
    D8 A a1 CNY  2,000              2025-12-01 → Won 2026-01-31 20:00 (Feb 1 in Shanghai)
    D9 A d1 CNY  7,000              01-15 → Contacted (its customer is deleted: never counted)
Interactions: see INTERACTIONS. Orders (completed unless said): see ORDERS. Tickets (service
levels by default: first answer urgent 1h, high 4h, normal 8h, low 24h; resolution urgent 8h,
high 24h, normal 3 days, low 7 days): see TICKETS. The deleted customer d1 has a deal, a call,
an order and a ticket too, deleted with it: no report counts them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm import customers, sales, users
from crm.actors import Actor
from crm.sales.views import OrderLineInput
from crm.service import tickets as service
from tests.crm.cast import SYSTEM, customer, make_cast

NOW = dt.datetime(2026, 4, 1, 2, 0)  # Wednesday 1 April 2026, 10:00 in Shanghai
FORMULA_SOURCE = '=HYPERLINK("http://x.example","click")'
CUSTOMERS = [  # key, owner, source, created
    ("a1", "A", "referral", dt.datetime(2026, 1, 10, 10)),
    ("a2", "A", "website", dt.datetime(2026, 1, 31, 17)),
    ("a3", "A", None, dt.datetime(2026, 2, 15, 10)),
    ("b1", "B", "referral", dt.datetime(2026, 2, 20, 10)),
    ("b2", "B", FORMULA_SOURCE, dt.datetime(2026, 3, 5, 10)),
    ("c1", "C", "website", dt.datetime(2026, 3, 10, 8)),
    ("c2", "C", "exhibition", dt.datetime(2025, 12, 20, 10)),
    ("d1", "A", "referral", dt.datetime(2026, 1, 15, 10)),
]
NINE = dt.time(9)
DEALS = [  # key, owner, customer, amount, close, created, moves [(stage, when)]
    ("D1", "A", "a1", "10000.00", "2026-03-20", dt.date(2026, 1, 12),
     [("Contacted", None), ("Qualified", None), ("Proposal", None)]),
    ("D2", "A", "a2", "20000.00", "2026-04-10", dt.date(2026, 2, 2), [("Contacted", None)]),
    ("D3", "B", "b1", "5000.00", "2026-02-25", dt.date(2026, 2, 21), []),
    ("D4", "B", "b1", "8000.00", None, dt.date(2026, 1, 20),
     [("Contacted", None), ("Qualified", None), ("Won", dt.datetime(2026, 2, 9, 9))]),
    ("D5", "C", "c1", "30000.00", None, dt.date(2026, 3, 10),
     [("Qualified", None), ("Won", dt.datetime(2026, 3, 15, 9))]),
    ("D6", "A", "a3", "4000.00", None, dt.date(2026, 2, 16),
     [("Contacted", None), ("Lost", dt.datetime(2026, 3, 1, 9))]),
    ("D7", "B", "b2", "USD 1000.00", "2026-03-31", dt.date(2026, 3, 6), [("Proposal", None)]),
    ("D8", "A", "a1", "2000.00", None, dt.date(2025, 12, 1),
     [("Won", dt.datetime(2026, 1, 31, 20))]),
    ("D9", "A", "d1", "7000.00", None, dt.date(2026, 1, 15), [("Contacted", None)]),
]
INTERACTIONS = [  # owner, customer, kind, when (UTC)
    ("A", "a1", "email", dt.datetime(2026, 3, 1, 20)),  # Mar 2 04:00 local: week of Mar 2
    ("A", "a1", "call", dt.datetime(2026, 3, 2, 1)),
    ("A", "a2", "visit", dt.datetime(2026, 3, 8, 17)),  # Mar 9 01:00 local: week of Mar 9
    ("A", "a1", "note", dt.datetime(2026, 3, 10, 3)),
    ("A", "a3", "call", dt.datetime(2026, 3, 11, 3)),
    ("A", "a1", "call", dt.datetime(2026, 2, 27, 3)),  # before the period
    ("B", "b1", "call", dt.datetime(2026, 3, 3, 3)),
    ("B", "b1", "call", dt.datetime(2026, 3, 4, 3)),
    ("B", "b2", "meeting", dt.datetime(2026, 3, 12, 3)),
    ("C", "c1", "visit", dt.datetime(2026, 3, 13, 3)),
    ("B", "b1", "call", dt.datetime(2026, 3, 15, 17)),  # Mar 16 local: after the period
    ("A", "d1", "call", dt.datetime(2026, 3, 3, 3)),  # the deleted customer's
]
ORDERS = [  # owner, customer, currency, unit price, days ordered, status
    ("A", "a1", "CNY", "1000.00", ["2026-02-10", "2026-03-01", "2026-03-20"], "completed"),
    ("A", "a2", "CNY", "500.00", ["2026-03-25"], "completed"),
    ("A", "a3", "CNY", "300.00", ["2025-11-01", "2025-12-01"], "completed"),
    ("B", "b1", "CNY", "200.00", ["2025-05-01", "2025-06-01", "2025-07-01", "2025-08-01",
                                  "2025-09-01"], "completed"),
    ("B", "b2", "USD", "1000.00", ["2026-01-15"], "paid"),  # confirmed and paid in full
    ("B", "b2", "CNY", "900.00", ["2026-03-02"], "confirmed"),  # not paid: no value yet
    ("B", "b2", "CNY", "700.00", ["2026-03-03"], "cancelled"),
    ("C", "c1", "CNY", "5000.00", [f"2025-{m:02d}-10" for m in range(6, 13)]
     + ["2026-01-10", "2026-02-10", "2026-03-10"], "completed"),
    ("C", "c2", "CNY", "100.00", ["2025-03-01"], "completed"),  # before the period
    ("A", "d1", "CNY", "900.00", ["2026-03-05"], "completed"),  # the deleted customer's
]

H = dt.timedelta(hours=1)
TICKETS = [  # owner, customer, priority, opened (UTC), first answer after, resolved after
    ("A", "a1", "urgent", dt.datetime(2026, 3, 2, 2), H / 2, 6 * H),
    ("A", "a2", "high", dt.datetime(2026, 3, 3, 1), 6 * H, 48 * H),
    ("B", "b1", "normal", dt.datetime(2026, 3, 8, 17), 3 * H, None),  # Mar 9 01:00 local
    ("C", "c1", "low", dt.datetime(2026, 3, 10, 3), None, None),
    ("A", "a1", "normal", dt.datetime(2026, 3, 12, 3), H, 24 * H),
    ("A", "a3", "normal", dt.datetime(2026, 2, 27, 3), None, 96 * H),  # resolved Mar 3
    ("A", "d1", "urgent", dt.datetime(2026, 3, 4, 3), H, 2 * H),  # the deleted customer's
]


@dataclass(frozen=True)
class Book:
    agent: Actor  # A
    teammate: Actor  # B
    other_agent: Actor  # C
    manager: Actor
    admin: Actor
    viewer: Actor
    customers: dict[str, int]
    deals: dict[str, int]


def _fresh(actor: Actor) -> Actor:
    """The actor as staff now (after a team change)."""
    return users.get_user(SYSTEM, actor.telegram_id).as_actor()  # type: ignore[arg-type]


def build_book() -> Book:
    """Every record of the data set, through the services."""
    cast = make_cast()
    south, north = users.create_team(cast.admin, "华南"), users.create_team(cast.admin, "华北")
    for member, team in ((cast.agent, south), (cast.teammate, south), (cast.manager, south),
                         (cast.other_agent, north)):
        users.set_team(cast.admin, member.telegram_id, team.id)
    people = {"A": _fresh(cast.agent), "B": _fresh(cast.teammate),
              "C": _fresh(cast.other_agent)}
    made = {key: customer(people[owner], f"客户{key}", source=source, now=created).id
            for key, owner, source, created in CUSTOMERS}
    deals = _deals(people, made)
    for owner, key, kind, when in INTERACTIONS:
        customers.log_interaction(people[owner], made[key], kind, f"{kind} {key}",
                                  occurred_at=when, now=when)
    for owner, key, code, price, days, status in ORDERS:
        for day in days:
            _order(people[owner], made[key], code, price, day, status)
    for owner, key, priority, opened, answered, resolved in TICKETS:
        _ticket(people[owner], made[key], priority, opened, answered, resolved)
    customers.delete_customer(cast.admin, made["d1"], now=dt.datetime(2026, 3, 20))
    return Book(people["A"], people["B"], people["C"], _fresh(cast.manager), cast.admin,
                cast.viewer, made, deals)


def _deals(people: dict[str, Actor], made: dict[str, int]) -> dict[str, int]:
    stages = {s.name_en: s.id for s in sales.get_pipeline(SYSTEM).stages}
    deals = {}
    for key, owner, buyer, amount, close, created, moves in DEALS:
        currency, _, value = amount.rpartition(" ")
        start = dt.datetime.combine(created, NINE)
        deal = sales.create_deal(people[owner], made[buyer], key, amount=value,
                                 currency=currency or None, expected_close=close, now=start)
        for step, (stage, when) in enumerate(moves, start=1):
            sales.move_deal_to_stage(people[owner], deal.id, stages[stage],
                                     now=when or start + dt.timedelta(hours=step),
                                     lost_reason="price" if stage == "Lost" else None)
        deals[key] = deal.id
    return deals


def _ticket(actor: Actor, customer_id: int, priority: str, opened: dt.datetime,
            answered: dt.timedelta | None, resolved: dt.timedelta | None) -> None:
    ticket = service.open_ticket(actor, customer_id, f"{priority} 问题", priority=priority,
                                 now=opened)
    if answered is not None:
        service.reply_to_ticket(actor, ticket.id, "已收到", now=opened + answered)
        # Worked on at once, not left waiting for the customer (whose time would not count).
        service.set_ticket_status(actor, ticket.id, "open", now=opened + answered)
    if resolved is not None:
        service.set_ticket_status(actor, ticket.id, "resolved", now=opened + resolved)


def _order(actor: Actor, customer_id: int, code: str, price: str, day: str,
           status: str) -> None:
    when = dt.datetime.fromisoformat(day) + dt.timedelta(hours=3)
    order = sales.create_order(actor, customer_id, [OrderLineInput(1, description="货品",
                                                                   unit_price=price)],
                               currency=code, ordered_on=day, now=when)
    steps = {"completed": ["confirmed", "completed"], "paid": ["confirmed"],
             "confirmed": ["confirmed"], "cancelled": ["cancelled"]}[status]
    for step in steps:
        sales.change_order_status(actor, order.id, step, now=when)
    if status == "paid":
        sales.record_payment(actor, order.id, price, "bank_transfer", paid_on=day, now=when)
