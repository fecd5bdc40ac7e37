"""How the service desk joins the customer record: tickets show on the timeline, follow a
merge, and lose what the person wrote when they are erased."""

from __future__ import annotations

from crm.clock import as_datetime
from crm.customers.duplicates import register_customer_reference
from crm.customers.interactions import register_timeline_source
from crm.customers.views import TimelineEntry
from crm.privacy import ERASED, register_erasure_hook
from storage.database import database, fetch_all, sql


def ticket_timeline(customer_id: int, count: int) -> list[TimelineEntry]:
    """Each ticket when it was opened, with its number, subject and status now."""
    rows = fetch_all("select id, number, subject, status, created_at, priority from ticket"
                     " where customer_id = ? order by created_at desc, id desc limit ?",
                     (customer_id, count))
    return [TimelineEntry(as_datetime(r[4]), "ticket", "opened", f"{r[1]} {r[2]}", None, r[0],
                          {"status": r[3], "priority": r[5]}) for r in rows]


def erase_service_text(customer_id: int) -> None:
    """Erasure: what the person and staff wrote goes; numbers, dates and ratings stay, so the
    service figures still add up. The Telegram link goes too."""
    execute = database.execute_sql
    execute(sql("update ticket set subject = ?, description = '' where customer_id = ?"),
            (ERASED, customer_id))
    execute(sql("update ticket_message set body = '', file_id = null, file_name = null"
                " where ticket_id in (select id from ticket where customer_id = ?)"),
            (customer_id,))
    execute(sql("update customer set telegram_user_id = null, telegram_locale = null"
                " where id = ?"), (customer_id,))


def register() -> None:
    """Plug the service desk into the customer record (idempotent)."""
    register_customer_reference("ticket")
    register_timeline_source(ticket_timeline)
    register_erasure_hook(erase_service_text)
