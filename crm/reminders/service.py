"""Reminders: understood from words, stored, and owned by the staff member they remind."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from crm import audit
from crm.actors import Actor
from crm.clock import as_datetime, utcnow
from crm.customers import inputs
from crm.customers.load import require_visible
from crm.errors import NotFound, ValidationError
from crm.localtime import local_now, to_utc, zone_of
from crm.permissions import Action, require
from crm.reminders.views import FailedReminder, FollowUp, ReminderDraft, ReminderView
from crm.reminders.when import (
    REPEATS,
    find_when,
    follow_up_moment,
    next_occurrence,
    parse_when,
)
from crm.sales.deal_load import visible_row
from storage.database import database, fetch_all, fetch_one, insert, sql

TEXT_MAX = 500
FURTHEST = dt.timedelta(days=5 * 366)
SOURCES = ("manual", "follow_up", "new_lead", "stale_deal", "birthday", "sla_answer",
           "sla_resolve")

VIEW_SQL = (
    "select r.id, r.staff_id, r.text, r.due_at, r.timezone, r.repeat, r.status, r.source,"
    " r.customer_id, c.name, r.deal_id, d.title, r.late, r.last_error, r.ticket_id"
    " from reminder r"
    " left join customer c on c.id = r.customer_id and c.deleted_at is null"
    " left join deal d on d.id = r.deal_id and d.deleted_at is null")


def view_of(row: tuple) -> ReminderView:
    """A reminder view from a VIEW_SQL row."""
    return ReminderView(row[0], row[1], row[2], as_datetime(row[3]), row[4], row[5], row[6],
                        row[7], row[8], row[9], row[10], row[11], bool(row[12]), row[13],
                        row[14])


def understand_reminder(actor: Actor, words: str, *, now: dt.datetime | None = None,
                        text_required: bool = True) -> ReminderDraft:
    """Read "明天下午3点 给张伟打电话" in the actor's time zone: when, and about what."""
    require(actor, Action.READ)
    now = now or utcnow()
    zone = zone_of(actor)
    found = parse_when(words, local_now(zone, now))
    text = _checked_text(found.rest, required=text_required)
    return ReminderDraft(_checked_due(to_utc(found.moment), now), text or "", zone,
                         found.repeat)


def understand_time(actor: Actor, words: str, *, now: dt.datetime | None = None) -> dt.datetime:
    """Just the moment in ``words`` (naive UTC), e.g. for a guided conversation's time step."""
    return understand_reminder(actor, words, now=now, text_required=False).due_at


def _checked_text(text: str | None, *, required: bool) -> str | None:
    checked = inputs.optional_text(text, field="text", max_length=TEXT_MAX)
    if checked is None and required:
        raise ValidationError("reminder.text_required", field="text")
    return checked


