"""Customers told apart: two people with similar names at one company whom someone looked at
and said are not duplicates. Each pair is remembered (``duplicate_dismissal``) with what they
were told apart by, so the scan no longer groups them by their names; a phone, e-mail or
account they come to share is another matter, and lists them again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from crm import audit
from crm.actors import Actor
from crm.clock import utcnow
from crm.customers.duplicates import (
    DUPLICATE_KINDS,
    SIMILAR_NAME,
    compare_duplicates,
    group_ids,
    told_apart_pairs,
)
from crm.customers.views import CustomerCard
from crm.errors import ValidationError
from crm.permissions import Action, require
from storage import bulk
from storage.database import database, fetch_one


@dataclass(frozen=True)
class ComparedGroup:
    """A group's records side by side, and whether they may be told apart: only people
    grouped by their names may; a shared phone or e-mail is merged or corrected instead."""

    cards: list[CustomerCard]
    may_tell_apart: bool


def compare_group(actor: Actor, customer_ids: Iterable[int]) -> ComparedGroup:
    """``compare_duplicates``, saying whether "not duplicates" may be said of the group."""
    cards = compare_duplicates(actor, customer_ids)
    return ComparedGroup(cards, not _share_a_contact([card.id for card in cards]))


def tell_apart(actor: Actor, customer_ids: Iterable[int], *,
               now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Remember that these customers, grouped for their similar names, are different people:
    the scan stops grouping them by name. Audited on each one's log; saying it again changes
    nothing. Returns the group as (id, name)."""
    require(actor, Action.MERGE)
    ids = group_ids(customer_ids)
    now = now or utcnow()
    with database.atomic():
        cards = compare_duplicates(actor, ids)  # each still visible and not merged away
        if _share_a_contact(ids):
            raise ValidationError("duplicates.share_contact", field="customer")
        known = told_apart_pairs()
        pairs = [pair for pair in combinations(sorted(ids), 2) if pair not in known]
        bulk.insert_rows("duplicate_dismissal", (
            "first_id", "second_id", "reason", "dismissed_by_id", "dismissed_at"),
            [(first, second, SIMILAR_NAME, actor.user_id, now) for first, second in pairs])
        audit.record_for_customers(actor, [
            ("customer.not_duplicates", one, {"not_duplicate_of": [None, other]})
            for first, second in pairs for one, other in ((first, second), (second, first))],
            now)
    return [(card.id, card.name) for card in cards]


def _share_a_contact(ids: list[int]) -> bool:
    """Whether two of these customers have the same phone, e-mail or account."""
    marks = ", ".join("?" * len(ids))
    kinds = ", ".join(f"'{kind}'" for kind in DUPLICATE_KINDS)
    return fetch_one(
        "select 1 from contact_channel a join contact_channel b on b.kind = a.kind"
        " and b.value = a.value and b.customer_id > a.customer_id"
        f" where a.kind in ({kinds}) and a.customer_id in ({marks})"
        f" and b.customer_id in ({marks}) limit 1", (*ids, *ids)) is not None
