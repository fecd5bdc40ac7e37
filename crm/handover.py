"""A customer's open work follows the customer to a new owner.

When a customer changes owner, the open deals, open orders and outstanding reminders that the
previous owner held on it move to the new owner; won and lost deals, completed and cancelled
orders and done reminders stay as history. Every door that changes an owner (editing the
record, a manager's reassignment, a whole book handed over, the assignment rules, an import, a
merge into another owner's customer) moves the work here inside its own transaction, so they
all move the same things, and tells the new owner through ``tell_new_owner``: one message per
change and new owner, in the outbox; nobody is told of a change they made themselves.

Every door also writes each real change of a customer's owner to its assignment history
through ``record_owner_changes`` (who, from whom, to whom, when, by which door), which is what
the customer's timeline shows; a "change" to the owner a customer already has writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from crm import audit
from crm.actors import Actor
from storage import bulk
from storage.database import database, fetch_all, fetch_one, sql

CHUNK = 500
# The doors an owner change comes through, as its history row names them (``reason``), beside
# the assignment rules' own (rule, round_robin, fallback): a manager's reassignment, an edit of
# the record, an import, a whole book handed over, a merge giving an ownerless survivor the
# merged record's owner, a filtered set handed over at once (crm.bulk). The bot's timeline has
# a label for each.
MANUAL, EDIT, IMPORT, WHOLE_BOOK, MERGE = "manual", "edit", "import", "whole_book", "merge"
BULK = "bulk"
_HISTORY_COLUMNS = ("customer_id", "from_owner_id", "to_owner_id", "reason", "rule_id", "note",
                    "at", "by_id")

Move = tuple[int, int | None, int | None]  # customer id, previous owner, new owner


@dataclass(frozen=True)
class HandedOver:
    """How many rows of each kind moved to the new owner(s)."""

    deals: int = 0
    orders: int = 0
    reminders: int = 0

    def __bool__(self) -> bool:
        return bool(self.deals or self.orders or self.reminders)

    def __add__(self, other: HandedOver) -> HandedOver:
        return HandedOver(self.deals + other.deals, self.orders + other.orders,
                          self.reminders + other.reminders)

    def params(self) -> dict[str, int]:
        """The counts as notification parameters."""
        return {"deals": self.deals, "orders": self.orders, "reminders": self.reminders}


@dataclass(frozen=True)
class _Kind:
    """A table of work about customers, and which of its rows are still open."""

    table: str
    holder: str  # the column naming who holds the row
    open_rows: str  # selects (id, customer id, holder) of open rows for customer_id in ({marks})
    action: str  # the audit action of the row's existing owner change
    touch: bool  # whether the move counts as a change of the row (updated_at)


_DEALS = _Kind(
    "deal", "owner_id",
    "select d.id, d.customer_id, d.owner_id from deal d join pipeline_stage s on"
    " s.id = d.stage_id where s.kind = 'open' and d.deleted_at is null"
    " and d.customer_id in ({marks})",
    # A hand-over is not activity on the deal: its quiet spell (the stale-deal rule) goes on.
    "deal.update", touch=False)
_ORDERS = _Kind(
    "sales_order", "owner_id",
    "select id, customer_id, owner_id from sales_order"
    " where status in ('draft', 'confirmed', 'shipped') and customer_id in ({marks})",
    "order.update", touch=True)
# Pending, and delivered but not yet marked done (the agenda's overdue follow-ups). Reminders
# about a ticket belong to whoever works the ticket, not to the customer's owner.
_REMINDERS = _Kind(
    "reminder", "staff_id",
    "select id, customer_id, staff_id from reminder where status in ('pending', 'sent')"
    " and ticket_id is null and customer_id in ({marks})",
    "reminder.update", touch=True)


def hand_over_work(actor: Actor, moves: Iterable[Move], now: dt.datetime, *,
                   recorded_under: Mapping[int, int] | None = None) -> HandedOver:
    """Move the open work of customers whose owner changed (inside the caller's transaction),
    each row audited as its owner change; returns how many rows moved."""
    return sum(hand_over_work_by_owner(actor, moves, now, recorded_under=recorded_under)
               .values(), HandedOver())


def hand_over_work_by_owner(actor: Actor, moves: Iterable[Move], now: dt.datetime, *,
                            recorded_under: Mapping[int, int] | None = None
                            ) -> dict[int, HandedOver]:
    """``hand_over_work``, counted per new owner. ``recorded_under`` files a customer's audit
    entries under another (a merged record's work under the survivor it joins)."""
    net = _net(moves)
    if not net:
        return {}
    under = recorded_under or {}
    deals, orders, reminders = (_move(actor, kind, net, now, under)
                                for kind in (_DEALS, _ORDERS, _REMINDERS))
    return {owner: HandedOver(deals.get(owner, 0), orders.get(owner, 0),
                              reminders.get(owner, 0))
            for owner in sorted({new for _, new in net.values()})}


def record_owner_changes(actor: Actor, moves: Iterable[Move], now: dt.datetime, reason: str, *,
                         note: str | None = None, rule_id: int | None = None) -> int:
    """Add each real owner change to its customer's assignment history, made by ``actor``
    through ``reason``'s door, in bulk inside the caller's transaction; returns how many."""
    rows = [(customer_id, previous, new, reason, rule_id, note, now, actor.user_id)
            for customer_id, previous, new in moves if previous != new]
    return bulk.insert_rows("lead_assignment", _HISTORY_COLUMNS, rows)


def hand_over_customer(actor: Actor, customer_id: int, previous: int | None, new: int | None,
                       now: dt.datetime, *, reason: str, code: str = "lead.reassigned",
                       params: Mapping[str, Any] | None = None, note: str | None = None,
                       rule_id: int | None = None) -> HandedOver:
    """One customer's owner changed through ``reason``'s door: the change goes into its
    history, its open work follows and the new owner is told, naming the customer (``code``,
    or ``code``_with_work when work came along)."""
    record_owner_changes(actor, [(customer_id, previous, new)], now, reason, note=note,
                         rule_id=rule_id)
    work = hand_over_work(actor, [(customer_id, previous, new)], now)
    if new is not None and new != previous:
        tell_new_owner(actor, new, code, work, now, customer_id=customer_id,
                       params={"customer_name": customer_name(customer_id), **(params or {})})
    return work


def hand_over_customers(actor: Actor, moves: Iterable[Move], now: dt.datetime, *, reason: str,
                        code: str = "handover.customers",
                        params: Mapping[str, Any] | None = None) -> dict[int, HandedOver]:
    """Many customers' owners changed at once (an import, a whole book): each change goes
    into its customer's history, their open work follows and each new owner gets one message
    with how many customers and how much work came to them."""
    moves = list(moves)
    record_owner_changes(actor, moves, now, reason)
    net = _net(moves)
    by_owner = hand_over_work_by_owner(actor, [(c, p, n) for c, (p, n) in net.items()], now)
    customers_of: dict[int, int] = {}
    for _previous, new in net.values():
        customers_of[new] = customers_of.get(new, 0) + 1
    for owner, count in sorted(customers_of.items()):
        tell_new_owner(actor, owner, code, by_owner.get(owner, HandedOver()), now,
                       params={**(params or {}), "count": count})
    return by_owner


def tell_new_owner(actor: Actor, owner_id: int, code: str, work: HandedOver,
                   now: dt.datetime, *, customer_id: int | None = None,
                   params: Mapping[str, Any] | None = None) -> None:
    """Queue the new owner's message (``code``, or ``code``_with_work when work came along)
    with who handed it over and the counts; nobody is told of a change they made themselves."""
    if owner_id == actor.user_id:
        return
    from crm.sales.outbox import notify  # the outbox lives in sales, which builds on this module

    shown = {**(params or {}), "by": None if actor.is_system else actor.name, **work.params()}
    if customer_id is not None:
        shown["customer_id"] = customer_id
    notify(owner_id, f"{code}_with_work" if work else code, shown, now, customer_id=customer_id)


def staff_name(staff_id: int | None) -> str:
    """A staff member's name (for the new owner's message)."""
    row = fetch_one("select name from staff_user where id = ?", (staff_id,))
    return row[0] if row else ""


def customer_name(customer_id: int) -> str:
    """A customer's name as stored (for the new owner's message)."""
    row = fetch_one("select name from customer where id = ?", (customer_id,))
    return row[0] if row else ""


def _net(moves: Iterable[Move]) -> dict[int, tuple[int | None, int]]:
    """Per customer, the first previous owner and the last new one; a customer left without
    an owner keeps its work where it is (nobody would take it)."""
    net: dict[int, tuple[int | None, int | None]] = {}
    for customer_id, previous, new in moves:
        first = net[customer_id][0] if customer_id in net else previous
        net[customer_id] = (first, new)
    return {customer_id: (previous, new) for customer_id, (previous, new) in net.items()
            if new is not None and previous != new}


def _move(actor: Actor, kind: _Kind, net: dict[int, tuple[int | None, int]],
          now: dt.datetime, recorded_under: Mapping[int, int]) -> dict[int, int]:
    """Give each open row the previous owner held to the new owner, audited one by one;
    returns how many rows each new owner received."""
    ids = sorted(net)
    by_target: dict[int, list[int]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = tuple(ids[start:start + CHUNK])
        for row_id, customer_id, holder in fetch_all(
                kind.open_rows.format(marks=", ".join("?" * len(chunk))), chunk):
            previous, new = net[customer_id]
            if (holder or 0) != (previous or 0):
                continue  # someone else's work on the customer (a teammate's deal) stays theirs
            by_target.setdefault(new, []).append(row_id)
            audit.record(actor, kind.action, kind.table, row_id,
                         customer_id=recorded_under.get(customer_id, customer_id),
                         changes={kind.holder: [holder, new]}, now=now)
    touch = ", updated_at = ?" if kind.touch else ""
    for new, row_ids in by_target.items():
        for start in range(0, len(row_ids), CHUNK):
            chunk = tuple(row_ids[start:start + CHUNK])
            database.execute_sql(sql(
                f"update {kind.table} set {kind.holder} = ?{touch}"
                f" where id in ({', '.join('?' * len(chunk))})"),
                (new, *((now,) if kind.touch else ()), *chunk))
    return {new: len(row_ids) for new, row_ids in by_target.items()}
