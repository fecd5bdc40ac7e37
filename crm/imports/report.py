"""The rows an import could not take, as a spreadsheet to fix and send again: the original
columns as they were, plus the row number and the reason in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from crm.imports.plan import Problem, RejectedRow
from crm.spreadsheets import workbook_bytes

Reason = Callable[[Problem], str]  # a problem in words (the interface translates)


def rejects_workbook(headers: Sequence[str], rejects: Sequence[RejectedRow], reason: Reason, *,
                     row_title: str = "row", reason_title: str = "reason",
                     sheet_title: str = "Rejected") -> bytes:
    """An XLSX with the file's own header, then each rejected row with its reasons (one line
    each, the first found first)."""
    width = max([len(headers), *(len(r.cells) for r in rejects)])
    columns = [*headers, *[""] * (width - len(headers)), row_title, reason_title]

    def rows():
        for item in sorted(rejects, key=lambda r: r.problem.row):
            cells = list(item.cells) + [None] * (width - len(item.cells))
            yield [*(None if c == "" else c for c in cells), item.problem.row,
                   "\n".join(reason(p) for p in (item.problem, *item.more))]

    return workbook_bytes([(sheet_title, columns, rows())])
