"""/start (welcome; with an invite code, join) and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import session
from bot.handlers.commands import menu_commands, publish_user_menu
from bot.handlers.inline import START_PARAMETER
from crm import invites


async def start(update: Update, context: session.Context) -> None:
    """Welcome staff; with an invite code, a newcomer joins; anyone else learns their id."""
    user, message = update.effective_user, update.effective_message
    code = context.args[0] if context.args else ""
    if code == START_PARAMETER:  # the inline panel's hint: a plain /start
        code = ""
    if code:  # the bot's other links carry only invite codes: anything else is an invalid one
        staff = await session.db(context, invites.accept_invite, code, telegram_id=user.id,
                                 name=user.full_name, username=user.username,
                                 locale=session.locale(context, update))
        context.user_data[session.ACTOR] = staff.as_actor()
        await publish_user_menu(context.bot, staff, session.locale(context, update))
        await message.reply_text(session.text(context, "start.joined", name=staff.name,
                                              role=session.text(context, f"role.{staff.role}")))
        return
    if context.user_data.get(session.ACTOR) is None:
        await message.reply_text(session.text(context, "access.not_staff", id=user.id))
        return
    staff = session.actor(context)
    await message.reply_text(session.text(context, "start.staff", name=staff.name,
                                          role=session.text(context, f"role.{staff.role}")))


async def help_command(update: Update, context: session.Context) -> None:
    """What the bot can do: for staff, every command their role has; for anyone else, how to
    join."""
    actor = context.user_data.get(session.ACTOR)
    if actor is None:
        await update.effective_message.reply_text(session.text(context, "help.stranger"))
        return
    names = menu_commands(actor)
    lines = [session.text(context, "help.command", name=name,
                          description=session.text(context, f"menu.{name}")) for name in names]
    parts = [session.text(context, "help.staff"), "\n".join(lines)]
    if "new" in names:
        parts.append(session.text(context, "help.create_tip"))
    await update.effective_message.reply_text("\n\n".join(parts))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
