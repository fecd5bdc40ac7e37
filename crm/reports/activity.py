"""Activity per staff member per week: each kind of logged interaction (calls, visits,
meetings, messages, e-mails, notes) counted on its own, by the local week (from Monday) it
happened in."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from crm.clock import as_date
from crm.customers.views import INTERACTION_KINDS
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
from crm.reports.timebase import last_weeks, week_start, weeks_of
from crm.search_terms import name_order
from crm.visibility import Scope
from storage.database import fetch_all

# Each kind's column and headline figure (reports.column/figure.<plural>), in this order.
PLURALS = {"call": "calls", "visit": "visits", "meeting": "meetings", "message": "messages",
           "email": "emails", "note": "notes"}
SLOTS = {kind: slot for slot, kind in enumerate(INTERACTION_KINDS)}
Counts = list[int]  # one count per kind of INTERACTION_KINDS


def _none() -> Counts:
    return [0] * len(INTERACTION_KINDS)


def _counts(ctx: ReportContext) -> dict[tuple[int | None, dt.date], Counts]:
    """(staff id, week) → counts of the interactions the report covers, per kind."""
    start, end = ctx.time.bounds(ctx.period)
    day_sql = ctx.time.local_day_sql("i.occurred_at", ctx.period)
    clause, params = customer_filter(ctx.scope, "i.customer_id", "i.staff_id")
    found: dict[tuple[int | None, dt.date], Counts] = defaultdict(_none)
    for staff, day, kind, count in fetch_all(
            f"select i.staff_id, {day_sql}, i.kind, count(*) from interaction i"
            " where i.occurred_at >= ?"
            f" and i.occurred_at < ?{clause} group by i.staff_id, {day_sql}, i.kind",
            (start, end, *params)):
        if kind in SLOTS:  # every stored kind is one of them (crm.customers.inputs checks)
            found[(staff, week_start(as_date(day)))][SLOTS[kind]] += count  # type: ignore[arg-type]
    return found


def _people(scope: Scope | None, active: set[int | None]) -> list[tuple[int | None, str | Label]]:
    """Everyone in the report: who logged something, and the active agents and managers in
    reach who did not (a zero is news too), by name."""
    rows = fetch_all("select id, name, role, active from staff_user")
    names = {r[0]: r[1] for r in rows}
    expected = {r[0] for r in rows if r[3] and r[2] in ("agent", "manager")
                and (scope is None or r[0] in scope.owners)}
    people = [(s, names.get(s) if s is not None else None) for s in active | expected]
    people.sort(key=lambda p: (p[1] is None, name_order(p[1] or ""), p[0] or 0))
    return [(s, name if name is not None else Label("nobody")) for s, name in people]


def compute(ctx: ReportContext) -> Figures:
    """Per person per week, per person over the period, and the weekly trend."""
    found = _counts(ctx)
    weeks = weeks_of(ctx.period)
    people = _people(ctx.scope, {s for s, _ in found})
    per_person: dict[int | None, Counts] = defaultdict(_none)
    per_week: dict[dt.date, Counts] = defaultdict(_none)
    for (staff, week), counts in found.items():
        for slot, count in enumerate(counts):
            per_person[staff][slot] += count
            per_week[week][slot] += count
    weekly = tuple((name, week, *found.get((staff, week), _none()),
                    sum(found.get((staff, week), _none())))
                   for staff, name in people for week in weeks)
    totals = tuple((name, *per_person[staff], sum(per_person[staff])) for staff, name in people)
    trend = tuple((week, *per_week[week], sum(per_week[week])) for week in weeks)
    kinds = (*(Column(PLURALS[kind], "count") for kind in INTERACTION_KINDS),
             Column("total", "count"))
    overall = [sum(c[slot] for c in per_person.values()) for slot in SLOTS.values()]
    summary = (*((PLURALS[kind], overall[slot], "") for kind, slot in SLOTS.items()),
               ("active_staff", sum(1 for c in per_person.values() if sum(c)), ""))
    series = tuple(range(1, len(INTERACTION_KINDS) + 1))
    return Figures(summary=summary, tables=(
        Table("activity_staff", (Column("staff"), *kinds), totals),
        Table("activity_weeks", (Column("staff"), Column("week", "week"), *kinds), weekly),
        Table("activity_trend", (Column("week", "week"), *kinds), trend),
    ), charts=(Chart("activity", "activity_staff", "column", series, "interactions",
                     stacked=True),
               Chart("activity_trend", "activity_trend", "line", series, "interactions")))


register(ReportKind("activity", compute, last_weeks, 40))
