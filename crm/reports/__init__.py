"""Reports: a registry of kinds, each computing aggregated figures over what the actor may
see, written as an XLSX workbook with native charts and the headline chart as a PNG.

Kinds (in menu order): funnel, pipeline, forecast, activity, new_customers, segments,
tickets. A kind registers itself with ``crm.reports.base.register`` and appears in every
interface.
"""

from crm.reports import (  # noqa: F401 (each registers its kind)
    acquisition,
    activity,
    forecast,
    funnel,
    pipeline,
    segments,
    tickets,
)
from crm.reports.access import reach, report_kinds, report_scope, require_kind
from crm.reports.base import KINDS, Chart, Column, Figures, Label, Report, ReportKind, Table
from crm.reports.labels import Labels
from crm.reports.runner import (
    ReportFiles,
    build_all_files,
    build_report_files,
    run_report,
)
from crm.reports.timebase import Period, check_bounds, make_period
from crm.reports.weekly import (
    claim_weekly,
    release_weekly,
    report_week,
    tell_weekly_failures,
    weekly_recipients,
)

__all__ = [
    "KINDS", "Chart", "Column", "Figures", "Label", "Labels", "Period", "Report",
    "ReportFiles", "ReportKind", "Table", "build_all_files", "build_report_files",
    "check_bounds", "claim_weekly", "make_period", "reach", "release_weekly", "report_kinds",
    "report_scope", "report_week", "require_kind", "run_report", "tell_weekly_failures",
    "weekly_recipients",
]
