"""Scheduled adapters: claim work through crm, send through the bot, record the outcome."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot import session
from bot.i18n import job_name, resolve_locale, t
from bot.keyboards import data, keyboard
from bot.render import clip, local_time, span
from crm import scheduling
from crm.actors import Role
from crm.clock import utcnow
from crm.failures import Failure, short_detail
from crm.sales.outbox import ERROR_MAX, claim_notifications, mark_failed, mark_sent
from crm.sales.views import NotificationView
from crm.service import SentNotice, TicketView

log = logging.getLogger(__name__)
BATCH = 20  # Telegram allows about 30 messages a second overall
# Parameters a message's text has since been given, by the one rows queued before carry:
# {code: {new name: old name}}. A backup alert said its cause as English text (detail).
RENAMED_PARAMS = {"backup.alert_failed": {"reason": "detail"}}
ROLES = {role.value for role in Role}


async def deliver_notifications(application: Application) -> int:
    """Send due staff notifications once each; returns how many were sent."""
    executor = application.bot_data[session.EXECUTOR]
    claimed = await executor.run(claim_notifications, BATCH, utcnow())
    sent = 0
    for note in claimed:
        sent += await _deliver(application, note)
    return sent


async def _deliver(application: Application, note: NotificationView) -> int:
    config = application.bot_data[session.CONFIG]
    locale = resolve_locale(note.locale, config.locale)
    timezone = note.timezone or config.timezone
    customer_id, ticket_id = note.params.get("customer_id"), note.params.get("ticket_id")
    buttons = [[(t(locale, "button.open_ticket"), data("k", ticket_id))]] if ticket_id else (
        [[(t(locale, "button.open_customer"), data("c", customer_id))]] if customer_id else [])
    return int(await deliver_once(
        application, lambda: application.bot.send_message(
            note.telegram_id, notice_text(locale, timezone, note.code, note.params),
            reply_markup=keyboard(buttons) if buttons else None),
        mark_sent, mark_failed, note.id, "notification", keeps_message_id=True))


def notice_text(locale: str, timezone: str, code: str, params: dict) -> str:
    """A staff notification's text, as it was sent (and as it is corrected later)."""
    return t(locale, code, **_shown_params(locale, timezone, _upgraded(code, params)))


async def correct_taken_back(application: Application, notices: Sequence[SentNotice],
                             taken_from: str, ticket: TicketView | None = None) -> None:
    """Staff were told of a customer's words on ticket ``taken_from``, which the customer took
    back as a new question: each notice is edited to say so (and once the words became
    ``ticket``, which one), so nobody answers them as part of the old ticket; a notice that
    cannot be edited is followed up in a short message."""
    config = application.bot_data[session.CONFIG]
    key = "ticket.reply_became_ticket" if ticket else "ticket.reply_taken_back"
    params = {"number": taken_from} | ({"new": ticket.number} if ticket else {})
    for notice in notices:
        locale = resolve_locale(notice.locale, config.locale)
        opens = ticket.id if ticket else notice.params.get("ticket_id")
        markup = keyboard([[(t(locale, "button.open_ticket"), data("k", opens))]])
        if notice.message_id is not None and await _edited(
                application, notice, notice_text(
                    locale, notice.timezone or config.timezone, notice.code, notice.params)
                + "\n\n" + t(locale, key, **params), markup):
            continue
        follow_up = t(locale, f"{key}_follow_up", text=clip(str(notice.params.get("text")), 60),
                      **params)
        await _sent_quietly(application, notice.telegram_id, follow_up, markup)


async def _edited(application: Application, notice: SentNotice, text: str,
                  markup: InlineKeyboardMarkup) -> bool:
    try:
        await application.bot.edit_in_place(text, chat_id=notice.telegram_id,
                                            message_id=notice.message_id, reply_markup=markup)
    except Forbidden:
        return True  # they blocked the bot: a follow-up would not reach them either
    except TelegramError as error:  # deleted, or too old to edit
        log.info("notice %s in chat %s not edited: %s", notice.message_id, notice.telegram_id,
                 error)
        return False
    return True


