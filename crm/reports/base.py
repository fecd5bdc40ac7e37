"""What every report kind shares: the period, the plain tables and charts a kind returns, and
the registry of kinds (a later kind, such as tickets, registers itself the same way)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from crm.actors import Actor
from crm.permissions import Action
from crm.reports.timebase import Period, TimeBase
from crm.visibility import Scope


@dataclass(frozen=True)
class Label:
    """Fixed wording (an interaction kind, a segment, "no source") resolved in the reader's
    language when the file is written: catalogue key ``reports.value.<key>`` with ``params``."""

    key: str
    params: tuple[tuple[str, str], ...] = ()


Cell = str | int | Decimal | dt.date | Label | None


@dataclass(frozen=True)
class Column:
    """A table column: header ``reports.column.<key>``; ``kind`` picks the cell format."""

    key: str
    kind: str = "text"  # text, count, decimal, money, percent, days, date, month, week
    title: str | Label | None = None  # a header from the data (an owner, a source) instead


@dataclass(frozen=True)
class Table:
    """Aggregated figures (never raw records): sheet name ``reports.sheet.<key>``."""

    key: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Chart:
    """A chart over a table: categories from column 0, one series per index in ``series``.
    Title ``reports.chart.<key>`` with ``params``; the category axis is titled by column 0's
    header, the value axis by ``reports.axis.<value_axis>`` with ``params`` (a count of what,
    or an amount in which currency); with nothing to draw it says ``empty`` instead."""

    key: str
    table: str
    kind: str  # column, bar, line, pie
    series: tuple[int, ...]
    value_axis: str
    stacked: bool = False
    params: tuple[tuple[str, str], ...] = ()
    empty: str = "reports.no_data"  # what an empty chart says instead


@dataclass(frozen=True)
class Figures:
    """What a kind computes: headline numbers, tables, and charts (the first is the headline)."""

    summary: tuple[tuple[str, Cell, str | Label], ...]  # (reports.figure.<key>, value, unit)
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...]


@dataclass(frozen=True)
class Report:
    """One report run: its kind, period, how far it reached, and its figures."""

    kind: str
    period: Period
    reach: str  # all, team, own
    generated_at: dt.datetime
    timezone: str
    figures: Figures

    @property
    def headline(self) -> Chart:
        """The chart that stands for the report (the picture in the chat)."""
        return self.figures.charts[0]

    def table(self, key: str) -> Table:
        """One of the report's tables by key."""
        return next(t for t in self.figures.tables if t.key == key)

    def draws(self, chart: Chart) -> bool:
        """Whether the chart has anything to show: a value other than zero in its series."""
        rows = self.table(chart.table).rows
        return any(row[index] for row in rows for index in chart.series)


@dataclass(frozen=True)
class ReportContext:
    """What a kind's computation gets: who asks, over which records, when, in which zone."""

    actor: Actor
    scope: Scope | None  # None: every record
    period: Period
    time: TimeBase
    locale: str
    now: dt.datetime


@dataclass(frozen=True)
class ReportKind:
    key: str
    compute: Callable[[ReportContext], Figures]
    default_period: Callable[[dt.date], Period]
    position: int  # menus list kinds by position
    actions: tuple[Action, ...] = (Action.REPORT,)  # every one is needed to run it


KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    """Add a report kind (menus list kinds by position)."""
    KINDS[kind.key] = kind
    ordered = sorted(KINDS.values(), key=lambda k: (k.position, k.key))
    KINDS.clear()
    KINDS.update((k.key, k) for k in ordered)
    return kind
