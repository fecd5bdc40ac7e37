"""The report files: the workbook re-opened with openpyxl (sheets, numbers, native charts,
neutralised text) and the PNG pictures, on the data set of tests/crm/report_book.py. Wording
here is the catalogue key itself; the bot tests check the real wording in both languages."""

from __future__ import annotations

import datetime as dt
import io
import logging
import struct

import peewee
import pytest
from matplotlib import font_manager
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart

from crm import reports, sales
from crm.actors import Actor, Channel
from crm.reports import picture
from tests.crm.cast import SYSTEM, customer, make_cast
from tests.crm.report_book import FORMULA_SOURCE, NOW, build_book


def labels(key: str, **params: object) -> str:
    return key + "".join(f" {value}" for value in params.values())


@pytest.fixture
def book(db: peewee.Database):
    return build_book()


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", content[16:24])


def test_the_weekly_workbook_has_a_summary_every_table_and_native_charts(book) -> None:
    files = reports.build_all_files(book.admin, labels=labels, since="2026-01-01",
                                    until="2026-03-31", now=NOW)
    workbook = load_workbook(io.BytesIO(files.xlsx))
    tables = [t.key for r in files.reports for t in r.figures.tables]
    assert workbook.sheetnames == ["reports.sheet.summary",
                                   *(f"reports.sheet.{key}"[:31] for key in tables)]
    summary = workbook["reports.sheet.summary"]
    charts = summary._charts
    assert len(charts) == len(reports.KINDS)  # each kind's headline chart
    assert {type(c) for c in charts} == {BarChart}
    assert isinstance(workbook["reports.sheet.activity_trend"]._charts[0], LineChart)
    # a chart draws from its table's sheet: the funnel's counts, rows 2 to 7
    assert charts[0].series[0].val.numRef.f == "'reports.sheet.funnel'!$B$2:$B$7"
    values = [row for row in summary.iter_rows(values_only=True) if row[0]]
    assert ("reports.figure.deals_created", 7, None) in values
    assert ("reports.figure.open_amount", 35000, "CNY") in values


def test_headline_shares_and_days_read_with_one_decimal_and_amounts_as_money(book) -> None:
    files = reports.build_all_files(book.admin, labels=labels, since="2026-01-01",
                                    until="2026-03-31", now=NOW)
    summary = load_workbook(io.BytesIO(files.xlsx))["reports.sheet.summary"]
    shown = {row[0].value: (row[1].value, row[1].number_format, row[2].value)
             for row in summary.iter_rows(min_row=4, max_col=3) if row[1].value is not None}
    # 66.7 %, 12.5 days: not 66.70 % and 12.50 days, as money would show them
    assert shown["reports.figure.win_rate"] == (66.7, "0.0", "%")
    assert shown["reports.figure.days_to_win"] == (12.5, "0.0", "reports.value.days")
    assert shown["reports.figure.open_amount"] == (35000, "#,##0.00", "CNY")
    assert shown["reports.figure.deals_created"] == (7, "#,##0", None)


def _money_formats(sheet, amounts: list[int]) -> dict[str, set[str]]:
    """Currency (column B) → the number formats of the amount columns of its rows."""
    found: dict[str, set[str]] = {}
    for row in sheet.iter_rows(min_row=2):
        found.setdefault(row[1].value, set()).update(row[i].number_format for i in amounts)
    return found


def test_amounts_show_the_decimals_of_their_currency_and_yen_has_none(db) -> None:
    cast = make_cast()
    buyer = customer(cast.agent, "山田商事").id
    stages = {s.name_en: s.id for s in sales.get_pipeline(SYSTEM).stages}
    created = NOW - dt.timedelta(days=10)
    for title, amount, code, stage in (("JP1", "980000", "JPY", "Proposal"),
                                       ("JP2", "20000", "JPY", "Won"),
                                       ("CN1", "1200.50", "CNY", None)):
        deal = sales.create_deal(cast.agent, buyer, title, amount=amount, currency=code,
                                 expected_close="2026-04-20", now=created)
        if stage:
            sales.move_deal_to_stage(cast.agent, deal.id, stages[stage], now=created)
    pipeline = load_workbook(io.BytesIO(reports.build_report_files(
        cast.admin, "pipeline", labels=labels, now=NOW).xlsx))
    # 980,000 yen, not 980,000.00; the yuan keep their fen, an empty stage of yen too
    assert _money_formats(pipeline["reports.sheet.pipeline_stages"], [3, 4]) == {
        "JPY": {"#,##0"}, "CNY": {"#,##0.00"}}
    assert [row[3].value for row in pipeline["reports.sheet.pipeline_stages"].iter_rows()
            if row[1].value == "JPY" and row[3].value] == [980000, 20000]
    matrix = pipeline["reports.sheet.pipeline_matrix"]  # the chart draws the yen
    assert {cell.number_format for row in matrix.iter_rows(min_row=2) for cell in row[1:]} == {
        "#,##0"}
    summary = {row[0].value: (row[1].value, row[1].number_format) for row in
               pipeline["reports.sheet.summary"].iter_rows(min_row=4, max_col=3)
               if row[2].value == "JPY"}
    assert summary["reports.figure.open_amount"] == (980000, "#,##0")
    assert summary["reports.figure.won_amount"] == (20000, "#,##0")
    forecast = load_workbook(io.BytesIO(reports.build_report_files(
        cast.admin, "forecast", labels=labels, now=NOW).xlsx))
    # the months without yen read 0, a yuan month with nothing won 0.00
    assert _money_formats(forecast["reports.sheet.forecast_months"], [3, 4, 6]) == {
        "JPY": {"#,##0"}, "CNY": {"#,##0.00"}}


