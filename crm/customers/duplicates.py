"""Duplicates: caught on create and edit, found by a scan over everything, and merged."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from crm import audit
from crm.actors import Actor
from crm.clock import utcnow
from crm.customers.events import record_event
from crm.customers.views import CustomerCard, DuplicateMatch
from crm.errors import AlreadyMerged, Duplicate, ValidationError
from crm.handover import MERGE, hand_over_work, record_owner_changes, staff_name, tell_new_owner
from crm.permissions import Action, require
from crm.search_terms import name_pinyin, normalise_text
from crm.visibility import Scope, can_see, scope_of
from storage import search
from storage.database import database, fetch_all, fetch_one, sql
from storage.models import Customer

SIMILAR_NAME_SCORE = 85
DUPLICATE_KINDS = ("phone", "email", "wechat", "qq", "whatsapp")
SIMILAR_NAME = "similar_name"  # a group's reason when found by names, not a shared contact

# Tables whose rows belong to one customer: a merge moves them. Later features add theirs.
CUSTOMER_REFERENCES: list[tuple[str, str]] = [
    ("interaction", "customer_id"),
    ("customer_event", "customer_id"),
    ("address", "customer_id"),
]

# Rows that remember, once merged, the record they came from (a merged_from_id column): the
# timeline marks history rows, the cards of deals, orders and tickets say where they came from.
MARKED_ORIGIN: list[str] = ["interaction", "customer_event"]


def register_customer_reference(table: str, column: str = "customer_id", *,
                                marks_origin: bool = False) -> None:
    """Declare a table whose rows follow their customer through a merge; ``marks_origin``
    when its rows keep the merged record's id in their ``merged_from_id``."""
    if (table, column) not in CUSTOMER_REFERENCES:
        CUSTOMER_REFERENCES.append((table, column))
    if marks_origin and table not in MARKED_ORIGIN:
        MARKED_ORIGIN.append(table)


def _match(actor: Actor, customer_id: int, visibility: tuple[int | None, int | None], name: str,
           reason: str, value: str, score: float = 100.0) -> DuplicateMatch:
    if can_see(actor, *visibility):
        return DuplicateMatch(customer_id, name, reason, value, score)
    return DuplicateMatch(None, None, reason, value, score)


def contact_matches(actor: Actor, values: Iterable[tuple[str, str]], *,
                    exclude_id: int | None = None) -> list[DuplicateMatch]:
    """Existing customers with any of these (kind, value) contact details."""
    wanted = [(k, v) for k, v in values if k in DUPLICATE_KINDS]
    if not wanted:
        return []
    clause = " or ".join("(ch.kind = ? and ch.value = ?)" for _ in wanted)
    rows = fetch_all(
        "select distinct c.id, c.owner_id, c.team_id, c.name, ch.kind, ch.value"
        " from contact_channel ch"
        f" join customer c on c.id = ch.customer_id where ({clause})"
        " and c.deleted_at is null and c.id <> ? order by c.id",
        (*(x for pair in wanted for x in pair), exclude_id or 0))
    return [_match(actor, r[0], (r[1], r[2]), r[3], r[4], r[5]) for r in rows]


def check_contact_duplicates(actor: Actor, values: Iterable[tuple[str, str]], *,
                             exclude_id: int | None = None) -> None:
    """Raise Duplicate when a phone or e-mail (or account) is already on another record."""
    matches = contact_matches(actor, values, exclude_id=exclude_id)
    if matches:
        raise Duplicate("customer.duplicate", matches)


def similar_names(actor: Actor, name: str, company: str | None, *,
                  exclude_id: int | None = None) -> list[DuplicateMatch]:
    """Customers at the same company whose name is close to ``name``."""
    if not company:
        return []
    rows = fetch_all(
        "select c.id, c.owner_id, c.team_id, c.name from customer c"
        " join company co on co.id = c.company_id"
        " where co.name_norm = ? and c.deleted_at is null and c.id <> ?",
        (normalise_text(company), exclude_id or 0))
    scored = [(name_similarity(name, other), cid, (owner, team), other)
              for cid, owner, team, other in rows]
    found = [_match(actor, cid, seen_by, other, SIMILAR_NAME, company, score)
             for score, cid, seen_by, other in scored if score >= SIMILAR_NAME_SCORE]
    return sorted(found, key=lambda m: -m.score)


def name_similarity(first: str, second: str) -> float:
    """0-100: how alike two names are, in writing or in sound (王小明 and 王小名 sound alike)."""
    written = fuzz.ratio(normalise_text(first), normalise_text(second))
    spoken_first, spoken_second = "".join(name_pinyin(first)), "".join(name_pinyin(second))
    spoken = fuzz.ratio(spoken_first, spoken_second) if spoken_first and spoken_second else 0
    return max(written, spoken)


