"""Every report kind on the million-customer database, against a raw SQL aggregate over the
same rows.

The cached customer database (bench/bench_customers.py) has staff, customers and their
interactions but no sales; this benchmark adds deals, their stage history and orders to its
own copy, deterministically (a fixed seed, dates counted from the newest customer), so the
cache itself is never changed and stays valid for the other benchmarks.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
import tracemalloc
from pathlib import Path

from bench.bench_customers import fill, prepared_sqlite, size
from bench.common import Figure
from crm import reports, runtime
from crm.actors import Actor, Channel, Role
from crm.clock import as_datetime
from crm.demo_sales import TABLES, add_demo_sales
from crm.reports.picture import chart_png
from crm.reports.timebase import MAX_DAYS, Period, TimeBase, make_period
from crm.reports.workbook import workbook_bytes
from storage.database import database, fetch_all, is_sqlite, sqlite_path

SEED = 23
# The floor each kind is compared with: one raw aggregate over the rows it reads (the same
# period, no visibility rule, no local calendar, nothing done in Python).
BARE_SQL = {
    "funnel": "select h.to_stage_id, count(*) from deal_stage_history h join deal d"
              " on d.id = h.deal_id where d.created_at >= ? and d.created_at < ?"
              " group by h.to_stage_id",
    "pipeline": "select d.owner_id, d.stage_id, count(*), sum(d.amount_minor) from deal d"
                " where d.closed_at is null or (d.closed_at >= ? and d.closed_at < ?)"
                " group by d.owner_id, d.stage_id",
    "forecast": "select d.expected_close, count(*), sum(d.amount_minor) from deal d"
                " where (d.expected_close >= ? and d.expected_close < ?)"
                " or d.closed_at is not null group by d.expected_close",
    "activity": "select i.staff_id, i.kind, count(*) from interaction i"
                " where i.occurred_at >= ? and i.occurred_at < ? group by i.staff_id, i.kind",
    "new_customers": "select c.source, count(*) from customer c"
                     " where c.created_at >= ? and c.created_at < ? group by c.source",
    "segments": "select o.customer_id, count(*), sum(o.total_minor), max(o.ordered_on)"
                " from sales_order o where o.ordered_on >= ? and o.ordered_on < ?"
                " group by o.customer_id",
    "tickets": "select t.priority, count(*), sum(case when t.first_responded_at <="
               " t.first_response_due_at then 1 else 0 end) from ticket t"
               " where t.created_at >= ? and t.created_at < ? group by t.priority",
}


def _anchor() -> dt.datetime:
    """A day after the newest customer: "now" for the generated sales and the reports."""
    newest = as_datetime(fetch_all("select max(created_at) from customer")[0][0])
    return (newest or dt.datetime(2026, 1, 1)).replace(microsecond=0) + dt.timedelta(days=1)


def add_sales(anchor: dt.datetime) -> dict[str, int]:
    """Deals with stage history and orders for the customers, once (counts of what exists)."""
    if fetch_all("select count(*) from deal")[0][0] == 0:
        sqlite = is_sqlite(database)
        if sqlite:  # generated rows point at rows that exist: skip the per-row key checks
            database.execute_sql("pragma foreign_keys = off")
        with database.atomic():
            add_demo_sales(anchor, random.Random(SEED))
        if sqlite:
            database.execute_sql("pragma foreign_keys = on")
        for table in TABLES:
            database.execute_sql(f"analyze {table}")
    return {t: fetch_all(f"select count(*) from {t}")[0][0]
            for t in ("customer", "interaction", "deal", "deal_stage_history", "sales_order",
                      "ticket")}


def _warm_up_chart() -> reports.Chart:
    """matplotlib's one-time import and font scan (~1-2 s a process) are not a report's."""
    return reports.Chart("funnel", "funnel", "bar", (1,), "deals")


def _labels(key: str, **params: object) -> str:
    return key + "".join(f" {v}" for v in params.values())


def _seconds(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _bare(kind: str, period: Period, zone: str) -> float:
    since, until = TimeBase(zone).bounds(period)
    bounds = (period.since, period.until) if kind == "segments" else (since, until)
    return _seconds(lambda: fetch_all(BARE_SQL[kind], bounds))[0]


def _figures(label: str, anchor: dt.datetime) -> list[Figure]:
    admin = Actor.system(Channel.JOB)
    agent_row = fetch_all("select id, telegram_id, name from staff_user where role = 'agent'"
                          " order by id limit 1")[0]
    agent = Actor(channel=Channel.JOB, user_id=agent_row[0], telegram_id=agent_row[1],
                  role=Role.AGENT, name=agent_row[2])
    zone = runtime.config().timezone
    chart_png(reports.run_report(admin, "funnel", now=anchor), _warm_up_chart(), _labels)
    today = TimeBase(zone).today(anchor)
    longest = make_period(today - dt.timedelta(days=MAX_DAYS - 1), today, Period(today, today))
    figures = []
    for kind, report_kind in reports.KINDS.items():
        for name, period in (("usual period", report_kind.default_period(today)),
                             (f"{MAX_DAYS} days", longest)):
            figures.append(_one(label, kind, name, period, admin, agent, anchor, zone))
    run_all = functools.partial(reports.build_all_files, admin, labels=_labels, now=anchor)
    seconds, files = _seconds(run_all)
    figures.append(Figure(f"{label}: weekly workbook, every kind (all)", seconds, "s",
                          f"{len(files.xlsx) / 1000:,.0f} kB"))
    return figures


def _one(label: str, kind: str, name: str, period: Period, admin: Actor, agent: Actor,
         anchor: dt.datetime, zone: str) -> Figure:
    bare = min(_bare(kind, period, zone) for _ in range(2))
    options = {"since": period.since, "until": period.last, "now": anchor, "locale": "zh-CN"}
    compute, report = _seconds(lambda: reports.run_report(admin, kind, **options))
    book, content = _seconds(lambda: workbook_bytes([report], _labels))
    picture, _ = _seconds(lambda: chart_png(report, report.headline, _labels))
    own = (_seconds(lambda: reports.run_report(agent, kind, **options))[0]
           if kind != "forecast" else None)
    total = compute + book + picture
    note = (f"ratio {total / bare:.1f}x to raw aggregate {bare:.2f} s; figures {compute:.2f}"
            f" + xlsx {book:.2f} ({len(content) / 1000:.0f} kB) + png {picture:.2f}"
            + (f"; agent (own) {own:.2f}" if own is not None else ""))
    return Figure(f"{label}: {kind}, {name} (all)", total, "s", note)


def run(db, label: str) -> list[Figure]:
    """Entry point of the runner: the large database (with sales added) instead of ``db``."""
    if label == "SQLite":
        folder = Path(sqlite_path("sqlite:///" + db.database)).parent
        db, _ = prepared_sqlite(folder)
    elif fetch_all("select count(*) from customer")[0][0] < size():
        fill(db)
    anchor = _anchor()
    seconds, counts = _seconds(lambda: add_sales(anchor))
    figures = [Figure(f"{label}: {table}", count, "rows") for table, count in counts.items()]
    figures.append(Figure(f"{label}: adding the sales rows to the copy", seconds, "s",
                          f"seed {SEED}, dated up to {anchor:%Y-%m-%d}"))
    figures += _figures(label, anchor)
    figures.append(_memory(label, anchor))
    return figures


def _memory(label: str, anchor: dt.datetime) -> Figure:
    """Peak Python memory of the report holding the most rows in Python (segments: one entry
    per buyer), over the longest period, from building its figures to both files."""
    today = TimeBase(runtime.config().timezone).today(anchor)
    tracemalloc.start()
    files = reports.build_report_files(Actor.system(Channel.JOB), "segments", labels=_labels,
                                       since=today - dt.timedelta(days=MAX_DAYS - 1),
                                       until=today, now=anchor)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    buyers = sum(r[2] for r in files.report.table("segments").rows)
    return Figure(f"{label}: peak Python memory, segments over {MAX_DAYS} days", peak, "MB",
                  f"{buyers:,} buyers scored")
