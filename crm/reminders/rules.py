"""Automation rules that turn neglect into reminders: a new lead nobody has contacted, a deal
with no activity, a customer's birthday. Each rule and subject yields one reminder at most
(a unique rule key), so running the rules again, or on two processes, adds nothing twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from crm.reminders.service import to_utc
from crm.reminders.when import DEFAULT_HOUR
from storage.database import database, fetch_all, is_sqlite, sql


@dataclass(frozen=True)
class RuleSettings:
    new_lead_days: int  # 0: off
    stale_deal_days: int  # 0: off
    birthdays: bool
    timezone: str  # for staff who have not chosen one


_INSERT = ("insert into reminder (staff_id, customer_id, deal_id, text, due_at, first_due_at,"
           " timezone, repeat, status, source, rule_key, next_attempt_at, attempts, late,"
           " created_at, updated_at) ")


def _rule_values(source: str, key: str) -> str:
    """The select list after staff, customer, deal and text: due now, in the owner's zone."""
    return (f"?, ?, coalesce(s.timezone, ?), '', 'pending', '{source}', {key}, ?, 0, ?, ?, ?")


def _rule_params(settings: RuleSettings, now: dt.datetime) -> tuple:
    return (now, now, settings.timezone, now, False, now, now)


def apply_reminder_rules(settings: RuleSettings, now: dt.datetime) -> dict[str, int]:
    """Create the reminders the rules call for; returns how many each rule added."""
    added = {"new_lead": 0, "stale_deal": 0, "birthday": 0}
    with database.atomic():
        if settings.new_lead_days > 0:
            added["new_lead"] = _new_leads(settings, now)
        if settings.stale_deal_days > 0:
            added["stale_deal"] = _stale_deals(settings, now)
        if settings.birthdays:
            added["birthday"] = _birthdays(settings, now)
    return added


def _key(*parts: str) -> str:
    """A rule key built in SQL from literal and column parts."""
    return " || ".join(parts) if is_sqlite(database) else f"concat({', '.join(parts)})"


def _new_leads(settings: RuleSettings, now: dt.datetime) -> int:
    """A lead created N days ago that nobody has called, visited or written to yet."""
    cursor = database.execute_sql(sql(
        _INSERT + "select c.owner_id, c.id, null, c.name, "
        + _rule_values("new_lead", _key("'new_lead:'", "c.id"))
        + " from customer c join staff_user s on s.id = c.owner_id where c.status = 'lead'"
        " and c.deleted_at is null and c.last_interaction_at is null and c.created_at <= ?"
        " and s.active = ? on conflict (rule_key) do nothing"),
        (*_rule_params(settings, now), now - dt.timedelta(days=settings.new_lead_days), True))
    return cursor.rowcount


def _stale_deals(settings: RuleSettings, now: dt.datetime) -> int:
    """An open deal untouched for N days; touched again and left again, it alerts again."""
    day = "substr(cast(d.updated_at as text), 1, 10)"
    cursor = database.execute_sql(sql(
        _INSERT + "select d.owner_id, d.customer_id, d.id, d.title, "
        + _rule_values("stale_deal", _key("'stale_deal:'", "d.id", "':'", day))
        + " from deal d join pipeline_stage st on st.id = d.stage_id"
        " join staff_user s on s.id = d.owner_id where st.kind = 'open'"
        " and d.deleted_at is null and d.updated_at <= ? and s.active = ?"
        " on conflict (rule_key) do nothing"),
        (*_rule_params(settings, now), now - dt.timedelta(days=settings.stale_deal_days), True))
    return cursor.rowcount


def _birthdays(settings: RuleSettings, now: dt.datetime) -> int:
    """Birthdays today or tomorrow (in the owner's zone), each reminding the owner that
    morning; the key carries the year, so next year reminds again."""
    month_day = ("substr(cast(c.birthday as text), 6, 5)" if is_sqlite(database)
                 else "to_char(c.birthday, 'MM-DD')")
    today = now.date()
    days = [today - dt.timedelta(days=1), today, today + dt.timedelta(days=1),
            today + dt.timedelta(days=2)]  # every zone's today and tomorrow
    keys = sorted({d.strftime("%m-%d") for d in days})
    rows = fetch_all(
        f"select c.id, c.owner_id, c.name, {month_day}, s.timezone from customer c"
        " join staff_user s on s.id = c.owner_id where c.birthday is not null"
        f" and c.deleted_at is null and s.active = ? and {month_day} in"
        f" ({', '.join('?' * len(keys))})", (True, *keys))
    added = 0
    for customer_id, owner_id, name, md, zone in rows:
        added += _birthday_reminder(customer_id, owner_id, name, md, zone or settings.timezone,
                                    now)
    return added


def _birthday_reminder(customer_id: int, owner_id: int, name: str, month_day: str,
                       zone: str, now: dt.datetime) -> int:
    local_today = now.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone)).date()
    month, day = int(month_day[:2]), int(month_day[3:])
    year = local_today.year + (1 if (month, day) < (local_today.month, local_today.day) else 0)
    try:
        birthday = dt.date(year, month, day)
    except ValueError:  # 29 February outside a leap year: the 28th
        birthday = dt.date(year, 2, 28)
    if (birthday - local_today).days > 1:
        return 0
    due = to_utc(dt.datetime(birthday.year, birthday.month, birthday.day, DEFAULT_HOUR,
                             tzinfo=ZoneInfo(zone)))
    due = max(due, now)
    cursor = database.execute_sql(sql(
        _INSERT + "values (?, ?, null, ?, ?, ?, ?, '', 'pending', 'birthday', ?, ?, 0, ?, ?, ?)"
        " on conflict (rule_key) do nothing"),
        (owner_id, customer_id, name, due, due, zone, f"birthday:{customer_id}:{birthday.year}",
         due, False, now, now))
    return cursor.rowcount
