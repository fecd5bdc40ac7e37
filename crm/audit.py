"""The append-only audit log: who did what, when, through which interface, to which record.

Details about a customer (before and after values) are sealed with a key of that customer's own,
so erasing the customer destroys the key and the details with it, while the log itself stays
append-only (the database refuses updates and deletes of its rows).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import secrets
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from decimal import Decimal, InvalidOperation
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crm import runtime
from crm.actors import Actor
from crm.clock import as_datetime, utcnow
from crm.localtime import day_start_utc, local_naive, local_now, zone_of
from crm.paging import Page
from crm.permissions import Action, require
from storage import bulk
from storage.database import database, fetch_all, fetch_one, insert, sql

CHANGED = "(changed)"  # what the log shows for an encrypted field instead of its values
# What stands, in a merge entry, for the merged record's details once that customer is erased
# (readers word it as their other erased details).
ERASED = "(erased)"
MERGED_SNAPSHOT = "from"  # the group of a merge entry's fields holding the merged record's details
SYSTEM_NAME = "system"  # the name entries of the system actor (the command line, a job) carry
_NONCE = 12
# A moment inside an entry's changes, as the log writes it: "2026-01-15 02:30:00" (a datetime
# turned into text), "2026-01-15T02:30:00Z" (a backup manifest's), always UTC. A bare date is a
# calendar day, not a moment, and is left as it is.
_STORED_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")

# Every action the log records. Admins read each in their own language (the interfaces'
# catalogues have words for all of them: a test checks), so a new action is added here first.
ACTIONS = frozenset({
    "assignment.configure", "assignment.rule_add", "assignment.rule_move",
    "assignment.rule_remove",
    "audit.export",
    "backup.created", "backup.failed", "backup.pruned", "backup.restored",
    "company.update",
    "consent.record",
    "customer.address_add", "customer.address_remove", "customer.bulk_hand_over",
    "customer.bulk_tag", "customer.bulk_untag", "customer.channel_add",
    "customer.channel_remove", "customer.create", "customer.delete", "customer.merge",
    "customer.merged_into", "customer.not_duplicates", "customer.restore", "customer.reveal",
    "customer.secret_set",
    "customer.tags", "customer.update",
    "deal.create", "deal.delete", "deal.move", "deal.restore", "deal.update",
    "import.apply", "import.cancel", "import.preview",
    "interaction.create",
    "invite.create",
    "kb.create", "kb.delete", "kb.edit",
    "keys.rotate_started", "keys.rotated",
    "lead.assign",
    "order.create", "order.lines", "order.status", "order.update",
    "payment.record", "payment.void",
    "pipeline.create",
    "privacy.erase", "privacy.export",
    "product.create", "product.update",
    "reminder.cancel", "reminder.create", "reminder.update",
    "report.run",
    "stage.add", "stage.archive", "stage.probability", "stage.rename", "stage.reorder",
    "stage.restore",
    "team.create",
    "ticket.assign", "ticket.create", "ticket.priority", "ticket.reply",
    "ticket.reply_taken_back", "ticket.status",
    "user.add", "user.deactivate", "user.join_by_invite", "user.reactivate", "user.reassign",
    "user.role", "user.team",
})


# What a field's stored value is, so an interface can word it: by record kind first (one name
# holds different things in different records: a customer's status is not an order's), then
# by the field alone, then by the group of a grouped field (consent.sms). Values of a field
# not listed read as they are stored (names, texts, numbers).
MONEY_MINOR = "money_minor"  # an amount in whole minor units of the currency (12550: 125.50)
MONEY = "money"  # an amount as decimal text ("125.50")
# Why background work failed (crm.failures): a message's code with its parameters, or, in
# older entries, the code alone; worded as the failure's own message.
FAILURE = "failure"
VALUE_KINDS: dict[tuple[str | None, str], str] = {
    (None, "role"): "role",
    (None, "active"): "yes_no", (None, "archived"): "yes_no", (None, "voided"): "yes_no",
    ("customer", "status"): "customer_status", ("customer", "gender"): "gender",
    ("customer", "method"): "consent_method", ("customer", "consent"): "consent",
    ("customer", "reason"): "assignment_reason", ("customer", "field"): "field",
    ("deal", "lost_reason"): "lost_reason", ("deal", "amount_minor"): MONEY_MINOR,
    ("interaction", "kind"): "interaction",
    ("kb_article", "status"): "kb_status",
    ("lead_assignment_setting", "mode"): "assignment_mode",
    ("lead_assignment_rule", "field"): "field",
    ("payment", "method"): "payment_method", ("payment", "amount"): MONEY,
    ("pipeline_stage", "kind"): "stage_kind",
    ("product", "unit_price_minor"): MONEY_MINOR,
    ("reminder", "repeat"): "repeat",
    ("report", "kind"): "report", ("report", "reach"): "reach",
    ("backup", "reason"): "backup_reason", ("backup", "error"): FAILURE,
    ("export", "format"): "export_format",
    ("sales_order", "status"): "order_status",
    **{("sales_order", f"{part}_minor"): MONEY_MINOR
       for part in ("subtotal", "discount", "total", "paid")},
    ("ticket", "status"): "ticket_status", ("ticket", "priority"): "priority",
    ("ticket", "channel"): "ticket_channel",
    **{(None, name): "staff" for name in (
        "owner", "owner_id", "to_owner_id", "assignee", "assignee_id", "fallback_owner",
        "fallback_owner_id", "recorded_by_id", "staff_id")},
    ("audit_log", "user_id"): "staff",  # an export of the log: whose actions it held
    (None, "team"): "team", (None, "team_id"): "team",
    (None, "customer_id"): "customer", (None, "deal_id"): "deal",
    (None, "company"): "company", (None, "company_id"): "company",
    **{(None, name): "customer" for name in ("merged_from", "merged_into", "merged_id",
                                             "not_duplicate_of")},
    # a deal's stage: its id since stages have names in both languages; older entries hold
    # its English name
    ("deal", "stage_id"): "stage", ("deal", "stage"): "stage",
}
# Kinds of value that are another record's id, shown by that record's name with the id
# (张伟 (#3)): the table and the column holding the name (a stage's: one per language).
REFERENCES: dict[str, tuple[str, str]] = {
    "staff": ("staff_user", "name"), "team": ("team", "name"),
    "customer": ("customer", "name"), "deal": ("deal", "title"),
    "company": ("company", "name"), "stage": ("pipeline_stage", "name_zh, name_en"),
}
# A looked-up name: text, a stage's (Chinese, English) names, or None for an erased customer.
Name = str | tuple[str, str] | None
# Records whose amounts are in their own currency (the table holds it).
# record kinds whose amounts carry their own currency; each is also its table's name
_CURRENCY_TABLES = frozenset({"deal", "payment", "product", "sales_order"})


# Kinds of value that depend on the action, not the record: an export's status filter holds
# the statuses of the kind exported (crm.exports registers them with each kind).
ACTION_VALUE_KINDS: dict[tuple[str, str], str] = {}


def register_value_kind(action: str, field: str, kind: str) -> None:
    """Say what ``field`` holds in entries of ``action`` (a kind of ``VALUE_KINDS``)."""
    ACTION_VALUE_KINDS[(action, field)] = kind


def value_kind(entity: str, field: str, action: str = "") -> str | None:
    """What the values of ``field`` in an entry about an ``entity`` are (``VALUE_KINDS``)."""
    if (action, field) in ACTION_VALUE_KINDS:
        return ACTION_VALUE_KINDS[(action, field)]
    group, _, member = field.partition(".")
    for key in ((entity, field), (None, field), (entity, group), (entity, member),
                (None, member)):
        if key in VALUE_KINDS:
            return VALUE_KINDS[key]
    return None


EXPORT_ACTION = "export."  # + the kind: kinds of export are pluggable, their actions too


class UnknownAction(UserWarning):
    """An entry was written with an action missing from ``ACTIONS``: admins would read its
    code instead of words (the test suite turns this warning into a failure)."""


def _known(action: str) -> str:
    if action not in ACTIONS and not action.startswith(EXPORT_ACTION):
        warnings.warn(f"audit action {action!r} is not in crm.audit.ACTIONS", UnknownAction,
                      stacklevel=3)
    return action


def diff(before: dict[str, Any], after: dict[str, Any],
         hidden: frozenset[str] = frozenset()) -> dict[str, list[Any]]:
    """Fields whose value differs: {field: [before, after]}; hidden fields only say so."""
    changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old != new:
            changes[field] = [CHANGED, CHANGED] if field in hidden else [old, new]
    return changes


def record(actor: Actor, action: str, entity: str, entity_id: int | None = None, *,
           customer_id: int | None = None, changes: dict[str, Any] | None = None,
           now: dt.datetime | None = None) -> None:
    """Append one entry (inside the caller's transaction, so it commits with the change)."""
    _known(action)
    payload = json.dumps(changes, ensure_ascii=False, default=str).encode() if changes else None
    sealed = bool(payload and customer_id)
    if sealed:
        payload = _seal(_customer_key(customer_id, create=True), payload)
    insert("audit_log", {
        "at": now or utcnow(), "actor_id": actor.user_id,
        "actor_name": actor.name or SYSTEM_NAME, "channel": str(actor.channel),
        "action": action, "entity": entity, "entity_id": entity_id, "customer_id": customer_id,
        "changes": payload, "sealed": sealed})


def seal_new_customers(changes: Iterable[dict[str, Any]]) -> list[tuple[bytes, bytes]]:
    """For bulk writes: per customer not yet stored, a fresh key (wrapped under the installation
    key, set up once) and ``changes`` sealed with it, as ``record`` would seal them."""
    runtime.encrypt("")  # picks up a key another process rotated in, as each encrypt would
    keys: list[bytes] = []
    sealed: list[bytes] = []
    for item in changes:
        key = AESGCM.generate_key(bit_length=256)
        keys.append(key)
        sealed.append(_seal(key, json.dumps(item, ensure_ascii=False, default=str).encode()))
    wrapped = runtime.keyring().encrypt_many(base64.b64encode(k).decode() for k in keys)
    return list(zip(wrapped, sealed, strict=True))


def record_new_customers(actor: Actor, action: str,
                         entries: Iterable[tuple[int, bytes, bytes]],
                         now: dt.datetime) -> int:
    """Append one entry per new customer from ``seal_new_customers`` output, given as
    (customer id, wrapped key, sealed changes), in bulk inside the caller's transaction."""
    _known(action)
    keys: list[tuple[int, bytes]] = []
    rows: list[tuple] = []
    name, channel = actor.name or SYSTEM_NAME, str(actor.channel)
    for customer_id, wrapped, sealed in entries:
        keys.append((customer_id, wrapped))
        rows.append((now, actor.user_id, name, channel, action, "customer", customer_id,
                     customer_id, sealed, True))
    bulk.insert_rows("customer_key", ("customer_id", "key_enc"), keys)
    return bulk.insert_rows("audit_log", (
        "at", "actor_id", "actor_name", "channel", "action", "entity", "entity_id",
        "customer_id", "changes", "sealed"), rows)


def record_for_customers(actor: Actor, entries: Sequence[tuple[str, int, dict[str, Any]]],
                         now: dt.datetime) -> int:
    """Append (action, customer id, changes) entries about existing customers in bulk, each
    sealed with its customer's key as ``record`` seals it (inside the caller's transaction)."""
    for action in {action for action, _, _ in entries}:
        _known(action)
    ids = sorted({customer_id for _, customer_id, _ in entries})
    keys: dict[int, bytes] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = fetch_all("select customer_id, key_enc from customer_key where customer_id in"
                         f" ({', '.join('?' * len(chunk))})", tuple(chunk))
        keys |= {cid: base64.b64decode(runtime.decrypt(bytes(key))) for cid, key in rows}
    for customer_id in ids:
        if customer_id not in keys:
            keys[customer_id] = _customer_key(customer_id, create=True)  # type: ignore[assignment]
    name, channel = actor.name or SYSTEM_NAME, str(actor.channel)
    return bulk.insert_rows("audit_log", (
        "at", "actor_id", "actor_name", "channel", "action", "entity", "entity_id",
        "customer_id", "changes", "sealed"),
        [(now, actor.user_id, name, channel, action, "customer", customer_id, customer_id,
          _seal(keys[customer_id], json.dumps(changes, ensure_ascii=False,
                                              default=str).encode()), True)
         for action, customer_id, changes in entries])


def _seal(key: bytes, data: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, data, None)


def _unseal(key: bytes, blob: bytes) -> bytes:
    return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], None)