def _checked_due(due_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    if due_at <= now:
        raise ValidationError("reminder.when_past", field="when")
    if due_at - now > FURTHEST:
        raise ValidationError("reminder.when_too_far", field="when")
    return due_at


def create_reminder(actor: Actor, due_at: dt.datetime, text: str, *,
                    customer_id: int | None = None, deal_id: int | None = None,
                    ticket_id: int | None = None, repeat: str = "",
                    now: dt.datetime | None = None) -> ReminderView:
    """Save a reminder for the actor (``due_at`` naive UTC), about what they may see."""
    require(actor, Action.READ)
    now = now or utcnow()
    if repeat not in REPEATS:
        raise ValidationError("reminder.repeat_invalid", field="repeat")
    about = customer_id is not None or deal_id is not None or ticket_id is not None
    checked = _checked_text(text, required=not about) or ""
    due = _checked_due(due_at, now)
    with database.atomic():
        if ticket_id is not None:  # seeing the ticket is enough (the open queue's too)
            customer_id = _ticket_customer(actor, ticket_id, customer_id)
        else:
            customer_id = _visible_subject(actor, customer_id, deal_id)
        reminder_id = add_reminder(actor.user_id, due, checked, zone_of(actor), now,
                                   customer_id=customer_id, deal_id=deal_id, repeat=repeat,
                                   created_by=actor.user_id, ticket_id=ticket_id)
        audit.record(actor, "reminder.create", "reminder", reminder_id,
                     customer_id=customer_id, changes={"due_at": [None, due.isoformat(" ")],
                                                       "text": [None, checked],
                                                       "repeat": [None, repeat or "none"]},
                     now=now)
    return load_reminder(reminder_id)


def _ticket_customer(actor: Actor, ticket_id: int, customer_id: int | None) -> int:
    """The customer of a ticket the actor may see."""
    from crm.service.tickets import get_ticket  # the service desk builds on reminders

    ticket = get_ticket(actor, ticket_id)
    if customer_id is not None and customer_id != ticket.customer_id:
        raise ValidationError("reminder.subject_mismatch", field="ticket")
    return ticket.customer_id


def _visible_subject(actor: Actor, customer_id: int | None, deal_id: int | None) -> int | None:
    """The customer the reminder is about (a deal's own customer), checked as visible."""
    if deal_id is not None:
        row = visible_row(actor, deal_id)
        deal_customer = row[2]
        if customer_id is not None and customer_id != deal_customer:
            raise ValidationError("reminder.subject_mismatch", field="deal")
        customer_id = deal_customer
    if customer_id is not None:
        require_visible(actor, customer_id)
    return customer_id


def follow_up_interaction(actor: Actor, interaction_id: int, days: int | None, *,
                          now: dt.datetime | None = None) -> FollowUp:
    """"Follow up in N days" after a call or visit: a reminder at 9:00 that day about the
    customer, saying what was logged; with ``days`` None, at the time the summary itself names
    ("客户说下周三再联系": next Wednesday, see ``find_when``). Asked again, the same follow-up
    moves (one per entry), and the answer says from when."""
    from crm.customers.interactions import get_interaction

    require(actor, Action.READ)
    now = now or utcnow()
    if days is not None and not 1 <= days <= 366:
        raise ValidationError("reminder.when_too_far", field="when")
    entry = get_interaction(actor, interaction_id)
    zone = zone_of(actor)
    due = to_utc(_follow_up_moment(entry.summary, days, local_now(zone, now)))
    key = follow_up_key(interaction_id, actor.user_id)
    with database.atomic():
        found = fetch_one("select id, status, due_at from reminder where rule_key = ?", (key,))
        if found:
            _update(found[0], "status = 'pending', due_at = ?, first_due_at = ?,"
                    " next_attempt_at = ?, claimed_at = null, attempts = 0, late = ?",
                    (due, due, due, False), now)
            before = as_datetime(found[2])
            moved = found[1] == "pending" and before != due
            return FollowUp(load_reminder(found[0]), before if moved else None)
        reminder_id = add_follow_up(actor, interaction_id, entry.customer_id, entry.summary,
                                    due, now)
    return FollowUp(load_reminder(reminder_id), None)


def follow_up_key(interaction_id: int, staff_id: int | None) -> str:
    """What makes a follow-up one per entry and person (a second ⏰ moves the first)."""
    return f"follow_up:{interaction_id}:{staff_id}"


def add_follow_up(actor: Actor, interaction_id: int, customer_id: int, summary: str,
                  due_at: dt.datetime, now: dt.datetime) -> int:
    """Insert the actor's follow-up of a logged entry (inside the caller's transaction): it
    remembers the entry, which the timeline points to, and says what was logged, which the
    reminder shows when it comes."""
    return insert("reminder", _row(actor.user_id, due_at, summary[:TEXT_MAX], zone_of(actor),
                                   now, customer_id=customer_id, source="follow_up",
                                   created_by=actor.user_id)
                  | {"rule_key": follow_up_key(interaction_id, actor.user_id),
                     "interaction_id": interaction_id})


def _follow_up_moment(summary: str, days: int | None, now: dt.datetime) -> dt.datetime:
    """N days ahead at the default hour, or (``days`` None) the time the summary names."""
    if days is not None:
        return follow_up_moment(days, now)
    named = find_when(summary, now)
    if named is None:
        raise ValidationError("reminder.when_unclear", field="when", text=summary[:40])
    return named.moment


def add_reminder(staff_id: int | None, due_at: dt.datetime, text: str, timezone: str,
                 now: dt.datetime, *, customer_id: int | None = None,
                 deal_id: int | None = None, repeat: str = "", source: str = "manual",
                 created_by: int | None = None, ticket_id: int | None = None) -> int:
    """Insert a checked reminder (inside the caller's transaction); returns its id."""
    if staff_id is None:
        raise ValidationError("reminder.needs_staff", field="staff")
    return insert("reminder", _row(staff_id, due_at, text, timezone, now,
                                   customer_id=customer_id, deal_id=deal_id, repeat=repeat,
                                   source=source, created_by=created_by) | {"ticket_id": ticket_id})


def _row(staff_id: int, due_at: dt.datetime, text: str, timezone: str, now: dt.datetime, *,
         customer_id: int | None = None, deal_id: int | None = None, repeat: str = "",
         source: str = "manual", created_by: int | None = None) -> dict:
    return {"staff_id": staff_id, "customer_id": customer_id, "deal_id": deal_id, "text": text,
            "due_at": due_at, "first_due_at": due_at, "timezone": timezone, "repeat": repeat,
            "status": "pending", "source": source, "next_attempt_at": due_at, "attempts": 0,
            "late": False, "created_by_id": created_by, "created_at": now, "updated_at": now}


def load_reminder(reminder_id: int) -> ReminderView:
    """A reminder's view, without checks (callers have checked)."""
    row = fetch_one(VIEW_SQL + " where r.id = ?", (reminder_id,))
    if row is None:
        raise NotFound("reminder.not_found")
    return view_of(row)


def get_reminder(actor: Actor, reminder_id: int) -> ReminderView:
    """One of the actor's own reminders; anyone else's is NotFound."""
    require(actor, Action.READ)
    found = load_reminder(reminder_id)
    if found.staff_id != actor.user_id:
        raise NotFound("reminder.not_found")
    return found


def list_reminders(actor: Actor, *, limit: int = 20) -> list[ReminderView]:
    """The actor's coming reminders, soonest first."""
    require(actor, Action.READ)
    rows = fetch_all(VIEW_SQL + " where r.staff_id = ? and r.status = 'pending'"
                     " order by r.due_at, r.id limit ?", (actor.user_id, limit))
    return [view_of(r) for r in rows]


def next_customer_reminder(actor: Actor, customer_id: int) -> ReminderView | None:
    """The actor's next reminder about a customer (for the card)."""
    row = fetch_one(VIEW_SQL + " where r.staff_id = ? and r.customer_id = ?"
                    " and r.status = 'pending' order by r.due_at limit 1",
                    (actor.user_id, customer_id))
    return view_of(row) if row else None


def complete_reminder(actor: Actor, reminder_id: int, *,
                      now: dt.datetime | None = None) -> ReminderView:
    """Done: a one-off reminder is closed; a repeating one is acknowledged and goes on."""
    now = now or utcnow()
    with database.atomic():
        found = get_reminder(actor, reminder_id)
        status = found.status if found.repeat else "done"
        if found.status in ("done", "cancelled"):
            return found
        _update(reminder_id, "status = ?, done_at = ?", (status, now), now)
    return load_reminder(reminder_id)


def snooze_reminder(actor: Actor, reminder_id: int, until: dt.datetime, *,
                    now: dt.datetime | None = None) -> ReminderView:
    """Remind again at ``until`` (naive UTC); a repeating series is left as it is and the
    snoozed occurrence comes back as a one-off."""
    now = now or utcnow()
    due = _checked_due(until, now)
    with database.atomic():
        found = get_reminder(actor, reminder_id)
        if found.status == "cancelled":
            raise ValidationError("reminder.cancelled", field="status")
        if found.repeat:
            copy = add_reminder(actor.user_id, due, found.text, found.timezone, now,
                                customer_id=found.customer_id, deal_id=found.deal_id,
                                source=found.source, created_by=actor.user_id)
            return load_reminder(copy)
        _update(reminder_id, "status = 'pending', due_at = ?, next_attempt_at = ?, late = ?,"
                " attempts = 0, claimed_at = null, sent_at = null, failed_at = null,"
                " done_at = null, last_error = null", (due, due, False), now)
    return load_reminder(reminder_id)


def cancel_reminder(actor: Actor, reminder_id: int, *,
                    now: dt.datetime | None = None) -> ReminderView:
    """Stop a reminder (and every further occurrence of a repeating one)."""
    now = now or utcnow()
    with database.atomic():
        found = get_reminder(actor, reminder_id)
        if found.status != "cancelled":
            _update(reminder_id, "status = 'cancelled'", (), now)
            audit.record(actor, "reminder.cancel", "reminder", reminder_id,
                         customer_id=found.customer_id, now=now)
    return load_reminder(reminder_id)


def _update(reminder_id: int, assignments: str, params: tuple, now: dt.datetime) -> None:
    database.execute_sql(sql(f"update reminder set {assignments}, updated_at = ? where id = ?"),
                         (*params, now, reminder_id))


def list_failed_reminders(actor: Actor, *, limit: int = 10) -> list[FailedReminder]:
    """Reminders that could not be delivered (blocked bot, repeated errors), for admins."""
    require(actor, Action.STATUS)
    rows = fetch_all(
        VIEW_SQL.replace("select r.id", "select s.name, r.failed_at, r.id", 1)
        + " join staff_user s on s.id = r.staff_id where r.status = 'failed'"
        " order by r.failed_at desc, r.id desc limit ?", (limit,))
    return [FailedReminder(view_of(r[2:]), r[0], as_datetime(r[1])) for r in rows]


def count_failed_reminders() -> int:
    """How many reminders could not be delivered."""
    return fetch_one("select count(*) from reminder where status = 'failed'")[0]


def following_due(reminder: ReminderView, after: dt.datetime,
                  first_due: dt.datetime) -> dt.datetime:
    """The next occurrence of a repeating reminder after ``after`` (all naive UTC)."""
    zone = ZoneInfo(reminder.timezone)
    first = first_due.replace(tzinfo=dt.UTC).astimezone(zone)
    return to_utc(next_occurrence(first, reminder.repeat, after.replace(tzinfo=dt.UTC)
                                  .astimezone(zone)))
