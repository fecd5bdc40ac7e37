"""Reading an uploaded file into rows of cells: XLSX/XLS/ODS through python-calamine, CSV in
UTF-8 (with or without BOM), UTF-16, GBK/GB18030 and the like, with , ; or tab between cells.

Excel files made in China are the common case: GBK-encoded CSVs, numbers as floats, dates as
date cells or serial numbers. Everything here is pure (no database).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from charset_normalizer import from_bytes

from crm.errors import ValidationError

Cell = str | float | int | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
# Whether a sheet's rows are the list to import (its header found): the workbook's first such
# visible sheet is read, so a cover page or instructions in front of the list are passed over.
SheetTest = Callable[[Sequence[Sequence[Cell]]], bool]
DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 50
DETECT_BYTES = 1 << 20  # the encoding is guessed from the first MiB
CHINESE_SHARE = 0.9
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Files people send by mistake: a clear "not a spreadsheet" instead of a garbled table.
_NOT_TABLES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"\x1f\x8b", b"7z\xbc\xaf",
               b"BM", b"OggS", b"ID3", b"RIFF")
_CHINESE = {"gbk", "gb2312", "gb18030", "hz", "cp936"}
# Characters that show nothing (zero-width space and non-joiner, word joiner, byte order mark,
# direction marks, soft hyphen): text pasted from web pages and WeChat carries them, and a
# header holding one names no column. The zero-width joiner stays: it binds emoji sequences.
# So are control characters (tab and line breaks aside; Excel saves them in a workbook as
# _x0000_ escapes, read back as such), which besides cannot be kept everywhere: PostgreSQL's
# text refuses a NUL (the whole import failed), a spreadsheet cell any of them (the rejects
# file, a later export).
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f"
_INVISIBLE = ("\u00ad\u061c\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
              + _CONTROLS)
# Spaces other than the plain one (no-break, thin, narrow no-break...) read as a plain one.
# The ideographic space stays: lists line names up with it (crm.imports.rows).
_OTHER_SPACES = "\u00a0\u2000-\u200a\u202f\u205f"
_UNUSUAL = re.compile(f"[{_INVISIBLE}{_OTHER_SPACES}]")
_INVISIBLE_CHARS = re.compile(f"[{_INVISIBLE}]")
_SPACE_CHARS = re.compile(f"[{_OTHER_SPACES}]")


@dataclass(frozen=True)
class SheetPlace:
    """Where the sheet read lies in its workbook: its name, and the sheet's row and column of
    the first cell read (python-calamine reads from the first used column)."""

    content: bytes
    name: str
    first_row: int
    first_column: int


@dataclass(frozen=True)
class Table:
    """The rows of the sheet read, as read (title rows and the header row included)."""

    rows: list[list[Cell]]
    kind: str  # xlsx (any workbook) or csv
    encoding: str | None = None
    delimiter: str | None = None
    place: SheetPlace | None = None  # a workbook's sheet (crm.imports.formulas)
    sheets: tuple[str, ...] = ()  # a workbook's visible worksheets, in its order

    @property
    def sheet(self) -> str | None:
        """The name of the sheet read, when the workbook has others it might have been."""
        return self.place.name if self.place is not None and len(self.sheets) > 1 else None


def read_table(content: bytes, file_name: str = "", wanted: SheetTest | None = None) -> Table:
    """Every row of the file (of a workbook, its first visible sheet that is ``wanted``, else
    its first visible sheet with any cell); ValidationError for an empty file or one that is
    not a table."""
    if not content.strip():
        raise ValidationError("import.empty", field="file")
    if content.startswith((_ZIP, _OLE)):
        rows, place, sheets = _workbook_rows(content, wanted)
        return Table(rows, "xlsx", place=place, sheets=sheets)
    if content.startswith(_NOT_TABLES):
        raise ValidationError("import.not_spreadsheet", field="file", name=file_name)
    text, encoding = decode(content, file_name)
    if _UNUSUAL.search(text):  # one look at C speed; nearly every file has none
        text = plain_text(text)
    delimiter = detect_delimiter(text)
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return Table(rows, "csv", encoding, delimiter)


def _workbook_rows(content: bytes, wanted: SheetTest | None
                   ) -> tuple[list[list[Cell]], SheetPlace | None, tuple[str, ...]]:
    """The rows of the sheet to read, where it lies, and the names of the visible worksheets
    (from the workbook's list: the other sheets are not read)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = tuple(meta.name for meta in book.sheets_metadata if _is_visible_worksheet(meta))
        first: tuple[list[list[Cell]], SheetPlace] | None = None
        for rows, place in _visible_sheets(book, content):
            if wanted is None or wanted(rows):
                return rows, place, names
            first = (rows, place) if first is None else first
        return (*(first or ([], None)), names)
    except (CalamineError, ValueError, OSError) as exc:
        raise ValidationError("import.not_spreadsheet", field="file", name="") from exc


def _is_visible_worksheet(meta) -> bool:
    return str(meta.visible).endswith("Visible") and str(meta.typ).endswith("WorkSheet")


def _visible_sheets(book, content: bytes) -> Iterator[tuple[list[list[Cell]], SheetPlace]]:
    """The rows of each visible worksheet that has any cell, in the workbook's order, and
    where they lie."""
    for index, meta in enumerate(book.sheets_metadata):
        if _is_visible_worksheet(meta):
            sheet = book.get_sheet_by_index(index)
            if sheet.height:
                rows = _plain_rows([list(row) for row in sheet.iter_rows()])
                start_row, start_column = sheet.start or (0, 0)
                # Rows are read from the sheet's first row or its first used one (versions
                # differ), columns from the first used one.
                yield rows, SheetPlace(content, meta.name,
                                       start_row - (len(rows) - sheet.height), start_column)


def plain_text(value: str) -> str:
    """``value`` without the characters that show nothing, its unusual spaces plain ones
    (a no-break space inside a company's name becomes a space)."""
    return _SPACE_CHARS.sub(" ", _INVISIBLE_CHARS.sub("", value))


def _plain_rows(rows: list[list[Cell]]) -> list[list[Cell]]:
    """The rows with every text cell as ``plain_text`` makes it. Looked for once in the whole
    sheet's text (nearly every file has none); only then is each cell looked at."""
    texts = "\n".join([cell for row in rows for cell in row if type(cell) is str])
    if _UNUSUAL.search(texts) is None:
        return rows
    for row in rows:
        for index, cell in enumerate(row):
            if type(cell) is str and _UNUSUAL.search(cell):
                row[index] = plain_text(cell)
    return rows


def decode(content: bytes, file_name: str = "") -> tuple[str, str]:
    """The text of a CSV and the encoding it was in: a BOM wins, then strict UTF-8, then
    charset-normalizer's guess (GBK and GB2312 read as their superset GB18030)."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return _strict(content, encoding, file_name), encoding.removesuffix("-sig")
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = _sample(content)
    encoding = "gb18030" if _reads_as_chinese(sample) else _guess(sample)
    if encoding is None:
        raise ValidationError("import.not_spreadsheet", field="file", name=file_name)
    text = _strict(content, encoding, file_name)
    if "\x00" in text:
        raise ValidationError("import.not_spreadsheet", field="file", name=file_name)
    return text, encoding


def _reads_as_chinese(sample: bytes) -> bool:
    """GBK/GB18030 text: decodes, and nearly all its other characters are among GB2312's
    (common hanzi and full-width punctuation). charset-normalizer alone measures "chaos" on a few
    short pieces and, on a long file of names, digits and addresses, sometimes rejects every
    reading; this test is exact where it answers. Big5 or Shift-JIS text fails it and goes to
    charset-normalizer."""
    try:
        text = sample.decode("gb18030")
    except UnicodeDecodeError:
        return False
    if "\x00" in text:
        return False
    others = "".join(char for char in text if char > "\x7f")
    common = len(others.encode("gb2312", errors="ignore")) // 2
    return bool(others) and common >= CHINESE_SHARE * len(others)


def _guess(sample: bytes) -> str | None:
    """charset-normalizer's reading; among equally plausible ones the Chinese reading wins (a
    short GBK file reads as Korean just as well), and GBK is read as its superset GB18030."""
    matches = list(from_bytes(sample))
    if not matches:
        return None
    least = min(m.chaos for m in matches)
    plausible = [m for m in matches if m.chaos <= least]
    chinese = next((m for m in plausible if _CHINESE & {m.encoding, *m.could_be_from_charset}),
                   None)
    return "gb18030" if chinese else plausible[0].encoding.replace("_", "-")


def _sample(content: bytes) -> bytes:
    """The first MiB cut after a line break (never inside a GBK or UTF-16 character)."""
    if len(content) <= DETECT_BYTES:
        return content
    cut = content.rfind(b"\n", 0, DETECT_BYTES)
    if cut < 0:
        return content[:DETECT_BYTES]
    end = cut + 1
    if content[end:end + 1] == b"\x00":
        end += 1  # UTF-16 LE puts the line break's zero byte after it
    return content[:end]


def _strict(content: bytes, encoding: str, file_name: str) -> str:
    try:
        return content.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ValidationError("import.encoding", field="file", name=file_name,
                              encoding=encoding) from exc


def detect_delimiter(text: str) -> str:
    """The separator that splits the first lines into the most columns, most consistently."""
    lines = [line for line in text[:65536].splitlines()[:SNIFF_LINES] if line.strip()]
    if len(lines) > 1:
        lines = lines[:-1]  # the sample may end inside a line
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts:
            continue
        widest = max(set(counts), key=lambda n: (counts.count(n), n))
        score = (counts.count(widest) if widest > 1 else 0, widest)
        if score > best_score:
            best, best_score = delimiter, score
    return best
