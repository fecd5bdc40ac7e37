"""The Telegram Application: one builder for long polling, webhook and the local console."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest

from bot.i18n import resolve_locale, t
from crm import users
from crm.config import Config
from storage.executor import DatabaseExecutor

EXECUTOR_KEY = "db"


def build_application(config: Config, executor: DatabaseExecutor, *,
                      request: BaseRequest | None = None) -> Application:
    """The bot with its handlers; ``request`` replaces the network layer (console, tests)."""
    builder = (ApplicationBuilder()
               .token(config.telegram_token or "0:console")
               .defaults(Defaults(parse_mode=ParseMode.HTML))
               .rate_limiter(AIORateLimiter(max_retries=3)))
    if config["telegram.base_url"]:
        builder = builder.base_url(config["telegram.base_url"])
    if config["telegram.base_file_url"]:
        builder = builder.base_file_url(config["telegram.base_file_url"])
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    application.bot_data[EXECUTOR_KEY] = executor
    application.bot_data["config"] = config
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", start))
    return application


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Welcome staff by name; tell anyone else politely that this bot is not for them."""
    tg_user = update.effective_user
    if tg_user is None or update.effective_message is None:
        return
    executor: DatabaseExecutor = context.bot_data[EXECUTOR_KEY]
    staff = await executor.run(users.identify, tg_user.id)
    config: Config = context.bot_data["config"]
    locale = resolve_locale(staff.locale if staff else None, tg_user.language_code,
                            config.locale)
    if staff is None:
        text = t(locale, "bot.start.stranger", id=tg_user.id)
    else:
        text = t(locale, "bot.start.staff", name=staff.name, role=t(locale, f"role.{staff.role}"))
    await update.effective_message.reply_text(text)