def _customer_key(customer_id: int, *, create: bool) -> bytes | None:
    """The customer's own key (wrapped under the installation key), made on first use."""
    row = fetch_one("select key_enc from customer_key where customer_id = ?", (customer_id,))
    if row is not None:
        return base64.b64decode(runtime.decrypt(bytes(row[0])))
    if not create:
        return None
    key = AESGCM.generate_key(bit_length=256)
    wrapped = runtime.encrypt(base64.b64encode(key).decode())
    database.execute_sql(sql("insert into customer_key (customer_id, key_enc) values (?, ?)"),
                         (customer_id, wrapped))
    return key


def forget_customer_key(customer_id: int) -> None:
    """Destroy a customer's key: their sealed audit details become unreadable for good."""
    database.execute_sql(sql("delete from customer_key where customer_id = ?"), (customer_id,))


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    channel: str
    action: str
    entity: str
    entity_id: int | None
    customer_id: int | None
    changes: dict[str, Any] | None
    erased: bool  # the details belonged to a customer who has since been erased
    currency: str | None = None  # the record's currency, for its amounts (deal, order...)
    # The names of the records its changes refer to by id ((kind, id) → name); None for a
    # customer erased since, whose name must not come back through the log.
    names: Mapping[tuple[str, int | str], Name] = dataclass_field(default_factory=dict)