def check_similar_name(actor: Actor, name: str, company: str | None) -> None:
    """Raise Duplicate (code customer.similar) for a close name at the same company."""
    matches = similar_names(actor, name, company)
    if matches:
        raise Duplicate("customer.similar", matches)


@dataclass(frozen=True)
class DuplicateGroup:
    reason: str  # phone, email, ... or similar_name
    value: str
    customer_ids: tuple[int, ...]
    names: tuple[str, ...]


def scan_duplicates(actor: Actor, *, limit: int = 200) -> list[DuplicateGroup]:
    """Groups of likely duplicates over the whole database, for cleaning up."""
    require(actor, Action.MERGE)
    scope = scope_of(actor)
    by_contact = _same_contact_groups(scope, limit)
    # The same people found again by their names adds nothing: each group is listed once.
    found = [set(group.customer_ids) for group in by_contact]
    by_name = [group for group in _similar_name_groups(scope, limit)
               if not any(set(group.customer_ids) <= ids for ids in found)]
    return (by_contact + by_name)[:limit]


def _visible_clause(scope: Scope | None) -> tuple[str, tuple]:
    return scope.sql() if scope else ("", ())


def _same_contact_groups(scope: Scope | None, limit: int) -> list[DuplicateGroup]:
    clause, params = _visible_clause(scope)
    kinds = ", ".join(f"'{k}'" for k in DUPLICATE_KINDS)
    rows = fetch_all(
        "select ch.kind, ch.value, c.id, c.name from contact_channel ch"
        " join customer c on c.id = ch.customer_id"
        f" where c.deleted_at is null and ch.kind in ({kinds}){clause}"
        " and exists (select 1 from contact_channel o join customer oc on oc.id = o.customer_id"
        " where o.kind = ch.kind and o.value = ch.value and o.customer_id <> ch.customer_id"
        " and oc.deleted_at is null) order by ch.kind, ch.value, c.id", params)
    grouped: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for kind, value, customer_id, name in rows:
        grouped[(kind, value)].append((customer_id, name))
    return [DuplicateGroup(kind, value, tuple(i for i, _ in members), tuple(n for _, n in members))
            for (kind, value), members in list(grouped.items())[:limit] if len(members) > 1]


def told_apart_pairs() -> set[tuple[int, int]]:
    """Pairs (lower id first) someone said are not duplicates by their similar names
    (crm.customers.dismissals): the scan does not group them by name."""
    return {(first, second) for first, second in fetch_all(
        "select first_id, second_id from duplicate_dismissal where reason = ?",
        (SIMILAR_NAME,))}


def _similar_name_groups(scope: Scope | None, limit: int) -> list[DuplicateGroup]:
    clause, params = _visible_clause(scope)
    rows = fetch_all(
        "select co.name, c.id, c.name from customer c"
        " join company co on co.id = c.company_id"
        f" where c.deleted_at is null{clause} and c.company_id in (select company_id"
        " from customer where deleted_at is null and company_id is not null"
        " group by company_id having count(*) between 2 and 500)"
        " order by c.company_id, c.id", params)
    by_company: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for company, customer_id, name in rows:
        by_company[company].append((customer_id, name))
    groups = []
    apart = told_apart_pairs()
    for company, people in by_company.items():
        for cluster in _clusters(people, apart):
            groups.append(DuplicateGroup(SIMILAR_NAME, company,
                                         tuple(p[0] for p in cluster),
                                         tuple(p[1] for p in cluster)))
            if len(groups) >= limit:
                return groups
    return groups


def _clusters(people: list[tuple[int, str]],
              apart: set[tuple[int, int]]) -> list[list[tuple[int, str]]]:
    """People whose names are close, grouped (each person in at most one cluster); a pair
    told ``apart`` is not grouped together."""
    used: set[int] = set()
    clusters = []
    for i, first in enumerate(people):
        if first[0] in used:
            continue
        cluster = [first] + [p for p in people[i + 1:] if p[0] not in used
                             and (min(first[0], p[0]), max(first[0], p[0])) not in apart
                             and name_similarity(first[1], p[1]) >= SIMILAR_NAME_SCORE]
        if len(cluster) > 1:
            used.update(p[0] for p in cluster)
            clusters.append(cluster)
    return clusters


