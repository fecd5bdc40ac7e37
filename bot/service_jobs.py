"""Scheduled adapters for the service desk: pass staff answers on to customers (once each),
and turn service-level breaches into reminders."""

from __future__ import annotations

import datetime as dt
import logging

from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from bot import session
from bot.i18n import resolve_locale, t
from bot.jobs import deliver_once
from bot.long_text import MAX_CAPTION, units
from bot.portal import closed_buttons, rating_buttons, reply_buttons
from crm import service
from crm.clock import utcnow
from crm.service.views import Relay

log = logging.getLogger(__name__)
BATCH = 30
STATUS_NEWS = ("resolved", "reopened", "closed")  # system messages: a staff move, said


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
    locale = resolve_locale(customer_locale, application.bot_data[session.CONFIG].locale)
    return await deliver_once(application, lambda: _send(application, relay, locale),
                              service.mark_relayed, service.mark_relay_failed,
                              relay.message_id, "ticket answer")


async def _send(application: Application, relay: Relay, locale: str) -> None:
    bot = application.bot
    if relay.body in STATUS_NEWS and relay.staff_name is None:
        text, markup = _status_news(locale, relay)
        await bot.send_message(relay.telegram_id, text, reply_markup=markup)
        return
    def answer(body: str) -> str:
        return t(locale, "portal.answer", number=relay.ticket_number,
                 name=(relay.staff_name or "").split(" ")[0], text=body)

    text, markup = answer(relay.body), reply_buttons(locale, relay.ticket_id)
    if relay.file_kind is None:
        await bot.send_message(relay.telegram_id, text, reply_markup=markup)
        return
    send = bot.send_photo if relay.file_kind == "photo" else bot.send_document
    if units(text) <= MAX_CAPTION:
        await send(relay.telegram_id, relay.file_id, caption=text, reply_markup=markup)
    else:  # a caption holds 1,024 characters: the words follow the file, whole
        await send(relay.telegram_id, relay.file_id, caption=answer("").rstrip())
        await bot.send_message(relay.telegram_id, text, reply_markup=markup)


def _status_news(locale: str, relay: Relay) -> tuple[str, InlineKeyboardMarkup | None]:
    """What the customer reads when staff move their ticket on: resolved or closed, the stars
    (unless rated already); closed, also how to open it again."""
    stars = None if relay.rated else rating_buttons(relay.ticket_id)
    if relay.body == "closed":
        text = t(locale, "portal.closed", number=relay.ticket_number,
                 button=t(locale, "portal.button_write", html_escape=False))
        if stars is not None:
            text += "\n" + t(locale, "portal.how_did_we_do")
        return text, closed_buttons(locale, relay.ticket_id, stars=stars is not None)
    if relay.body == "resolved":
        key = "portal.resolved_rated" if relay.rated else "portal.resolved"
        return t(locale, key, number=relay.ticket_number), stars
    return t(locale, "portal.reopened", number=relay.ticket_number), None


async def alert_breaches(application: Application, now: dt.datetime) -> str:
    """Tickets past their service level: reminders to the assignee and the managers."""
    count = await application.bot_data[session.EXECUTOR].run(service.alert_sla_breaches, now)
    return f"{count} tickets newly breaching"
