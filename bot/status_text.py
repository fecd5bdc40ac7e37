"""An installation's status in words: the chat's /status (trusted HTML) and `crm status` at a
terminal (plain text) say the same checks and counts from one catalogue."""

from __future__ import annotations

from typing import Any

from bot.i18n import t
from bot.reminder_text import subject
from bot.render import check_params, clip
from crm.actors import Role
from crm.failures import from_stored
from crm.system import CheckResult, Status, SystemStatus


def check_message(locale: str, check: CheckResult, timezone: str) -> str:
    """One check's finding as plain text, times in ``timezone`` and jobs by their names."""
    return t(locale, check.code, html_escape=False,
             **check_params(locale, check.params, timezone))


def healthy(status: SystemStatus) -> bool:
    """No check failed (a warning leaves the installation working)."""
    return not any(check.status is Status.FAIL for check in status.checks)


def status_text(locale: str, status: SystemStatus, timezone: str) -> str:
    """/status: the checks and counts, job times in the reader's time zone."""
    lines = [t(locale, "admin.status_title")]
    lines += [t(locale, f"admin.status_{check.status.value}",
                message=check_message(locale, check, timezone)) for check in status.checks]
    lines += _counts(locale, status, html_escape=True)
    lines.append(t(locale, "admin.status_healthy" if healthy(status)
                   else "admin.status_unhealthy"))
    return "\n".join(lines)


def status_plain(locale: str, status: SystemStatus, timezone: str) -> str:
    """`crm status`: the same as /status, its checks worded as `crm check` words them."""
    lines = [t(locale, "cli.status.title", html_escape=False)]
    lines += [t(locale, f"cli.check.{check.status.value}", html_escape=False, name=check.name,
                message=check_message(locale, check, timezone)) for check in status.checks]
    lines += _counts(locale, status, html_escape=False)
    lines.append(t(locale, "cli.check.healthy" if healthy(status) else "cli.check.unhealthy",
                   html_escape=False))
    return "\n".join(lines)


def _counts(locale: str, status: SystemStatus, *, html_escape: bool) -> list[str]:
    """Staff, teams, customers and the reminders that could not be delivered."""
    by_role = {r.value: status.staff_by_role.get(r.value, 0) for r in Role}
    lines = [t(locale, "admin.status_staff", html_escape=html_escape,
               active=sum(by_role.values()), inactive=status.inactive_staff, **by_role),
             t(locale, "admin.status_teams", html_escape=html_escape, teams=status.teams),
             t(locale, "admin.status_customers", html_escape=html_escape,
               customers=status.customers, deleted=status.deleted_customers,
               merged=status.merged_customers, erased=status.erased_customers)]
    lines += [t(locale, "check.failed_reminder", html_escape=html_escape,
                name=item.staff_name, what=clip(subject(locale, item.reminder), 60),
                error=_delivery_error(item.reminder.last_error))
              for item in status.failed_reminders]
    return lines


def _delivery_error(stored: str | None) -> dict[str, Any] | str:
    """Why a reminder was not delivered, as a reason the catalogue translates."""
    reason = from_stored(stored)
    return reason.as_param() if reason else "-"