def merge_customers(actor: Actor, keep_id: int, other_id: int, *,
                    now: dt.datetime | None = None) -> int:
    """Move everything of ``other_id`` onto ``keep_id`` atomically; returns ``keep_id``.

    The merged record stays (marked merged, hidden), so old links open the survivor and its
    former name still finds it.
    """
    from crm.customers.load import require_visible
    from crm.customers.write import reindex

    require(actor, Action.MERGE)
    if keep_id == other_id:
        raise ValidationError("customer.merge_self", field="customer")
    now = now or utcnow()
    with database.atomic():
        keep = require_visible(actor, keep_id)
        other = require_visible(actor, other_id)
        snapshot = _snapshot(other_id)
        _move_channels(keep_id, other_id)
        _move_tags(keep_id, other_id)
        _move_secrets(keep_id, other_id)
        filled = _fill_blanks(keep, other)
        _demote_moved_primary_addresses(keep_id, other_id)
        _hand_over_merged_work(actor, keep, other, now)
        if "owner" in filled:  # the survivor had no owner and takes the merged record's
            record_owner_changes(actor, [(keep_id, None, other.owner_id)], now, MERGE)
        _mark_origin(other_id)
        for table, column in CUSTOMER_REFERENCES:
            database.execute_sql(sql(f"update {table} set {column} = ? where {column} = ?"),
                                 (keep_id, other_id))
        database.execute_sql(sql("update customer set merged_into_id = ? where merged_into_id = ?"),
                             (keep_id, other_id))
        database.execute_sql(sql("update customer set merged_into_id = ?, deleted_at = ?,"
                                 " deleted_by_id = ?, updated_at = ? where id = ?"),
                             (keep_id, now, actor.user_id, now, other_id))
        _refresh_last_interaction(keep_id)
        search.remove_document(other_id)
        record_event(keep_id, "merged", actor, now, snapshot)
        reindex(keep_id)
        audit.record(actor, "customer.merge", "customer", keep_id, customer_id=keep_id,
                     changes={"merged_from": [None, other_id]} | {
                         f"from.{k}": [None, v] for k, v in snapshot.items()} | filled, now=now)
        audit.record(actor, "customer.merged_into", "customer", other_id,
                     customer_id=other_id, changes={"merged_into": [None, keep_id]}, now=now)
    return keep_id


def _mark_origin(other_id: int) -> None:
    """The merged record's history and work say they came from there, so the survivor tells
    its own entries, deals, orders and tickets from the merged ones; rows the merged record got
    from an earlier merge keep the record they first belonged to."""
    for table in MARKED_ORIGIN:
        database.execute_sql(sql(f"update {table} set merged_from_id = ? where customer_id = ?"
                                 " and merged_from_id is null"), (other_id, other_id))


def _hand_over_merged_work(actor: Actor, keep: Customer, other: Customer,
                           now: dt.datetime) -> None:
    """The merged record's open work goes to the survivor's owner (before the rows move, so
    what that person already held on the survivor stays theirs), audited under the survivor;
    the survivor's owner is told when work came from someone else's customer."""
    owner = keep.owner_id if keep.owner_id is not None else other.owner_id  # _fill_blanks
    work = hand_over_work(actor, [(other.id, other.owner_id, owner)], now,
                          recorded_under={other.id: keep.id})
    if work and owner is not None:
        tell_new_owner(actor, owner, "handover.merged", work, now, customer_id=keep.id, params={
            "customer_name": keep.name, "merged_name": other.name,
            "previous": staff_name(other.owner_id)})


def _snapshot(customer_id: int) -> dict:
    row = fetch_one("select name from customer where id = ?", (customer_id,))
    channels = fetch_all("select kind, value from contact_channel where customer_id = ?",
                         (customer_id,))
    return {"merged_id": customer_id, "name": row[0] if row else None,
            "channels": [[k, v] for k, v in channels]}


def _move_channels(keep_id: int, other_id: int) -> None:
    existing = set(fetch_all("select kind, value from contact_channel where customer_id = ?",
                             (keep_id,)))
    kinds = {k for k, _ in existing}
    for channel_id, kind, value in fetch_all(
            "select id, kind, value from contact_channel where customer_id = ?", (other_id,)):
        if (kind, value) in existing:
            database.execute_sql(sql("delete from contact_channel where id = ?"), (channel_id,))
            continue
        primary = kind not in kinds
        kinds.add(kind)
        database.execute_sql(sql("update contact_channel set customer_id = ?, is_primary = ?"
                                 " where id = ?"), (keep_id, primary, channel_id))


def _move_tags(keep_id: int, other_id: int) -> None:
    database.execute_sql(sql(
        "insert into customer_tag (customer_id, tag_id) select ?, tag_id from customer_tag"
        " where customer_id = ? and tag_id not in"
        " (select tag_id from customer_tag where customer_id = ?)"), (keep_id, other_id, keep_id))
    database.execute_sql(sql("delete from customer_tag where customer_id = ?"), (other_id,))


