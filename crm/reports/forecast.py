"""Forecast against won by month: open deals by expected-close month (amount, and amount
weighted by the stage's win probability) beside the deals won in each month (default
pipeline). Open deals expected before the period (overdue), after it or without a date have
their own rows, so the table adds up to the whole open pipeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crm.clock import as_date
from crm.permissions import Action
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
from crm.reports.shaping import main_currency, money
from crm.reports.timebase import month_start, months_around, months_of
from crm.sales.money import round_money
from crm.sales.pipelines import load_pipeline
from crm.sales.rules import weighted
from storage.database import fetch_all

_DEALS = (" from deal d join pipeline_stage st on st.id = d.stage_id"
          " where d.pipeline_id = ? and d.deleted_at is null")


BEFORE, AFTER = "before", "after"  # open deals expected outside the period's months
Bucket = dt.date | str | None  # a month of the period, BEFORE, AFTER, or None: no date


class _Month:
    """Running totals of one bucket (a month, before or after the period, no date) in one
    currency."""

    def __init__(self, code: str) -> None:
        self.open_deals, self.won_deals = 0, 0
        # Zeros with the currency's decimals: an empty month reads 0.00 like the others.
        self.amount, self.weighted, self.won = money(0, code), money(0, code), money(0, code)


def _month(months: dict[tuple[Bucket, str], _Month], bucket: Bucket, code: str) -> _Month:
    """The running totals of a bucket in a currency, started at zero when new."""
    return months.setdefault((bucket, code), _Month(code))


def _bucket(day: dt.date | None, ctx: ReportContext) -> Bucket:
    if day is None:
        return None
    if day < ctx.period.since:
        return BEFORE
    return AFTER if day >= ctx.period.until else month_start(day)


def _fill(ctx: ReportContext) -> dict[tuple[Bucket, str], _Month]:
    pipeline_id = load_pipeline(None).id
    clause, params = customer_filter(ctx.scope, "d.customer_id", "d.owner_id")
    months: dict[tuple[Bucket, str], _Month] = {}
    # Every open deal counts somewhere: one expected before the period is still in the
    # pipeline (overdue, usually), and leaving it out would shrink the pipeline unsaid.
    for close, code, probability, count, minor in fetch_all(
            "select d.expected_close, d.currency, st.probability, count(*),"
            f" sum(coalesce(d.amount_minor, 0)){_DEALS} and st.kind = 'open'"
            f"{clause} group by d.expected_close, d.currency, st.probability",
            (pipeline_id, *params)):
        month = _month(months, _bucket(as_date(close), ctx), code)
        amount = money(minor, code)
        month.open_deals += count
        month.amount += amount
        month.weighted += weighted(amount, probability)  # exact: rounded once, per month
    start, end = ctx.time.bounds(ctx.period)
    day_sql = ctx.time.local_day_sql("d.closed_at", ctx.period)
    for day, code, count, minor in fetch_all(
            f"select {day_sql}, d.currency, count(*), sum(coalesce(d.amount_minor, 0)){_DEALS}"
            f" and st.kind = 'won' and d.closed_at >= ? and d.closed_at < ?{clause}"
            f" group by {day_sql}, d.currency", (pipeline_id, start, end, *params)):
        month = _month(months, month_start(as_date(day)), code)  # type: ignore[arg-type]
        month.won_deals += count
        month.won += money(minor, code)
    return months


def _label(bucket: Bucket, ctx: ReportContext) -> dt.date | Label:
    if isinstance(bucket, dt.date):
        return bucket
    if bucket == BEFORE:
        return Label("before_period", (("date", ctx.period.since.isoformat()),))
    if bucket == AFTER:
        return Label("after_period", (("date", ctx.period.last.isoformat()),))
    return Label("no_date")


def _rows(ctx: ReportContext, months: dict[tuple[Bucket, str], _Month], code: str) -> tuple:
    """Per currency: open deals expected before the period, each month, after it, no date."""
    rows = []
    for currency in sorted({c for _, c in months} | {code}):
        for bucket in [BEFORE, *months_of(ctx.period), AFTER, None]:
            found = months.get((bucket, currency))
            if found is None and not (isinstance(bucket, dt.date) and currency == code):
                continue
            found = found or _Month(currency)
            rows.append((_label(bucket, ctx), currency, found.open_deals, found.amount,
                         round_money(found.weighted, currency), found.won_deals, found.won))
    return tuple(rows)


def _summary(months: dict[tuple[Bucket, str], _Month], code: str) -> tuple:
    inside = [m for (b, c), m in months.items() if c == code and isinstance(b, dt.date)]
    before = [m for (b, _), m in months.items() if b == BEFORE]
    return (
        ("open_amount", sum((m.amount for (_, c), m in months.items() if c == code),
                            Decimal(0)), code),
        ("forecast_amount", sum((m.amount for m in inside), Decimal(0)), code),
        ("weighted_amount", round_money(sum((m.weighted for m in inside), Decimal(0)), code),
         code),
        ("before_deals", sum(m.open_deals for m in before), ""),  # every currency
        ("before_amount", sum((m.amount for (b, c), m in months.items()
                               if b == BEFORE and c == code), Decimal(0)), code),
        ("won_amount", sum((m.won for m in inside), Decimal(0)), code),
        ("deals_won", sum(m.won_deals for m in months.values()), ""))  # every currency


def compute(ctx: ReportContext) -> Figures:
    """Every bucket of the period per currency, and the chart currency's months."""
    months = _fill(ctx)
    code = main_currency((c, m.open_deals + m.won_deals) for (_, c), m in months.items())
    chart_rows = tuple((month, *(_chart_values(months.get((month, code)), code)))
                       for month in months_of(ctx.period))
    columns = (Column("month", "month"), Column("currency"), Column("open_deals", "count"),
               Column("forecast", "money"), Column("weighted", "money"),
               Column("deals_won", "count"), Column("won", "money"))
    chart_columns = (Column("month", "month"), Column("forecast", "money"),
                     Column("weighted", "money"), Column("won", "money"))
    return Figures(summary=_summary(months, code),
                   tables=(Table("forecast_months", columns, _rows(ctx, months, code)),
                           Table("forecast_chart", chart_columns, chart_rows)),
                   charts=(Chart("forecast", "forecast_chart", "column", (2, 3), "amount",
                                 params=(("currency", code),)),))


def _chart_values(month: _Month | None, code: str) -> tuple[Decimal, Decimal, Decimal]:
    month = month or _Month(code)
    return month.amount, round_money(month.weighted, code), month.won


register(ReportKind("forecast", compute, months_around, 30, (Action.REPORT, Action.FORECAST)))
