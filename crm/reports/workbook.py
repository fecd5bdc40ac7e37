"""Reports as an XLSX workbook: a summary sheet (headline figures and each report's headline
chart), then one sheet per table with its other charts; native Excel charts (openpyxl.chart).

Every sheet is written in streaming (write-only) mode, charts included: tables hold
aggregates, so even a report over a million customers makes a small file in little memory.
Text from the data (names, sources) goes through crm.spreadsheets.safe_cell.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.chart.marker import Marker
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from crm.reports.base import Cell, Chart, Column, Label, Report, Table
from crm.reports.labels import NO_VALUE, Labels, display, header, in_currency
from crm.spreadsheets import money_format, safe_cell, set_widths

# Money has no fixed format: an amount shows its currency's decimals (money_format).
FORMATS = {"count": "#,##0", "decimal": "0.0", "percent": "0.0", "days": "0.0",
           "date": "yyyy-mm-dd", "week": "yyyy-mm-dd", "month": "yyyy-mm"}
CHART_COLUMN = "F"  # charts sit to the right of the figures
CHART_ROWS = 20  # rows one chart covers at its default size
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def workbook_bytes(reports: Sequence[Report], labels: Labels) -> bytes:
    """One workbook holding every report given (the weekly file holds them all)."""
    book = Workbook(write_only=True)
    summary = book.create_sheet(_title(labels("reports.sheet.summary"), set()))
    used = {summary.title}
    sheets: dict[str, tuple[WriteOnlyWorksheet, Table]] = {}
    for report in reports:
        for table in report.figures.tables:
            sheet = book.create_sheet(_title(labels(f"reports.sheet.{table.key}"), used))
            used.add(sheet.title)
            sheets[table.key] = (sheet, table)
    _write_summary(summary, reports, sheets, labels)
    for report in reports:
        for table in report.figures.tables:
            sheet = sheets[table.key][0]
            _write_table(sheet, table, labels)
            extra = [c for c in report.figures.charts[1:] if c.table == table.key]
            for index, chart in enumerate(extra):
                _place(sheet, chart, sheets, labels,
                       f"{_after(table)}{2 + index * CHART_ROWS}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title(text: str, used: set[str]) -> str:
    """A valid, unique sheet name (31 characters, no []:*?/\\, no quote at either end)."""
    base = _SHEET_FORBIDDEN.sub(" ", text).strip(" '")[:31].rstrip(" '") or "Sheet"
    title, number = base, 2
    while title in used:
        suffix = f" {number}"
        title, number = base[:31 - len(suffix)].rstrip(" '") + suffix, number + 1
    return title


def _after(table: Table) -> str:
    """The column letter two to the right of a table."""
    index = len(table.columns) + 2
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _bold(sheet: WriteOnlyWorksheet, value: Cell, size: int | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    cell.font = Font(bold=True, size=size) if size else Font(bold=True)
    return cell


def _cell(sheet: WriteOnlyWorksheet, value: Cell, column: Column, labels: Labels
          ) -> WriteOnlyCell | object:
    if isinstance(value, Label):
        return safe_cell(display(value, labels))
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    if column.kind == "money" and isinstance(value, Decimal):
        cell.number_format = money_format(value)
    elif column.kind in FORMATS and value is not None:
        cell.number_format = FORMATS[column.kind]
    return cell


def _write_table(sheet: WriteOnlyWorksheet, table: Table, labels: Labels) -> None:
    sheet.freeze_panes = "A2"
    headers = [header(c, labels) for c in table.columns]
    set_widths(sheet, [headers, *([display(v, labels) if isinstance(v, Label) else v
                                   for v in row] for row in table.rows)])
    sheet.append([_bold(sheet, text) for text in headers])
    for row in table.rows:
        sheet.append([_cell(sheet, v, c, labels) for v, c in zip(row, table.columns,
                                                                  strict=True)])


def _write_summary(sheet: WriteOnlyWorksheet, reports: Sequence[Report],
                   sheets: dict[str, tuple[WriteOnlyWorksheet, Table]], labels: Labels) -> None:
    first = reports[0]
    local = first.generated_at.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(first.timezone))
    rows: list[list] = [
        [_bold(sheet, labels("reports.workbook_title"), 14)],
        [labels("reports.generated", at=f"{local:%Y-%m-%d %H:%M}", zone=first.timezone)],
        [labels(f"reports.reach.{first.reach}")], []]
    # Widths from the figures alone: the title lines above may run over empty cells.
    set_widths(sheet, [[labels(f"reports.figure.{key}"), value, display(unit, labels)]
                       for report in reports for key, value, unit in report.figures.summary])
    anchors = []
    for report in reports:
        top = len(rows) + 1
        anchors.append((report.headline, f"{CHART_COLUMN}{top}"))
        rows.append([_bold(sheet, labels(f"reports.kind.{report.kind}"), 12)])
        rows.append([labels("reports.period", since=report.period.since.isoformat(),
                            until=report.period.last.isoformat())])
        if not report.draws(report.headline):  # an empty chart (or none) says why
            rows.append([_bold(sheet, labels("reports.no_data"))])
        for key, value, unit in report.figures.summary:
            rows.append([labels(f"reports.figure.{key}"), NO_VALUE] if value is None else [
                labels(f"reports.figure.{key}"),
                _cell(sheet, in_currency(value, unit), Column(key, _summary_kind(value, unit)),
                      labels),
                display(unit, labels)])
        rows.extend([] for _ in range(max(1, top + CHART_ROWS - len(rows) - 1)))
    for row in rows:
        sheet.append(row)
    for chart, anchor in anchors:
        _place(sheet, chart, sheets, labels, anchor)


def _summary_kind(value: Cell, unit: str | Label) -> str:
    """A headline figure's cell format, from its unit: a share (44.1 %) and days (12.5 days)
    with one decimal as in the tables, an amount in a currency as money."""
    if value is None or isinstance(value, int):
        return "text" if value is None else "count"
    if unit == "%":
        return "percent"
    return "decimal" if isinstance(unit, Label) else "money"


def _place(sheet: WriteOnlyWorksheet, spec: Chart,
           sheets: dict[str, tuple[WriteOnlyWorksheet, Table]], labels: Labels,
           anchor: str) -> None:
    """A native chart of ``spec`` drawn from its table's sheet, anchored at ``anchor``."""
    source, table = sheets[spec.table]
    if not table.rows:
        return
    chart = _new_chart(spec)
    chart.title = labels(f"reports.chart.{spec.key}", **dict(spec.params))
    last = len(table.rows) + 1
    for index in spec.series:
        chart.add_data(Reference(source, min_col=index + 1, min_row=1, max_row=last),
                       titles_from_data=True)
    chart.set_categories(Reference(source, min_col=1, min_row=2, max_row=last))
    if isinstance(chart, LineChart):
        _mark_points(chart)
    if not isinstance(chart, PieChart):  # x is the category axis, also across a bar chart
        chart.x_axis.title = header(table.columns[0], labels)
        chart.y_axis.title = labels(f"reports.axis.{spec.value_axis}", **dict(spec.params))
    chart.width, chart.height = 18, 9.5
    sheet.add_chart(chart, anchor)


def _mark_points(chart: LineChart) -> None:
    """A dot on every value, as the picture has: a period of one week is a line of one point,
    which Excel otherwise draws as nothing at all."""
    for series in chart.series:
        series.marker = Marker(symbol="circle", size=6)


def _new_chart(spec: Chart) -> BarChart | LineChart | PieChart:
    if spec.kind == "pie":
        return PieChart()
    chart = LineChart() if spec.kind == "line" else BarChart()
    if isinstance(chart, BarChart):
        chart.type = "bar" if spec.kind == "bar" else "col"
        if spec.stacked:
            chart.grouping, chart.overlap = "stacked", 100
        if spec.kind == "bar":  # first category on top, as a funnel reads
            chart.x_axis.scaling.orientation = "maxMin"
    # Without this, recent Excel versions hide both axes of an openpyxl chart.
    chart.x_axis.delete = chart.y_axis.delete = False
    return chart
