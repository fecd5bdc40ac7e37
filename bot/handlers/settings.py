"""/settings: the user's own language and time zone (st:l:<locale>, st:z:<zone>, st:zo to type one).

The answer comes in the new language at once.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import session
from bot.handlers.commands import publish_user_menu
from bot.handlers.log import conversation
from bot.i18n import t
from bot.keyboards import Button, data, keyboard, parse
from bot.render import local_time
from crm import users
from crm.clock import utcnow
from crm.config import LOCALES
from crm.errors import ValidationError
from crm.users import StaffView

ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Singapore", "Europe/London",
         "America/New_York", "UTC")
AGENDA_HOURS = (6, 7, 8, 9, 10)
TYPING = 0
END = ConversationHandler.END


def timezone(context: session.Context) -> str:
    """The user's zone, else the installation's."""
    return session.actor(context).timezone or session.config(context).timezone


def settings_text(locale: str, zone: str, hour: int) -> str:
    """Current language, zone (with the time there now) and agenda hour."""
    now = local_time(utcnow(), zone).strftime("%H:%M")
    return "\n".join([t(locale, "settings.title"),
                      t(locale, "settings.language_line",
                        language=t(locale, f"settings.language.{locale}")),
                      t(locale, "settings.zone_line", zone=zone, time=now),
                      t(locale, "settings.agenda_line", hour=hour)])


def settings_keyboard(locale: str, zone: str, hour: int) -> InlineKeyboardMarkup:
    """Language buttons, common zones (two a row), "another zone", and agenda hours."""
    def mark(label: str, current: bool) -> str:
        return f"✓ {label}" if current else label

    languages: list[Button] = [(mark(t(code, f"settings.language.{code}"), code == locale),
                                data("st", "l", code)) for code in LOCALES]
    zones: list[Button] = [(mark(name, name == zone), data("st", "z", name)) for name in ZONES]
    hours: list[Button] = [(mark(f"☀️ {h}:00", h == hour), data("st", "a", h))
                           for h in AGENDA_HOURS]
    return keyboard([languages, *[zones[i:i + 2] for i in range(0, len(zones), 2)],
                     [(t(locale, "settings.other_zone"), data("st", "zo"))], hours])


async def screen(context: session.Context, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """The settings message and its buttons, as they are now."""
    zone = timezone(context)
    hour = await session.db(context, users.get_agenda_hour, session.actor(context))
    if hour is None:
        hour = session.config(context)["reminders.agenda_hour"]
    return settings_text(locale, zone, hour), settings_keyboard(locale, zone, hour)


def remember(context: session.Context, staff: StaffView) -> str:
    """The saved preferences apply to this very reply (the pre-handler reads them next time)."""
    context.user_data[session.ACTOR] = staff.as_actor()
    if staff.locale:
        context.user_data[session.LOCALE] = staff.locale
    return session.locale(context)


async def show_settings(update: Update, context: session.Context) -> int:
    """/settings."""
    text, markup = await screen(context, session.locale(context))
    await update.effective_message.reply_text(text, reply_markup=markup)
    return END


async def choose(update: Update, context: session.Context) -> int:
    """st:l:<locale>, st:z:<zone> or st:a:<hour>: save, then show the settings in the (new)
    language."""
    callback = update.callback_query
    _, what, value = parse(callback.data)[:3]
    if what == "a":
        staff = await session.db(context, users.set_agenda_hour, session.actor(context),
                                 int(value))
    else:
        change = {"locale": value} if what == "l" else {"timezone": value}
        staff = await session.db(context, users.set_preferences, session.actor(context),
                                 **change)
    locale = remember(context, staff)
    if what == "l":
        await publish_user_menu(context.bot, staff, locale)
    await callback.answer(t(locale, "settings.saved"))
    text, markup = await screen(context, locale)
    await callback.edit_message_text(text, reply_markup=markup)
    return END


async def ask_zone(update: Update, context: session.Context) -> int:
    """st:zo: type any IANA zone name."""
    await update.callback_query.answer()
    await update.callback_query.message.reply_text(session.text(context, "settings.ask_zone"))
    return TYPING


async def typed_zone(update: Update, context: session.Context) -> int:
    """A typed zone: saved if known; otherwise say so and keep asking."""
    message, value = update.effective_message, update.effective_message.text.strip()
    try:
        staff = await session.db(context, users.set_preferences, session.actor(context),
                                 timezone=value)
    except ValidationError as error:
        await message.reply_text(session.text(context, "settings.zone_unknown", value=value))
        raise ApplicationHandlerStop(TYPING) from error
    text, markup = await screen(context, remember(context, staff))
    await message.reply_text(text, reply_markup=markup)
    raise ApplicationHandlerStop(END)


async def cancel(update: Update, context: session.Context) -> int:
    """/cancel while a zone is asked."""
    await update.effective_message.reply_text(session.text(context, "settings.cancelled"))
    return END


async def timed_out(update: Update, context: session.Context) -> None:
    """No zone typed for a while: say the question is over, so a word typed later is not
    taken for a zone nor silently searched for."""
    if update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id,
                                       session.text(context, "settings.timed_out"))


async def ignore(update: Update, context: session.Context) -> None:
    """Forged st: data does nothing."""
    await update.callback_query.answer()


CHOOSE = r"^st:(l:[A-Za-z-]{2,5}|z:[A-Za-z0-9_+/-]{1,50}|a:(6|7|8|9|10))$"


def register(application: Application) -> None:
    """/settings, its buttons, and the typed-zone step."""
    application.add_handler(conversation(
        entry_points=[CallbackQueryHandler(ask_zone, pattern=r"^st:zo$")],
        states={TYPING: [MessageHandler(filters.TEXT & ~filters.COMMAND
                                        & filters.ChatType.PRIVATE, typed_zone),
                         CallbackQueryHandler(choose, pattern=CHOOSE)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)]},
        fallbacks=[CommandHandler("cancel", cancel), CommandHandler("settings", show_settings)],
        name="settings"))
    application.add_handler(CommandHandler("settings", show_settings))
    application.add_handler(CallbackQueryHandler(choose, pattern=CHOOSE))
    application.add_handler(CallbackQueryHandler(ignore, pattern=r"^st:"))
