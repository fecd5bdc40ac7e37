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
from crm.reports.picture import chart_png
from crm.reports.timebase import MAX_DAYS, Period, TimeBase, make_period
from crm.reports.workbook import workbook_bytes
from crm.sales.pipelines import ensure_default_pipeline, load_pipeline
from crm.service.sla import due_times
from storage import bulk
from storage.database import database, fetch_all, is_sqlite, sqlite_path

SEED = 23
DEAL_SHARE = 0.25  # customers with a deal (a tenth of them a second one)
REPEAT_BUYERS = 0.08  # customers with orders of their own, besides won deals
TICKET_SHARE = 0.08  # customers who asked for help (a quarter of them twice)
PRIORITIES = (("urgent", 1), ("high", 3), ("normal", 10), ("low", 4))
ORDER_STATUSES = (("completed", 8), ("confirmed", 1), ("cancelled", 1))
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
            _generate(anchor, random.Random(SEED))
            for table in ("deal", "deal_stage_history", "sales_order", "ticket"):
                bulk.sync_sequence(table)
        if sqlite:
            database.execute_sql("pragma foreign_keys = on")
        for table in ("deal", "deal_stage_history", "sales_order", "ticket"):
            database.execute_sql(f"analyze {table}")
    return {t: fetch_all(f"select count(*) from {t}")[0][0]
            for t in ("customer", "interaction", "deal", "deal_stage_history", "sales_order",
                      "ticket")}


def _generate(anchor: dt.datetime, rnd: random.Random) -> None:
    pipeline = load_pipeline(ensure_default_pipeline(now=anchor))
    stages = pipeline.stages
    opens = [s for s in stages if s.kind == "open"]
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    ids = {"deal": bulk.next_id("deal"), "order": bulk.next_id("sales_order"),
           "ticket": bulk.next_id("ticket")}
    deals, history, orders, tickets = [], [], [], []
    for customer_id, owner, created in fetch_all(
            "select id, owner_id, created_at from customer order by id"):
        start = as_datetime(created)
        if rnd.random() < DEAL_SHARE:
            for _ in range(2 if rnd.random() < 0.1 else 1):
                _deal(rnd, ids, (customer_id, owner, start), anchor, (opens, won, lost),
                      pipeline.id, (deals, history, orders))
        if rnd.random() < REPEAT_BUYERS:
            for _ in range(rnd.randint(1, 6)):
                _order(rnd, ids, customer_id, owner, anchor - dt.timedelta(
                    days=rnd.randrange(730)), None, rnd.randrange(5_000, 2_000_000), orders)
        if rnd.random() < TICKET_SHARE:
            for _ in range(2 if rnd.random() < 0.25 else 1):
                _ticket(rnd, ids, (customer_id, owner, start), anchor, tickets)
        if len(history) > 50_000:
            _flush(deals, history, orders, tickets)
    _flush(deals, history, orders, tickets)


def _deal(rnd: random.Random, ids: dict[str, int], buyer: tuple, anchor: dt.datetime,
          kinds: tuple, pipeline_id: int, rows: tuple[list, list, list]) -> None:
    customer_id, owner, since = buyer
    opens, won, lost = kinds
    deals, history, orders = rows
    created = since + dt.timedelta(seconds=rnd.randrange(max(1, int(
        (anchor - since).total_seconds()))))
    furthest = rnd.choices(range(len(opens)), weights=(30, 25, 20, 15, 10))[0]
    age = (anchor - created).days
    outcome = "open" if age < 120 and rnd.random() < 0.6 else rnd.choices(
        ("won", "lost", "open"), weights=(35, 50, 15))[0]
    path = [s for s in opens[:furthest + 1] if s is opens[0] or rnd.random() < 0.85]
    closed = None
    if outcome != "open":
        closed = min(anchor, created + dt.timedelta(days=rnd.randint(3, 120),
                                                    hours=rnd.randrange(24)))
        path.append(won if outcome == "won" else lost)
    deal_id = ids["deal"]
    ids["deal"] += 1
    amount = rnd.randrange(1_000, 500_000) * 100
    code = "USD" if rnd.random() < 0.05 else "CNY"
    close_day = (created + dt.timedelta(days=rnd.randint(20, 180))).date()
    deals.append((deal_id, pipeline_id, path[-1].id, f"商机 {deal_id}", customer_id, owner,
                  amount, code, close_day, "price" if outcome == "lost" else None, closed,
                  owner, created, closed or created))
    previous = None
    for step, stage in enumerate(path):
        when = closed if stage.kind != "open" else created + dt.timedelta(days=step * 3)
        history.append((deal_id, previous, stage.id, min(when, anchor), owner,
                        "price" if stage.kind == "lost" else None))
        previous = stage.id
    if outcome == "won":
        _order(rnd, ids, customer_id, owner, closed, deal_id, amount, orders, status="completed",
               code=code)


