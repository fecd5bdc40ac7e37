"""Every scheduled job, defined in one place, on APScheduler's AsyncIOScheduler (the bot's
JobQueue) in the bot's process. Schedules come from the config; every run is recorded, and the
watchdog tells admins when a job fails or does not run when it should have."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from telegram.ext import Application, ContextTypes

from bot import jobs, reminder_jobs, report_jobs, service_jobs, session
from crm import backups, scheduling
from crm.clock import utcnow
from crm.config import Config
from crm.failures import Failure, explain

log = logging.getLogger(__name__)
JobRun = Callable[[Application, dt.datetime], Awaitable[str]]
WATCH_SECONDS = 60
NOTIFICATION_SECONDS = 3.0
SLA_SECONDS = 30


@dataclass(frozen=True)
class JobSpec:
    """A job: what it runs, when (from the config), and how late a run may still start."""

    name: str
    run: JobRun
    trigger: Callable[[Config], BaseTrigger | None]
    grace: dt.timedelta  # a run this late still happens; later than this, admins hear of it
    cron: bool = False  # runs at set times: a run missed while the bot was stopped is reported


class JobFailed(Exception):
    """A job that ended badly and has already told the admins what went wrong (``failure``:
    why, for /status and `crm check` in each reader's language)."""

    def __init__(self, summary: str, failure: Failure) -> None:
        super().__init__(summary)
        self.failure = failure


def _cron(key: str) -> Callable[[Config], BaseTrigger | None]:
    """A cron schedule from the config, in the installation's time zone (empty: never)."""
    return lambda config: CronTrigger.from_crontab(
        config[key], timezone=ZoneInfo(config.timezone)) if config[key] else None


def _every(seconds: float | str) -> Callable[[Config], BaseTrigger]:
    return lambda config: IntervalTrigger(
        seconds=config[seconds] if isinstance(seconds, str) else seconds)


async def _watch(application: Application, now: dt.datetime) -> str:
    told = await application.bot_data[session.EXECUTOR].run(scheduling.check_overdue_jobs, now)
    return f"admins told about: {', '.join(told)}" if told else "all jobs on time"


async def _notifications(application: Application, now: dt.datetime) -> str:
    return f"{await jobs.deliver_notifications(application)} sent"


async def _backup(application: Application, now: dt.datetime) -> str:
    """A verified backup on the long-work thread, so the bot keeps serving meanwhile."""
    outcome = await application.bot_data[session.EXECUTOR].run_long(
        backups.run_scheduled_backup, now)
    if outcome.failure is not None:
        raise JobFailed(outcome.summary(), outcome.failure)
    return outcome.summary()


async def _weekly_reports(application: Application, now: dt.datetime) -> str:
    return await report_jobs.send_weekly_reports(application, now)


GRACE = scheduling.GRACE  # how late each job may still start (crm shows the due time from it)
JOBS: list[JobSpec] = [
    JobSpec("reminders", reminder_jobs.deliver_reminders, _every("reminders.poll_seconds"),
            GRACE["reminders"]),
    JobSpec("notifications", _notifications, _every(NOTIFICATION_SECONDS),
            GRACE["notifications"]),
    JobSpec("relays", service_jobs.deliver_relays, _every(NOTIFICATION_SECONDS),
            GRACE["relays"]),
    JobSpec("sla", service_jobs.alert_breaches, _every(SLA_SECONDS), GRACE["sla"]),
    JobSpec("agenda", reminder_jobs.send_agendas, _cron("reminders.agenda_schedule"),
            GRACE["agenda"], cron=True),
    JobSpec("rules", reminder_jobs.apply_rules, _cron("reminders.rules_schedule"),
            GRACE["rules"], cron=True),
    JobSpec("backup", _backup, _cron("backup.schedule"), GRACE["backup"], cron=True),
    JobSpec("weekly_report", _weekly_reports, _cron("reports.weekly_schedule"),
            GRACE["weekly_report"], cron=True),
    JobSpec("watchdog", _watch, _every(WATCH_SECONDS), GRACE["watchdog"]),
]


def register_job(spec: JobSpec) -> None:
    """Add a job defined by another part of the bot (backups, reports)."""
    JOBS[:] = [job for job in JOBS if job.name != spec.name] + [spec]


def _naive_utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment else None


async def run_job(application: Application, spec: JobSpec,
                  next_run: dt.datetime | None) -> None:
    """One run: recorded before and after; a failure is logged and told to the admins."""
    executor = application.bot_data[session.EXECUTOR]
    now = utcnow()
    expected_by = _naive_utc(next_run + spec.grace) if next_run else None
    await executor.run(scheduling.job_started, spec.name, now)
    try:
        outcome = await spec.run(application, now)
    except JobFailed as failed:  # the job has told the admins itself
        log.warning("scheduled job %s failed: %s", spec.name, failed)
        await executor.run(scheduling.job_finished, spec.name, utcnow(), ok=False,
                           failure=failed.failure, expected_by=expected_by, alert=False)
        return
    except Exception as error:  # a job must never take the scheduler down
        failure = explain(error, doing=f"scheduled job {spec.name}")  # logged with its id
        await executor.run(scheduling.job_finished, spec.name, utcnow(), ok=False,
                           failure=failure, expected_by=expected_by)
        return
    await executor.run(scheduling.job_finished, spec.name, utcnow(), ok=True, outcome=outcome,
                       expected_by=expected_by)


def _callback(spec: JobSpec):
    async def callback(context: ContextTypes.DEFAULT_TYPE) -> None:
        await run_job(context.application, spec, context.job.next_t)
    callback.__name__ = f"job_{spec.name}"
    return callback


async def schedule(application: Application) -> list[str]:
    """Start every job on the running JobQueue; first report cron runs missed while the bot
    was stopped. Returns the names of the jobs scheduled."""
    config: Config = application.bot_data[session.CONFIG]
    executor = application.bot_data[session.EXECUTOR]
    await executor.run(scheduling.check_overdue_jobs, utcnow(),
                       names=[spec.name for spec in JOBS if spec.cron])
    scheduled = []
    for spec in JOBS:
        trigger = spec.trigger(config)
        if trigger is None:
            await executor.run(scheduling.expect_job, spec.name, None)
            continue
        scheduled.append(spec.name)
        application.job_queue.run_custom(
            _callback(spec), name=spec.name,
            job_kwargs={"trigger": trigger, "id": spec.name, "replace_existing": True,
                        "coalesce": True, "max_instances": 1,
                        "misfire_grace_time": int(spec.grace.total_seconds())})
        next_run = trigger.get_next_fire_time(None, dt.datetime.now(dt.UTC))
        await executor.run(scheduling.expect_job, spec.name,
                           _naive_utc(next_run + spec.grace) if next_run else None)
    return scheduled
