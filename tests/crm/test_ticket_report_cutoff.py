"""The weekly file's ticket figures are those of the period it covers: a ticket counts as late
when its due time passed before the period ended, whenever the job ran after that.

Installation time zone Asia/Shanghai (UTC+8); times below are UTC. The weekly file made on
Monday 16 March 2026 covers the weeks up to Sunday 15 March, ending 2026-03-15 16:00 UTC."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import peewee
import pytest
from openpyxl import load_workbook

from crm import reports, service
from crm.reports.base import Label
from tests.crm.cast import customer, make_cast

MONDAY_MORNING = dt.datetime(2026, 3, 16, 0, 0)  # 08:00 in Shanghai, as scheduled
MONDAY_NIGHT = dt.datetime(2026, 3, 16, 14, 0)  # 22:00: a later trigger the same day
SHEET = "reports.sheet.tickets_sla"


def labels(key: str, **params: object) -> str:
    return key + "".join(f" {value}" for value in params.values())


@pytest.fixture
def cast(db: peewee.Database):
    cast = make_cast()
    someone = customer(cast.agent).id

    def ticket(opened: dt.datetime, priority: str, *, answered: bool) -> None:
        made = service.open_ticket(cast.agent, someone, "打印机", priority=priority, now=opened)
        if answered:  # answered in an hour, and on it again (no longer waiting) an hour later
            service.reply_to_ticket(cast.agent, made.id, "请重启",
                                    now=opened + dt.timedelta(hours=1))
            service.set_ticket_status(cast.agent, made.id, "open",
                                      now=opened + dt.timedelta(hours=2))

    # First answer due 03-16 02:00, after the period: within its time when it ended.
    ticket(dt.datetime(2026, 3, 15, 2, 0), "low", answered=False)
    # First answer due 03-15 08:00, in the period, never given: late.
    ticket(dt.datetime(2026, 3, 15, 0, 0), "normal", answered=False)
    # Resolution due 03-15 05:00 (3 days and the hour waited), in the period: late.
    ticket(dt.datetime(2026, 3, 12, 4, 0), "normal", answered=True)
    # Resolution due 03-16 13:00, after the period: within its time when it ended.
    ticket(dt.datetime(2026, 3, 13, 12, 0), "normal", answered=True)
    return cast


def weekly(cast, now: dt.datetime) -> reports.ReportFiles:
    return reports.build_all_files(cast.admin, labels=labels, now=now, through_yesterday=True)


def test_the_weekly_ticket_figures_do_not_depend_on_when_the_job_ran(cast) -> None:
    morning, night = weekly(cast, MONDAY_MORNING), weekly(cast, MONDAY_NIGHT)
    [early] = [r for r in morning.reports if r.kind == "tickets"]
    [late] = [r for r in night.reports if r.kind == "tickets"]
    assert early.period == late.period and early.period.last == dt.date(2026, 3, 15)
    rows = early.table("tickets_sla").rows
    assert rows[2][:9] == (Label("priority.normal"), 3, 2, 1, Decimal("66.7"), Decimal("1.0"),
                           0, 1, Decimal("0.0"))
    assert rows[3][:4] == (Label("priority.low"), 1, 0, 0)
    assert late.table("tickets_sla").rows == rows
    assert late.figures.summary == early.figures.summary
    sheets = [list(load_workbook(io.BytesIO(files.xlsx))[SHEET].iter_rows(values_only=True))
              for files in (morning, night)]
    assert sheets[0] == sheets[1]