def _move_secrets(keep_id: int, other_id: int) -> None:
    database.execute_sql(sql(
        "update customer_secret set customer_id = ? where customer_id = ? and name not in"
        " (select name from customer_secret where customer_id = ?)"), (keep_id, other_id, keep_id))
    database.execute_sql(sql("delete from customer_secret where customer_id = ?"), (other_id,))


def _demote_moved_primary_addresses(keep_id: int, other_id: int) -> None:
    if fetch_one("select 1 from address where customer_id = ? and is_primary = ?",
                 (keep_id, True)):
        database.execute_sql(sql("update address set is_primary = ? where customer_id = ?"),
                             (False, other_id))


def _fill_blanks(keep: Customer, other: Customer) -> dict[str, list[Any]]:
    """Fields empty on the survivor take the merged record's values; notes are joined.
    Returns the survivor's changes as update_customer audits them: {field: [before, after]}."""
    changes = {}
    for name in ("gender", "birthday", "occupation", "source", "company_id", "owner_id"):
        if getattr(keep, name) is None and getattr(other, name) is not None:
            changes[name.removesuffix("_id")] = getattr(other, name)
    if other.notes and other.notes not in (keep.notes or ""):
        changes["notes"] = "\n".join(n for n in (keep.notes, other.notes) if n)
    if changes:
        type(keep).update(**changes).where(type(keep).id == keep.id).execute()
    return {name: [keep.notes if name == "notes" else None, value]
            for name, value in changes.items()}


def _refresh_last_interaction(customer_id: int) -> None:
    row = fetch_one("select max(occurred_at) from interaction where customer_id = ?",
                    (customer_id,))
    database.execute_sql(sql("update customer set last_interaction_at = ? where id = ?"),
                         (row[0] if row else None, customer_id))


def describe_merge(data: str | None) -> dict:
    """The snapshot kept with a merge event."""
    return json.loads(data) if data else {}


MAX_GROUP = 5  # customers compared and merged at once (a button carries their ids)


def compare_duplicates(actor: Actor, customer_ids: Iterable[int]) -> list[CustomerCard]:
    """The cards of a group of likely duplicates, side by side, to choose the one to keep.
    Each must still be visible and not merged away meanwhile (else NotFound)."""
    from crm.customers.load import load_card, require_visible

    require(actor, Action.MERGE)
    ids = group_ids(customer_ids)
    for customer_id in ids:
        _refuse_merged_away(actor, customer_id)
        require_visible(actor, customer_id)
    return [load_card(customer_id) for customer_id in ids]


def _refuse_merged_away(actor: Actor, customer_id: int) -> None:
    """AlreadyMerged for a record merged into one the actor may see (a merge button pressed
    again, or a group merged meanwhile by someone else): says where it went."""
    from crm.customers.load import require_visible

    merged = Customer.get_or_none(Customer.id == customer_id)
    if merged is None or merged.merged_into_id is None:
        return
    survivor = require_visible(actor, merged.merged_into_id)
    raise AlreadyMerged("customer.already_merged", survivor.id, id=customer_id,
                        name=merged.name, into_name=survivor.name)


@dataclass(frozen=True)
class MergedGroup:
    """What a merge of duplicates did: the record kept and those merged into it."""

    keep_id: int
    keep_name: str
    merged: tuple[tuple[int, str], ...]  # (id, name) of each record merged away


def merge_duplicates(actor: Actor, keep_id: int, customer_ids: Iterable[int], *,
                     now: dt.datetime | None = None) -> MergedGroup:
    """Merge every other customer of the group ``customer_ids`` into ``keep_id``, one of
    them, in one transaction (all or none)."""
    ids = group_ids(customer_ids)
    if keep_id not in ids:
        raise ValidationError("customer.merge_group", field="customer", max=MAX_GROUP)
    cards = compare_duplicates(actor, ids)
    now = now or utcnow()
    with database.atomic():
        for card in cards:
            if card.id != keep_id:
                merge_customers(actor, keep_id, card.id, now=now)
    keep = next(card for card in cards if card.id == keep_id)
    return MergedGroup(keep.id, keep.name,
                       tuple((card.id, card.name) for card in cards if card.id != keep_id))


def group_ids(customer_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(customer_ids))
    if not 2 <= len(ids) <= MAX_GROUP:
        raise ValidationError("customer.merge_group", field="customer", max=MAX_GROUP)
    return ids
