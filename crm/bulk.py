"""Bulk actions on a filtered set of customers: a tag added to every one, a tag taken off, or
the whole set handed to another staff member with its open work.

The set is chosen by the filters a customers export takes (tag, owner, status, created between
two local days) over what the actor may see; an agent acts on the customers they own, even
where they may see more. Each action is one transaction of set-based statements: the customers
it would change are held in a temporary table, changed by a statement per table, audited each
on its own log (as the one-customer services audit them) and once as a whole with the filters
and counts. Running an action again changes nothing more: only customers still without the
tag, with it, or with another owner are chosen. The count the user confirmed is checked
before anything is written, so a set that grew or shrank meanwhile is not changed unseen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from crm import audit, exports
from crm.actors import Actor, Role
from crm.clock import utcnow
from crm.customers import inputs
from crm.customers.index import reindex_customers, tag_names
from crm.customers.write import tag_row
from crm.errors import Conflict, ValidationError
from crm.exports import Filters, logged_filter
from crm.handover import BULK, HandedOver, hand_over_customers, staff_name
from crm.permissions import Action, allows, require
from crm.search_terms import owner_token, tag_entry
from crm.users import check_can_own
from storage import bulk
from storage.database import database, fetch_all, fetch_one, sql

ADD_TAG, REMOVE_TAG, HAND_OVER = "add_tag", "remove_tag", "hand_over"
ACTIONS = (ADD_TAG, REMOVE_TAG, HAND_OVER)
_NEEDS = {ADD_TAG: Action.EDIT, REMOVE_TAG: Action.EDIT, HAND_OVER: Action.REASSIGN}
_AUDITED = {ADD_TAG: "customer.bulk_tag", REMOVE_TAG: "customer.bulk_untag",
            HAND_OVER: "customer.bulk_hand_over"}
STEP = 5_000  # customers audited and reindexed per step (progress, and bounded memory)
Progress = Callable[[int, int], None]

for _action in _AUDITED.values():  # the filter's status reads as a customer status in the log
    audit.register_value_kind(_action, "filter.status", "customer_status")


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action did: how many customers the filters chose, and how many of them it
    changed (the others already had the tag, lacked it, or had that owner)."""

    action: str
    matched: int
    changed: int
    tag: str | None = None  # the tag as stored
    owner_id: int | None = None
    owner_name: str | None = None
    # open deals, orders and reminders that followed a hand-over
    work: HandedOver = field(default_factory=HandedOver)


def bulk_actions(actor: Actor) -> tuple[str, ...]:
    """The bulk actions this actor may take (none: bulk actions are not for them)."""
    return tuple(action for action in ACTIONS if allows(actor, _NEEDS[action]))


def read_bulk_filters(actor: Actor, *, tag: str | None = None, owner: str | None = None,
                      status: str | None = None, since: str | None = None,
                      until: str | None = None) -> Filters:
    """The filters as typed (those of a customers export), checked."""
    require(actor, Action.EDIT)
    filters = exports.read_filters(tag=tag, owner=owner, status=status, since=since,
                                   until=until)
    exports.check_filters("customers", filters)
    return filters


@dataclass(frozen=True)
class BulkPreview:
    """What the filters choose, before anything is done: the filters read, how many
    customers they choose, and the actions the actor may take on them."""

    filters: Filters
    matched: int
    actions: tuple[str, ...]
    owner_name: str | None = None  # the owner filter's staff member
    own_only: bool = False  # an agent: only the customers they own are chosen


def preview(actor: Actor, **typed: str | None) -> BulkPreview:
    """The filters as typed (``read_bulk_filters``), how many customers they choose, and what
    the actor may do with them."""
    filters = read_bulk_filters(actor, **typed)
    return BulkPreview(filters, count_matching(actor, filters), bulk_actions(actor),
                       staff_name(filters.owner_id) if filters.owner_id else None,
                       actor.role is Role.AGENT)


def tag_name(actor: Actor, text: str) -> str:
    """A tag as typed for a bulk action, checked ('#' and spaces trimmed)."""
    require(actor, Action.EDIT)
    cleaned = inputs.tags([text])
    if not cleaned:
        raise ValidationError("validation.required", field="tags")
    return cleaned[0]


def count_matching(actor: Actor, filters: Filters) -> int:
    """How many customers the filters choose among those the actor may act on."""
    require(actor, Action.EDIT)
    clause, params = _selection(actor, filters)
    return int(fetch_one(f"select count(*) {clause}", params)[0])


