"""Running reports: permission, period and audit first, then the kind's figures, then the
files (an XLSX workbook and the headline chart as a PNG)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from crm import audit, runtime
from crm.actors import Actor
from crm.clock import utcnow
from crm.permissions import Action, require
from crm.reports.access import reach, report_kinds, report_scope, require_kind
from crm.reports.base import Report, ReportContext
from crm.reports.labels import Labels
from crm.reports.timebase import TimeBase, make_period
from crm.spreadsheets import file_name_part
from storage.database import database

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReportFiles:
    """What a run hands to an interface: the workbook, the headline picture, file names."""

    reports: tuple[Report, ...]
    xlsx: bytes
    png: bytes | None
    file_name: str  # without extension, in the reader's language like the exports' names

    @property
    def report(self) -> Report:
        """The first (for one kind: the only) report of the files."""
        return self.reports[0]


def time_base(actor: Actor) -> TimeBase:
    """The actor's time zone, else the installation's."""
    return TimeBase(actor.timezone or runtime.config().timezone)


def run_report(actor: Actor, kind: str, *, since: dt.date | str | None = None,
               until: dt.date | str | None = None, locale: str | None = None,
               now: dt.datetime | None = None, through_yesterday: bool = False) -> Report:
    """One report over what the actor may see; ``since`` and ``until`` are the first and last
    day (the kind's default period otherwise, up to today, or with ``through_yesterday`` up
    to the reader's last finished day). The run is recorded in the audit log."""
    report_kind = require_kind(actor, kind)
    now = now or utcnow()
    time = time_base(actor)
    last_day = time.today(now) - dt.timedelta(days=1 if through_yesterday else 0)
    period = make_period(since, until, report_kind.default_period(last_day))
    with database.atomic():
        audit.record(actor, "report.run", "report", changes={
            "kind": [None, kind], "from": [None, period.since.isoformat()],
            "to": [None, period.last.isoformat()], "reach": [None, reach(actor)]}, now=now)
    context = ReportContext(actor, report_scope(actor), period, time,
                            locale or actor.locale or runtime.config().locale, now)
    return Report(kind, period, reach(actor), now, time.zone, report_kind.compute(context))


def build_report_files(actor: Actor, kind: str, *, labels: Labels,
                       since: dt.date | str | None = None, until: dt.date | str | None = None,
                       locale: str | None = None, picture: bool = True,
                       now: dt.datetime | None = None,
                       progress: Progress | None = None) -> ReportFiles:
    """One report as a workbook and (``picture``) its headline chart as a PNG."""
    from crm.reports.picture import chart_png
    from crm.reports.workbook import workbook_bytes

    tick = progress or (lambda done, total: None)
    report = run_report(actor, kind, since=since, until=until, locale=locale, now=now)
    tick(1, 3)
    xlsx = workbook_bytes([report], labels)
    tick(2, 3)
    png = chart_png(report, report.headline, labels) if picture else None
    tick(3, 3)
    name = labels("reports.file_name", kind=labels(f"reports.kind.{kind}"),
                  since=report.period.since.isoformat(), until=report.period.last.isoformat())
    return ReportFiles((report,), xlsx, png, file_name_part(name))


def build_all_files(actor: Actor, *, labels: Labels, since: dt.date | str | None = None,
                    until: dt.date | str | None = None, locale: str | None = None,
                    picture: bool = False, now: dt.datetime | None = None,
                    through_yesterday: bool = False,
                    progress: Progress | None = None) -> ReportFiles:
    """Every kind the actor may run in one workbook (the weekly report), each over its default
    period (``through_yesterday``: ending with the reader's last finished day) unless
    ``since``/``until`` say otherwise; the picture (``picture``) is the first kind's headline
    chart."""
    from crm.reports.picture import chart_png
    from crm.reports.workbook import workbook_bytes

    require(actor, Action.REPORT)
    kinds = report_kinds(actor)
    tick = progress or (lambda done, total: None)
    reports = []
    for done, kind in enumerate(kinds, start=1):
        reports.append(run_report(actor, kind, since=since, until=until, locale=locale,
                                  now=now, through_yesterday=through_yesterday))
        tick(done, len(kinds) + 1)
    xlsx = workbook_bytes(reports, labels)
    png = chart_png(reports[0], reports[0].headline, labels) if picture else None
    tick(len(kinds) + 1, len(kinds) + 1)
    moment = now or utcnow()
    name = labels("reports.file_weekly", day=time_base(actor).today(moment).isoformat())
    return ReportFiles(tuple(reports), xlsx, png, file_name_part(name))
