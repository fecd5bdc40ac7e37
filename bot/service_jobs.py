"""Scheduled adapters for the service desk: pass staff answers on to customers (once each),
and turn service-level breaches into reminders."""

from __future__ import annotations

import datetime as dt
import logging

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot import session
from bot.i18n import resolve_locale, t
from bot.portal import rating_buttons, reply_buttons
from crm import service
from crm.clock import utcnow
from crm.service.views import Relay

log = logging.getLogger(__name__)
BATCH = 30


async def deliver_relays(application: Application, now: dt.datetime | None = None) -> str:
    """Send every pending staff answer (and "resolved, please rate") to its customer."""
    executor = application.bot_data[session.EXECUTOR]
    sent = failed = 0
    while batch := await executor.run(service.claim_relays, BATCH, utcnow()):
        for relay, customer_locale in batch:
            ok = await _relay(application, relay, customer_locale)
            sent, failed = sent + ok, failed + (not ok)
    return f"{sent} passed on, {failed} not"


async def _relay(application: Application, relay: Relay, customer_locale: str | None) -> bool:
    executor = application.bot_data[session.EXECUTOR]
    locale = resolve_locale(customer_locale, application.bot_data[session.CONFIG].locale)
    bot = application.bot
    try:
        if relay.body in ("resolved", "reopened") and relay.staff_name is None:
            await bot.send_message(relay.telegram_id, t(locale, f"portal.{relay.body}",
                                                        number=relay.ticket_number),
                                   reply_markup=rating_buttons(relay.ticket_id)
                                   if relay.body == "resolved" else None)
        else:
            text = t(locale, "portal.answer", number=relay.ticket_number,
                     name=(relay.staff_name or "").split(" ")[0], text=relay.body)
            markup = reply_buttons(locale, relay.ticket_id)
            if relay.file_kind == "photo":
                await bot.send_photo(relay.telegram_id, relay.file_id, caption=text,
                                     reply_markup=markup)
            elif relay.file_kind == "document":
                await bot.send_document(relay.telegram_id, relay.file_id, caption=text,
                                        reply_markup=markup)
            else:
                await bot.send_message(relay.telegram_id, text, reply_markup=markup)
    except Forbidden as error:
        await executor.run(service.mark_relay_failed, relay.message_id, str(error), utcnow(),
                           permanent=True)
        return False
    except TelegramError as error:
        log.warning("ticket answer %s not passed on: %s", relay.message_id, error)
        await executor.run(service.mark_relay_failed, relay.message_id, str(error), utcnow(),
                           permanent=False)
        return False
    await executor.run(service.mark_relayed, relay.message_id, utcnow())
    return True


async def alert_breaches(application: Application, now: dt.datetime) -> str:
    """Tickets past their service level: reminders to the assignee and the managers."""
    count = await application.bot_data[session.EXECUTOR].run(service.alert_sla_breaches, now)
    return f"{count} tickets newly breaching"
