"""/backup: an admin makes a verified backup from the chat; progress is shown in one message
edited in place while everyone else is served, then what the backup holds."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import session
from bot.i18n import t
from bot.progress import with_progress
from bot.render import human_size, when
from crm import backups
from crm.backups import BackupOutcome


def outcome_text(locale: str, outcome: BackupOutcome, timezone: str) -> str:
    """The file, when it was taken on the reader's clock (its name keeps UTC time, which
    retention and restores read), its size, tables and rows, and whether it was verified."""
    view = outcome.backup
    if outcome.ok and view is not None:
        return t(locale, "backup.done", file=view.name, size=human_size(view.size),
                 taken=when(locale, view.created_at, timezone), timezone=timezone,
                 tables=view.tables, rows=f"{view.rows:,}")
    reason = t(locale, outcome.error_code or "backup.corrupt", html_escape=False,
               **outcome.error_params)
    return t(locale, "backup.failed", file=view.name if view else "-", reason=reason)


async def backup_command(update: Update, context: session.Context) -> None:
    """/backup: checked by crm before the long work starts, then run off the event loop."""
    actor = session.actor(context)
    backups.require_backup(actor)
    outcome = await with_progress(update, context, session.text(context, "backup.progress"),
                                  backups.create_backup, actor,
                                  done=session.text(context, "backup.progress_done"))
    await update.effective_message.reply_text(
        outcome_text(session.locale(context), outcome, session.timezone(context)))


def register(application: Application) -> None:
    """Add this module's handlers."""
    application.add_handler(CommandHandler("backup", backup_command))
