"""The audit log in the reader's words, for the chat (/audit and its export) and the command
line (`crm audit`): actions, channels, records, the system and changed fields are named in the
reader's language; the action's code stays beside its words where an admin looks for it."""

from __future__ import annotations

from functools import cache

from bot.i18n import catalogue, t
from crm.audit import EXPORT_ACTION, Wording

# Field names that only differ from a labelled one by how they are stored: owner_id is the
# owner, total_minor the total (in minor units).
_STORED_SUFFIXES = ("_id", "_minor")


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
def field_words(locale: str, name: str) -> str:
    """A changed field's label: the one errors and forms use (``field.*``), else the export
    column's; ``owner_id`` as the owner; ``channel.wechat`` as 渠道·微信; else its name (a
    field nobody labelled yet)."""
    words = catalogue(locale)
    for key in (f"field.{name}", f"export.column.{name}"):
        if key in words:
            return words[key]
    for suffix in _STORED_SUFFIXES:
        if name.endswith(suffix):
            stem = field_words(locale, name.removesuffix(suffix))
            if stem != name.removesuffix(suffix):
                return stem
    group, _, member = name.partition(".")
    if member:
        return t(locale, "audit.field_of", html_escape=False,
                 group=words.get(f"audit.group.{group}") or field_words(locale, group),
                 member=field_words(locale, member))
    return name


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
                   field=lambda name: field_words(locale, name),
                   system=t(locale, "notify.by_system", html_escape=False), erased=erased)
