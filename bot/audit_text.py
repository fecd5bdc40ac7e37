"""The audit log in the reader's words, for the chat (/audit and its export) and the command
line (`crm audit`): actions, channels, records, the system and changed fields are named in the
reader's language; the action's code stays beside its words where an admin looks for it."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from bot.i18n import catalogue, money, t
from bot.render import clip
from crm.audit import (
    CHANGED,
    EXPORT_ACTION,
    FAILURE,
    MONEY,
    AuditEntry,
    Wording,
    shown_changes,
    stored_moment,
)
from crm.localtime import local_now

# Field names that only differ from a labelled one by how they are stored: owner_id is the
# owner, total_minor the total (in minor units).
_STORED_SUFFIXES = ("_id", "_minor")


# Where the catalogues word each kind of value of crm.audit.VALUE_KINDS (the group of keys
# ``<group>.<code>``); amounts and field names have their own rules below.
VALUE_GROUPS = {
    "assignment_mode": "audit.value.assignment_mode",
    "assignment_reason": "timeline.assignment",
    "backup_reason": "audit.value.backup_reason",
    "consent": "audit.value.consent",
    "consent_method": "audit.value.consent_method",
    "customer_status": "export.value.status",
    "export_format": "audit.value.export_format",
    "gender": "export.value.gender",
    "interaction": "export.value.interaction",
    "kb_status": "audit.value.kb_status",
    "lost_reason": "audit.value.lost_reason",
    "order_status": "export.value.order_status",
    "payment_method": "payment.method",
    "priority": "export.value.priority",
    "reach": "audit.value.reach",
    "repeat": "audit.value.repeat",
    "report": "reports.kind",
    "role": "role",
    "stage_kind": "export.value.deal_status",
    "ticket_channel": "export.value.ticket_channel",
    "ticket_status": "export.value.ticket_status",
    "yes_no": "audit.value.yes_no",
}
# Members of a group of fields worded by another catalogue group (consent.sms: the channel).
_MEMBER_GROUPS = {"consent": "more.channel"}


def action_words(locale: str, code: str) -> str:
    """What an action did (``customer.create`` → 新增客户); an action without words by its
    code, which at least can be looked up."""
    words = catalogue(locale)
    if f"audit.action.{code}" in words:
        return words[f"audit.action.{code}"]
    kind = code.removeprefix(EXPORT_ACTION)
    if kind != code:  # kinds of export are pluggable: the action is named after the kind
        return t(locale, "audit.export_of", html_escape=False,
                 kind=words.get(f"export.column.{kind}", kind))
    return code


def channel_words(locale: str, channel: str) -> str:
    """Through what the action came (bot, cli, api, job)."""
    return catalogue(locale).get(f"audit.channel.{channel}", channel)


def entity_words(locale: str, entity: str) -> str:
    """What kind of record the action was about (staff_user → 员工)."""
    return catalogue(locale).get(f"audit.entity.{entity}", entity)


@cache
def field_words(locale: str, name: str, entity: str = "") -> str:
    """A changed field's label: the one of its record kind where one name means different
    things (a consent's method is not a payment's), else the one errors and forms use
    (``field.*``), else the export column's; ``owner_id`` as the owner; ``channel.wechat`` as
    渠道·微信; else its name (a field nobody labelled yet)."""
    words = catalogue(locale)
    for key in (f"audit.field.{entity}.{name}", f"field.{name}", f"export.column.{name}"):
        if key in words:
            return words[key]
    # A group's member is labelled as a field of its own (from.merged_id: the merged record's
    # id), before a stored suffix is taken off the whole name (not 被合并的记录·merged).
    group, _, member = name.partition(".")
    if member:
        member_words = words.get(f"{_MEMBER_GROUPS.get(group)}.{member}")
        return t(locale, "audit.field_of", html_escape=False,
                 group=words.get(f"audit.group.{group}") or field_words(locale, group),
                 member=member_words or field_words(locale, member))
    for suffix in _STORED_SUFFIXES:
        if name.endswith(suffix):
            stem = field_words(locale, name.removesuffix(suffix))
            if stem != name.removesuffix(suffix):
                return stem
    return name


def value_words(locale: str, kind: str, value: Any, currency: str | None) -> Any:
    """A stored value of a field in ``crm.audit.VALUE_KINDS`` in the reader's words: a code
    by its catalogue group, an amount as money (its currency when known), a field's name by
    its label; a value the catalogue lacks as it is stored."""
    if kind == MONEY and isinstance(value, Decimal):
        return money(locale, value, currency) if currency else f"{value:,}"
    if kind == "field" and isinstance(value, str):
        return field_words(locale, value)
    if kind == FAILURE:
        return failure_words(locale, value)
    group = VALUE_GROUPS.get(kind)
    code = str(value).lower() if isinstance(value, bool) else str(value)
    return catalogue(locale).get(f"{group}.{code}", value) if group else value


def failure_words(locale: str, value: Any) -> Any:
    """Why something failed, as its message reads (a stored code, with its parameters when
    the entry kept them); a code without words as it is stored."""
    code, params = (value.get("code"), value.get("params") or {}) if isinstance(value, dict) \
        else (value, {})
    if not isinstance(code, str) or code not in catalogue(locale):
        return value
    return t(locale, code, html_escape=False, **params)


def action_with_code(locale: str, code: str) -> str:
    """An action's words with its code in brackets, to filter or search on (plain text)."""
    words = action_words(locale, code)
    return code if words == code else f"{words} [{code}]"


def wording(locale: str, erased: str) -> Wording:
    """Every code of the log in ``locale`` (plain text: files and the terminal); ``erased``
    stands for details erased with their customer."""
    return Wording(action=lambda code: action_words(locale, code),
                   channel=lambda channel: channel_words(locale, channel),
                   entity=lambda entity: entity_words(locale, entity),
                   field=lambda name, entity: field_words(locale, name, entity),
                   value=lambda kind, value, currency: value_words(locale, kind, value,
                                                                   currency),
                   system=t(locale, "notify.by_system", html_escape=False), erased=erased,
                   erased_customer=t(locale, "audit.erased_customer", html_escape=False),
                   locale=locale,
                   reference=lambda kind, name: t(locale, f"audit.reference.{kind}",
                                                  html_escape=False, name=name))


def _value(value: object, timezone: str, limit: int | None) -> str:
    """One audited value: none as —, a stored (UTC) moment in the reader's time zone, like
    every time shown to them."""
    if value is None:
        return "—"
    moment = stored_moment(value)
    if moment is not None:
        return local_now(timezone, moment).strftime("%Y-%m-%d %H:%M")
    return str(value) if limit is None else clip(str(value), limit)


def changes_line(locale: str, entry: AuditEntry, words: Wording, timezone: str = "UTC", *,
                 value_max: int | None = None) -> str:
    """An entry's changes in one line of plain text, as admins read them in the chat and at
    the terminal alike: "角色: 业务员 → 只读用户; 团队: — → 华东组 (#1)", fields by their labels,
    values in the reader's words (each cut to ``value_max`` characters when given), a sealed
    field's value hidden; details erased with their customer say so."""
    if entry.erased:
        return words.erased
    hidden = t(locale, "admin.audit_hidden", html_escape=False)
    parts = []
    for field, pair in (shown_changes(entry, words) or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        label = field_words(locale, field, entry.entity)
        if old == CHANGED:
            parts.append(f"{label}: {hidden}")
        elif old != new:
            parts.append(f"{label}: {_value(old, timezone, value_max)} → "
                         f"{_value(new, timezone, value_max)}")
    return "; ".join(parts)
