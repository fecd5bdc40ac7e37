"""Which backups retention keeps: a pure rule, checked on fixed sets of dated backups."""

from __future__ import annotations

import datetime as dt

from crm.backup_retention import select_retained


def _daily(first: dt.datetime, days: int) -> list[tuple[str, dt.datetime]]:
    return [((first + dt.timedelta(days=n)).strftime("%m-%d"), first + dt.timedelta(days=n))
            for n in range(days)]


def test_seven_days_four_weeks_twelve_months() -> None:
    backups = _daily(dt.datetime(2025, 12, 1, 2, 30), 92)  # 12-01 .. 03-02 (a Monday)
    backups.append(("03-02 late", dt.datetime(2026, 3, 2, 15, 0)))
    kept = select_retained(backups, daily=7, weekly=4, monthly=12)
    assert kept == {"03-02 late", "03-01", "02-28", "02-27", "02-26", "02-25", "02-24",
                    "02-22", "02-15", "01-31", "12-31"}


def test_periods_without_backups_do_not_count() -> None:
    """Backups stopped for two months: the last ones are not all dropped for being old."""
    backups = _daily(dt.datetime(2025, 1, 1, 2, 30), 10)
    kept = select_retained(backups, daily=3, weekly=0, monthly=0)
    assert kept == {"01-10", "01-09", "01-08"}


def test_days_are_those_of_the_installation_time_zone() -> None:
    backups = [("A", dt.datetime(2026, 3, 1, 15, 0)),   # 23:00 in Shanghai, 1 March
               ("B", dt.datetime(2026, 3, 1, 17, 0)),   # 01:00 in Shanghai, 2 March
               ("C", dt.datetime(2026, 2, 28, 10, 0))]
    assert select_retained(backups, daily=2, weekly=0, monthly=0) == {"B", "C"}
    assert select_retained(backups, daily=2, weekly=0, monthly=0,
                           timezone="Asia/Shanghai") == {"B", "A"}


def test_the_newest_backup_is_kept_even_when_nothing_is_asked_for() -> None:
    backups = _daily(dt.datetime(2026, 1, 1), 5)
    assert select_retained(backups, daily=0, weekly=0, monthly=0) == {"01-05"}
    assert select_retained([], daily=7, weekly=4, monthly=12) == set()


def test_weeks_start_on_monday() -> None:
    sunday, monday = dt.datetime(2026, 3, 1, 2, 30), dt.datetime(2026, 3, 2, 2, 30)
    saturday = dt.datetime(2026, 2, 28, 2, 30)
    kept = select_retained([("sat", saturday), ("sun", sunday), ("mon", monday)],
                           daily=0, weekly=2, monthly=0)
    assert kept == {"mon", "sun"}
