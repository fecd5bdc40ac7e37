"""`crm report` from the shell, on a fresh installation holding the data set of
tests/crm/report_book.py (figures as worked out in tests/crm/test_reports.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import cli
from crm import audit, reports
from tests.conftest import without_outside_settings
from tests.crm.cast import SYSTEM
from tests.crm.report_book import build_book

Q1 = ["--from", "2026-01-01", "--to", "2026-03-31"]


@pytest.fixture(autouse=True)
def _installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "en")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["init"]) == 0
    build_book()
    capsys.readouterr()


def test_a_report_is_written_as_a_workbook_and_a_picture(tmp_path: Path, capsys) -> None:
    assert cli.main(["report", "funnel", *Q1, "-o", "funnel.xlsx", "--png", "funnel.png"]) == 0
    out = capsys.readouterr().out
    assert "Sales funnel · 2026-01-01 – 2026-03-31 · Covers: all records" in out
    assert "  Deals created: 7" in out and "  Win rate: 66.7 %" in out
    assert "Report written to funnel.xlsx" in out
    workbook = load_workbook(io.BytesIO((tmp_path / "funnel.xlsx").read_bytes()))
    assert [row[1] for row in workbook["Funnel"].iter_rows(min_row=2, values_only=True)] == [
        7, 6, 4, 4, 2, 2]
    assert (tmp_path / "funnel.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    [entry] = [e for e in audit.list_audit(SYSTEM).items if e.action == "report.run"]
    assert entry.channel == "cli"


def test_as_a_staff_member_the_report_covers_what_they_would_get(capsys) -> None:
    assert cli.main(["report", "funnel", *Q1, "--as", "9004", "-o", "team.xlsx"]) == 0
    out = capsys.readouterr().out
    assert "Covers: your team's records" in out and "  Deals created: 6" in out
    assert cli.main(["report", "funnel", "--as", "9006", "-o", "no.xlsx"]) == 1
    assert "Only agents, managers and admins can run reports." in capsys.readouterr().err
    assert not Path("no.xlsx").exists()
    assert cli.main(["report", "funnel", "--as", "4242", "-o", "no.xlsx"]) == 1
    assert "4242" in capsys.readouterr().err


def test_amounts_with_nothing_behind_them_read_as_money_like_the_others(capsys) -> None:
    # Emily Chen (9003) has no open deal, and won hers in March: January holds none
    assert cli.main(["report", "pipeline", "--from", "2026-01-01", "--to", "2026-01-31",
                     "--as", "9003", "-o", "mine.xlsx"]) == 0
    out = capsys.readouterr().out
    assert "  Open pipeline: 0.00 CNY" in out and "  Won: 0.00 CNY" in out  # not "0 CNY"
    assert "  Weighted forecast: 0.00 CNY" in out and "  Open deals: 0" in out


def test_a_wrong_date_is_explained(capsys) -> None:
    assert cli.main(["report", "pipeline", "--from", "2026-13-01", "-o", "x.xlsx"]) == 1
    assert "2026-13-01 is not a date" in capsys.readouterr().err
    assert not Path("x.xlsx").exists()


def test_all_makes_the_weekly_workbook(tmp_path: Path, capsys) -> None:
    assert cli.main(["report", "all", "-o", "week.xlsx"]) == 0
    workbook = load_workbook(io.BytesIO((tmp_path / "week.xlsx").read_bytes()))
    assert workbook.sheetnames[0] == "Summary"
    assert len(workbook["Summary"]._charts) == len(reports.KINDS)


@pytest.mark.parametrize("language, lines", [
    ("en", ["  Open deals: 4\n", "  Deals won: 3\n", "  Deals lost: 1\n",
            "  Open pipeline: 35,000.00 CNY\n", "  Lost: 4,000.00 CNY\n"]),
    ("zh-CN", ["  进行中商机：4\n", "  赢单数：3\n", "  输单数：1\n",
               "  进行中金额：35,000.00 CNY\n", "  输单金额：4,000.00 CNY\n"])])
def test_deal_counts_read_as_counts_and_amounts_as_money(monkeypatch, capsys, language,
                                                          lines) -> None:
    monkeypatch.setenv("CRM_LOCALE", language)
    assert cli.main(["report", "pipeline", *Q1, "-o", "pipeline.xlsx"]) == 0
    out = capsys.readouterr().out
    for line in lines:
        assert line in out


def test_the_forecast_workbook_names_the_deals_expected_before_its_months(tmp_path: Path,
                                                                         capsys) -> None:
    assert cli.main(["report", "forecast", "--from", "2026-03-01", "--to", "2026-03-31",
                     "-o", "forecast.xlsx"]) == 0
    out = capsys.readouterr().out
    assert "  Open deals expected before the period: 1\n" in out
    assert "  Open, expected before the period: 5,000.00 CNY\n" in out
    workbook = load_workbook(io.BytesIO((tmp_path / "forecast.xlsx").read_bytes()))
    first = next(workbook.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert first[:4] == ("Expected before 2026-03-01, still open", "CNY", 1, 5000)
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    assert ("Deals won", 1, None) in summary


def test_a_rate_of_nothing_reads_as_a_dash_not_a_bare_percent_sign(monkeypatch, tmp_path: Path,
                                                                   capsys) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    assert cli.main(["report", "tickets", "--from", "2030-01-01", "--to", "2030-01-31",
                     "-o", "tickets.xlsx"]) == 0
    out = capsys.readouterr().out
    assert "  新建工单：0\n" in out
    assert "  首次回复及时率：—\n" in out and "  按时解决率：—\n" in out
    summary = list(load_workbook(tmp_path / "tickets.xlsx")["摘要"].iter_rows(values_only=True))
    assert ("首次回复及时率", "—", None) in summary


def test_every_column_of_a_chinese_workbook_is_wide_enough_to_show_its_figures(
        monkeypatch, tmp_path: Path) -> None:
    """Excel shows a number or date wider than its column as ########."""
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    assert cli.main(["report", "all", *Q1, "-o", "week.xlsx"]) == 0
    workbook = load_workbook(tmp_path / "week.xlsx")
    summary = workbook["摘要"]
    assert summary.column_dimensions["A"].width >= shown_width("预计成交早于本期、仍在进行的金额")
    assert summary.column_dimensions["B"].width >= len("35,000.00")
    for sheet in workbook.worksheets[1:]:
        for column in sheet.iter_cols():
            widest = max(len(f"{c.value:,.2f}") if isinstance(c.value, float | int) else
                         10 if c.is_date else 0 for c in column[1:]) if len(column) > 1 else 0
            header = column[0].value or ""
            width = sheet.column_dimensions[column[0].column_letter].width
            assert width >= max(widest, shown_width(header)), (sheet.title, header)


