"""Deterministic sample sales and service for the demo customers: deals moving through the
default pipeline (with their stage history), orders (won deals and repeat buyers) and tickets,
so every report, /deals and /tickets have something to show.

Written in bulk like the demo customers; numbers carry a D (SO-D-…, T-D-…) so they never meet
the ones the product hands out (SO-2026-…, T-2026-…).
"""

from __future__ import annotations

import datetime as dt
import random

from crm import runtime
from crm.clock import as_datetime
from crm.reports.timebase import MAX_DAYS
from crm.sales.pipelines import ensure_default_pipeline, load_pipeline
from crm.service.sla import due_times
from storage import bulk
from storage.database import fetch_all

DEAL_SHARE = 0.25  # customers with a deal (a tenth of them a second one)
REPEAT_BUYERS = 0.08  # customers with orders of their own, besides won deals
TICKET_SHARE = 0.08  # customers who asked for help (a quarter of them twice)
PRIORITIES = (("urgent", 1), ("high", 3), ("normal", 10), ("low", 4))
ORDER_STATUSES = (("completed", 8), ("confirmed", 1), ("cancelled", 1))
FLUSH_ROWS = 50_000
DEAL_TITLES = ("年度采购框架协议", "设备升级改造", "新产品试用", "扩容订单", "售后服务续约",
               "Annual support contract", "Pilot project", "Website redesign",
               "Bulk order for Q3", "渠道代理合作")
TICKET_SUBJECTS = ("发票信息有误", "货物运输破损", "无法登录系统", "安装调试指导", "退换货申请",
                   "Delivery is late", "Question about the invoice", "Password reset",
                   "产品使用咨询", "Wrong item received")
TABLES = ("deal", "deal_stage_history", "sales_order", "ticket")


def add_demo_sales(anchor: dt.datetime, rnd: random.Random, *,
                   first_customer: int = 0) -> None:
    """Sales and tickets up to ``anchor`` for the customers from ``first_customer`` on."""
    pipeline = load_pipeline(ensure_default_pipeline(now=anchor))
    stages = pipeline.stages
    opens = [s for s in stages if s.kind == "open"]
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    ids = {"deal": bulk.next_id("deal"), "order": bulk.next_id("sales_order"),
           "ticket": bulk.next_id("ticket")}
    deals: list[tuple] = []
    history: list[tuple] = []
    orders: list[tuple] = []
    tickets: list[tuple] = []
    for customer_id, owner, created in fetch_all(
            "select id, owner_id, created_at from customer where id >= ? order by id",
            (first_customer,)):
        start = min(as_datetime(created), anchor)
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
        if len(history) > FLUSH_ROWS:
            _flush(deals, history, orders, tickets)
    _flush(deals, history, orders, tickets)
    for table in TABLES:
        bulk.sync_sequence(table)


def _deal(rnd: random.Random, ids: dict[str, int], buyer: tuple, anchor: dt.datetime,
          kinds: tuple, pipeline_id: int, rows: tuple[list, list, list]) -> None:
    customer_id, owner, since = buyer
    opens, won, lost = kinds
    deals, history, orders = rows
    created = since + dt.timedelta(seconds=rnd.randrange(max(1, int(
        (anchor - since).total_seconds()))))
    furthest = rnd.choices(range(len(opens)), weights=(30, 25, 20, 15, 10)[:len(opens)])[0]
    age = (anchor - created).days
    outcome = "open" if age < 120 and rnd.random() < 0.6 else rnd.choices(
        ("won", "lost", "open"), weights=(35, 50, 15))[0]
    path = [s for s in opens[:furthest + 1] if s is opens[0] or rnd.random() < 0.85]
    closed = None
    if outcome != "open":
        # Closed after its last open stage was reached (those moves are 3 days apart).
        last_move = created + dt.timedelta(days=3 * (len(path) - 1), hours=1)
        closed = min(anchor, max(last_move, created + dt.timedelta(
            days=rnd.randint(3, 120), hours=rnd.randrange(24))))
        path.append(won if outcome == "won" else lost)
    deal_id = ids["deal"]
    ids["deal"] += 1
    amount = rnd.randrange(1_000, 500_000) * 100
    code = "USD" if rnd.random() < 0.05 else "CNY"
    close_day = (created + dt.timedelta(days=rnd.randint(20, 180))).date()
    title = DEAL_TITLES[deal_id % len(DEAL_TITLES)]
    deals.append((deal_id, pipeline_id, path[-1].id, title, customer_id, owner, amount, code,
                  close_day, "price" if outcome == "lost" else None, closed, owner, created,
                  closed or created))
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
    orders.append((order_id, f"SO-D-{order_id:08d}", customer_id, deal_id, owner, code, status,
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
    tickets.append((ticket_id, f"T-D-{ticket_id:08d}", customer_id,
                    TICKET_SUBJECTS[ticket_id % len(TICKET_SUBJECTS)],
                    "", status, priority, "staff", owner, owner, first_due, resolution_due,
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
