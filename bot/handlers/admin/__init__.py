"""Admin commands: /users (role, team, access), /invite, /audit and /status (/backup is in
bot/handlers/backup.py).

Every button is re-checked by crm when pressed (a button is not a grant). Callback data:
``aup:<offset>`` staff list page, ``au:<telegram id>`` one member, ``ar:<tg>:<role>`` new role
(``ar:<tg>:<role>:y`` the confirming press when admin is granted or taken away),
``at:<tg>:<team id or 0>`` team, ``ad:<tg>`` ask to deactivate, ``ax:<tg>`` deactivate (the
confirmation), ``aa:<tg>`` reactivate, ``ai:<menu>:<role>`` choose the invite's team,
``ai:<menu>:<role>:<team id or 0>`` make the invite (``<menu>``: the /invite it came from,
whose buttons make one invite), ``ag:[<tg>:]<offset>`` audit page (of one member),
``ae[:<tg>]`` audit export, ``ah:<tg>`` hand a member's customers over (choose who),
``ah:<tg>:<to tg>`` ask, ``ah:<tg>:<to tg>:y`` do it.

What is where:
  members    /users: the staff list, a member, their role, team and access
  handover   a member's customers handed to another
  invite     /invite
  audit_log  /audit and its export
/status is here, with the registration of them all.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import session
from bot.handlers.admin.audit_log import (
    audit_command,
    audit_keyboard,
    audit_page,
    audit_text,
    changes_text,
    export_audit,
)
from bot.handlers.admin.handover import handover
from bot.handlers.admin.invite import invite_command, invite_text, make_invite
from bot.handlers.admin.members import (
    ask_deactivate,
    member_button,
    member_keyboard,
    member_text,
    role_button,
    users_command,
    users_keyboard,
    users_page,
    users_text,
)
from bot.status_text import status_text
from crm import system

__all__ = [
    "audit_keyboard", "audit_text", "changes_text", "invite_text", "member_keyboard",
    "member_text", "register", "users_keyboard", "users_text",
]


async def status_command(update: Update, context: session.Context) -> None:
    """/status: the installation's checks plus counts."""
    status = await session.db(context, system.get_status, session.actor(context),
                              session.config(context))
    await update.effective_message.reply_text(status_text(session.locale(context), status,
                                                          session.timezone(context)))


def register(application: Application) -> None:
    """Add this module's handlers."""
    for name, handler in (("users", users_command), ("invite", invite_command),
                          ("audit", audit_command), ("status", status_command)):
        application.add_handler(CommandHandler(name, handler))
    for pattern, handler in ((r"^aup:", users_page), (r"^(au|at|ax|aa):", member_button),
                             (r"^ar:", role_button),
                             (r"^ad:", ask_deactivate), (r"^ai:", make_invite),
                             (r"^ag:", audit_page), (r"^ae(:\d+)?$", export_audit),
                             (r"^ah:", handover)):
        application.add_handler(CallbackQueryHandler(handler, pattern=pattern))
