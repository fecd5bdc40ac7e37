"""Scheduled adapters for reminders: deliver due reminders, send morning agendas, run the
automation rules. Each claims its work through crm, sends, then records the outcome."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot import session
from bot.i18n import resolve_locale
from bot.jobs import deliver_once
from bot.reminder_text import agenda_keyboard, agenda_message, reminder_keyboard, reminder_message
from crm import reminders
from crm.clock import utcnow
from crm.config import Config
from crm.reminders.agenda import AgendaRecipient, claim_agendas, get_agenda, release_agenda
from crm.reminders.rules import RuleSettings, apply_reminder_rules
from crm.reminders.views import ReminderDelivery
from storage.executor import DatabaseExecutor

log = logging.getLogger(__name__)
BATCH = 30  # about a second of Telegram's overall limit; the rate limiter paces the sends


def _executor(application: Application) -> DatabaseExecutor:
    return application.bot_data[session.EXECUTOR]


def _config(application: Application) -> Config:
    return application.bot_data[session.CONFIG]


async def deliver_reminders(application: Application, now: dt.datetime) -> str:
    """Send every due reminder once; a long backlog is worked through batch by batch."""
    executor = _executor(application)
    sent = failed = 0
    batch = await executor.run(reminders.claim_due_reminders, BATCH, utcnow())
    while batch:
        sending = asyncio.gather(*(_deliver(application, item) for item in batch))
        # The next batch is claimed while this one is sent, so the sender never waits for it.
        batch = await executor.run(reminders.claim_due_reminders, BATCH, utcnow())
        results = await sending
        sent += sum(results)
        failed += len(results) - sum(results)
    return f"{sent} sent, {failed} not delivered"


async def _deliver(application: Application, item: ReminderDelivery) -> bool:
    reminder = item.reminder
    locale = resolve_locale(item.locale, _config(application).locale)
    zone = item.staff_timezone or reminder.timezone
    return await deliver_once(
        application, lambda: application.bot.send_message(
            item.telegram_id, reminder_message(locale, reminder, zone),
            reply_markup=reminder_keyboard(locale, reminder)),
        reminders.mark_reminder_sent, reminders.mark_reminder_failed, reminder.id, "reminder")


async def send_agendas(application: Application, now: dt.datetime) -> str:
    """Each staff member's agenda at their morning hour, in their time zone."""
    config = _config(application)
    claimed = await _executor(application).run(claim_agendas, now,
                                               config["reminders.agenda_hour"], config.timezone)
    sent = 0
    for recipient in claimed:
        sent += await _send_agenda(application, recipient, now)
    return f"{sent} agendas sent"


async def _send_agenda(application: Application, recipient: AgendaRecipient,
                       now: dt.datetime) -> int:
    executor, actor = _executor(application), recipient.actor
    agenda = await executor.run(get_agenda, actor, now)
    if agenda.empty:
        return 0  # nothing to say: no message every morning saying so
    locale = resolve_locale(actor.locale, _config(application).locale)
    try:
        await application.bot.send_message(actor.telegram_id, agenda_message(locale, agenda),
                                           reply_markup=agenda_keyboard(locale, agenda))
    except Forbidden:
        return 0  # blocked: tomorrow's agenda will try again
    except TelegramError as error:
        log.warning("agenda for staff %s not delivered: %s", actor.user_id, error)
        await executor.run(release_agenda, recipient)
        return 0
    return 1


async def apply_rules(application: Application, now: dt.datetime) -> str:
    """The automation rules from the config turn neglect into reminders."""
    config = _config(application)
    settings = RuleSettings(config["reminders.new_lead_days"],
                            config["reminders.stale_deal_days"], config["reminders.birthdays"],
                            config.timezone)
    added = await _executor(application).run(apply_reminder_rules, settings, now)
    return ", ".join(f"{count} {rule}" for rule, count in added.items())