def shown_width(text: str) -> int:
    """Chinese characters take two widths of a Latin one."""
    return sum(2 if "\u2e80" <= char <= "\uffef" else 1 for char in text)


def test_a_report_is_named_in_chinese_or_english_words(monkeypatch, capsys) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    assert cli.main(["report", "漏斗", *Q1, "-o", "funnel.xlsx"]) == 0
    assert "销售漏斗 · 2026-01-01 至 2026-03-31" in capsys.readouterr().out
    assert cli.main(["report", "Sales funnel", *Q1, "-o", "again.xlsx"]) == 0
    assert Path("again.xlsx").exists()


@pytest.mark.parametrize("language, word, said", [
    ("zh-CN", "天气", "没有叫“天气”的报表。可以选：销售漏斗、"),
    ("zh-CN", "客户", "“客户”可能是这几份报表：按来源的新客户、客户分群（RFM）"),
    ("en", "weather", "There is no report called “weather”. Choose one of: Sales funnel, ")])
def test_a_report_name_that_fits_none_or_several_lists_the_names(monkeypatch, capsys, language,
                                                                  word, said) -> None:
    monkeypatch.setenv("CRM_LOCALE", language)
    assert cli.main(["report", word, "-o", "x.xlsx"]) == 1
    assert said in capsys.readouterr().err
    assert not Path("x.xlsx").exists()