def test_a_trend_of_one_week_still_shows_its_point_in_excel(book) -> None:
    files = reports.build_report_files(book.admin, "activity", labels=labels,
                                       since="2026-03-09", until="2026-03-15", now=NOW)
    sheet = load_workbook(io.BytesIO(files.xlsx))["reports.sheet.activity_trend"]
    [trend] = sheet._charts
    assert trend.series[0].val.numRef.f == "'reports.sheet.activity_trend'!$B$2"  # one week
    # one point makes no line: without a marker Excel shows an empty chart
    assert {series.marker.symbol for series in trend.series} == {"circle"}


def _summary_lines(files: reports.ReportFiles) -> list[object]:
    summary = load_workbook(io.BytesIO(files.xlsx))["reports.sheet.summary"]
    return [row[0] for row in summary.iter_rows(values_only=True)]


def test_a_workbook_of_a_new_installation_says_each_report_has_no_data(db) -> None:
    files = reports.build_all_files(Actor.system(Channel.CLI), labels=labels, now=NOW)
    lines = _summary_lines(files)
    # under each report's period, beside its empty chart (activity draws none: nobody yet)
    assert lines.count("reports.no_data") == len(reports.KINDS)
    for kind in reports.KINDS:
        title = lines.index(f"reports.kind.{kind}")
        assert lines[title + 2] == "reports.no_data", kind


def test_a_workbook_with_data_has_no_such_line(book) -> None:
    files = reports.build_all_files(book.admin, labels=labels, since="2026-01-01",
                                    until="2026-03-31", now=NOW)
    assert "reports.no_data" not in _summary_lines(files)


