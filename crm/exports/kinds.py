"""What can be exported: customers (with channels, addresses, tags and company), interactions,
deals and orders. Each kind reads in id order, a batch at a time, through the same visibility
rule as search; kinds register themselves, so later ones (tickets) plug in the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from zoneinfo import ZoneInfo

from crm import audit, runtime
from crm.actors import Actor
from crm.clock import as_date, as_datetime
from crm.customers.views import STATUSES
from crm.sales.access import visible_clause
from crm.sales.money import from_minor
from crm.sales.views import ORDER_STATUSES, STAGE_KINDS
from crm.search_terms import normalise_text
from crm.validation import format_phone
from crm.visibility import scope_of
from storage.database import bytewise, fetch_all, fetch_one

BATCH = 2_000
_UNKNOWN = object()
Value = Callable[[str, str], str]  # (what, code) → the code in the reader's words


@dataclass(frozen=True)
class Filters:
    """Optional narrowing; dates are local days, ``until`` included."""

    tag: str | None = None
    owner_id: int | None = None
    status: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


@dataclass(frozen=True)
class Query:
    """One export's reader: who, what they asked for, and how to show times and codes."""

    actor: Actor
    filters: Filters
    zone: ZoneInfo
    locale: str
    value: Value

    # The zone's offset from UTC per UTC day, None on a day it changes: two times a row
    # otherwise cost a full zone conversion each (a tenth of assembling a customer's row).
    _offsets: dict[object, dt.timedelta | None] = field(
        default_factory=dict, init=False, compare=False, repr=False)

    def local(self, stored: object) -> dt.datetime | None:
        """A stored UTC time as a naive local time to the second (what a cell shows)."""
        if stored is None:
            return None
        if stored.__class__ is str:  # SQLite's text: the seconds cut off before parsing
            # (datetime.replace parses keywords: it cost more than the rest of this)
            moment, day = dt.datetime.fromisoformat(stored[:19]), stored[:10]
        else:
            moment = as_datetime(stored).replace(tzinfo=None, microsecond=0)
            day = moment.date()
        offset = self._offsets.get(day, _UNKNOWN)
        if offset is _UNKNOWN:
            offset = self._offsets[day] = self._day_offset(moment.date())
        if offset is None:
            return self.zone.fromutc(moment.replace(tzinfo=self.zone)).replace(tzinfo=None)
        return moment + offset

    def _day_offset(self, day: dt.date) -> dt.timedelta | None:
        """The offset all through a UTC day, or None when it changes during the day."""
        try:
            start = dt.datetime.combine(day, dt.time(), self.zone)
            offsets = {self.zone.fromutc(moment).utcoffset()
                       for moment in (start, start + dt.timedelta(days=1, microseconds=-1))}
        except OverflowError:  # the first or last day a datetime can hold
            return None
        return offsets.pop() if len(offsets) == 1 else None

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The date filters as UTC instants: [since 00:00, the day after until 00:00)."""
        def utc(day: dt.date) -> dt.datetime:
            start = dt.datetime.combine(day, dt.time(), self.zone)
            return start.astimezone(dt.UTC).replace(tzinfo=None)

        since, until = self.filters.since, self.filters.until
        return (utc(since) if since else None,
                utc(until + dt.timedelta(days=1)) if until else None)


@dataclass(frozen=True)
class ExportKind:
    """An export: its columns (field names; interfaces label them), the status values its
    status filter takes, and how its rows are counted and read."""

    name: str
    columns: tuple[str, ...]
    statuses: tuple[str, ...]
    where: Callable[[Query], tuple[str, tuple]]  # FROM ... WHERE ... of the kind
    read: Callable[[Query, str, tuple], Iterator[Sequence[object]]]
    # What its statuses are in the audit log's terms (crm.audit.VALUE_KINDS), so the status
    # an export was narrowed to reads in words there.
    status_kind: str | None = None
    money: tuple[str, ...] = ()  # columns of amounts (Decimal): an XLSX file shows them as money
    # Columns of identifiers (phones, WeChat ids): text even when made only of digits, which
    # a CSV cell must say to Excel (crm.exports.writers.safe_csv_row).
    identifiers: tuple[str, ...] = ()

    def count(self, query: Query) -> int:
        clause, params = self.where(query)
        return int(fetch_one(f"select count(*) {clause}", params)[0])

    def rows(self, query: Query) -> Iterator[Sequence[object]]:
        clause, params = self.where(query)
        return self.read(query, clause, params)


REGISTRY: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> ExportKind:
    """Make a kind exportable (later features add theirs: tickets)."""
    REGISTRY[kind.name] = kind
    if kind.status_kind:
        audit.register_value_kind(audit.EXPORT_ACTION + kind.name, "status", kind.status_kind)
    return kind


def _common(query: Query, *, owner: str | None = None, status: str | None = None,
            moment: str | None = None) -> tuple[list[str], list]:
    """Conditions every kind shares: the tag of the customer, an owner, a status, dates."""
    parts: list[str] = []
    params: list = []
    filters = query.filters
    if filters.tag:
        parts.append("c.id in (select ct.customer_id from customer_tag ct"
                     " join tag t on t.id = ct.tag_id where t.name_norm = ?)")
        params.append(normalise_text(filters.tag))
    if filters.owner_id is not None and owner:
        parts.append(f"{owner} = ?")
        params.append(filters.owner_id)
    if filters.status and status:
        parts.append(f"{status} = ?")
        params.append(filters.status)
    since, until = query.bounds()
    for bound, operator in ((since, ">="), (until, "<")):
        if bound is not None and moment:
            parts.append(f"{moment} {operator} ?")
            params.append(bound)
    return parts, params


def _customer_scope(query: Query) -> tuple[str, tuple]:
    scope = scope_of(query.actor)
    return scope.sql("c") if scope else ("", ())


def _batches(query_sql: str, params: tuple, id_column: str) -> Iterator[list[tuple]]:
    """Rows in id order, BATCH at a time (keyset pages: each costs the same)."""
    last = 0
    while True:
        rows = fetch_all(f"{query_sql} and {id_column} > ? order by {id_column} limit ?",
                         (*params, last, BATCH))
        if rows:
            yield rows
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def _of(column: str, ids: Sequence[int]) -> tuple[str, tuple[int, ...]]:
    """A condition picking the rows of these customers (ascending ids, as a batch comes). A
    dense batch (most ids between its first and last are in it) is asked by range: a list of
    2,000 ids costs more to send and plan than the few rows of skipped customers it saves
    (which nobody then looks up)."""
    if ids[-1] - ids[0] < 2 * len(ids):
        return f"{column} between ? and ?", (ids[0], ids[-1])
    return f"{column} in ({', '.join('?' * len(ids))})", tuple(ids)


# Customers ---------------------------------------------------------------------------------

CUSTOMER_COLUMNS = (
    "id", "name", "gender", "birthday", "phone", "email", "wechat", "other_channels", "company",
    "industry", "occupation", "province", "city", "district", "street", "other_addresses",
    "tags", "owner", "status", "source", "notes", "created_at", "last_contact")


def _customers_where(query: Query) -> tuple[str, tuple]:
    scope, scope_params = _customer_scope(query)
    parts, params = _common(query, owner="c.owner_id", status="c.status",
                            moment="c.created_at")
    extra = "".join(f" and {p}" for p in parts)
    return ("from customer c left join company co on co.id = c.company_id"
            " left join staff_user s on s.id = c.owner_id"
            " where c.deleted_at is null and c.merged_into_id is null and c.erased_at is null"
            f"{scope}{extra}", (*scope_params, *params))


def _customers(query: Query, clause: str, params: tuple) -> Iterator[Sequence[object]]:
    select = ("select c.id, c.name, c.gender, c.birthday, co.name, co.industry, c.occupation,"
              " s.name, c.status, c.source, c.notes, c.created_at, c.last_interaction_at ")
    word, region, local = _memo(query.value), runtime.config()["phone_region"], query.local
    for batch in _batches(select + clause, params, "c.id"):
        ids = [r[0] for r in batch]
        channels, addresses = _channels(ids, region), _addresses(ids)
        tags = _tag_names(ids)
        for (customer_id, name, gender, birthday, company, industry, occupation, owner, status,
             source, notes, created, contacted) in batch:
            yield (customer_id, name, word("gender", gender) if gender else None,
                   as_date(birthday), *channels.get(customer_id, _NO_CHANNELS), company,
                   industry, occupation, *addresses.get(customer_id, _NO_ADDRESS),
                   tags.get(customer_id), owner, word("status", status), source, notes,
                   local(created), local(contacted))


# What a customer without channels or addresses shows: empty cells (None writes no cell at
# all, where "" would write an empty text cell; both read back as nothing).
_NO_CHANNELS = (None, None, None, None)
_NO_ADDRESS = (None, None, None, None, None)


def _memo(value: Value) -> Value:
    """``value`` remembered per (what, code): a few distinct codes, asked 100,000 times."""
    known: dict[tuple[str, str], str] = {}

    def word(what: str, code: str) -> str:
        found = known.get((what, code))
        if found is None:
            found = known[(what, code)] = value(what, code)
        return found
    return word


def _phone(e164: str, region: str) -> str:
    """Mainland numbers as dialled at home (138 0013 8000: the spaces also keep Excel from
    reading them as a number); others in the E.164 form they are stored in (formatting them
    costs a parse each, more than writing the cell)."""
    return format_phone(e164, region) if e164.startswith("+86") else e164


# Each batch's channels, addresses and tags become, per customer, a tuple of finished cells:
# tuples of text are immutable and hold no containers, so the garbage collector stops
# tracking them, where dicts of lists per customer made it sweep the whole heap every few
# thousand rows (a tenth of the export's time).

def _channels(ids: list[int], region: str) -> dict[int, tuple[str | None, ...]]:
    """Phones, e-mails, WeChat ids and every other channel as ``kind:value``, primary first."""
    found: dict[int, tuple[str | None, ...]] = {}
    condition, params = _of("customer_id", ids)
    rows = fetch_all(f"select customer_id, kind, value from contact_channel where {condition}"
                     " order by customer_id, is_primary desc, id", params)
    for customer_id, held in groupby(rows, itemgetter(0)):
        phones, emails, wechats, others = [], [], [], []
        for _, kind, value in held:
            if kind == "phone":
                phones.append(_phone(value, region))
            elif kind == "email":
                emails.append(value)
            elif kind == "wechat":
                wechats.append(value)
            else:
                others.append((kind, value))
        found[customer_id] = ("; ".join(phones) or None, "; ".join(emails) or None,
                              "; ".join(wechats) or None, _others(others))
    return found


def _others(held: list[tuple[str, str]]) -> str | None:
    """Other channels grouped by kind, kinds in the order they first come."""
    if not held:
        return None
    kinds = dict.fromkeys(kind for kind, _ in held)
    return "; ".join([f"{kind}:{value}" for each in kinds for kind, value in held
                      if kind == each])


def _addresses(ids: list[int]) -> dict[int, tuple[str | None, ...]]:
    """The primary address in its four columns, then the others, each on one line."""
    found: dict[int, tuple[str | None, ...]] = {}
    condition, params = _of("customer_id", ids)
    rows = fetch_all("select customer_id, province, city, district, street from address"
                     f" where {condition} order by customer_id, is_primary desc, id", params)
    for customer_id, held in groupby(rows, itemgetter(0)):
        first, *rest = held
        found[customer_id] = (*first[1:], " | ".join(
            [" ".join([p for p in place[1:] if p]) for place in rest]) or None if rest else None)
    return found


def _tag_names(ids: list[int]) -> dict[int, str]:
    condition, params = _of("ct.customer_id", ids)
    return {customer_id: ", ".join([name for _, name in held])
            for customer_id, held in groupby(fetch_all(
                "select ct.customer_id, t.name from customer_tag ct join tag t on t.id = ct.tag_id"
                f" where {condition} order by ct.customer_id, {bytewise('t.name')}", params),
                itemgetter(0))}


register(ExportKind("customers", CUSTOMER_COLUMNS, STATUSES, _customers_where, _customers,
                    "customer_status", identifiers=("phone", "email", "wechat")))


# Interactions ------------------------------------------------------------------------------

INTERACTION_COLUMNS = ("id", "customer_id", "customer", "kind", "direction", "occurred_at",
                       "staff", "summary", "outcome")


def _interactions_where(query: Query) -> tuple[str, tuple]:
    scope, scope_params = _customer_scope(query)
    parts, params = _common(query, owner="i.staff_id", moment="i.occurred_at")
    extra = "".join(f" and {p}" for p in parts)
    return ("from interaction i join customer c on c.id = i.customer_id"
            " left join staff_user s on s.id = i.staff_id"
            f" where c.deleted_at is null and c.erased_at is null{scope}{extra}",
            (*scope_params, *params))


def _interactions(query: Query, clause: str, params: tuple) -> Iterator[Sequence[object]]:
    select = ("select i.id, i.customer_id, c.name, i.kind, i.direction, i.occurred_at, s.name,"
              " i.summary, i.outcome ")
    for batch in _batches(select + clause, params, "i.id"):
        for r in batch:
            yield (r[0], r[1], r[2], query.value("interaction", r[3]),
                   query.value("direction", r[4]) if r[4] else None, query.local(r[5]),
                   r[6], r[7], r[8])


register(ExportKind("interactions", INTERACTION_COLUMNS, (), _interactions_where,
                    _interactions))


# Deals -------------------------------------------------------------------------------------

DEAL_COLUMNS = ("id", "title", "customer_id", "customer", "company", "owner", "stage",
                "deal_status", "amount", "currency", "expected_close", "source", "lost_reason",
                "created_at", "closed_at")


def _deals_where(query: Query) -> tuple[str, tuple]:
    visible, visible_params = visible_clause(query.actor, "d")
    parts, params = _common(query, owner="d.owner_id", status="st.kind",
                            moment="d.created_at")
    extra = "".join(f" and {p}" for p in parts)
    return ("from deal d join customer c on c.id = d.customer_id"
            " join pipeline_stage st on st.id = d.stage_id"
            " left join company co on co.id = d.company_id"
            " left join staff_user s on s.id = d.owner_id"
            f" where d.deleted_at is null and c.deleted_at is null{visible}{extra}",
            (*visible_params, *params))


def _deals(query: Query, clause: str, params: tuple) -> Iterator[Sequence[object]]:
    select = ("select d.id, d.title, d.customer_id, c.name, co.name, s.name, st.name_zh,"
              " st.name_en, st.kind, d.amount_minor, d.currency, d.expected_close, d.source,"
              " d.lost_reason, d.created_at, d.closed_at ")
    english = query.locale.startswith("en")
    for batch in _batches(select + clause, params, "d.id"):
        for r in batch:
            yield (r[0], r[1], r[2], r[3], r[4], r[5], r[7] if english else r[6],
                   query.value("deal_status", r[8]), from_minor(r[9], r[10]), r[10],
                   as_date(r[11]), r[12], query.value("lost_reason", r[13]) if r[13] else None,
                   query.local(r[14]), query.local(r[15]))


register(ExportKind("deals", DEAL_COLUMNS, STAGE_KINDS, _deals_where, _deals, "stage_kind",
                    money=("amount",)))


# Orders ------------------------------------------------------------------------------------

ORDER_COLUMNS = ("number", "customer_id", "customer", "order_status", "currency", "subtotal",
                 "discount", "total", "paid", "outstanding", "ordered_on", "owner",
                 "created_at")


def _orders_where(query: Query) -> tuple[str, tuple]:
    visible, visible_params = visible_clause(query.actor, "o")
    parts, params = _common(query, owner="o.owner_id", status="o.status")
    since, until = query.filters.since, query.filters.until
    parts += ["o.ordered_on >= ?"] * bool(since) + ["o.ordered_on <= ?"] * bool(until)
    params += [d for d in (since, until) if d]
    extra = "".join(f" and {p}" for p in parts)
    return ("from sales_order o join customer c on c.id = o.customer_id"
            " left join staff_user s on s.id = o.owner_id"
            f" where c.deleted_at is null{visible}{extra}", (*visible_params, *params))


def _orders(query: Query, clause: str, params: tuple) -> Iterator[Sequence[object]]:
    select = ("select o.id, o.number, o.customer_id, c.name, o.status, o.currency,"
              " o.subtotal_minor, o.discount_minor, o.total_minor, o.paid_minor, o.ordered_on,"
              " s.name, o.created_at ")
    for batch in _batches(select + clause, params, "o.id"):
        for r in batch:
            code = r[5]
            yield (r[1], r[2], r[3], query.value("order_status", r[4]), code,
                   from_minor(r[6], code), from_minor(r[7], code), from_minor(r[8], code),
                   from_minor(r[9], code), from_minor(r[8] - r[9], code), as_date(r[10]),
                   r[11], query.local(r[12]))


register(ExportKind("orders", ORDER_COLUMNS, ORDER_STATUSES, _orders_where, _orders,
                    "order_status",
                    money=("subtotal", "discount", "total", "paid", "outstanding")))