def changes_of(action: str, entity: str, entity_id: int, *,
               customer_id: int) -> list[dict[str, Any]]:
    """The changes of every entry of ``action`` about one record of a customer, oldest first:
    for a service to learn what was done before where the record itself keeps no trace (not
    for reading the log, which is the admins'); details erased with the customer are left
    out. The customer narrows the search to their entries (an index has them)."""
    rows = fetch_all(
        "select id, at, actor_id, actor_name, channel, action, entity, entity_id, customer_id,"
        " changes, sealed from audit_log where customer_id = ? and action = ? and entity = ?"
        " and entity_id = ? order by at, id", (customer_id, action, entity, entity_id))
    return [entry.changes for entry in map(_entry, rows) if isinstance(entry.changes, dict)]


def require_reader(actor: Actor) -> None:
    """Refuse anyone who may not read the log (checked before starting long exports)."""
    require(actor, Action.AUDIT)


def list_audit(actor: Actor, *, user_id: int | None = None, customer_id: int | None = None,
               since: dt.date | None = None, until: dt.date | None = None,
               offset: int = 0, limit: int = 20) -> Page[AuditEntry]:
    """Entries newest first, filtered by staff user, customer and days (local days of the
    actor, ``until`` excluded); admins only."""
    require(actor, Action.AUDIT)
    where, params = _filters(actor, user_id, customer_id, since, until)
    rows = fetch_all(
        "select id, at, actor_id, actor_name, channel, action, entity, entity_id, customer_id,"
        f" changes, sealed from audit_log{where} order by at desc, id desc limit ? offset ?",
        (*params, limit + 1, offset))
    entries = tuple(_readable(_with_names(_with_currencies([_entry(r) for r in rows[:limit]]))))
    return Page(entries, offset, len(rows) > limit)


