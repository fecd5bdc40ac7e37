"""Formulas whose results were never saved. A workbook written by a program (openpyxl, for one)
keeps a formula's text but no value: Excel and WPS compute it on opening, python-calamine reads
an empty cell. A column of them reads as empty, so every row would be refused for a name it
seems to lack; the dry run says why instead, once.

Only what the cells read cannot tell is looked up in the file itself: a headed column of an
XLSX with no value in any data row. A file whose columns all hold values is not opened again.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from xml.etree import ElementTree

from crm.imports import cells
from crm.imports.headers import ColumnMap, column_letter
from crm.imports.reading import Cell, SheetPlace

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# A cell holding a formula, with its attributes and the value saved after it, if any.
_FORMULA_CELL = re.compile(
    rb"<c\b([^>]*)>\s*<f\b[^>]*?(?:/>|>.*?</f>)\s*(?:<v\b[^>]*?(?:/>|>(.*?)</v>))?", re.DOTALL)
_ANY_FORMULA = re.compile(rb"<f[\s>/]")
_REFERENCE = re.compile(rb'\br="([A-Z]+)(\d+)"')
_TEXT_TYPE = re.compile(rb'\bt="(?:str|inlineStr|s)"')


def unsaved_formula_columns(place: SheetPlace | None, rows: Sequence[Sequence[Cell]],
                            columns: ColumnMap) -> tuple[str, ...]:
    """The labels of the columns whose data cells are formulas with no saved value."""
    if place is None:
        return ()
    empty = [c for c in range(len(columns.labels)) if not _has_data(rows, columns, c)]
    if not empty:
        return ()
    try:
        found = _unsaved_cells(place, columns.first_data_row)
    except (KeyError, StopIteration, ValueError, OSError, zipfile.BadZipFile,
            ElementTree.ParseError):
        return ()  # not an XLSX laid out as expected: nothing to say
    return tuple(columns.labels[c] for c in empty if column_letter(c + place.first_column)
                 in found)


def _has_data(rows: Sequence[Sequence[Cell]], columns: ColumnMap, column: int) -> bool:
    return any(column < len(row) and not cells.is_empty(row[column])
               for row in rows[columns.first_data_row:])


def _unsaved_cells(place: SheetPlace, first_data_row: int) -> set[str]:
    """The column letters holding, below the header, a formula without a saved value."""
    with zipfile.ZipFile(io.BytesIO(place.content)) as book:
        sheet = book.read(_sheet_part(book, place.name))
    if _ANY_FORMULA.search(sheet) is None:
        return set()  # the common case, found at C speed
    first = place.first_row + first_data_row + 1  # the sheet's own row number
    letters = set()
    for match in _FORMULA_CELL.finditer(sheet):
        attributes, value = match[1], match[2]
        if value or (value is not None and _TEXT_TYPE.search(attributes)):
            continue  # a saved value (an empty text is one too)
        reference = _REFERENCE.search(attributes)
        if reference and int(reference[2]) >= first:
            letters.add(reference[1].decode())
    return letters


def _sheet_part(book: zipfile.ZipFile, name: str) -> str:
    """The path inside the workbook of the sheet called ``name``."""
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    rel_id = next(sheet.get(_REL_ID) for sheet in workbook.iter(f"{_MAIN}sheet")
                  if sheet.get("name") == name)
    relations = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = next(rel.get("Target") for rel in relations.iter(f"{_RELS}Relationship")
                  if rel.get("Id") == rel_id)
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(
        posixpath.join("xl", target))
