"""How sales joins the customer record: timeline sources, merges, privacy export and erasure."""

from __future__ import annotations

from crm.customers.duplicates import register_customer_reference
from crm.customers.interactions import register_timeline_source
from crm.privacy import ERASED, register_erasure_hook, register_export_section
from crm.sales.assignment import assignment_timeline
from crm.sales.deal_load import deal_timeline
from crm.sales.orders import order_timeline
from crm.sales.payments import payment_timeline
from crm.sales.personal_data import assignments_of, deals_of, orders_of
from storage.database import database, sql

# Rows that follow their customer into the surviving record of a merge; deals and orders
# remember the record they came from (their cards say so).
MERGED_TABLES = ("deal", "sales_order", "payment", "lead_assignment", "notification")
MARKED_TABLES = ("deal", "sales_order")


def erase_sales_text(customer_id: int) -> None:
    """Erasure: free text about the person goes; amounts, stages and dates stay, so the
    business figures still add up."""
    execute = database.execute_sql
    execute(sql("update deal set title = ?, notes = null, lost_note = null, source = null"
                " where customer_id = ?"), (ERASED, customer_id))
    execute(sql("update deal_stage_history set lost_note = null where deal_id in"
                " (select id from deal where customer_id = ?)"), (customer_id,))
    execute(sql("update sales_order set notes = null where customer_id = ?"), (customer_id,))
    execute(sql("update order_line set description = ? where product_id is null and order_id in"
                " (select id from sales_order where customer_id = ?)"), (ERASED, customer_id))
    execute(sql("update payment set note = null, void_reason = null where customer_id = ?"),
            (customer_id,))
    execute(sql("update lead_assignment set note = null where customer_id = ?"), (customer_id,))
    execute(sql("delete from notification where customer_id = ?"), (customer_id,))


def register() -> None:
    """Plug sales into the customer record (idempotent; done when crm.sales is imported)."""
    for source in (deal_timeline, order_timeline, payment_timeline, assignment_timeline):
        register_timeline_source(source)
    for table in MERGED_TABLES:
        register_customer_reference(table, marks_origin=table in MARKED_TABLES)
    register_erasure_hook(erase_sales_text)
    register_export_section("deals", deals_of)
    register_export_section("orders", orders_of)
    register_export_section("assignments", assignments_of)
