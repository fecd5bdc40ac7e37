"""/export: customers, interactions, deals, orders or tickets as a spreadsheet, built off the event
loop with its progress shown. ``/export`` offers the kinds and formats as buttons; filters can be
typed after the command: ``/export customers csv tag=VIP status=lead owner=@li since=2026-01-01
until=2026-03-31``.

Callback data: ``exk:<kind>`` choose the format for a kind, ``exf:<kind>:<format>`` export.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import session
from bot.data_text import (
    Unclear,
    export_caption,
    export_file_name,
    export_named,
    header_of,
    unclear_text,
    value_of,
)
from bot.i18n import t
from bot.keyboards import data, keyboard, parse
from bot.progress import with_progress
from bot.session import local_now
from crm import exports

FILTER_KEYS = ("tag", "owner", "status", "since", "until")
# The same filters typed in Chinese: 标签=VIP 负责人=@li 状态=线索 从=2026-01-01 到=2026-03-31.
FILTER_WORDS = {"标签": "tag", "负责人": "owner", "状态": "status", "从": "since", "自": "since",
                "起": "since", "开始": "since", "开始日期": "since", "到": "until", "至": "until",
                "止": "until", "结束": "until", "结束日期": "until"}
# Formats people may ask for that we do not write: named as a format, so the answer says which
# formats there are instead of the filter hint.
OTHER_FORMATS = frozenset({"pdf", "xls", "ods", "numbers", "doc", "docx", "txt", "tsv", "json",
                           "xml", "html", "zip", "png", "jpg"})
# Phones type “ ” for " and a Chinese keyboard ＝ for =.
QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "「": '"', "」": '"',
                        "＝": "="})


def write_file(actor: Any, kind: str, fmt: str, filters: exports.Filters, locale: str, *,
               progress: Any = None) -> tuple[Path, exports.ExportResult]:
    """The export in a private temporary file (the caller sends and deletes it)."""
    descriptor, name = tempfile.mkstemp(prefix="crm-export-", suffix=f".{fmt}")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            result = exports.export_records(actor, kind, handle, fmt=fmt, filters=filters,
                                            header=header_of(locale), value=value_of(locale),
                                            progress=progress)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, result


def split_words(text: str) -> list[str]:
    """The words after the command; quotes keep a value with spaces whole (phones type “ ”
    for "); an unclosed quote raises ValueError."""
    command_and_rest = text.split(None, 1)
    rest = command_and_rest[1] if len(command_and_rest) > 1 else ""
    return shlex.split(rest.translate(QUOTES))


class TypedFilters:
    """The filters typed after a command, by their keys: ``标签=VIP 负责人=Max Manager`` (keys in
    either language); a bare word right after a filter may go on with its value (a name with
    spaces). Each command says what its other words are."""

    def __init__(self) -> None:
        self.typed: dict[str, str] = {}
        self._last: str | None = None

    def starts(self, word: str) -> bool:
        """``key=value`` with a filter's key: kept, and the value is open to bare words."""
        key, sep, value = word.partition("=")
        key = FILTER_WORDS.get(key.strip(), key.strip().lower())
        if not (sep and key in FILTER_KEYS):
            return False
        self._last, self.typed[key] = key, value
        return True

    def continues(self, word: str) -> bool:
        """A bare word after a filter: the rest of its value."""
        if self._last is None:
            return False
        self.typed[self._last] += f" {word}"
        return True

    def ends(self) -> None:
        """The word read closes the value: the next bare word does not continue it."""
        self._last = None

    def unknown(self, word: str) -> None:
        """A word that means nothing here: the first one is kept as ``unknown`` to quote back."""
        self.typed.setdefault("unknown", word)


def typed_filters(words: list[str]) -> dict[str, str]:
    """Only filters (/bulk): any other word is kept as ``unknown``."""
    reader = TypedFilters()
    for word in words:
        if not (reader.starts(word) or reader.continues(word)):
            reader.unknown(word)
    return reader.typed


def parse_args(words: list[str]) -> tuple[str | None, str | None, dict[str, str]]:
    """``customers csv tag=VIP owner=Max Manager`` → kind, format (None: not given), typed
    filters; another file format's name is taken as the format asked for. crm checks every
    value."""
    kind, fmt, reader = None, None, TypedFilters()
    for word in words:
        if reader.starts(word):
            continue
        if word.lower() in exports.FORMATS:
            fmt = word.lower()
            reader.ends()
        elif kind is None:
            kind = word.lower()
        elif reader.continues(word):
            continue
        elif fmt is None and word.lower().lstrip(".") in OTHER_FORMATS:
            fmt = word.lower().lstrip(".")  # crm answers which formats there are
        else:
            reader.unknown(word)
    return kind, fmt, reader.typed


async def _export(update: Update, context: session.Context, kind: str, typed: dict[str, str],
                  fmt: str) -> None:
    actor, locale = session.actor(context), session.locale(context)
    if "unknown" in typed:
        await update.effective_message.reply_text(
            session.text(context, "exports.unknown_word", word=typed["unknown"]))
        return
    filters = await session.db(context, exports.filters_from_text, actor, kind, fmt, **typed)
    label = header_of(locale)(kind)
    path, result = await with_progress(update, context,
                                       session.text(context, "exports.running", kind=label),
                                       write_file, actor, kind, fmt, filters, locale,
                                       done=session.text(context, "exports.finished",
                                                         kind=label))
    try:
        day = local_now(context).date().isoformat()
        with path.open("rb") as handle:
            await update.effective_message.reply_document(
                handle, filename=export_file_name(locale, label, result, day),
                caption=export_caption(locale, t(locale, f"exports.kind.{kind}",
                                                  html_escape=False), result))
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


async def export_command(update: Update, context: session.Context) -> None:
    """/export [kind] [xlsx|csv] [filters]: straight to the file, or the kinds as buttons."""
    await session.db(context, exports.require_exporter, session.actor(context))
    try:
        words = split_words(update.effective_message.text or "")
    except ValueError:
        await update.effective_message.reply_text(session.text(context, "exports.open_quote"))
        return
    kind, fmt, typed = parse_args(words)
    locale = session.locale(context)
    if kind is None:
        await update.effective_message.reply_text(
            session.text(context, "exports.choose_kind"),
            reply_markup=_kind_buttons(locale, exports.export_kinds()))
        return
    named = export_named(locale, kind, typed.get("status"))
    if isinstance(named, Unclear):  # said in the user's words, with the names to pick from
        await update.effective_message.reply_text(
            unclear_text(locale, named), reply_markup=None if named.kind else _kind_buttons(
                locale, named.codes))
        return
    kind, status = named
    await _export(update, context, kind, {**typed, "status": status} if status else typed,
                  fmt or "xlsx")


def _kind_buttons(locale: str, kinds: Sequence[str]) -> InlineKeyboardMarkup:
    """A button per export kind, two to a row."""
    buttons = [(t(locale, f"exports.kind.{name}", html_escape=False), data("exk", name))
               for name in kinds]
    return keyboard([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


async def kind_button(update: Update, context: session.Context) -> None:
    """exk:<kind>: which format; a role that may not export is refused at this press (an old
    menu is not a grant), not after the format is chosen."""
    callback = update.callback_query
    parts = parse(callback.data)
    await session.db(context, exports.require_exporter, session.actor(context))
    await callback.answer()
    if len(parts) != 2:
        return
    buttons = [(fmt.upper(), data("exf", parts[1], fmt)) for fmt in exports.FORMATS]
    await callback.edit_message_text(
        session.text(context, "exports.choose_format",
                     kind=t(session.locale(context), f"exports.kind.{parts[1]}",
                            html_escape=False)),
        reply_markup=keyboard([buttons]))


async def format_button(update: Update, context: session.Context) -> None:
    """exf:<kind>:<format>: build and send the file (crm checks the permission again; refused,
    it is said on the button, as at every press)."""
    callback = update.callback_query
    parts = parse(callback.data)
    await session.db(context, exports.require_exporter, session.actor(context))
    await callback.answer()
    if len(parts) != 3:
        return
    await _export(update, context, parts[1], {}, parts[2])


def register(application: Application) -> None:
    """Add this module's handlers."""
    application.add_handler(CommandHandler("export", export_command))
    application.add_handler(CallbackQueryHandler(kind_button, pattern=r"^exk:"))
    application.add_handler(CallbackQueryHandler(format_button, pattern=r"^exf:"))
