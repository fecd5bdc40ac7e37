"""Words of imports and exports that the chat and the command line share: why a row was not
imported, the report of those rows, column headings and coded values in files."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.audit_text import wording
from bot.i18n import catalogue, codes_named, listed, t
from crm import exports, imports
from crm.config import LOCALES
from crm.imports import Problem, RejectedRow
from crm.privacy_sheets import SheetWords
from crm.spreadsheets import file_name_part

# Where each export kind's statuses are worded (a kind without one has no status filter).
STATUS_GROUPS = {"customers": "export.value.status", "deals": "export.value.deal_status",
                 "orders": "export.value.order_status", "tickets": "export.value.ticket_status"}
KIND_GROUP = "export.column"
# Coded values of the privacy export already worded elsewhere; the others are under
# export.value.<group>.
FILE_FILTERS_MAX = 60  # characters of the filters in a file's name
_PRIVACY_VALUES = {"payment_method": "payment.method", "assignment_reason": "timeline.assignment",
                   "consent_channel": "more.channel", "address": "details.address"}


@dataclass(frozen=True)
class Unclear:
    """An export kind or status as typed that names nothing, or several things: the message
    (catalogue key), and the codes to offer instead, worded by ``group``."""

    key: str
    word: str
    codes: tuple[str, ...]
    group: str
    kind: str | None = None  # the export kind, for a status


def problem_text(locale: str, problem: Problem, *, html_escape: bool = True) -> str:
    """Why a row was not imported, naming the column when one is to blame."""
    message = t(locale, problem.code, html_escape=html_escape, **problem.params)
    if problem.column:
        column = html.escape(problem.column) if html_escape else problem.column
        return t(locale, "imports.in_column", html_escape=False, column=column, message=message)
    return message


def rejects_file(locale: str, headers: Sequence[str], rejects: Sequence[RejectedRow]) -> bytes:
    """The rows not imported as XLSX, each with its reason in ``locale``."""
    return imports.rejects_workbook(
        headers, rejects, lambda p: problem_text(locale, p, html_escape=False),
        row_title=t(locale, "imports.report_row", html_escape=False),
        reason_title=t(locale, "imports.report_reason", html_escape=False),
        sheet_title=t(locale, "imports.report_sheet", html_escape=False))


def header_of(locale: str) -> Callable[[str], str]:
    """Column headings (and sheet titles) of export files in ``locale``."""
    return lambda field: t(locale, f"export.column.{field}", html_escape=False)


def value_of(locale: str) -> Callable[[str, str], str]:
    """Coded values (statuses, kinds) in ``locale``; unknown codes as they are."""
    words = catalogue(locale)
    return lambda what, code: words.get(f"export.value.{what}.{code}", code)


def privacy_words(locale: str) -> SheetWords:
    """The privacy export's sheet titles, headings, coded values and audit log in ``locale``."""
    words = catalogue(locale)

    def value(group: str, code: str) -> str:
        return words.get(f"{_PRIVACY_VALUES.get(group, 'export.value.' + group)}.{code}", code)

    return SheetWords(header=header_of(locale), value=value, locale=locale,
                      audit=wording(locale, t(locale, "cli.audit.erased", html_escape=False)))


def export_named(locale: str, kind: str, status: str | None
                 ) -> tuple[str, str | None] | Unclear:
    """The export kind and status codes a user typed (``/export 客户 status=线索``, ``crm
    export 商机 --status 赢单``), read in their ``locale``, else in the other languages;
    Unclear when either names nothing or several things."""
    kinds = exports.export_kinds()
    found = named_in(locale, (KIND_GROUP,), kind, kinds)
    if len(found) != 1:
        key = "exports.ambiguous_kind" if found else "exports.unknown_kind"
        return Unclear(key, kind, tuple(found or kinds), KIND_GROUP)
    code = found[0]
    if not status:
        return code, status
    statuses, group = exports.export_statuses(code), STATUS_GROUPS.get(code, "")
    if not statuses:
        return Unclear("exports.no_status", status, (), group, code)
    named = named_in(locale, (group,), status, statuses)
    if len(named) != 1:
        key = "exports.ambiguous_status" if named else "exports.unknown_status"
        return Unclear(key, status, tuple(named or statuses), group, code)
    return code, named[0]


def named_in(locale: str, groups: tuple[str, ...], word: str,
             codes: Sequence[str]) -> list[str]:
    """What ``word`` names in the user's ``locale``, else in the first other language where it
    names anything (城市 → city for an English speaker)."""
    for language in (locale, *(other for other in LOCALES if other != locale)):
        found = codes_named(language, groups, word, codes)
        if found:
            return found
    return []


def unclear_text(locale: str, unclear: Unclear, *, html_escape: bool = True) -> str:
    """What to tell the user about an Unclear kind or status, with the names to pick from."""
    names = listed(locale, (t(locale, f"{unclear.group}.{code}", html_escape=False)
                            for code in unclear.codes))
    kind = t(locale, f"{KIND_GROUP}.{unclear.kind}", html_escape=False) if unclear.kind else ""
    return t(locale, unclear.key, html_escape=html_escape, word=unclear.word, names=names,
             kind=kind)


def export_filters(locale: str, result: exports.ExportResult) -> list[str]:
    """The filters an export was narrowed to, each in words (标签 VIP, 状态 线索)."""
    chosen = result.filters
    status = t(locale, f"{STATUS_GROUPS[result.kind]}.{chosen.status}", html_escape=False) \
        if chosen.status and result.kind in STATUS_GROUPS else chosen.status
    shown = {"tag": chosen.tag, "owner": result.owner_name, "status": status,
             "since": chosen.since, "until": chosen.until}
    return [t(locale, f"exports.filter.{key}", html_escape=False, value=value)
            for key, value in shown.items() if value]


def export_caption(locale: str, kind: str, result: exports.ExportResult) -> str:
    """The message sent with an export: its kind, rows and filters (HTML, values escaped)."""
    parts = export_filters(locale, result)
    filters = t(locale, "exports.filters", html_escape=False,
                filters=listed(locale, parts)) if parts else ""
    return t(locale, "exports.caption", kind=kind, count=result.rows, filters=filters)


def export_file_name(locale: str, kind: str, result: exports.ExportResult, day: str) -> str:
    """An export's file name in ``locale``, telling files of other filters apart:
    客户（标签 VIP、状态 线索）-2026-11-27.csv; safe on every system."""
    parts = export_filters(locale, result)
    filters = ""
    if parts:
        words = file_name_part(listed(locale, parts))
        if len(words) > FILE_FILTERS_MAX:
            words = words[:FILE_FILTERS_MAX - 1].rstrip() + "…"
        filters = t(locale, "exports.file_filters", html_escape=False, filters=words)
    return f"{file_name_part(kind)}{filters}-{day}.{result.format}"