def iter_audit(actor: Actor, *, user_id: int | None = None, customer_id: int | None = None,
               since: dt.date | None = None, until: dt.date | None = None,
               batch: int = 1000):
    """Every matching entry, oldest first, for exports (admins only)."""
    require(actor, Action.AUDIT)
    where, params = _filters(actor, user_id, customer_id, since, until)
    last = 0
    while True:
        joiner = " and" if where else " where"
        rows = fetch_all(
            "select id, at, actor_id, actor_name, channel, action, entity, entity_id,"
            f" customer_id, changes, sealed from audit_log{where}{joiner} id > ?"
            " order by id limit ?", (*params, last, batch))
        yield from _readable(_with_names(_with_currencies([_entry(r) for r in rows])))
        if len(rows) < batch:
            return
        last = rows[-1][0]


def export_audit(actor: Actor, *, user_id: int | None = None, customer_id: int | None = None,
                 since: dt.date | None = None, until: dt.date | None = None):
    """Every matching entry for a file export; the export itself is recorded first."""
    require(actor, Action.AUDIT)
    filters = {"user_id": user_id, "customer_id": customer_id, "since": since, "until": until}
    with database.atomic():
        record(actor, "audit.export", "audit_log", changes={
            k: [None, v if _is_id(v) else str(v)] for k, v in filters.items()
            if v is not None} or None)
    return iter_audit(actor, **filters)


