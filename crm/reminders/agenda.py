"""The daily agenda: today's reminders, overdue follow-ups, open tickets assigned to them (late
ones first), open deals whose expected close has passed, then those expected to close this week
(from today on: an earlier day is late), birthdays this week, for one staff member in their
time zone; and which staff are due their morning agenda."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from crm.actors import Actor, Channel
from crm.clock import as_date
from crm.permissions import Action, require
from crm.reminders.service import VIEW_SQL, local_now, to_utc, view_of, zone_of
from crm.reminders.views import ReminderView
from crm.sales.money import from_minor
from crm.sales.views import DealSummary
from crm.service.views import TicketSummary
from crm.users import validate_role
from storage.database import database, fetch_all, is_sqlite, sql

LIST_MAX = 15
AGENDA_WINDOW_HOURS = 12  # an agenda missed by more than this (bot down all day) is skipped


@dataclass(frozen=True)
class Birthday:
    customer_id: int
    name: str
    date: dt.date  # this year's birthday


@dataclass(frozen=True)
class Agenda:
    day: dt.date  # the staff member's local today
    timezone: str
    reminders: tuple[ReminderView, ...]
    overdue: tuple[ReminderView, ...]
    closing_deals: tuple[DealSummary, ...]
    birthdays: tuple[Birthday, ...]
    tickets: tuple[TicketSummary, ...] = ()  # open, assigned to them, late ones first
    late_deals: tuple[DealSummary, ...] = ()  # open, expected to close before today

    @property
    def empty(self) -> bool:
        return not (self.reminders or self.overdue or self.closing_deals or self.birthdays
                    or self.tickets or self.late_deals)


@dataclass(frozen=True)
class AgendaRecipient:
    actor: Actor
    day: dt.date
    previous: dt.date | None  # restored when the agenda could not be sent


def get_agenda(actor: Actor, now: dt.datetime) -> Agenda:
    """What the actor has on today, in their time zone (``/today`` and the morning message)."""
    require(actor, Action.READ)
    zone = zone_of(actor)
    today = local_now(zone, now).date()
    start = to_utc(dt.datetime.combine(today, dt.time(), ZoneInfo(zone)))
    end = to_utc(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), ZoneInfo(zone)))
    monday = today - dt.timedelta(days=today.weekday())
    week = [monday + dt.timedelta(days=n) for n in range(7)]
    return Agenda(today, zone, _reminders(actor, "r.status = 'pending' and r.due_at >= ?"
                                          " and r.due_at < ?", (start, end)),
                  _reminders(actor, "r.status = 'sent' and r.due_at < ?", (start,)),
                  _open_deals(actor, "d.expected_close >= ? and d.expected_close <= ?",
                              (today, week[-1])),  # earlier ones are late, listed as such
                  _birthdays(actor, week), _my_tickets(actor, now),
                  _open_deals(actor, "d.expected_close < ?", (today,)))


def _reminders(actor: Actor, condition: str, params: tuple) -> tuple[ReminderView, ...]:
    rows = fetch_all(VIEW_SQL + f" where r.staff_id = ? and {condition}"
                     " order by r.due_at, r.id limit ?", (actor.user_id, *params, LIST_MAX))
    return tuple(view_of(r) for r in rows)


def _open_deals(actor: Actor, condition: str, params: tuple) -> tuple[DealSummary, ...]:
    """The actor's open deals whose expected close meets ``condition``, soonest first."""
    rows = fetch_all(
        "select d.id, d.title, d.customer_id, c.name, d.owner_id, d.amount_minor, d.currency,"
        " d.expected_close, d.stage_id from deal d join pipeline_stage st on st.id = d.stage_id"
        " join customer c on c.id = d.customer_id where d.owner_id = ? and st.kind = 'open'"
        f" and d.deleted_at is null and c.deleted_at is null and {condition}"
        " order by d.expected_close, d.id limit ?", (actor.user_id, *params, LIST_MAX))
    return tuple(DealSummary(r[0], r[1], r[2], r[3], r[4], from_minor(r[5], r[6]), r[6],
                             as_date(r[7]), r[8]) for r in rows)


def _my_tickets(actor: Actor, now: dt.datetime) -> tuple[TicketSummary, ...]:
    """Open tickets assigned to the actor, those past a service level first."""
    from crm.service.tickets import list_tickets  # service builds on reminders

    items = list_tickets(actor, "mine", now=now, limit=LIST_MAX).items
    return tuple(sorted(items, key=lambda ticket: not ticket.breaching))


def _birthdays(actor: Actor, week: list[dt.date]) -> tuple[Birthday, ...]:
    month_day = ("substr(cast(birthday as text), 6, 5)" if is_sqlite(database)
                 else "to_char(birthday, 'MM-DD')")
    days = {d.strftime("%m-%d"): d for d in week}
    if "02-28" in days and not _leap(days["02-28"].year):
        days["02-29"] = days["02-28"]  # born on the 29th: celebrated on the 28th
    rows = fetch_all(
        f"select id, name, {month_day} from customer where owner_id = ?"
        f" and deleted_at is null and birthday is not null and {month_day} in"
        f" ({', '.join('?' * len(days))}) limit ?", (actor.user_id, *days, LIST_MAX))
    return tuple(sorted((Birthday(r[0], r[1], days[r[2]]) for r in rows),
                        key=lambda b: (b.date, b.name)))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def claim_agendas(now: dt.datetime, default_hour: int,
                  default_zone: str) -> list[AgendaRecipient]:
    """Staff whose local agenda hour has come today and who have not had today's agenda;
    each is claimed with a conditional update, so two senders never both send it."""
    rows = fetch_all("select id, telegram_id, role, name, locale, timezone, team_id,"
                     " agenda_hour, agenda_sent_on from staff_user where active = ?", (True,))
    claimed = []
    for row in rows:
        zone = row[5] or default_zone
        local = local_now(zone, now)
        hour = default_hour if row[7] is None else row[7]
        previous = as_date(row[8])
        due = hour <= local.hour < hour + AGENDA_WINDOW_HOURS
        if not due or (previous is not None and previous >= local.date()):
            continue
        if _claim(row[0], local.date(), previous):
            actor = Actor(channel=Channel.JOB, user_id=row[0],
                          telegram_id=row[1], role=validate_role(row[2]), name=row[3],
                          locale=row[4], timezone=zone, team_id=row[6])
            claimed.append(AgendaRecipient(actor, local.date(), previous))
    return claimed


def _claim(staff_id: int, day: dt.date, previous: dt.date | None) -> bool:
    with database.atomic():
        cursor = database.execute_sql(sql(
            "update staff_user set agenda_sent_on = ? where id = ? and "
            + ("agenda_sent_on is null" if previous is None else "agenda_sent_on = ?")),
            (day, staff_id) if previous is None else (day, staff_id, previous))
    return cursor.rowcount == 1


def release_agenda(recipient: AgendaRecipient) -> None:
    """Give back a claimed agenda that could not be sent, so the next run tries again."""
    with database.atomic():
        database.execute_sql(sql("update staff_user set agenda_sent_on = ? where id = ?"
                                 " and agenda_sent_on = ?"),
                             (recipient.previous, recipient.actor.user_id, recipient.day))
