"""A large XLSX export written by a helper process on the second core: the same file, cell by
cell, as one written here; and when the helper cannot start, dies or fails, the file is still
whole (written here from the first row) or there is none."""

from __future__ import annotations

import datetime as dt
import io
import logging
import subprocess
from pathlib import Path

import peewee
import pytest
from openpyxl import load_workbook

from crm import audit, exports, sales, xlsx_helper
from storage.database import fetch_all
from tests.crm.cast import customer, keep_files_in, make_cast

T0 = dt.datetime(2026, 3, 10, 2, 30)
ORDERS = 23  # with the helper taking batches of 4 rows: five full batches and a short one


@pytest.fixture
def cast(db: peewee.Database, tmp_path: Path):
    keep_files_in(tmp_path / "data")
    cast = make_cast()
    for index in range(ORDERS):
        buyer = customer(cast.agent, f"客户{index}", phones=(f"1380013{index:04d}",),
                         company="=HYPERLINK(\"http://x\")" if index == 3 else f"公司{index}",
                         notes="第一行\n第二行" if index % 5 == 0 else None, now=T0)
        currency = ("CNY", "JPY", "USD")[index % 3]
        price = f"{1999 + index}" if currency == "JPY" else f"{1999 + index}.90"
        sales.create_order(cast.agent, buyer.id, [sales.OrderLineInput(
            quantity=index + 1, description=f"样品{index}", unit_price=price)],
            currency=currency, now=T0)
    return cast


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen]:
    """The helper processes started, in order."""
    processes: list[subprocess.Popen] = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            processes.append(self)

    monkeypatch.setattr(xlsx_helper.subprocess, "Popen", Recorded)
    return processes


def _export(monkeypatch, actor, kind: str, *, helper_from: int, progress=None) -> tuple:
    monkeypatch.setattr(xlsx_helper, "HELPER_ROWS", helper_from)
    monkeypatch.setattr(xlsx_helper, "BATCH_ROWS", 4)
    target = io.BytesIO()
    result = exports.export_records(actor, kind, target, progress=progress, now=T0)
    return result, target.getvalue()


def _as_seen(content: bytes) -> tuple:
    """Everything a reader sees of the sheet: its name, frozen pane, column widths, and each
    cell's value, type, number format, boldness, wrapping and quote prefix."""
    sheet = load_workbook(io.BytesIO(content)).active
    widths = {letter: sheet.column_dimensions[letter].width
              for letter in sorted(sheet.column_dimensions)}
    cells = [[(cell.value, cell.data_type, cell.number_format, cell.font.b,
               cell.alignment.wrap_text, cell.quotePrefix) for cell in row]
             for row in sheet.iter_rows()]
    return sheet.title, sheet.freeze_panes, widths, cells


def _exports_logged(kind: str) -> list[int]:
    return [row[0] for row in fetch_all("select id from audit_log where action = ?",
                                        (audit.EXPORT_ACTION + kind,))]


@pytest.mark.parametrize("kind", ["orders", "customers"])
def test_a_large_export_written_by_the_helper_is_the_same_file_cell_by_cell(
        cast, monkeypatch, started, caplog, kind) -> None:
    _, here = _export(monkeypatch, cast.admin, kind, helper_from=10**9)
    assert started == []  # a small export stays in this process
    ticks: list[tuple[int, int]] = []
    with caplog.at_level(logging.WARNING, logger="crm.xlsx_helper"):
        result, beside = _export(monkeypatch, cast.admin, kind, helper_from=10,
                                 progress=lambda done, total: ticks.append((done, total)))
    assert len(started) == 1 and started[0].returncode == 0 and not caplog.records
    assert _as_seen(beside) == _as_seen(here)
    title, frozen, _, cells = _as_seen(beside)
    assert (title, frozen, result.rows, len(cells)) == (kind, "A2", ORDERS, ORDERS + 1)
    if kind == "orders":  # amounts are numbers shown as money with their currency's decimals
        formats = {cells[0][i]: {row[i][2] for row in cells[1:]} for i in range(len(cells[0]))}
        assert formats[("total", "s", "General", True, None, False)] == {"#,##0.00", "#,##0"}
    else:  # a company typed like a formula shows as typed, quote-prefixed, from both sides
        typed = {cell for row in cells[1:] for cell in row if cell[0] == "=HYPERLINK(\"http://x\")"}
        assert typed == {("=HYPERLINK(\"http://x\")", "s", "General", False, None, True)}
    assert ticks == [(done, ORDERS) for done in (4, 8, 12, 16, 20, 23)]  # rows handed over


def test_a_helper_killed_mid_way_leaves_the_whole_file_written_here(cast, monkeypatch, started,
                                                                   caplog) -> None:
    _, here = _export(monkeypatch, cast.admin, "orders", helper_from=10**9)

    def kill_the_helper(done: int, total: int) -> None:
        if done == 8:
            started[0].kill()

    with caplog.at_level(logging.WARNING, logger="crm.xlsx_helper"):
        result, beside = _export(monkeypatch, cast.admin, "orders", helper_from=10,
                                 progress=kill_the_helper)
    assert "XLSX helper" in caplog.text and "written here from the first row" in caplog.text
    assert _as_seen(beside) == _as_seen(here) and result.rows == ORDERS
    assert len(_exports_logged("orders")) == 2  # this export once, as written


@pytest.mark.parametrize("broken", ["/nonexistent/python", "false"])
def test_when_the_helper_cannot_run_the_file_is_written_here(cast, monkeypatch, caplog,
                                                              broken) -> None:
    _, here = _export(monkeypatch, cast.admin, "orders", helper_from=10**9)
    monkeypatch.setattr(xlsx_helper.sys, "executable", broken)
    with caplog.at_level(logging.WARNING, logger="crm.xlsx_helper"):
        result, beside = _export(monkeypatch, cast.admin, "orders", helper_from=10)
    assert "XLSX helper" in caplog.text
    assert _as_seen(beside) == _as_seen(here) and result.rows == ORDERS


def test_an_export_failing_here_stops_the_helper_and_writes_nothing(cast, monkeypatch,
                                                                     started) -> None:
    def fail(done: int, total: int) -> None:
        if done == 8:
            raise RuntimeError("the database went away")

    target = io.BytesIO()
    monkeypatch.setattr(xlsx_helper, "HELPER_ROWS", 10)
    monkeypatch.setattr(xlsx_helper, "BATCH_ROWS", 4)
    with pytest.raises(RuntimeError):
        exports.export_records(cast.admin, "orders", target, progress=fail, now=T0)
    assert target.getvalue() == b""  # no file made of part of the rows
    assert started[0].poll() is not None  # nor a helper left running
    assert _exports_logged("orders") == []
