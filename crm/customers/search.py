"""One search box for everything: names (Chinese, Latin, pinyin), phone digits, e-mail,
company, tag. Ranked exact, then prefix, then anywhere; limited to what the actor may see.
A name with its record number ("张伟 #42", what the card's 📤 Share types) finds that one record."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import lru_cache

import phonenumbers

from crm import runtime
from crm.actors import Actor
from crm.customers.load import summaries
from crm.customers.views import CustomerSummary, Page
from crm.errors import ValidationError
from crm.permissions import Action, require
from crm.search_terms import ParsedQuery, parse_query, record_reference
from crm.validation import normalise_phone
from crm.visibility import Scope, can_see, scope_of
from storage import search
from storage.database import bytewise, fetch_all, fetch_one
from storage.search import Filter

MAX_LIMIT = 50
MAX_BATCHES = 4  # bounded: a pathological query must not scan everything
FILTER_BATCHES = 2
FILTER_OVERSCAN = 4  # an agent sees a fraction of the hits: look at more at once
Arm = Callable[[ParsedQuery, Scope | None], tuple[str, tuple] | None]


def search_customers(actor: Actor, text: str, *, offset: int = 0,
                     limit: int = 10) -> Page[CustomerSummary]:
    """A page of customers matching ``text``, best matches first."""
    require(actor, Action.READ)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    reference = record_reference(text)
    named = _referenced(actor, *reference) if reference is not None else []
    if named:
        return Page(tuple(summaries(named[offset:offset + limit])), offset, False)
    query = parse_query(text)
    if query.empty:
        return Page((), offset, False)
    scope = scope_of(actor)
    wanted = offset + limit + 1
    found = dict.fromkeys(_exact_tiers(query, scope, wanted))
    for tier in (_indexed_tokens, _indexed_prefix):
        if len(found) >= wanted:
            break
        for customer_id in tier(query, scope, wanted + len(found)):
            found.setdefault(customer_id)
    ids = list(found)
    return Page(tuple(summaries(ids[offset:offset + limit])), offset, len(ids) > offset + limit)


def _referenced(actor: Actor, name: str, customer_id: int) -> list[int]:
    """The one customer a reference ("张伟 #42") names, when it bears that name and the actor
    may see it; else none, and the text is searched as any other."""
    row = fetch_one("select name_norm, owner_id, team_id from customer where id = ?"
                    " and deleted_at is null and merged_into_id is null", (customer_id,))
    if row is None or row[0] != name or not can_see(actor, row[1], row[2]):
        return []
    return [customer_id]


def _exact_tiers(query: ParsedQuery, scope: Scope | None, wanted: int) -> list[int]:
    """Exact name, exact contact, exact company, tag, then name prefix (B-tree look-ups), in
    that order, in one statement.

    Each tier reads at most twice ``wanted``: a tier is only needed while the earlier ones
    found fewer than ``wanted``, so this gives the same page as asking tier by tier.
    """
    arms, params = [], []
    for tier, arm in enumerate(EXACT_TIERS):
        built = arm(query, scope)
        if built is not None:
            arms.append(f"select {tier} as tier, id, sort_key from ({built[0]} limit ?) t{tier}")
            params += [*built[1], 2 * wanted]
    rows = fetch_all(f"select id from ({' union all '.join(arms)}) tiers"
                     f" order by tier, {bytewise('sort_key')}, id desc", tuple(params))
    return [r[0] for r in rows]


def _scope_sql(scope: Scope | None) -> tuple[str, tuple]:
    return scope.sql() if scope else ("", ())


def _exact_name(query: ParsedQuery, scope: Scope | None) -> tuple[str, tuple]:
    clause, params = _scope_sql(scope)
    return ("select c.id, '' as sort_key from customer c where c.name_norm = ?"
            f" and c.deleted_at is null{clause} order by c.id desc", (query.text, *params))


def _contact_values(query: ParsedQuery) -> list[str]:
    values = [query.text]
    region = runtime.config()["phone_region"]
    if query.digits and (query.text.startswith("+") or
                         len(query.digits) >= _shortest_number(region)):
        with contextlib.suppress(ValidationError):
            values.append(normalise_phone(query.text, region))
    return values


@lru_cache
def _shortest_number(region: str) -> int:
    """The fewest digits a number dialled within ``region`` can have (CN: 7): the last 4
    digits people search by are no phone number, and parsing them costs more than the
    search itself."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    lengths = metadata.general_desc.possible_length if metadata is not None else ()
    return min(lengths or (0,))


