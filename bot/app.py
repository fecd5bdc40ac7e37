"""The Telegram Application: one builder for long polling, webhook and the local console."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    Defaults,
    TypeHandler,
)
from telegram.request import BaseRequest, HTTPXRequest

import crm.sales  # noqa: F401 (registers the sales parts of merges, timelines, erasure)
from bot import portal, scheduler, session
from bot.chatbot import ChatBot
from bot.handlers import commands, register_all
from bot.handlers.inline import START_PARAMETER
from bot.i18n import describe_error, plain, resolve_locale, t
from bot.persistence import DatabasePersistence
from bot.transport import RetryingRequest
from bot.typed_commands import read_typed_command
from crm import updates
from crm.config import Config
from storage.errors import CodedError
from storage.executor import DatabaseExecutor

log = logging.getLogger(__name__)
# Seconds a long write may hold the database before those waiting behind it are told.
WAIT_NOTICE_AFTER = 2.0
WAIT_NOTICES = "wait_notices"  # bot_data: the long write told of, and the chats told


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Many users at once, but each user's updates in order (their conversations stay sane)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock = self._locks.setdefault(user.id, asyncio.Lock())
        async with lock:
            await coroutine
        if not lock.locked() and len(self._locks) > 10_000:
            self._locks.pop(user.id, None)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


MESSAGES_PER_SECOND = 28  # Telegram's overall limit is 30 a second
BURST = 2


def build_application(config: Config, executor: DatabaseExecutor, *,
                      request: BaseRequest | None = None,
                      rate_limit: bool = True) -> Application:
    """The bot with its handlers; ``request`` replaces the network layer (console, tests).

    ``rate_limit=False`` only for measuring: it drops the throttle that keeps the bot within
    Telegram's flood limits (about 30 messages a second)."""
    rate_limiter = None
    if rate_limit:
        # A bucket of BURST refilled at MESSAGES_PER_SECOND: any one second holds at most
        # BURST + MESSAGES_PER_SECOND = 30 messages, and a late wake-up is made up at once.
        rate_limiter = AIORateLimiter(overall_max_rate=BURST,
                                      overall_time_period=BURST / MESSAGES_PER_SECOND,
                                      max_retries=3)
    if request is not None:
        sender, fetcher = RetryingRequest(request), request
    else:
        sender, fetcher = RetryingRequest(), RetryingRequest(
            HTTPXRequest(connection_pool_size=1, read_timeout=30))
    urls = {key: config[f"telegram.{key}"] for key in ("base_url", "base_file_url")
            if config[f"telegram.{key}"]}
    bot = ChatBot(config.telegram_token or "0:console", request=sender,
                  get_updates_request=fetcher, defaults=Defaults(parse_mode=ParseMode.HTML),
                  rate_limiter=rate_limiter, **urls)
    builder = ApplicationBuilder().bot(bot).concurrent_updates(PerUserUpdateProcessor(256))
    builder = builder.post_init(_on_start).persistence(DatabasePersistence(executor))
    application = builder.build()
    application.bot_data[session.EXECUTOR] = executor
    application.bot_data[session.CONFIG] = config
    application.add_handler(TypeHandler(Update, read_typed_command), group=-2)
    application.add_handler(TypeHandler(Update, admit), group=-1)
    register_all(application)
    application.add_error_handler(on_error)
    return application


async def _on_start(application: Application) -> None:
    """Before the first update (polling or webhook): the command menus and the jobs."""
    if application.bot_data[session.CONFIG].telegram_token:
        await _publish_menus(application)
    await scheduler.schedule(application)


async def _publish_menus(application: Application) -> None:
    """Command menus: strangers' per language, then every active staff member's own."""
    try:
        await commands.publish_menus(application)
        await commands.publish_staff_menus(application)
    except TelegramError:
        log.warning("could not publish the command menus", exc_info=True)


