"""Bulk import in the chat: send a CSV or Excel file (or /import first), read the dry run, press
a button to import (updating or skipping existing customers) or to cancel; rows that could not
be imported come back as a spreadsheet with the reason in the user's language.

Callback data: ``imp:<token>:u`` import and update existing, ``imp:<token>:s`` import and skip
existing, ``imp:<token>:x`` cancel. crm checks the token belongs to the person pressing.
"""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import session
from bot.data_text import problem_text, rejects_file
from bot.i18n import t
from bot.keyboards import data, keyboard, parse
from bot.progress import progress_steps
from crm import imports
from crm.imports import ImportPreview, ImportResult

MODES = {"u": "update", "s": "skip"}


# Rendering. ------------------------------------------------------------------------------


def preview_text(locale: str, preview: ImportPreview) -> str:
    """The dry run: counts, columns left out, the first problems, what to do next."""
    lines = [t(locale, "imports.preview_title", name=preview.file_name, rows=preview.rows),
             t(locale, "imports.count_new", count=preview.new),
             t(locale, "imports.count_existing", count=preview.existing),
             t(locale, "imports.count_duplicates", count=preview.duplicates),
             t(locale, "imports.count_invalid", count=preview.invalid)]
    if preview.sheet is not None:
        lines.insert(1, t(locale, "imports.sheet", sheet=preview.sheet,
                          count=len(preview.sheets), sheets=preview.sheets))
    lines += [t(locale, f"imports.dates_{way}", column=column, row=row, value=value)
              for column, way, row, value in preview.date_orders]
    if preview.unsaved_formulas:
        lines.append(t(locale, "imports.unsaved_formulas",
                       columns=tuple(preview.unsaved_formulas)))
    if preview.unknown_columns:
        lines.append(t(locale, "imports.unknown_columns",
                       columns=tuple(preview.unknown_columns)))
    if preview.bookkeeping_columns:
        lines.append(t(locale, "imports.bookkeeping_columns",
                       columns=tuple(preview.bookkeeping_columns)))
    if preview.problems:
        lines.append(t(locale, "imports.problems_title"))
        lines += [t(locale, "imports.problem_line", row=p.row) + problem_text(locale, p)
                  for p in preview.problems]
    if preview.notices:
        lines.append(t(locale, "imports.notices_title", count=preview.notice_count))
        lines += [t(locale, "imports.problem_line", row=p.row) + problem_text(locale, p)
                  for p in preview.notices]
    next_step = ("imports.nothing" if not preview.token else
                 "imports.choose" if preview.existing else "imports.confirm")
    lines.append(t(locale, next_step))
    return "\n".join(lines)


def preview_keyboard(locale: str, preview: ImportPreview) -> InlineKeyboardMarkup | None:
    """Import buttons (update or skip existing when there are any) and cancel."""
    if not preview.token:
        return None
    def b(key: str, mode: str, **params: object) -> tuple[str, str]:
        return t(locale, key, html_escape=False, **params), data("imp", preview.token, mode)

    imports_row = ([b("imports.update_button", "u"), b("imports.skip_button", "s")]
                   if preview.existing else [b("imports.import_button", "s", count=preview.new)])
    return keyboard([imports_row, [b("imports.cancel_button", "x")]])


def result_text(locale: str, result: ImportResult) -> str:
    """What the import did."""
    lines = [t(locale, "imports.done_title", name=result.file_name),
             t(locale, "imports.done_created", count=result.created)]
    if result.mode == "update":
        lines.append(t(locale, "imports.done_updated", count=result.updated,
                       unchanged=result.unchanged))
    else:
        lines.append(t(locale, "imports.done_skipped", count=result.skipped))
    if result.assigned:
        lines.append(t(locale, "imports.done_assigned", count=result.assigned))
    lines.append(t(locale, "imports.done_rejected", count=result.rejected))
    return "\n".join(lines)


async def _send_rejects(update: Update, context: session.Context, name: str,
                        headers: tuple[str, ...], rejects: tuple) -> None:
    content = await context.bot_data[session.EXECUTOR].run_long(
        rejects_file, session.locale(context), headers, rejects)
    stem = name.rsplit(".", 1)[0] or "import"
    await update.effective_message.reply_document(
        InputFile(content, filename=f"{stem}.rejected.xlsx"),
        caption=session.text(context, "imports.report_caption", count=len(rejects)))


# Handlers. -------------------------------------------------------------------------------


async def import_command(update: Update, context: session.Context) -> None:
    """/import: how to send the file (crm says first whether this person may import)."""
    await session.db(context, imports.check_upload, session.actor(context), "", None)
    await update.effective_message.reply_text(
        session.text(context, "imports.send_file",
                     max_mb=session.config(context)["import.max_file_mb"]))


async def receive_file(update: Update, context: session.Context) -> None:
    """A document outside any conversation: the dry run of importing it."""
    document = update.effective_message.document
    name = document.file_name or "import"
    actor = session.actor(context)
    await session.db(context, imports.check_upload, actor, name, document.file_size)
    telegram_file = await document.get_file()
    content = bytes(await telegram_file.download_as_bytearray())
    title = session.text(context, "imports.checking", name=name)
    checked_title = session.text(context, "imports.checked", name=name)
    async with progress_steps(update, context, title, checked_title) as steps:
        checked = await steps.run(0, 95, imports.check_file, actor, name, content)
        preview = await steps.run(95, 100, imports.keep_preview, actor, checked, writes=True)
    locale = session.locale(context)
    await update.effective_message.reply_text(preview_text(locale, preview),
                                              reply_markup=preview_keyboard(locale, preview))
    if not preview.token and preview.rejects:
        await _send_rejects(update, context, name, preview.headers, preview.rejects)


async def import_button(update: Update, context: session.Context) -> None:
    """imp:<token>:u|s|x: import (updating or skipping existing customers) or cancel."""
    callback = update.callback_query
    parts = parse(callback.data)
    if len(parts) != 3 or parts[2] not in (*MODES, "x"):
        await callback.answer()
        return
    actor, token = session.actor(context), parts[1]
    if parts[2] == "x":
        await session.db(context, imports.cancel_import, actor, token)
        await callback.answer()
        await callback.edit_message_text(session.text(context, "imports.cancelled"))
        return
    await callback.answer()
    with contextlib.suppress(TelegramError):
        await callback.edit_message_reply_markup(None)  # the buttons are spent
    title = session.text(context, "imports.running")
    async with progress_steps(update, context, title,
                              session.text(context, "imports.imported")) as steps:
        loaded = await steps.run(0, 40, imports.load_import, actor, token)
        result = await steps.run(40, 100, imports.apply_import, actor, loaded, MODES[parts[2]],
                                 writes=True)
    await update.effective_message.reply_text(result_text(session.locale(context), result))
    if result.rejects:
        await _send_rejects(update, context, result.file_name, result.headers, result.rejects)


def register(application: Application) -> None:
    """Add this module's handlers (the file handler after the conversations that take files)."""
    application.add_handler(CommandHandler("import", import_command))
    application.add_handler(CallbackQueryHandler(import_button, pattern=r"^imp:"))
    application.add_handler(MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE,
                                           receive_file))
