"""Report periods and the local calendar: times are stored in UTC, but a report's days, weeks
and months are those of the reader's time zone (daylight saving included)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from crm.errors import ValidationError
from crm.validation import parse_date
from storage.database import database, is_sqlite

MAX_DAYS = 1100  # about three years: enough for trends, bounded work


@dataclass(frozen=True)
class Period:
    """Local calendar days from ``since`` up to, not including, ``until``."""

    since: dt.date
    until: dt.date

    @property
    def last(self) -> dt.date:
        return self.until - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.until - self.since).days


def make_period(since: dt.date | str | None, last: dt.date | str | None,
                default: Period) -> Period:
    """A period from a first and a last day (both included; text is parsed), each falling back
    to the default's; refused when reversed or longer than MAX_DAYS."""
    first = _day(since, "from") or default.since
    final = _day(last, "to") or default.last
    if final < first:
        raise ValidationError("report.period_order", field="period", since=first.isoformat(),
                              until=final.isoformat())
    period = Period(first, final + dt.timedelta(days=1))
    if period.days > MAX_DAYS:
        raise ValidationError("report.period_too_long", field="period", max=MAX_DAYS,
                              days=period.days)
    return period


def check_bounds(since: dt.date | str | None, last: dt.date | str | None
                 ) -> tuple[dt.date | None, dt.date | None]:
    """A first and a last day as typed (either may be missing), checked as far as they go."""
    first, final = _day(since, "from"), _day(last, "to")
    if first is not None and final is not None:
        make_period(first, final, Period(first, final + dt.timedelta(days=1)))
    return first, final


def _day(value: dt.date | str | None, field: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return parse_date(value, field=field) if value.strip() else None


def month_start(day: dt.date) -> dt.date:
    """The first day of the day's month."""
    return day.replace(day=1)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the day's week."""
    return day - dt.timedelta(days=day.weekday())


def last_months(today: dt.date, count: int = 12) -> Period:
    """The current month and the ``count - 1`` before it, up to today."""
    index = today.year * 12 + today.month - 1 - (count - 1)
    return Period(dt.date(index // 12, index % 12 + 1, 1), today + dt.timedelta(days=1))


def months_around(today: dt.date, before: int = 5, after: int = 6) -> Period:
    """Whole months from ``before`` months back to ``after`` months ahead (a forecast looks
    forward, what was won looks back)."""
    index = today.year * 12 + today.month - 1
    first, beyond = index - before, index + after + 1
    return Period(dt.date(first // 12, first % 12 + 1, 1),
                  dt.date(beyond // 12, beyond % 12 + 1, 1))


def last_weeks(today: dt.date, count: int = 12) -> Period:
    """The current week (from Monday) and the ``count - 1`` before it, up to today."""
    return Period(week_start(today) - dt.timedelta(weeks=count - 1),
                  today + dt.timedelta(days=1))


def months_of(period: Period) -> list[dt.date]:
    """The first day of every month the period touches."""
    months, current = [], month_start(period.since)
    while current < period.until:
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months


def weeks_of(period: Period) -> list[dt.date]:
    """The Monday of every week the period touches."""
    weeks, current = [], week_start(period.since)
    while current < period.until:
        weeks.append(current)
        current += dt.timedelta(weeks=1)
    return weeks


@dataclass(frozen=True)
class TimeBase:
    """One time zone's view of UTC timestamps."""

    zone: str

    def to_utc(self, day: dt.date) -> dt.datetime:
        """Local midnight at the start of ``day`` as naive UTC."""
        local = dt.datetime.combine(day, dt.time(), ZoneInfo(self.zone))
        return local.astimezone(dt.UTC).replace(tzinfo=None)

    def today(self, now: dt.datetime) -> dt.date:
        """The local date of a naive UTC ``now``."""
        return now.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(self.zone)).date()

    def bounds(self, period: Period) -> tuple[dt.datetime, dt.datetime]:
        """The period as a half-open range of naive UTC timestamps."""
        return self.to_utc(period.since), self.to_utc(period.until)

    def offsets(self, period: Period) -> list[tuple[dt.datetime, int]]:
        """(UTC start, offset in minutes) of each stretch with one UTC offset in the period."""
        start, end = self.bounds(period)
        stretches = [(start, self._offset(start))]
        moment = start + dt.timedelta(hours=1)
        while moment < end:
            if self._offset(moment) != stretches[-1][1]:
                change = self._change_between(moment - dt.timedelta(hours=1), moment)
                stretches.append((change, self._offset(change)))
            moment += dt.timedelta(hours=1)
        return stretches

    def _offset(self, moment: dt.datetime) -> int:
        local = moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(self.zone))
        return int(local.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]

    def _change_between(self, before: dt.datetime, after: dt.datetime) -> dt.datetime:
        """The first minute of the new offset (transitions fall on whole minutes)."""
        old = self._offset(before)
        while after - before > dt.timedelta(minutes=1):
            middle = before + (after - before) / 2
            middle = middle.replace(second=0, microsecond=0)
            if middle <= before:
                break
            if self._offset(middle) == old:
                before = middle
            else:
                after = middle
        return after

    def local_day_sql(self, column: str, period: Period) -> str:
        """SQL for the local calendar day of a UTC timestamp column within ``period``."""
        stretches = self.offsets(period)
        parts = [(_shifted(column, offset), start) for start, offset in stretches]
        if len(parts) == 1:
            return parts[0][0]
        whens = " ".join(f"when {column} < '{nxt:%Y-%m-%d %H:%M:%S}' then {expression}"
                         for (expression, _), (_, nxt) in itertools.pairwise(parts))
        return f"(case {whens} else {parts[-1][0]} end)"


def _shifted(column: str, minutes: int) -> str:
    if is_sqlite(database):
        return f"date({column}, '{minutes:+d} minutes')"
    return f"cast({column} + interval '{minutes} minutes' as date)"