def _exact_contact(query: ParsedQuery, scope: Scope | None) -> tuple[str, tuple] | None:
    if " " in query.text and not query.digits:
        return None
    values = _contact_values(query)
    clause, params = _scope_sql(scope)
    return ("select distinct c.id, '' as sort_key from contact_channel ch"
            " join customer c on c.id = ch.customer_id"
            " where ch.kind in ('phone', 'email', 'wechat', 'qq', 'telegram', 'whatsapp', 'other')"
            f" and ch.value in ({', '.join('?' * len(values))}) and c.deleted_at is null{clause}"
            " order by c.id desc", (*values, *params))


def _exact_company(query: ParsedQuery, scope: Scope | None) -> tuple[str, tuple]:
    clause, params = _scope_sql(scope)
    return ("select c.id, '' as sort_key from customer c where c.company_id in"
            " (select id from company where name_norm = ?) and c.deleted_at is null"
            f"{clause} order by c.id desc", (query.text, *params))


def _exact_tag(query: ParsedQuery, scope: Scope | None) -> tuple[str, tuple]:
    clause, params = _scope_sql(scope)
    return ("select c.id, '' as sort_key from customer_tag ct"
            " join customer c on c.id = ct.customer_id"
            " where ct.tag_id = (select id from tag where name_norm = ?) and c.deleted_at is null"
            f"{clause} order by ct.customer_id desc", (query.text, *params))


def _name_prefix(query: ParsedQuery, scope: Scope | None) -> tuple[str, tuple]:
    clause, params = _scope_sql(scope)
    column = bytewise("c.name_norm")
    return (f"select c.id, c.name_norm as sort_key from customer c where {column} > ?"
            f" and {column} < ? and c.deleted_at is null{clause}"
            f" order by {column}, c.id desc",
            (query.text, query.text + "\U0010ffff", *params))


EXACT_TIERS: tuple[Arm, ...] = (_exact_name, _exact_contact, _exact_company, _exact_tag,
                                _name_prefix)


def _indexed_tokens(query: ParsedQuery, scope: Scope | None, need: int) -> list[int]:
    return _verified(query, scope, need, prefix_last=False)


def _indexed_prefix(query: ParsedQuery, scope: Scope | None, need: int) -> list[int]:
    if not query.prefix:
        return []
    return _verified(query, scope, need, prefix_last=True)


def _verified(query: ParsedQuery, scope: Scope | None, need: int, *,
              prefix_last: bool) -> list[int]:
    """Index matches whose text really contains the query (bigram and digit-window AND can
    match pieces that are not adjacent), fetched in batches until enough.

    A scope is first applied as a condition on the hits (cheap when the actor sees a good
    share of the customers); if that yields too little, the index intersects with the scope's
    tokens instead (cheap when the actor sees few).
    """
    tokens = list(query.tokens)
    if prefix_last:
        tokens[-1] = query.prefix
    found: list[int] = []
    after: int | None = None
    batch = max(need, 20) * (FILTER_OVERSCAN if scope else 1)
    if scope is None and not query.checks:
        batch = need  # every hit counts: read no more than needed
    filters = [None] if scope is None else [
        Filter(condition=scope.sql()[0], params=scope.sql()[1]), Filter(tokens=scope.tokens())]
    for attempt, current in enumerate(filters):
        rounds = FILTER_BATCHES if current is not None and attempt == 0 else MAX_BATCHES
        for _ in range(rounds):
            result = search.match(tokens, prefix_last=prefix_last, scope=current, limit=batch,
                                  after_id=after, with_text=bool(query.checks))
            hits = [cid for cid, hay in result.rows
                    if all(check in hay for check in query.checks)]
            found += _named_with(hits, query.short_numbers) if query.short_numbers else hits
            after = result.last_id if result.last_id is not None else after
            if len(found) >= need or result.exhausted:
                return found
            batch *= 2
    return found


_NAMED_WITH = ("(c.name_norm like ? or co.name_norm like ?"
               " or exists (select 1 from customer_tag ct join tag t on t.id = ct.tag_id"
               "  where ct.customer_id = c.id and t.name_norm like ?)"
               " or exists (select 1 from customer m where m.merged_into_id = c.id"
               "  and m.name_norm like ?))")


def _named_with(ids: list[int], numbers: tuple[str, ...]) -> list[int]:
    """Those of ``ids`` whose name, a merged record's name, company or a tag holds each of
    ``numbers`` (the index cannot tell those tokens from a contact's)."""
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    patterns = [f"%{number}%" for number in numbers for _ in range(4)]
    rows = fetch_all(
        "select c.id from customer c left join company co on co.id = c.company_id"
        f" where c.id in ({marks}) and {' and '.join([_NAMED_WITH] * len(numbers))}",
        (*ids, *patterns))
    kept = {row[0] for row in rows}
    return [cid for cid in ids if cid in kept]