async def admit(update: Update, context: session.Context) -> None:
    """Before any handler: drop a redelivered update; map the Telegram user to a staff actor,
    fresh on every update (deactivation is instant); anyone else is a customer, served by the
    customer's side of the bot only (a newcomer's invite aside)."""
    user = update.effective_user
    await _tell_if_waiting(update, context)
    first_time, staff = await session.db(context, updates.admit, update.update_id,
                                         user.id if user else None)
    if not first_time:
        raise ApplicationHandlerStop
    if context.user_data is not None:
        context.user_data[session.ACTOR] = staff.as_actor() if staff else None
        context.user_data[session.LOCALE] = resolve_locale(
            staff.locale if staff else None, user.language_code if user else None,
            session.config(context).locale)
    if staff is None and not _invite(update):
        # Not staff: the customer's side of the bot, and nothing else.
        if update.inline_query or update.effective_chat is None or \
                update.effective_chat.type != "private":
            await _refuse_stranger(update, context)
        else:
            await portal.handle(update, context)
        raise ApplicationHandlerStop


async def _tell_if_waiting(update: Update, context: session.Context) -> None:
    """While a long write (an import, a bulk change) holds SQLite's one database thread, every
    other message waits for it: each chat is told so once per write, at once, instead of
    wondering whether the bot is down."""
    since = context.bot_data[session.EXECUTOR].long_write_since()
    chat = update.effective_chat
    if since is None or chat is None or chat.type != "private" or \
            time.monotonic() - since < WAIT_NOTICE_AFTER:
        return
    told = context.bot_data.setdefault(WAIT_NOTICES, {})
    if told.get("since") != since:  # a new write: nobody has been told of it yet
        told.clear()
        told.update(since=since, chats=set())
    if chat.id in told["chats"]:
        return
    told["chats"].add(chat.id)
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(chat.id, t(session.locale(context, update),
                                                  "access.busy_writing"))


def _invite(update: Update) -> bool:
    """/start with a code: a newcomer joining the staff (besides the inline panel's hint, the
    bot's links carry no other code, so one that is not an invite's is told so, not greeted as
    a customer)."""
    message = update.message
    words = message.text.split() if message and message.text else []
    return bool(message and message.chat.type == "private" and len(words) == 2
                and words[0].split("@")[0] == "/start" and words[1] != START_PARAMETER)


async def _refuse_stranger(update: Update, context: session.Context) -> None:
    """Anyone who is not active staff gets a polite no, and nothing else."""
    refusal = session.text(context, "access.not_staff", id=update.effective_user.id
                           if update.effective_user else "?")
    if update.callback_query:
        await update.callback_query.answer(session.text(context, "access.not_allowed"),
                                           show_alert=True)
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    elif update.effective_message and update.effective_chat.type == "private":
        await update.effective_message.reply_text(refusal)


async def on_error(update: object, context: session.Context) -> None:
    """Expected failures become a message in the user's language; anything else is logged
    with an id that the user sees in a short apology."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        return
    language = _error_locale(update, context)
    if isinstance(error, CodedError):
        message = describe_error(language, error)
    elif isinstance(error, Forbidden):
        log.info("user %s blocked the bot", update.effective_user and update.effective_user.id)
        raise ApplicationHandlerStop
    elif isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # A reply that timed out may well have arrived, and one that could not reach Telegram
        # after the retries leaves no way to apologise: "please try again" would only invite
        # the user to save the same thing twice.
        log.warning("reply to update %s may be lost: %s", update.update_id, error)
        raise ApplicationHandlerStop
    else:
        error_id = secrets.token_hex(4)
        log.error("unexpected error %s handling update %s", error_id, update.update_id,
                  exc_info=error)
        message = t(language, "error.unexpected", id=error_id)
    await _tell(update, message)
    # Handled: later groups (plain-text search) must not take the same message as a query.
    raise ApplicationHandlerStop


def _error_locale(update: Update, context: session.Context) -> str:
    # The error handler gets a fresh context: the language set by the pre-handler is still in
    # user_data, which belongs to the user, not the context.
    stored = context.user_data.get(session.LOCALE) if context.user_data else None
    user = update.effective_user
    return stored or resolve_locale(user.language_code if user else None,
                                    session.config(context).locale)


async def _tell(update: Update, message: str) -> None:
    try:
        # A press already answered (the handler stopped the spinner before failing) takes no
        # alert: the message is then said in the chat.
        if update.callback_query and await update.callback_query.answer(
                plain(message)[:200], show_alert=True):
            return
        if update.effective_message:
            await update.effective_message.reply_text(message)
    except TelegramError:
        log.warning("could not tell the user about an error", exc_info=True)
