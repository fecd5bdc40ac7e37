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
from crm import reports
from crm.actors import Actor, Channel
from crm.clock import utcnow
from crm.users import StaffView
from storage.errors import CodedError

log = logging.getLogger(__name__)


async def send_weekly_reports(application: Application) -> str:
    """Build and send this week's report to each active manager and admin (once each, claimed
    in the database); returns a one-line outcome for the log."""
    executor = application.bot_data[session.EXECUTOR]
    config = application.bot_data[session.CONFIG]
    now = utcnow()
    week = reports.report_week(now, config.timezone)
    recipients = await executor.run(reports.weekly_recipients, Actor.system(Channel.JOB))
    outcome = {"sent": 0, "already": 0, "blocked": 0, "failed": 0}
    for staff in recipients:
        if not await executor.run(reports.claim_weekly, staff.id, week, now):
            outcome["already"] += 1
            continue
        result = await _send(application, staff, now)
        if result == "failed":
            await executor.run(reports.release_weekly, staff.id, week)  # a rerun may succeed
        outcome[result] += 1
    return (f"weekly reports for the week of {week}: {outcome['sent']} sent, "
            f"{outcome['already']} already sent, {outcome['blocked']} blocked the bot, "
            f"{outcome['failed']} failed")


async def _send(application: Application, staff: StaffView, now: dt.datetime) -> str:
    """Build and send one person's file: "sent", "blocked" or "failed"."""
    executor = application.bot_data[session.EXECUTOR]
    config = application.bot_data[session.CONFIG]
    locale = resolve_locale(staff.locale, config.locale)
    try:
        files = await executor.run_long(reports.build_all_files, staff.as_actor(Channel.JOB),
                                        labels=labels_for(locale), locale=locale, now=now)
        day = reports.report_week(now, staff.timezone or config.timezone).isoformat()
        await application.bot.send_document(
            staff.telegram_id, InputFile(files.xlsx, filename=f"{files.file_name}.xlsx"),
            caption=t(locale, "reports.weekly_caption", day=day))
    except Forbidden:
        return "blocked"  # they blocked the bot: trying again will not help
    except (TelegramError, CodedError) as error:
        log.warning("weekly report for staff user %s not sent: %s", staff.id, error)
        return "failed"
    return "sent"