AUDIT_HEADERS = ("at", "user", "via", "action", "code", "record", "id", "customer", "changes")


@dataclass(frozen=True)
class Wording:
    """The reader's words for what the log stores as codes (an interface fills it from its
    catalogues); by default the codes themselves."""

    action: Callable[[str], str] = str
    channel: Callable[[str], str] = str
    entity: Callable[[str], str] = str
    # A changed field's label: (field, record kind), since one name may mean different things
    # in different records (a payment's method, a consent's method).
    field: Callable[[str, str], str] = lambda name, entity: name
    # A stored value of a kind in ``VALUE_KINDS``: (kind, value, currency or None); amounts
    # come as Decimal with the kind ``MONEY``.
    value: Callable[[str, Any, str | None], Any] = lambda kind, value, currency: value
    system: str = SYSTEM_NAME
    erased: str = "(erased)"
    erased_customer: str = "(erased customer)"  # stands for the name of an erased customer
    locale: str = "en"  # the reader's language, for names kept in both (a stage's)

    def name(self, name: Name) -> str:
        """A looked-up record's name for this reader."""
        if name is None:
            return self.erased_customer
        if isinstance(name, tuple):
            return name[1] if self.locale.startswith("en") else name[0]
        return name

    def actor(self, entry: AuditEntry) -> str:
        """Who acted: a staff member's name, or the system in the reader's words."""
        if entry.actor_id is None and entry.actor_name == SYSTEM_NAME:
            return self.system
        return entry.actor_name

    def fields(self, changes: dict[str, Any], entity: str = "") -> dict[str, Any]:
        """``changes`` keyed by each field's words; a field worded like one before it in the
        same entry keeps its code beside the words, so neither is lost."""
        worded: dict[str, Any] = {}
        for name, value in changes.items():
            label = self.field(name, entity)
            worded[f"{label} ({name})" if label in worded else label] = value
        return worded


CODES = Wording()


def stored_moment(value: Any) -> dt.datetime | None:
    """The naive UTC moment a value in an entry's changes stands for, else None."""
    if not isinstance(value, str) or not _STORED_MOMENT.fullmatch(value):
        return None
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def local_changes(changes: Any, timezone: str) -> Any:
    """An entry's changes with every moment in ``timezone``, its UTC offset written beside
    it (2026-01-15 10:30:00 +08:00), as the entry's own time is shown: no reader mistakes a
    reminder's due time for UTC."""
    if isinstance(changes, dict):
        return {key: local_changes(value, timezone) for key, value in changes.items()}
    if isinstance(changes, list):
        return [local_changes(value, timezone) for value in changes]
    moment = stored_moment(changes)
    if moment is None:
        return changes
    local = local_now(timezone, moment.replace(microsecond=0))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def changes_json(entry: AuditEntry, timezone: str, words: Wording = CODES) -> str:
    """An entry's changes as one JSON text (files, the terminal): fields in the reader's
    ``words``, moments in ``timezone``; details erased with their customer say so."""
    if entry.erased:
        return words.erased
    if not entry.changes:
        return ""
    changes = local_changes(shown_changes(entry, words), timezone)
    if isinstance(changes, dict):
        changes = words.fields(changes, entry.entity)
    return json.dumps(changes, ensure_ascii=False, default=str)