def test_text_typed_by_users_never_becomes_a_formula(book) -> None:
    files = reports.build_report_files(book.admin, "new_customers", labels=labels,
                                       since="2026-01-01", until="2026-03-31", now=NOW)
    workbook = load_workbook(io.BytesIO(files.xlsx))
    sources = workbook["reports.sheet.customers_sources"]
    cells = [c for row in sources.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
    assert [(c.value, c.data_type) for c in cells] == [(f"'{FORMULA_SOURCE}", "s")]
    chart_sheet = workbook["reports.sheet.customers_chart"]
    headers = [c.value for c in next(chart_sheet.iter_rows(max_row=1))]
    assert f"'{FORMULA_SOURCE}" in headers


def test_long_sheet_names_are_cut_and_kept_apart(book) -> None:
    def wordy(key: str, **params: object) -> str:
        return "A rather long name for a sheet [draft]" if key.startswith("reports.sheet") \
            else key

    files = reports.build_report_files(book.admin, "pipeline", labels=wordy, now=NOW)
    names = load_workbook(io.BytesIO(files.xlsx)).sheetnames
    assert names == ["A rather long name for a sheet", "A rather long name for a shee 2",
                     "A rather long name for a shee 3", "A rather long name for a shee 4"]


@pytest.mark.parametrize("kind", list(reports.KINDS))
def test_each_headline_chart_is_a_png_picture(book, kind: str) -> None:
    files = reports.build_report_files(book.admin, kind, labels=labels, now=NOW)
    assert png_size(files.png) == (1100, 616)
    assert 10_000 < len(files.png) < 1_000_000


def test_a_report_without_data_still_draws_its_picture(db: peewee.Database) -> None:
    files = reports.build_report_files(Actor.system(Channel.CLI), "segments", labels=labels,
                                       now=NOW)
    assert all(row[1] == 0 for row in files.report.table("segments_chart").rows)
    assert png_size(files.png) == (1100, 616)


def test_without_a_cjk_font_a_warning_says_what_to_install(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="crm.reports.picture"):
        found = picture.choose_cjk_font(font_manager.fontManager, [],
                                        families=("No Such CJK Font",))
    assert found is None
    assert "fonts-noto-cjk" in caplog.text


def test_the_first_installed_cjk_family_is_preferred() -> None:
    assert picture.pick_family(["DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC"]) \
        == "Noto Sans CJK SC"
    assert picture.pick_family(["DejaVu Sans"]) is None


def drawn(monkeypatch: pytest.MonkeyPatch, actor: Actor, kind: str,
          **options: object) -> tuple[reports.ReportFiles, list]:
    """A report's files, and the axes of the picture the product drew for them."""
    from matplotlib.figure import Figure

    axes: list = []
    save = Figure.savefig

    def keep(figure: Figure, *args: object, **kwargs: object) -> None:
        axes.extend(figure.axes)
        save(figure, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    files = reports.build_report_files(actor, kind, now=NOW, **options)
    return files, axes


def test_the_tallest_stacked_bar_has_room_above_it(book, monkeypatch) -> None:
    # The manager's pipeline: 已联系 is the tallest stage and its top owner (张伟) has none
    # there; two more January customers from the website make January the tallest month of
    # new customers with nothing from the last source ((no source)) on top.
    for name in ("网上客户一", "网上客户二"):
        customer(book.agent, name, source="website", now=dt.datetime(2026, 1, 20, 3))
    for actor, kind, table in ((book.manager, "pipeline", "pipeline_matrix"),
                               (book.agent, "new_customers", "customers_chart")):
        files, [axes] = drawn(monkeypatch, actor, kind, labels=labels, since="2026-01-01",
                              until="2026-03-31")
        tallest = max(float(sum(row[1:])) for row in files.report.table(table).rows)
        assert tallest > 0
        assert axes.get_ylim()[1] > tallest * 1.02, kind


def test_the_pipeline_chart_draws_the_open_stages_with_won_and_lost_as_figures(
        book, monkeypatch) -> None:
    # Q1 lost D6 (4,000) and won 40,000: as bars they would dwarf the open stages
    files, [axes] = drawn(monkeypatch, book.admin, "pipeline", labels=labels, locale="en",
                          since="2026-01-01", until="2026-03-31")
    open_stages = ["Lead", "Contacted", "Qualified", "Proposal", "Negotiation"]
    assert [label.get_text() for label in axes.get_xticklabels()] == open_stages
    assert axes.get_ylim()[1] < 25000  # the tallest bar is Contacted's 20,000
    workbook = load_workbook(io.BytesIO(files.xlsx))
    [chart] = workbook["reports.sheet.summary"]._charts
    assert chart.series[0].cat.numRef.f == "'reports.sheet.pipeline_matrix'!$A$2:$A$6"
    shown = {row[0]: (row[1], row[2]) for row in
             workbook["reports.sheet.summary"].iter_rows(values_only=True) if row[0]}
    assert shown["reports.figure.won_amount"] == (40000, "CNY")
    assert shown["reports.figure.lost_amount"] == (4000, "CNY")


@pytest.mark.parametrize(("kind", "since", "until"), [
    ("forecast", "2026-03-01", "2026-03-31"), ("tickets", "2026-03-09", "2026-03-15")])
def test_a_period_of_one_month_or_week_draws_a_bar_not_a_wall(book, monkeypatch, kind, since,
                                                              until) -> None:
    files, [axes] = drawn(monkeypatch, book.admin, kind, labels=labels, since=since,
                          until=until)
    [category] = files.report.table(files.report.headline.table).rows  # one data point
    assert any(category[i] for i in files.report.headline.series)
    low, high = axes.get_xlim()
    bars = [patch.get_width() for patch in axes.patches]
    # the bars of the one month or week take a fraction of the chart, not all of its width
    assert sum(bars) <= (high - low) / 3, (bars, low, high)


def axis_title(axis) -> str | None:
    """The text of a native chart axis' title, as Excel shows it."""
    if axis.title is None:
        return None
    return "".join(run.t for paragraph in axis.title.tx.rich.p for run in paragraph.r or ())


AXES = {  # kind → the headline chart's (category axis, value axis) titles
    "funnel": ("reports.column.stage", "reports.axis.deals"),
    "pipeline": ("reports.column.stage", "reports.axis.amount CNY"),
    "forecast": ("reports.column.month", "reports.axis.amount CNY"),
    "activity": ("reports.column.staff", "reports.axis.interactions"),
    "new_customers": ("reports.column.month", "reports.axis.customers"),
    "segments": ("reports.column.segment", "reports.axis.customers"),
    "tickets": ("reports.column.week", "reports.axis.tickets"),
}


@pytest.mark.parametrize("kind", list(reports.KINDS))
def test_each_picture_says_what_its_axes_count(book, monkeypatch, kind: str) -> None:
    _, [axes] = drawn(monkeypatch, book.admin, kind, labels=labels, since="2026-01-01",
                      until="2026-03-31")
    categories, values = AXES[kind]
    across, up = (values, categories) if kind in ("funnel", "segments") else (categories,
                                                                             values)
    assert (axes.get_xlabel(), axes.get_ylabel()) == (across, up)


def test_every_native_chart_titles_both_axes(book) -> None:
    files = reports.build_all_files(book.admin, labels=labels, since="2026-01-01",
                                    until="2026-03-31", now=NOW)
    workbook = load_workbook(io.BytesIO(files.xlsx))
    headline = [(axis_title(c.x_axis), axis_title(c.y_axis))
                for c in workbook["reports.sheet.summary"]._charts]
    assert headline == [AXES[kind] for kind in reports.KINDS]
    others = [c for sheet in workbook.worksheets[1:] for c in sheet._charts]
    assert {(axis_title(c.x_axis), axis_title(c.y_axis)) for c in others} == {
        ("reports.column.week", "reports.axis.interactions"),
        ("reports.column.priority", "reports.axis.percent_met")}
