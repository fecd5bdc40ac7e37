"""Scheduled adapters: claim work through crm, send through the bot, record the outcome."""

from __future__ import annotations

import logging

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot import session
from bot.i18n import resolve_locale, t
from bot.keyboards import data, keyboard
from crm.clock import utcnow
from crm.sales.outbox import claim_notifications, mark_failed, mark_sent
from crm.sales.views import NotificationView

log = logging.getLogger(__name__)
BATCH = 20  # Telegram allows about 30 messages a second overall


async def deliver_notifications(application: Application) -> int:
    """Send due staff notifications once each; returns how many were sent."""
    executor = application.bot_data[session.EXECUTOR]
    claimed = await executor.run(claim_notifications, BATCH, utcnow())
    sent = 0
    for note in claimed:
        sent += await _deliver(application, note)
    return sent


async def _deliver(application: Application, note: NotificationView) -> int:
    executor = application.bot_data[session.EXECUTOR]
    locale = resolve_locale(note.locale, application.bot_data[session.CONFIG].locale)
    customer_id, ticket_id = note.params.get("customer_id"), note.params.get("ticket_id")
    buttons = [[(t(locale, "button.open_ticket"), data("k", ticket_id))]] if ticket_id else (
        [[(t(locale, "button.open_customer"), data("c", customer_id))]] if customer_id else [])
    try:
        await application.bot.send_message(note.telegram_id, t(locale, note.code, **note.params),
                                           reply_markup=keyboard(buttons) if buttons else None)
    except Forbidden as error:  # blocked the bot: trying again will not help
        await executor.run(mark_failed, note.id, str(error), utcnow(), True)
        return 0
    except TelegramError as error:
        log.warning("notification %s not delivered: %s", note.id, error)
        await executor.run(mark_failed, note.id, str(error), utcnow(), False)
        return 0
    await executor.run(mark_sent, note.id, utcnow())
    return 1