def new_owner(actor: Actor, written: str | int) -> tuple[int, str]:
    """The staff member a set is to be handed to, by staff id (a button), or by Telegram
    id, @username or name as typed: (staff id, name); they must be active and work on
    customers."""
    require(actor, Action.REASSIGN)
    staff_id = written if isinstance(written, int) else exports.owner_named(written)
    if staff_id is None:
        raise ValidationError("validation.required", field="owner")
    check_can_own(staff_id)
    return staff_id, staff_name(staff_id)


def add_tag(actor: Actor, filters: Filters, tag: str, *, expected: int | None = None,
            progress: Progress | None = None, now: dt.datetime | None = None) -> BulkResult:
    """Tag every chosen customer (the tag is created on first use)."""
    return _change_tag(actor, filters, tag, False, expected, progress, now or utcnow())


def remove_tag(actor: Actor, filters: Filters, tag: str, *, expected: int | None = None,
               progress: Progress | None = None, now: dt.datetime | None = None) -> BulkResult:
    """Take a tag off every chosen customer that has it."""
    return _change_tag(actor, filters, tag, True, expected, progress, now or utcnow())


def hand_over(actor: Actor, filters: Filters, owner_id: int, *, expected: int | None = None,
              progress: Progress | None = None, now: dt.datetime | None = None) -> BulkResult:
    """Give every chosen customer to ``owner_id``; their open deals, orders and reminders
    follow (crm.handover) and the new owner is told once, with the counts."""
    require(actor, Action.REASSIGN)
    now = now or utcnow()
    with database.atomic():
        check_can_own(owner_id)
        clause, params, matched = _matching(actor, filters, expected)
        with bulk.held_selection(f"select c.id, c.owner_id {clause}"
                                 " and coalesce(c.owner_id, 0) <> ?", (*params, owner_id)) as held:
            moves = [(customer_id, previous, owner_id) for customer_id, previous in
                     fetch_all(f"select id, owner_id from {held} order by id")]
            database.execute_sql(sql(f"update customer set owner_id = ?, updated_at = ?"
                                     f" where id in (select id from {held})"), (owner_id, now))
            _refile_search(held, owner_id)
        _tell(progress, 1, 10)
        _audit_each(actor, now, progress, lambda chunk: [
            ("lead.assign", customer_id, {"owner_id": [previous, owner_id],
                                          "reason": [None, BULK]})
            for customer_id, previous, _ in chunk], moves)
        work = hand_over_customers(actor, moves, now, reason=BULK, code="handover.bulk")
        result = BulkResult(HAND_OVER, matched, len(moves), owner_id=owner_id,
                            owner_name=staff_name(owner_id),
                            work=work.get(owner_id, HandedOver()))
        _audit_whole(actor, result, filters, now, {"to_owner_id": [None, owner_id]})
    return result


def _change_tag(actor: Actor, filters: Filters, tag: str, remove: bool, expected: int | None,
                progress: Progress | None, now: dt.datetime) -> BulkResult:
    name = tag_name(actor, tag)
    action = REMOVE_TAG if remove else ADD_TAG
    with database.atomic():
        clause, params, matched = _matching(actor, filters, expected)
        tag_id, stored = _tag(name, now, create=not remove)
        ids: list[int] = []
        if tag_id is not None:
            ids = _write_tag(clause, params, (tag_id, stored), remove, now)
        _tell(progress, 1, 10)
        _audit_each(actor, now, progress, lambda chunk: _tag_entries(chunk, stored, remove), ids)
        if remove:  # the tag's words may also come from a name or company: entries rebuilt
            reindex_customers(ids)
        result = BulkResult(action, matched, len(ids), tag=stored)
        _audit_whole(actor, result, filters, now, {"tag": [None, stored]})
    return result