# Fields holding a list of items, not a [before, after] pair: shown as one value listing them
# all (old keys removed: a, b, c), never read as "a → b" with the rest lost; an empty list is
# left out.
ITEM_LISTS = {("keys.rotated", "old_keys_dropped"), ("keys.rotated", "old_keys_kept")}


# A coded value that stands for words typed beside it, as the record's card shows it: a deal
# lost for the reason "other" reads as its note (why it was lost, in the seller's words).
TYPED_INSTEAD = {("deal", "lost_reason", "other"): "lost_note"}


def shown_changes(entry: AuditEntry, words: Wording = CODES) -> Any:
    """An entry's changes, still keyed by field, with the values of every field listed in
    ``VALUE_KINDS`` in the reader's ``words``: coded values worded, amounts as money in the
    currency they were in (the entry's own change of currency, else the record's); a code
    in ``TYPED_INSTEAD`` as the words typed for it."""
    if not isinstance(entry.changes, dict):
        return entry.changes
    old_currency, new_currency = _currencies(entry)
    shown: dict[str, Any] = {}
    changes = _typed_instead(entry)
    for field, value in changes.items():
        kind = value_kind(entry.entity, field, entry.action)
        if (entry.action, field) in ITEM_LISTS and isinstance(value, list):
            if value:
                shown[field] = [None, ", ".join(str(item) for item in value)]
        elif is_erased_snapshot(field, value):
            shown[field] = [None, words.erased]
        elif kind is None:
            shown[field] = value
        elif kind in REFERENCES:
            shown[field] = _references(entry, words, kind, value)
        elif isinstance(value, list) and len(value) == 2:
            shown[field] = [_shown_value(words, kind, value[0], old_currency),
                            _shown_value(words, kind, value[1], new_currency)]
        else:
            shown[field] = _shown_value(words, kind, value, new_currency)
    return shown


def _typed_instead(entry: AuditEntry) -> dict[str, Any]:
    """The entry's changes with each code of ``TYPED_INSTEAD`` replaced by the words typed
    beside it in the same entry (then not listed twice); a code without them stays."""
    changes = dict(entry.changes)
    for (entity, field, code), typed in TYPED_INSTEAD.items():
        pair, words = changes.get(field), changes.get(typed)
        if entity != entry.entity or not isinstance(pair, list) or not isinstance(words, list):
            continue
        replaced = [_Typed(text) if value == code and text else value
                    for value, text in zip(pair, words, strict=False)]
        if any(isinstance(value, _Typed) for value in replaced):
            changes[field] = replaced
            del changes[typed]
    return changes


class _Typed(str):
    """Words typed in place of a code: shown as they are, never worded as a code."""


def _references(entry: AuditEntry, words: Wording, kind: str, value: Any) -> Any:
    """Ids of other records (alone or as a before/after pair) by name with the id."""
    if isinstance(value, list):
        return [_references(entry, words, kind, item) for item in value]
    if kind == "stage" and isinstance(value, str):  # an older entry's English stage name
        return words.name(entry.names[(kind, value)]) if (kind, value) in entry.names \
            else value
    if not _is_id(value):
        return value
    if (kind, value) not in entry.names:  # a record gone for good: its id is all there is
        return f"#{value}"
    return f"{words.name(entry.names[(kind, value)])} (#{value})"


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _currencies(entry: AuditEntry) -> tuple[str | None, str | None]:
    """The currency of an entry's amounts before and after it."""
    pair = (entry.changes or {}).get("currency")
    if isinstance(pair, list) and len(pair) == 2:
        old, new = pair
        return old or new or entry.currency, new or old or entry.currency
    return entry.currency, entry.currency


def _shown_value(words: Wording, kind: str, value: Any, currency: str | None) -> Any:
    if value is None or value == CHANGED or isinstance(value, _Typed):
        return str(value) if isinstance(value, _Typed) else value
    if kind not in (MONEY, MONEY_MINOR):
        return words.value(kind, value, currency)
    amount = _amount(kind, value, currency)
    return value if amount is None else words.value(MONEY, amount, currency)


