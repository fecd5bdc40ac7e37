"""New customers by source and month: customers created in the period (not deleted or merged
away), by the local month they were created in and the source they came from."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from crm.clock import as_date
from crm.reports.access import scope_sql
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
from crm.reports.timebase import last_months, month_start, months_of
from crm.sales.figures import percent
from crm.search_terms import name_order
from storage.database import fetch_all

CHART_SOURCES = 6  # sources drawn one by one; the rest are added up as "other sources"


def _counts(ctx: ReportContext) -> dict[tuple[dt.date, str | None], int]:
    start, end = ctx.time.bounds(ctx.period)
    day_sql = ctx.time.local_day_sql("c.created_at", ctx.period)
    clause, params = scope_sql(ctx.scope, "c")
    found: dict[tuple[dt.date, str | None], int] = defaultdict(int)
    for day, source, count in fetch_all(
            f"select {day_sql}, c.source, count(*) from customer c where c.deleted_at is null"
            f" and c.created_at >= ? and c.created_at < ?{clause} group by {day_sql}, c.source",
            (start, end, *params)):
        found[(month_start(as_date(day)), source or None)] += count  # type: ignore[arg-type]
    return found


def _source(value: str | None) -> str | Label:
    return value if value else Label("no_source")


def compute(ctx: ReportContext) -> Figures:
    """Per month and source, per source, and a month × source table for the chart."""
    found = _counts(ctx)
    months = months_of(ctx.period)
    by_source: dict[str | None, int] = defaultdict(int)
    for (_, source), count in found.items():
        by_source[source] += count
    total = sum(by_source.values())
    ranked = sorted(by_source, key=lambda s: (-by_source[s], s is None, name_order(s or "")))
    drawn = ranked[:CHART_SOURCES]
    rest = ranked[CHART_SOURCES:]
    monthly = tuple((month, _source(source), found[(month, source)])
                    for month in months for source in sorted(
                        {s for m, s in found if m == month},
                        key=lambda s: (s is None, name_order(s or ""))))
    sources = tuple((_source(s), by_source[s], percent(by_source[s], total)) for s in ranked)
    columns = [Column("source", title=_source(s)) for s in drawn]
    if rest:
        columns.append(Column("source", title=Label("other_sources")))
    chart = tuple((month, *(found.get((month, s), 0) for s in drawn),
                   *((sum(found.get((month, s), 0) for s in rest),) if rest else ()))
                  for month in months)
    chart_columns = (Column("month", "month"),
                     *(Column(c.key, "count", title=c.title) for c in columns))
    series = tuple(range(1, len(columns) + 1)) or (1,)
    if not columns:  # nothing created: one empty series keeps the chart well formed
        chart_columns = (Column("month", "month"), Column("customers", "count"))
        chart = tuple((month, 0) for month in months)
    return Figures(
        summary=(("new_customers", total, ""), ("sources", len(by_source), "")),
        tables=(Table("customers_sources", (Column("source"), Column("customers", "count"),
                                            Column("share", "percent")), sources),
                Table("customers_months", (Column("month", "month"), Column("source"),
                                           Column("customers", "count")), monthly),
                Table("customers_chart", chart_columns, chart)),
        charts=(Chart("new_customers", "customers_chart", "column", series, "customers",
                      stacked=True),))


register(ReportKind("new_customers", compute, last_months, 50))
