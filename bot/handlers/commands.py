"""/cancel outside a conversation, and the command menus
(per role and per language, published with setMyCommands scopes)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler

from bot import session
from bot.i18n import resolve_locale, t
from crm import users
from crm.actors import Actor, Channel
from crm.permissions import Action, allows
from crm.users import StaffView

log = logging.getLogger(__name__)
STRANGER_MENU = ("start", "help")
# (command, what it needs): crm decides who has it, this only picks the menu's entries.
STAFF_MENU: tuple[tuple[str, Action], ...] = (
    ("new", Action.CREATE), ("find", Action.READ), ("log", Action.EDIT), ("today", Action.READ),
    ("remind", Action.READ), ("reminders", Action.READ), ("deals", Action.READ),
    ("forecast", Action.FORECAST), ("tickets", Action.READ), ("kb", Action.READ),
    ("report", Action.REPORT), ("export", Action.EXPORT), ("import", Action.IMPORT),
    ("duplicates", Action.MERGE), ("bulk", Action.EDIT), ("deleted", Action.DELETE),
    ("settings", Action.READ), ("cancel", Action.READ), ("help", Action.READ),
    ("users", Action.MANAGE_USERS), ("invite", Action.MANAGE_USERS), ("audit", Action.AUDIT),
    ("status", Action.MANAGE_USERS), ("backup", Action.BACKUP),
)
MENU_LANGUAGES = {"zh": "zh-CN", "en": "en"}  # Telegram language_code → our catalogue


async def cancel_command(update: Update, context: session.Context) -> None:
    """/cancel when no conversation caught it: nothing is going on."""
    await update.effective_message.reply_text(session.text(context, "soon.nothing_to_cancel"))


def menu_commands(actor: Actor) -> list[str]:
    """The commands a staff member's menu offers, as their role allows."""
    return [name for name, action in STAFF_MENU if allows(actor, action)]


def bot_commands(locale: str, names: list[str] | tuple[str, ...]) -> list[BotCommand]:
    """Menu entries with descriptions in ``locale`` (plain text: menus do not parse HTML)."""
    return [BotCommand(name, t(locale, f"menu.{name}", html_escape=False)) for name in names]


async def publish_menus(application: Application) -> None:
    """The menu of everyone who is not (yet) staff: /start and /help, in each language."""
    bot, scope = application.bot, BotCommandScopeDefault()
    for language_code, locale in MENU_LANGUAGES.items():
        await bot.set_my_commands(bot_commands(locale, STRANGER_MENU), scope=scope,
                                  language_code=language_code)
    default_locale = application.bot_data[session.CONFIG].locale
    await bot.set_my_commands(bot_commands(default_locale, STRANGER_MENU), scope=scope)


async def publish_user_menu(bot: Bot, staff: StaffView, locale: str) -> bool:
    """One staff member's own menu (their role's commands, in ``locale``); False on failure."""
    scope = BotCommandScopeChat(staff.telegram_id)
    try:
        if staff.active:
            await bot.set_my_commands(bot_commands(locale, menu_commands(staff.as_actor())),
                                      scope=scope)
        else:
            await bot.delete_my_commands(scope=scope)
    except TelegramError:
        # A newcomer who never opened the chat has no chat yet; the menu follows next time.
        log.warning("could not publish the menu of staff user %s", staff.id, exc_info=True)
        return False
    return True


async def publish_staff_menus(application: Application) -> int:
    """Every active staff member's menu (at start-up: roles may have changed from the command
    line meanwhile); returns how many were published."""
    config = application.bot_data[session.CONFIG]
    staff = await application.bot_data[session.EXECUTOR].run(
        users.list_users, Actor.system(Channel.JOB), include_inactive=False)
    published = 0
    for member in staff:
        locale = resolve_locale(member.locale, config.locale)
        published += await publish_user_menu(application.bot, member, locale)
    return published


def register(application: Application) -> None:
    """Add this module's handlers."""
    application.add_handler(CommandHandler("cancel", cancel_command))
