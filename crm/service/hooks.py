"""How the service desk joins the customer record: tickets show on the timeline, follow a
merge, and lose what the person wrote when they are erased."""

from __future__ import annotations

from crm.clock import as_datetime
from crm.customers.duplicates import register_customer_reference
from crm.customers.interactions import merged_from, register_timeline_source
from crm.customers.views import TimelineEntry
from crm.privacy import ERASED, Moment, register_erasure_hook, register_export_section
from storage.database import database, fetch_all, sql


def ticket_timeline(customer_id: int, count: int) -> list[TimelineEntry]:
    """Each ticket when it was opened, with its number, subject and status now, who opened
    it (a staff member, else the customer from the chat) and the merged record it came with."""
    rows = fetch_all(
        "select t.id, t.number, t.subject, t.status, t.created_at, t.priority, t.merged_from_id,"
        " m.name, m.erased_at, s.name, t.created_by_id from ticket t"
        " left join customer m on m.id = t.merged_from_id"
        " left join staff_user s on s.id = t.created_by_id"
        " where t.customer_id = ? order by t.created_at desc, t.id desc limit ?",
        (customer_id, count))
    return [TimelineEntry(as_datetime(r[4]), "ticket", "opened", f"{r[1]} {r[2]}", r[9], r[0],
                          {"status": r[3], "priority": r[5]}
                          | ({"by_customer": True} if r[10] is None else {}),
                          merged_from(*r[6:9]))
            for r in rows]


def tickets_of(customer_id: int, at: Moment) -> list[dict]:
    """Privacy export: every ticket of the customer with all its messages (internal notes
    too: they are data about the person)."""
    rows = fetch_all(
        "select t.id, t.number, t.subject, t.description, t.status, t.priority, t.channel,"
        " a.name, t.created_at, t.first_responded_at, t.resolved_at, t.closed_at, t.rating"
        " from ticket t left join staff_user a on a.id = t.assignee_id"
        " where t.customer_id = ? order by t.created_at, t.id", (customer_id,))
    return [{"number": r[1], "subject": r[2], "description": r[3], "status": r[4],
             "priority": r[5], "channel": r[6], "assignee": r[7], "created_at": at(r[8]),
             "first_answered": at(r[9]), "resolved": at(r[10]), "closed_at": at(r[11]),
             "rating": r[12], "messages": _messages(r[0], at)} for r in rows]


def _messages(ticket_id: int, at: Moment) -> list[dict]:
    rows = fetch_all(
        "select m.created_at, m.author, s.name, m.body, m.internal, m.file_name"
        " from ticket_message m left join staff_user s on s.id = m.staff_id"
        " where m.ticket_id = ? order by m.created_at, m.id", (ticket_id,))
    return [{"at": at(r[0]), "author": r[1], "by": r[2], "body": r[3], "internal": bool(r[4]),
             "file_name": r[5]} for r in rows]


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
    register_customer_reference("ticket", marks_origin=True)
    register_timeline_source(ticket_timeline)
    register_erasure_hook(erase_service_text)
    register_export_section("tickets", tickets_of)
