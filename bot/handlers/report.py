"""/report [FROM [TO]]: pick a report kind, get the spreadsheet and its headline chart.

Callback data ``rp:<kind>:<from>:<to>`` (days as YYYYMMDD, empty for the kind's usual period);
crm checks the kind, the period and the permission again when it is pressed (a button is not
a grant). The work runs off the event loop with a progress message edited in place.
"""

from __future__ import annotations

import datetime as dt
import functools

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import session
from bot.data_text import named_in
from bot.i18n import listed, t
from bot.keyboards import data, keyboard, parse
from bot.progress import with_progress
from crm import reports
from crm.reports import ReportFiles


def labels_for(locale: str) -> reports.Labels:
    """Report wording in ``locale`` (plain text: files and pictures do not read HTML)."""
    return functools.partial(t, locale, html_escape=False)


def chart_title(locale: str, files: ReportFiles) -> str:
    """The headline chart's title, as the picture shows it."""
    chart = files.report.headline
    return t(locale, f"reports.chart.{chart.key}", html_escape=False, **dict(chart.params))


def _compact(day: dt.date | None) -> str:
    return f"{day:%Y%m%d}" if day else ""


def _menu(actor, since: str | None, until: str | None) -> tuple[list[str], str, str]:
    """The kinds the actor may run and the checked period as callback parts (one DB trip)."""
    first, last = reports.check_bounds(since, until)
    return reports.report_kinds(actor), _compact(first), _compact(last)


async def report_command(update: Update, context: session.Context) -> None:
    """/report [KIND] [FROM [TO]]: with a kind (funnel, pipeline, …, or its name in the user's
    words) that report at once; otherwise one button per report kind the user may run."""
    words = list(context.args or [])
    typed = words.pop(0) if words and not words[0][:1].isdigit() else None
    words += [None, None]
    kinds, first, last = await session.db(context, _menu, session.actor(context), *words[:2])
    locale = session.locale(context)
    if typed is None:
        await update.effective_message.reply_text(
            session.text(context, "reports.choose"),
            reply_markup=_buttons(locale, kinds, first, last))
        return
    named = named_in(locale, ("reports.kind",), typed, reports.KINDS)
    runnable = [kind for kind in named if kind in kinds]
    if len(named) == 1 or len(runnable) == 1:  # crm says if the user may not run it
        await _run(update, context, runnable[0] if runnable else named[0], first, last)
        return
    # Unknown or ambiguous: the names the user may pick, in their words, as text and buttons.
    offered = runnable or kinds
    key = "reports.ambiguous_named" if runnable else "reports.unknown_named"
    await update.effective_message.reply_text(
        session.text(context, key, word=typed, names=listed(locale, (
            t(locale, f"reports.kind.{kind}", html_escape=False) for kind in offered))),
        reply_markup=_buttons(locale, offered, first, last))


def _buttons(locale: str, kinds: list[str], first: str, last: str) -> InlineKeyboardMarkup:
    """One button per report kind, for the period asked."""
    return keyboard([[(t(locale, f"reports.kind.{kind}"), data("rp", kind, first, last))]
                     for kind in kinds])


async def run_report(update: Update, context: session.Context) -> None:
    """rp:<kind>:<from>:<to>: the button of one kind."""
    _, kind, since, until = [*parse(update.callback_query.data), "", "", ""][:4]
    await _run(update, context, kind, since, until)


async def _run(update: Update, context: session.Context, kind: str, since: str,
               until: str) -> None:
    """Build the report, send the workbook and the headline chart."""
    actor, locale = session.actor(context), session.locale(context)
    await session.db(context, reports.require_kind, actor, kind)
    if update.callback_query:
        await update.callback_query.answer()
    files = await with_progress(update, context, session.text(context, f"reports.kind.{kind}"),
                                reports.build_report_files, actor, kind, since=since or None,
                                until=until or None, labels=labels_for(locale), locale=locale)
    period = files.report.period
    message = update.effective_message
    await message.reply_document(
        InputFile(files.xlsx, filename=f"{files.file_name}.xlsx"),
        caption=session.text(context, "reports.file_caption",
                             kind=t(locale, f"reports.kind.{kind}", html_escape=False),
                             since=period.since.isoformat(), until=period.last.isoformat()))
    await message.reply_photo(InputFile(files.png, filename=f"{files.file_name}.png"),
                              caption=session.text(context, "reports.photo_caption",
                                                   title=chart_title(locale, files)))


def register(application: Application) -> None:
    """Add this module's handlers."""
    application.add_handler(CommandHandler("report", report_command))
    application.add_handler(CallbackQueryHandler(run_report, pattern=r"^rp:"))