def _write_tag(clause: str, params: tuple, tag: tuple[int, str], remove: bool,
               now: dt.datetime) -> list[int]:
    """Link or unlink the tag (id, stored name) on the chosen customers that lack or have
    it; their ids."""
    tag_id, stored = tag
    has = "exists (select 1 from customer_tag ct where ct.customer_id = c.id and ct.tag_id = ?)"
    with bulk.held_selection(f"select c.id, c.owner_id {clause} and {'' if remove else 'not '}"
                             f"{has}", (*params, tag_id)) as held:
        ids = [row[0] for row in fetch_all(f"select id from {held} order by id")]
        if remove:
            database.execute_sql(sql(f"delete from customer_tag where tag_id = ?"
                                     f" and customer_id in (select id from {held})"), (tag_id,))
        else:
            database.execute_sql(sql(f"insert into customer_tag (customer_id, tag_id)"
                                     f" select id, ? from {held}"), (tag_id,))
            _add_to_search(held, stored)
        database.execute_sql(sql(f"update customer set updated_at = ?"
                                 f" where id in (select id from {held})"), (now,))
    return ids


def _tag(name: str, now: dt.datetime, *, create: bool) -> tuple[int | None, str]:
    """The tag's id and stored name (``vip`` finds VIP); made when ``create``, else None."""
    found = tag_row(name, now, create=create)
    return found if found else (None, name)


def _tag_entries(chunk: Sequence[int], stored: str,
                 remove: bool) -> list[tuple[str, int, dict[str, Any]]]:
    """Each customer's ``customer.tags`` entry, before and after, as ``add_tags`` writes it."""
    after = tag_names(chunk)
    entries = []
    for customer_id in chunk:
        now_held = after.get(customer_id, [])
        before = sorted([*now_held, stored]) if remove else [n for n in now_held if n != stored]
        entries.append(("customer.tags", customer_id,
                        audit.diff({"tags": before}, {"tags": now_held})))
    return entries


def _audit_each(actor: Actor, now: dt.datetime, progress: Progress | None,
                entries: Callable[[Sequence[Any]], list], items: Sequence[Any]) -> None:
    """Each changed customer's audit entry, worded by ``entries`` from ``items``, a step at
    a time."""
    for start in range(0, len(items), STEP):
        audit.record_for_customers(actor, entries(items[start:start + STEP]), now)
        _tell(progress, 1 + 9 * min(start + STEP, len(items)) // max(len(items), 1), 10)


def _add_to_search(held: str, tag: str) -> None:
    """The tag's words added to the search entries of the customers in ``held`` (by one
    statement: what ``reindex`` would add for it)."""
    terms, text = tag_entry(tag)
    database.execute_sql(sql(
        "update customer_search set terms = terms || ' ' || ?,"
        " haystack = case when haystack = '' then ? else haystack || ' | ' || ? end"
        f" where customer_id in (select id from {held})"), (terms, text, text))


def _refile_search(held: str, owner_id: int) -> None:
    """The search entries of the customers in ``held`` filed under their new owner: the old
    owner's token (``held`` keeps who it was) swapped for the new one's, by one statement."""
    prefix = owner_token(0).removesuffix("0")
    database.execute_sql(sql(
        "update customer_search set terms = trim(replace(' ' || terms || ' ',"
        f" (select ' ' || ? || coalesce(h.owner_id, 0) || ' ' from {held} h"
        "  where h.id = customer_search.customer_id), ?))"
        f" where customer_id in (select id from {held})"),
        (prefix, f" {owner_token(owner_id)} "))


def _selection(actor: Actor, filters: Filters) -> tuple[str, tuple]:
    """``from ... where ...`` of the customers the filters choose for this actor."""
    clause, params = exports.customer_selection(actor, filters)
    if actor.role is Role.AGENT:  # a mass change reaches only an agent's own book
        return f"{clause} and c.owner_id = ?", (*params, actor.user_id)
    return clause, params


def _matching(actor: Actor, filters: Filters,
              expected: int | None) -> tuple[str, tuple, int]:
    """The selection and how many it chooses, refused when that is not the count the user
    confirmed (the set changed since they saw it)."""
    clause, params = _selection(actor, filters)
    matched = int(fetch_one(f"select count(*) {clause}", params)[0])
    if expected is not None and matched != expected:
        raise Conflict("bulk.count_changed", expected=expected, count=matched)
    return clause, params, matched


def _audit_whole(actor: Actor, result: BulkResult, filters: Filters, now: dt.datetime,
                 what: dict[str, list[Any]]) -> None:
    """One entry for the whole action: what was done, to how many, chosen by which filters."""
    chosen = {f"filter.{name}": [None, logged_filter(value)]
              for name, value in vars(filters).items() if value is not None}
    audit.record(actor, _AUDITED[result.action], "customer", None, changes={
        **what, "customers": [None, result.changed], "matched": [None, result.matched],
        **chosen}, now=now)


def _tell(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)
