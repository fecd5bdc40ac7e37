"""The weekly report job: each active manager and admin gets a workbook of every report they
may run, over the reach of their own role, once a week (engineer-facing entry point:
``send_weekly_reports``; bot.scheduler runs it on ``reports.weekly_schedule``)."""

from __future__ import annotations

import datetime as dt
import logging

from telegram import InputFile
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot import session
from bot.handlers.report import labels_for
from bot.i18n import resolve_locale, t
from bot.jobs import telegram_failure
from crm import reports
from crm.actors import Actor, Channel
from crm.clock import utcnow
from crm.failures import Failure, explain
from crm.users import StaffView

log = logging.getLogger(__name__)


async def send_weekly_reports(application: Application, now: dt.datetime | None = None) -> str:
    """Build and send this week's report to each active manager and admin (once each, claimed
    in the database), then tell of any that failed; returns a one-line outcome for the log."""
    executor = application.bot_data[session.EXECUTOR]
    config = application.bot_data[session.CONFIG]
    now = now or utcnow()
    week = reports.report_week(now, config.timezone)
    recipients = await executor.run(reports.weekly_recipients, Actor.system(Channel.JOB))
    outcome = {"sent": 0, "already": 0, "blocked": 0, "failed": 0}
    failed: list[tuple[StaffView, Failure]] = []
    for staff in recipients:
        if not await executor.run(reports.claim_weekly, staff.id, week, now):
            outcome["already"] += 1
            continue
        result, reason = await _send(application, staff, now)
        if reason is not None:
            await executor.run(reports.release_weekly, staff.id, week)  # a rerun may succeed
            failed.append((staff, reason))
        outcome[result] += 1
    # Once per run: the admins hear whose reports failed and why, a manager why theirs did.
    await executor.run(reports.tell_weekly_failures, week, failed, now)
    return (f"weekly reports for the week of {week}: {outcome['sent']} sent, "
            f"{outcome['already']} already sent, {outcome['blocked']} blocked the bot, "
            f"{outcome['failed']} failed")


async def _send(application: Application, staff: StaffView,
                now: dt.datetime) -> tuple[str, Failure | None]:
    """Build and send one person's file: "sent", "blocked" or "failed" with the reason."""
    executor = application.bot_data[session.EXECUTOR]
    config = application.bot_data[session.CONFIG]
    locale = resolve_locale(staff.locale, config.locale)
    try:
        # Finished days only: on a Monday morning the last week is the one that ended on
        # Sunday, not the few hours of today (on the 1st, the month that just ended).
        files = await executor.run_long(reports.build_all_files, staff.as_actor(Channel.JOB),
                                        labels=labels_for(locale), locale=locale, now=now,
                                        through_yesterday=True)
    except Exception as error:  # one report that cannot be built must not stop the others
        return "failed", explain(error, doing=f"the weekly report of staff user {staff.id}")
    day = reports.report_week(now, staff.timezone or config.timezone).isoformat()
    try:
        await application.bot.send_document(
            staff.telegram_id, InputFile(files.xlsx, filename=f"{files.file_name}.xlsx"),
            caption=t(locale, "reports.weekly_caption", day=day))
    except Forbidden:
        return "blocked", None  # they blocked the bot: trying again will not help
    except TelegramError as error:
        log.warning("weekly report for staff user %s not sent: %s", staff.id, error)
        return "failed", telegram_failure(error)
    return "sent", None