def _amount(kind: str, value: Any, currency: str | None) -> Decimal | None:
    """An amount as Decimal; whole minor units in the currency's places (two when the
    currency is unknown, as for most currencies)."""
    from crm.sales.money import MINOR_UNITS  # sales builds on the log

    try:
        if kind == MONEY:
            return Decimal(str(value))
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return Decimal(value).scaleb(-MINOR_UNITS.get(currency or "", 2))
    except InvalidOperation:
        return None


def export_rows(actor: Actor, *, words: Wording = CODES, **filters: Any) -> Iterator[tuple]:
    """The rows of a file export (``AUDIT_HEADERS``), oldest first: actions, channels,
    records and fields in the reader's ``words`` (the action's code beside it, to filter on),
    the times in the actor's time zone like every other export (those inside the changes
    too, with their offset); the export is recorded first."""
    zone = zone_of(actor)
    for entry in export_audit(actor, **filters):
        yield (local_naive(entry.at, zone), words.actor(entry), words.channel(entry.channel),
               words.action(entry.action), entry.action, words.entity(entry.entity),
               entry.entity_id, entry.customer_id, changes_json(entry, zone, words))


def export_audit_xlsx(actor: Actor, *, progress=None, header: Any = str,
                      words: Wording = CODES, **filters: Any) -> bytes:
    """The matching entries as a spreadsheet, oldest first; ``progress(done, total)``;
    ``header`` puts a column's name (``AUDIT_HEADERS``, and "audit" for the sheet) in the
    reader's language, ``words`` the entries' codes."""
    from crm.spreadsheets import workbook_bytes

    require(actor, Action.AUDIT)
    where, params = _filters(actor, filters.get("user_id"), filters.get("customer_id"),
                             filters.get("since"), filters.get("until"))
    total = fetch_one(f"select count(*) from audit_log{where}", params)[0]

    def rows():
        for done, row in enumerate(export_rows(actor, words=words, **filters), start=1):
            if progress and (done % 500 == 0 or done == total):
                progress(done, total)
            yield row

    return workbook_bytes([(header("audit"), [header(name) for name in AUDIT_HEADERS],
                            rows())])


def _filters(actor: Actor, user_id: int | None, customer_id: int | None,
             since: dt.date | None, until: dt.date | None) -> tuple[str, tuple]:
    zone = zone_of(actor)
    parts, params = [], []
    for column, operator, value in (
            ("actor_id", "=", user_id), ("customer_id", "=", customer_id),
            ("at", ">=", since and day_start_utc(since, zone)),
            ("at", "<", until and day_start_utc(until, zone))):
        if value is not None:
            parts.append(f"{column} {operator} ?")
            params.append(value)
    return (" where " + " and ".join(parts) if parts else ""), tuple(params)


