"""How reminders join the customer record: they follow a merge, go with an erasure, and show
on the timeline when they were set."""

from __future__ import annotations

from crm.clock import as_datetime
from crm.customers.duplicates import register_customer_reference
from crm.customers.interactions import register_timeline_source
from crm.customers.views import TimelineEntry
from crm.privacy import Moment, register_erasure_hook, register_export_section
from storage.database import database, fetch_all, sql


def erase_reminders(customer_id: int) -> None:
    """Erasure: reminders about the person say what staff wrote about them; they go."""
    database.execute_sql(sql("delete from reminder where customer_id = ?"), (customer_id,))


def reminders_of(customer_id: int, at: Moment) -> list[dict]:
    """Privacy export: every reminder about the customer, whoever it reminds."""
    rows = fetch_all(
        "select r.created_at, r.due_at, r.text, r.status, r.repeat, s.name from reminder r"
        " left join staff_user s on s.id = r.staff_id where r.customer_id = ?"
        " order by r.created_at, r.id", (customer_id,))
    return [{"created_at": at(r[0]), "due_at": at(r[1]), "text": r[2], "status": r[3],
             "repeat": r[4] or None, "staff": r[5]} for r in rows]


def reminder_timeline(customer_id: int, count: int) -> list[TimelineEntry]:
    """Follow-ups and reminders set about the customer, when they were set, and when they are
    due. A follow-up of a logged entry points to it (its kind and time) rather than repeating
    its text, which stands just below it."""
    rows = fetch_all(
        "select r.id, r.created_at, r.text, s.name, r.due_at, r.status, r.source, i.kind,"
        " i.occurred_at from reminder r left join staff_user s on s.id = r.staff_id"
        " left join interaction i on i.id = r.interaction_id and i.customer_id = r.customer_id"
        " where r.customer_id = ? and r.source in ('manual', 'follow_up')"
        " order by r.created_at desc, r.id desc limit ?", (customer_id, count))
    return [_entry(row) for row in rows]


def _entry(row: tuple) -> TimelineEntry:
    data = {"due_at": as_datetime(row[4]), "status": row[5]}
    if row[7] is None:
        return TimelineEntry(as_datetime(row[1]), "reminder", row[6], row[2], row[3], row[0],
                             data)
    data |= {"follows": row[7], "follows_at": as_datetime(row[8])}
    return TimelineEntry(as_datetime(row[1]), "reminder", row[6], "", row[3], row[0], data)


def register() -> None:
    """Plug reminders into the customer record (idempotent)."""
    register_customer_reference("reminder")
    register_timeline_source(reminder_timeline)
    register_erasure_hook(erase_reminders)
    register_export_section("reminders", reminders_of)
