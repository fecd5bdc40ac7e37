"""An entry in the reader's words: codes worded, other records by name, amounts as money,
moments in the reader's time zone."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from crm.audit.entries import AuditEntry, _is_id, is_erased_snapshot
from crm.audit.kinds import ENTITY_REFERENCES, MONEY, MONEY_MINOR, REFERENCES, Name, value_kind
from crm.audit.recording import CHANGED, SYSTEM_NAME
from crm.localtime import local_now

# A moment inside an entry's changes, as the log writes it: "2026-01-15 02:30:00" (a datetime
# turned into text), "2026-01-15T02:30:00Z" (a backup manifest's), always UTC. A bare date is a
# calendar day, not a moment, and is left as it is.
_STORED_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")


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
    # A record of a kind without a name of its own, by what it is known by: (kind, that
    # name) → words (an invite by who made it: "invite from 李娜"); others by their name.
    reference: Callable[[str, str], str] = lambda kind, name: name

    def name(self, name: Name) -> str:
        """A looked-up record's name for this reader."""
        if name is None:
            return self.erased_customer
        if isinstance(name, tuple):
            return name[1] if self.locale.startswith("en") else name[0]
        return name

    def named(self, kind: str, name: Name) -> str:
        """A looked-up record as this reader knows it: by name, or by what stands for one."""
        shown = self.name(name)
        if kind == "invite":  # known by its maker, who may be the system
            return self.reference(kind, self.system if shown == SYSTEM_NAME else shown)
        return shown

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
    return f"{words.named(kind, entry.names[(kind, value)])} (#{value})"


# Fields of a backup's entries naming its file (a prune: the files removed).
BACKUP_FILES = ("file", "files")


def record_words(entry: AuditEntry, words: Wording = CODES) -> str:
    """The record an entry is about as a person knows it: its kind and name with the id
    (员工 李娜 (#2)), an erased customer as erased, an invite by who made it, a backup by its
    file; else its kind and id."""
    label = words.entity(entry.entity)
    kind = ENTITY_REFERENCES.get(entry.entity)
    if entry.entity_id is None:
        files = [pair[-1] for name in BACKUP_FILES
                 if isinstance(pair := (entry.changes or {}).get(name), list) and pair
                 and pair[-1]] if entry.entity == "backup" else []
        return f"{label} {files[0]}" if files else label
    if kind is None or (kind, entry.entity_id) not in entry.names:
        return f"{label} #{entry.entity_id}"
    name = entry.names[(kind, entry.entity_id)]
    if name is None or kind == "invite":  # the words say what it is
        return f"{words.named(kind, name)} (#{entry.entity_id})"
    return f"{label} {words.named(kind, name)} (#{entry.entity_id})"


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
