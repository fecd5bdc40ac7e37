"""Ticket volume and SLA: tickets opened and resolved per local week, and, for the tickets
opened in the period, how many got their first answer and their resolution within the
service levels of their priority (crm.service.sla), with the average times. Resolution
times leave out the time a ticket waited for the customer, as the service-level clock does.

A clock is "met" when the answer or resolution came by its due time, "breached" when it came
later or is still missing after the due time (as of the period's end, or now while it lasts);
tickets still within their time count neither.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from crm.clock import as_date
from crm.reports.access import customer_filter
from crm.reports.base import (
    Chart,
    Column,
    Figures,
    Label,
    ReportContext,
    ReportKind,
    Table,
    register,
)
from crm.reports.shaping import average, seconds_between_sql
from crm.reports.timebase import last_weeks, week_start, weeks_of
from crm.sales.figures import percent
from storage.database import fetch_all

PRIORITIES = ("urgent", "high", "normal", "low")
_DONE = "t.status in ('resolved', 'closed')"
_DONE_AT = "coalesce(t.resolved_at, t.closed_at)"


def _weekly(ctx: ReportContext, column: str, condition: str) -> dict[tuple[dt.date, str], int]:
    """(week, priority) → tickets whose ``column`` falls in the period."""
    start, end = ctx.time.bounds(ctx.period)
    day_sql = ctx.time.local_day_sql(column, ctx.period)
    clause, params = customer_filter(ctx.scope, "t.customer_id", "t.assignee_id")
    found: dict[tuple[dt.date, str], int] = defaultdict(int)
    for day, priority, count in fetch_all(
            f"select {day_sql}, t.priority, count(*) from ticket t where {column} >= ?"
            f" and {column} < ?{condition}{clause} group by {day_sql}, t.priority",
            (start, end, *params)):
        found[(week_start(as_date(day)), priority)] += count  # type: ignore[arg-type]
    return found


def _clocks(ctx: ReportContext) -> dict[str, tuple]:
    """Per priority, of the tickets opened in the period: count, first answers met, breached,
    their seconds and count, resolutions met, breached, their seconds and count."""
    start, end = ctx.time.bounds(ctx.period)
    # Still missing past its due time is judged when the period ends (or now, while it
    # lasts), so a period's figures do not change with the hour they are made.
    as_of = min(ctx.now, end)
    clause, params = customer_filter(ctx.scope, "t.customer_id", "t.assignee_id")
    answered = seconds_between_sql("t.created_at", "t.first_responded_at")
    # The team's time only: waits for the customer paused the clock (crm.service.sla).
    resolved = (f"({seconds_between_sql('t.created_at', _DONE_AT)}"
                " - coalesce(t.resolution_paused_seconds, 0))")
    rows = fetch_all(
        "select t.priority, count(*),"
        " sum(case when t.first_responded_at <= t.first_response_due_at then 1 else 0 end),"
        " sum(case when t.first_responded_at > t.first_response_due_at or"
        " (t.first_responded_at is null and t.first_response_due_at < ?) then 1 else 0 end),"
        f" sum(case when t.first_responded_at is not null then {answered} end),"
        " sum(case when t.first_responded_at is not null then 1 else 0 end),"
        f" sum(case when {_DONE} and {_DONE_AT} <= t.resolution_due_at then 1 else 0 end),"
        f" sum(case when ({_DONE} and {_DONE_AT} > t.resolution_due_at) or (not {_DONE}"
        " and t.status <> 'waiting' and t.resolution_due_at < ?) then 1 else 0 end),"
        f" sum(case when {_DONE} then {resolved} end),"
        f" sum(case when {_DONE} then 1 else 0 end)"
        f" from ticket t where t.created_at >= ? and t.created_at < ?{clause}"
        " group by t.priority", (as_of, as_of, start, end, *params))
    return {row[0]: tuple(row[1:]) for row in rows}


def _hours(seconds: object, count: int) -> Decimal | None:
    return average(Decimal(round(seconds or 0)) / Decimal(3600), count) if count else None


def compute(ctx: ReportContext) -> Figures:
    """Weekly volume, the service levels per priority, and the headline numbers."""
    opened = _weekly(ctx, "t.created_at", "")
    closed = _weekly(ctx, _DONE_AT, f" and {_DONE}")
    weeks = weeks_of(ctx.period)
    volume = tuple((week, sum(opened[(week, p)] for p in PRIORITIES),
                    sum(closed[(week, p)] for p in PRIORITIES),
                    *(opened[(week, p)] for p in PRIORITIES)) for week in weeks)
    clocks = _clocks(ctx)
    rows, totals = [], [0] * 9
    for priority in PRIORITIES:
        n, met, late, s1, c1, done_met, done_late, s2, c2 = (int(v or 0) for v in clocks.get(
            priority, (0,) * 9))
        totals = [a + b for a, b in zip(totals, (n, met, late, s1, c1, done_met, done_late,
                                                 s2, c2), strict=True)]
        rows.append((Label(f"priority.{priority}"), n, met, late, percent(met, met + late),
                     _hours(s1, c1), done_met, done_late,
                     percent(done_met, done_met + done_late), _hours(s2, c2)))
    n, met, late, _, _, done_met, done_late, _, _ = totals
    summary = (("tickets_opened", n, ""), ("tickets_resolved", sum(r[2] for r in volume), ""),
               ("first_response_met", percent(met, met + late), "%"),
               ("resolution_met", percent(done_met, done_met + done_late), "%"))
    return Figures(summary=summary, tables=(
        Table("tickets_weeks", (Column("week", "week"), Column("tickets_opened", "count"),
                                Column("tickets_resolved", "count"),
                                *(Column(f"priority_{p}", "count") for p in PRIORITIES)),
              volume),
        Table("tickets_sla", (
            Column("priority"), Column("tickets_opened", "count"),
            Column("first_response_met", "count"), Column("first_response_breached", "count"),
            Column("first_response_rate", "percent"), Column("first_response_hours", "decimal"),
            Column("resolution_met", "count"), Column("resolution_breached", "count"),
            Column("resolution_rate", "percent"), Column("resolution_hours", "decimal")),
              tuple(rows))),
        charts=(Chart("tickets", "tickets_weeks", "column", (1, 2), "tickets"),
                Chart("tickets_sla", "tickets_sla", "column", (4, 8), "percent_met")))


register(ReportKind("tickets", compute, last_weeks, 70))