def _with_currencies(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Entries about records with amounts (deals, orders...), each with its record's
    currency, looked up once per kind of record for the whole batch."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.entity in _CURRENCY_TABLES and entry.entity_id is not None and entry.changes:
            wanted.setdefault(entry.entity, set()).add(entry.entity_id)
    found: dict[tuple[str, int], str] = {}
    for entity, ids in wanted.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            rows = fetch_all(f"select id, currency from {entity} where id in"
                             f" ({', '.join('?' * len(chunk))})", tuple(chunk))
            found |= {(entity, row_id): code for row_id, code in rows}
    return [replace(e, currency=found.get((e.entity, e.entity_id or 0))) if e.entity in wanted
            else e for e in entries]


def _with_names(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Entries whose changes refer to other records by id (owners, teams, deals...), each
    with those records' names, looked up once per kind of record for the whole batch."""
    wanted: dict[str, set[int | str]] = {}
    for entry in entries:
        for kind, key in _referred(entry):
            wanted.setdefault(kind, set()).add(key)
    found: dict[tuple[str, int | str], Name] = {}
    for kind, keys in wanted.items():
        found |= _names(kind, sorted(k for k in keys if isinstance(k, int)))
        if kind == "stage":
            found |= _stages_by_english_name(sorted(k for k in keys if isinstance(k, str)))
    return [replace(e, names={ref: found[ref] for ref in _referred(e) if ref in found})
            if e.changes else e for e in entries]


def is_erased_snapshot(field: str, value: Any) -> bool:
    """Whether a merge entry's field stands for the details of a merged record since erased."""
    return field == MERGED_SNAPSHOT and value == [None, ERASED]


def _readable(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Entries as anyone may read them now: a merge keeps a copy of the merged record's
    details under the survivor (its own key), which must go when that customer is erased."""
    return [_merged_details_erased(e) if e.action == "customer.merge" else e for e in entries]


def _merged_details_erased(entry: AuditEntry) -> AuditEntry:
    """A merge entry with the merged record's details as erased once that record is."""
    merged = (entry.changes or {}).get("merged_from")
    merged_id = merged[-1] if isinstance(merged, list) and merged else None
    if not _is_id(merged_id) or entry.names.get(("customer", merged_id), "") is not None:
        return entry  # not erased (or gone for good with nothing to look up)
    prefix = MERGED_SNAPSHOT + "."
    kept = {k: v for k, v in (entry.changes or {}).items() if not k.startswith(prefix)}
    return replace(entry, changes=kept | {MERGED_SNAPSHOT: [None, ERASED]})


def _names(kind: str, ids: list[int]) -> dict[tuple[str, int | str], Name]:
    table, columns = REFERENCES[kind]
    erased = "erased_at" if table == "customer" else "null"
    found: dict[tuple[str, int | str], Name] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row_id, *names, gone in fetch_all(
                f"select id, {columns}, {erased} from {table} where id in"
                f" ({', '.join('?' * len(chunk))})", tuple(chunk)):
            found[(kind, row_id)] = None if gone else names[0] if len(names) == 1 \
                else (names[0], names[1])
    return found


def _stages_by_english_name(names: list[str]) -> dict[tuple[str, int | str], Name]:
    """Stages older entries recorded by their English name, with their names in both."""
    found: dict[tuple[str, int | str], Name] = {}
    for start in range(0, len(names), 500):
        chunk = names[start:start + 500]
        for name_zh, name_en in fetch_all(
                "select name_zh, name_en from pipeline_stage where name_en in"
                f" ({', '.join('?' * len(chunk))}) order by id desc", tuple(chunk)):
            found[("stage", name_en)] = (name_zh, name_en)  # the first stage of that name wins
    return found


def _referred(entry: AuditEntry) -> set[tuple[str, int | str]]:
    """(kind, id) of every record the entry's changes refer to by id (a stage's English name
    in older entries)."""
    if not isinstance(entry.changes, dict):
        return set()
    found = set()
    for name, value in entry.changes.items():
        kind = value_kind(entry.entity, name, entry.action)
        if kind in REFERENCES:
            found |= {(kind, item) for item in (value if isinstance(value, list) else [value])
                      if _is_id(item) or (kind == "stage" and isinstance(item, str))}
    return found


def _entry(row: tuple) -> AuditEntry:
    changes, erased = None, False
    blob = bytes(row[9]) if row[9] is not None else None
    if blob is not None and row[10]:
        key = _customer_key(row[8], create=False)
        if key is None:
            erased = True
        else:
            try:
                changes = json.loads(_unseal(key, blob))
            except InvalidTag:
                erased = True
    elif blob is not None:
        changes = json.loads(blob)
    return AuditEntry(row[0], as_datetime(row[1]), row[2], row[3], row[4], row[5], row[6],
                      row[7], row[8], _ids_as_numbers(row[5], changes), erased)


# Filters older entries recorded as text ("3") though they hold ids: by action (any kind of
# export by its prefix) and field. Read as ids, they are named as new entries are.
_IDS_AS_TEXT = {EXPORT_ACTION: ("owner_id",), "audit.export": ("user_id", "customer_id")}


def _ids_as_numbers(action: str, changes: Any) -> Any:
    """An entry's changes with ids an older entry recorded as text as numbers, to be named;
    other text (a name typed as a filter) as it is."""
    if not isinstance(changes, dict):
        return changes
    fields = _IDS_AS_TEXT.get(EXPORT_ACTION if action.startswith(EXPORT_ACTION) else action, ())
    fixed = {name: [_as_id(v) for v in changes[name]] for name in fields
             if isinstance(changes.get(name), list)}
    return changes | fixed if fixed else changes


def _as_id(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() \
        else value
