"""Per-update state the handlers share: who is acting, in which language, and the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.chatbot import ChatBot
from bot.i18n import resolve_locale, t
from crm.actors import Actor
from crm.config import Config
from storage.executor import DatabaseExecutor

P = ParamSpec("P")
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
EXECUTOR = "db"
CONFIG = "config"
ACTOR = "actor"  # set on every update by the identity pre-handler (None: not staff)
LOCALE = "locale"


async def db(context: Context, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a crm service on the database thread and await it."""
    executor: DatabaseExecutor = context.bot_data[EXECUTOR]
    return await executor.run(fn, *args, **kwargs)


def config(context: Context) -> Config:
    return context.bot_data[CONFIG]


def actor(context: Context) -> Actor:
    """The acting staff member (the pre-handler has already turned strangers away)."""
    found = context.user_data.get(ACTOR) if context.user_data is not None else None
    if found is None:
        raise PermissionError("no staff actor for this update")
    return found


def locale(context: Context, update: Update | None = None) -> str:
    """The user's language: their setting, else Telegram's, else the installation's."""
    if context.user_data and context.user_data.get(LOCALE):
        return context.user_data[LOCALE]
    user = update.effective_user if update else None
    return resolve_locale(user.language_code if user else None, config(context).locale)


def timezone(context: Context) -> str:
    """The acting user's time zone, else the installation's."""
    return actor(context).timezone or config(context).timezone


def local_now(context: Context) -> dt.datetime:
    """Now on the user's clock."""
    return dt.datetime.now(ZoneInfo(timezone(context)))


def text(context: Context, key: str, /, **params: Any) -> str:
    """A message in the user's language, parameters escaped."""
    return t(locale(context), key, **params)


async def reply_unread(update: Update, context: Context, message: str,
                       reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the update's chat when nothing will refer to the sent message later (see
    ``ChatBot.send_unread``)."""
    bot = context.bot
    assert isinstance(bot, ChatBot), "the Application is built by bot.app.build_application"
    await bot.send_unread(update.effective_chat.id, message, reply_markup)