async def _sent_quietly(application: Application, chat_id: int, text: str,
                        markup: InlineKeyboardMarkup) -> None:
    """A message that matters less than what the sender is doing: a refusal is logged."""
    try:
        await application.bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramError as error:
        log.info("follow-up to chat %s not sent: %s", chat_id, error)


def telegram_failure(error: TelegramError) -> Failure:
    """Why Telegram refused, as a reason people read in their own language."""
    return (Failure("failure.blocked_bot") if isinstance(error, Forbidden)
            else Failure("failure.telegram", {"detail": short_detail(error)}))


def _why(error: TelegramError) -> str:
    """Why Telegram refused, kept as a reason admins read in their language on /status."""
    return telegram_failure(error).to_json(ERROR_MAX)


def _upgraded(code: str, params: dict) -> dict:
    """A row queued before its message's text changed, with its old parameters under their
    new names (a parameter still lacking is said to be unrecorded, see bot.i18n)."""
    renamed = {new: params[old] for new, old in RENAMED_PARAMS.get(code, {}).items()
               if new not in params and old in params}
    if code == "job.missed" and "late_minutes" not in params:
        return _missed_with_due_time(params | renamed)
    return params | renamed


def _missed_with_due_time(params: dict) -> dict:
    """A missed job's alert queued when it said the end of the job's grace as its due time:
    the time it was due instead, and how late it is now."""
    deadline = params.get("due")
    if not isinstance(params.get("job"), str) or not isinstance(deadline, dict) \
            or not isinstance(deadline.get("utc"), str):
        return params
    return params | scheduling.missed_params(
        params["job"], dt.datetime.fromisoformat(deadline["utc"]), utcnow())


def _shown_params(locale: str, timezone: str, params: dict) -> dict:
    """A change made by no one in particular (the command line, a rule) is by "the system",
    said in the reader's language (crm records no name for it: a person may be called
    "system"); a time
    (``crm.sales.outbox.moment``) is shown on the reader's clock."""
    shown = {key: _local_moment(value, timezone) for key, value in params.items()}
    if isinstance(shown.get("job"), str):  # a scheduled job's alert
        shown["job"] = job_name(locale, shown["job"])
    if isinstance(shown.get("late_minutes"), int):  # how late a missed job is
        shown["late"] = span(locale, dt.timedelta(minutes=shown["late_minutes"]))
    if shown.get("role") in ROLES:  # a newcomer's role, stored as its code
        shown["role"] = t(locale, f"role.{shown['role']}", html_escape=False)
    if "team" in shown and shown["team"] is None:
        shown["team"] = t(locale, "admin.no_team", html_escape=False)
    if "by" in shown and shown["by"] is None:
        return shown | {"by": t(locale, "notify.by_system", html_escape=False)}
    return shown


def _local_moment(value: object, timezone: str) -> object:
    if isinstance(value, dict) and set(value) == {"utc"}:
        stored = dt.datetime.fromisoformat(value["utc"])
        return local_time(stored, timezone).strftime("%Y-%m-%d %H:%M")
    return value


async def deliver_once(application: Application, send: Callable[[], Awaitable[object]],
                       mark_sent: Callable[..., bool], mark_failed: Callable[..., bool],
                       item_id: int, what: str, *, keeps_message_id: bool = False) -> bool:
    """Send, then record the outcome: sent once Telegram accepted it (``keeps_message_id``:
    with the sent message's id, to correct it later); given up at once when the user blocked
    the bot (trying again will not help); otherwise left to be retried."""
    executor = application.bot_data[session.EXECUTOR]
    try:
        sent = await send()
    except Forbidden as error:
        log.info("%s %s not delivered for good: %s", what, item_id, error)
        await executor.run(mark_failed, item_id, _why(error), utcnow(), permanent=True)
        return False
    except TelegramError as error:
        log.warning("%s %s not delivered: %s", what, item_id, error)
        await executor.run(mark_failed, item_id, _why(error), utcnow(), permanent=False)
        return False
    kept = {"message_id": getattr(sent, "message_id", None)} if keeps_message_id else {}
    await executor.run(mark_sent, item_id, utcnow(), **kept)
    return True
