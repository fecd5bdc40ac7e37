"""Words of imports and exports that the chat and the command line share: why a row was not
imported, the report of those rows, column headings and coded values in files."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from bot.i18n import catalogue, t
from crm import imports
from crm.imports import Problem, RejectedRow


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
