"""Real spreadsheet files made in the tests: CSVs in the encodings Chinese Excel writes, and
workbooks with title rows, merged headers, numbers and dates as Excel stores them."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook


def csv_file(rows: Sequence[Sequence[object]], *, encoding: str = "utf-8",
             delimiter: str = ",") -> bytes:
    """A CSV as Excel saves it (``utf-8-sig`` adds the BOM, ``utf-16`` its BOM too)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows: Sequence[Sequence[object]], *, merges: Sequence[str] = (),
              sheet: str = "客户",
              before: Sequence[tuple[str, Sequence[Sequence[object]]]] = (),
              after: Sequence[tuple[str, Sequence[Sequence[object]]]] = ()) -> bytes:
    """A workbook whose sheet ``sheet`` holds ``rows`` (None leaves a cell empty), after the
    sheets ``before`` ((title, rows): a cover page, instructions) and before ``after``."""
    book = Workbook()
    book.remove(book.active)
    for title, cover in before:
        front = book.create_sheet(title)
        for row in cover:
            front.append(list(row))
    page = book.create_sheet(sheet)
    for row in rows:
        page.append(list(row))
    for cells in merges:
        page.merge_cells(cells)
    for title, others in after:
        back = book.create_sheet(title)
        for row in others:
            back.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_sheet(content: bytes) -> list[list[object]]:
    """Every row of the first sheet, as python-calamine reads it (empty cells are '')."""
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
