"""`crm demo-data` gives a new installation sales and service to look at: deals that moved
through the pipeline, orders, tickets, all consistent, and reports with figures in them."""

from __future__ import annotations

import datetime as dt

import peewee

from crm import reports
from crm.actors import Actor, Channel
from crm.demo import create_demo_data
from storage.database import fetch_all

SYSTEM = Actor.system(Channel.CLI)
NOW = dt.datetime(2026, 6, 15, 4, 0)


def _count(sql: str, params: tuple = ()) -> int:
    return fetch_all(sql, params)[0][0]


def test_demo_customers_come_with_deals_orders_and_tickets(db: peewee.Database) -> None:
    counts = create_demo_data(SYSTEM, customers=400, seed=5, now=NOW)
    assert counts["deal"] > 50 and counts["sales_order"] > 50 and counts["ticket"] > 10
    # Every deal stands where its stage history last moved it, and moved from where it was.
    assert _count("select count(*) from deal d where d.stage_id <> (select h.to_stage_id from"
                  " deal_stage_history h where h.deal_id = d.id order by h.moved_at desc, h.id"
                  " desc limit 1)") == 0
    assert _count("select count(*) from deal d join pipeline_stage s on s.id = d.stage_id"
                  " where (s.kind = 'open') <> (d.closed_at is null)") == 0
    # Each won deal became a completed order of its amount; nothing is dated after "now".
    assert _count("select count(*) from deal d join pipeline_stage s on s.id = d.stage_id"
                  " where s.kind = 'won' and not exists (select 1 from sales_order o where"
                  " o.deal_id = d.id and o.status = 'completed' and o.total_minor ="
                  " d.amount_minor)") == 0
    assert _count("select count(*) from deal where created_at > ?", (NOW,)) == 0
    assert _count("select count(*) from sales_order where number not like ?", ("SO-D-%",)) == 0
    assert _count("select count(*) from ticket where number not like ?", ("T-D-%",)) == 0
    owners = {row[0] for row in fetch_all("select distinct owner_id from deal")}
    assert owners <= {row[0] for row in fetch_all("select id from staff_user")}


def test_reports_on_demo_data_have_figures(db: peewee.Database) -> None:
    create_demo_data(SYSTEM, customers=400, seed=5, now=NOW)
    for kind in ("funnel", "pipeline", "segments", "tickets"):
        report = reports.run_report(SYSTEM, kind, since="2025-01-01", until="2026-06-14",
                                    now=NOW)
        rows = [row for table in report.figures.tables for row in table.rows]
        assert any(isinstance(v, int | float) and v > 0 for row in rows for v in row), kind


def test_a_second_batch_adds_sales_for_its_own_customers_only(db: peewee.Database) -> None:
    create_demo_data(SYSTEM, customers=200, seed=5, now=NOW)
    first = _count("select count(*) from deal")
    create_demo_data(SYSTEM, customers=200, seed=6, now=NOW, sales=False)
    assert _count("select count(*) from deal") == first
    create_demo_data(SYSTEM, customers=200, seed=7, now=NOW)
    newest = _count("select min(id) from customer where id > (select max(customer_id)"
                    " from deal where id <= ?)", (first,))
    assert _count("select count(*) from deal") > first
    assert _count("select count(*) from deal where id > ? and customer_id < ?",
                  (first, newest)) == 0