def _order(rnd: random.Random, ids: dict[str, int], customer_id: int, owner: int | None,
           when: dt.datetime, deal_id: int | None, total: int, orders: list, *,
           status: str | None = None, code: str = "CNY") -> None:
    status = status or rnd.choices([s for s, _ in ORDER_STATUSES],
                                   weights=[w for _, w in ORDER_STATUSES])[0]
    paid = total if status == "completed" else (total if rnd.random() < 0.5 else 0) \
        if status == "confirmed" else 0
    order_id = ids["order"]
    ids["order"] += 1
    orders.append((order_id, f"SO-B-{order_id:08d}", customer_id, deal_id, owner, code, status,
                   total, 0, total, paid, when.date(), when if status != "cancelled" else None,
                   when if status == "completed" else None,
                   when if status == "cancelled" else None, owner, when, when))


def _ticket(rnd: random.Random, ids: dict[str, int], buyer: tuple, anchor: dt.datetime,
            tickets: list) -> None:
    """A ticket somewhere in the last three years: most answered and resolved, some late."""
    customer_id, owner, since = buyer
    opened = max(since, anchor - dt.timedelta(minutes=rnd.randrange(MAX_DAYS * 1440)))
    priority = rnd.choices([p for p, _ in PRIORITIES], weights=[w for _, w in PRIORITIES])[0]
    settings = runtime.config()
    first_due, resolution_due = due_times(priority, opened, settings["service.first_response"],
                                          settings["service.resolution"])
    answered = opened + dt.timedelta(minutes=rnd.randrange(5, 2_880))
    done = opened + dt.timedelta(minutes=rnd.randrange(60, 14_400))
    finished = done < anchor and rnd.random() < 0.9
    status = rnd.choice(("resolved", "closed")) if finished else "open"
    ticket_id = ids["ticket"]
    ids["ticket"] += 1
    tickets.append((ticket_id, f"T-B-{ticket_id:08d}", customer_id, "问题", "", status,
                    priority, "staff", owner, owner, first_due, resolution_due,
                    answered if answered < anchor else None, done if finished else None,
                    done if status == "closed" else None, opened, done if finished else opened))


def _flush(deals: list, history: list, orders: list, tickets: list) -> None:
    bulk.insert_rows("deal", (
        "id", "pipeline_id", "stage_id", "title", "customer_id", "owner_id", "amount_minor",
        "currency", "expected_close", "lost_reason", "closed_at", "created_by_id", "created_at",
        "updated_at"), deals)
    bulk.insert_rows("deal_stage_history", ("deal_id", "from_stage_id", "to_stage_id",
                                            "moved_at", "moved_by_id", "lost_reason"), history)
    bulk.insert_rows("sales_order", (
        "id", "number", "customer_id", "deal_id", "owner_id", "currency", "status",
        "subtotal_minor", "discount_minor", "total_minor", "paid_minor", "ordered_on",
        "confirmed_at", "completed_at", "cancelled_at", "created_by_id", "created_at",
        "updated_at"), orders)
    bulk.insert_rows("ticket", (
        "id", "number", "customer_id", "subject", "description", "status", "priority", "channel",
        "assignee_id", "created_by_id", "first_response_due_at", "resolution_due_at",
        "first_responded_at", "resolved_at", "closed_at", "created_at", "updated_at"), tickets)
    for rows in (deals, history, orders, tickets):
        rows.clear()


def _warm_up_chart() -> reports.Chart:
    """matplotlib's one-time import and font scan (~1-2 s a process) are not a report's."""
    return reports.Chart("funnel", "funnel", "bar", (1,))


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
