"""`crm import FILE` and `crm export KIND`: the same bulk import and export as the bot, from the
server's shell (as the system, or as a staff member with --as; audited with the channel cli)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from bot.cli_args import CommandParser
from bot.data_text import (
    Unclear,
    export_named,
    header_of,
    problem_text,
    rejects_file,
    unclear_text,
    value_of,
)
from bot.terminal import (
    STAFF_METAVAR,
    Terminal,
    Unanswered,
    discard_stdout,
    staff_member,
)
from crm import exports, imports, system
from crm.actors import Actor, Channel
from crm.config import Config
from crm.errors import Conflict
from crm.imports import ImportPreview

SYSTEM = Actor.system(Channel.CLI)


def register(crm: CommandParser) -> None:
    """Add `crm import` and `crm export` to the parser."""
    _register_import(crm.command("import", cmd_import, "cli_help.import.about"))
    _register_export(crm.command("export", cmd_export, "cli_help.export.about"))


def _register_import(loader: CommandParser) -> None:
    loader.add_argument("file", type=Path, metavar="FILE", help=loader.text("cli_help.import.file"))
    loader.add_argument("--as", dest="as_user", metavar=STAFF_METAVAR,
                        help=loader.text("cli_help.import.as"))
    mode = loader.add_mutually_exclusive_group()
    mode.add_argument("--update", dest="mode", action="store_const", const="update",
                      help=loader.text("cli_help.import.update"))
    mode.add_argument("--skip-existing", dest="mode", action="store_const", const="skip",
                      help=loader.text("cli_help.import.skip_existing"))
    loader.add_argument("--yes", action="store_true", help=loader.text("cli_help.yes"))
    loader.add_argument("--rejects", type=Path, metavar="FILE.xlsx",
                        help=loader.text("cli_help.import.rejects"))


def _register_export(export: CommandParser) -> None:
    export.add_argument("kind", metavar="KIND", help=export.text(
        "cli_help.export.kind", kinds=tuple(exports.export_kinds())))
    export.add_argument("--format", dest="fmt", choices=exports.FORMATS, default=None,
                        help=export.text("cli_help.export.format"))
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE",
                        help=export.text("cli_help.export.output"))
    export.add_argument("--as", dest="as_user", metavar=STAFF_METAVAR,
                        help=export.text("cli_help.export.as"))
    for name in ("tag", "owner", "status", "since", "until"):
        export.add_argument(f"--{name}", help=export.text(f"cli_help.export.{name}"))


def cli_actor(written: str | None) -> Actor:
    """Who a command acts as: the system, or with --as that staff member (channel cli)."""
    if written is None:
        return SYSTEM
    return dataclasses.replace(staff_member(written).as_actor(), channel=Channel.CLI)


def _progress(out: Terminal):
    shown = {-1}

    def report(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        if percent // 10 not in shown:
            shown.add(percent // 10)
            print(out.text("cli.import.progress", percent=percent), file=sys.stderr, flush=True)
    return report


def _show_preview(out: Terminal, preview: ImportPreview) -> None:
    out.say("cli.import.preview", name=preview.file_name, rows=preview.rows, new=preview.new,
            existing=preview.existing, duplicates=preview.duplicates, invalid=preview.invalid)
    if preview.sheet is not None:
        out.say("cli.import.sheet", sheet=preview.sheet, count=len(preview.sheets),
                sheets=preview.sheets)
    for column, way, row, value in preview.date_orders:
        out.say(f"cli.import.dates_{way}", column=column, row=row, value=value)
    if preview.unsaved_formulas:
        out.say("cli.import.unsaved_formulas", columns=tuple(preview.unsaved_formulas))
    if preview.unknown_columns:
        out.say("cli.import.unknown_columns", columns=tuple(preview.unknown_columns))
    if preview.bookkeeping_columns:
        out.say("cli.import.bookkeeping_columns",
                columns=tuple(preview.bookkeeping_columns))
    for problem in preview.problems:
        out.say("cli.import.problem", row=problem.row,
                message=problem_text(out.locale, problem, html_escape=False))
    if preview.notices:
        out.say("cli.import.notices", count=preview.notice_count)
    for notice in preview.notices:
        out.say("cli.import.problem", row=notice.row,
                message=problem_text(out.locale, notice, html_escape=False))


# Nobody answering says how to import without the question.
NO_ANSWER = "cli.import.no_answer"


def _chosen_mode(args: argparse.Namespace, out: Terminal, preview: ImportPreview) -> str | None:
    """The mode to import in, asking when not told; None to stop. Raises Unanswered when
    nobody can answer or on Ctrl-C."""
    if args.yes:
        if preview.existing and args.mode is None:
            out.say("cli.import.choose_mode")
            return None
        return args.mode or "skip"
    if not preview.existing:
        answer = out.ask("cli.import.ask_new", no_answer=NO_ANSWER, new=preview.new)
        return "skip" if answer.strip().lower() in ("y", "yes", "是") else None
    how = out.text("cli.import.how_update" if args.mode == "update" else "cli.import.how_skip")
    answer = out.ask("cli.import.ask", no_answer=NO_ANSWER, new=preview.new,
                     existing=preview.existing, how=how).strip().lower()
    return {"u": "update", "s": "skip"}.get(answer[:1])


def cmd_import(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    out, actor = Terminal(config.locale), cli_actor(args.as_user)
    preview = imports.preview_import(actor, args.file.name, args.file.read_bytes(),
                                     progress=_progress(out))
    rejects_path = args.rejects or args.file.with_name(f"{args.file.stem}.rejected.xlsx")
    if preview.token is None:
        _show_preview(out, preview)
        out.say("cli.import.nothing")
        _write_rejects(out, rejects_path, preview.headers, preview.rejects)
        return 1
    try:
        return _confirm(args, out, actor, preview, rejects_path)
    except Unanswered as unanswered:  # no input, or Ctrl-C: a clean "no", not a traceback
        return _stop(out, actor, preview, rejects_path, unanswered.exit_code)
    except KeyboardInterrupt:  # Ctrl-C while writing: its transaction was rolled back
        print(file=sys.stderr)
        try:
            return _stop(out, actor, preview, rejects_path, 130)
        except Conflict:  # it had ended (imported) just before the Ctrl-C
            return out.interrupted()


def _confirm(args: argparse.Namespace, out: Terminal, actor: Actor, preview: ImportPreview,
             rejects_path: Path) -> int:
    """Show the dry run, ask (unless told) and import."""
    _show_preview(out, preview)
    mode = _chosen_mode(args, out, preview)
    if mode is None:
        return _stop(out, actor, preview, rejects_path, 1)
    result = imports.confirm_import(actor, preview.token, mode, progress=_progress(out))
    # An update says how many existing customers had nothing new, so the counts add up to
    # the rows of the file, as the chat's summary does.
    out.say("cli.import.done_update" if result.mode == "update" else "cli.import.done",
            name=result.file_name, created=result.created, updated=result.updated,
            unchanged=result.unchanged, skipped=result.skipped, rejected=result.rejected,
            assigned=result.assigned)
    _write_rejects(out, rejects_path, result.headers, result.rejects)
    return 0


def _stop(out: Terminal, actor: Actor, preview: ImportPreview, rejects_path: Path,
          code: int) -> int:
    """Nothing imported: cancel the preview (its kept file goes too) and still hand back the
    rows the dry run refused, so the file can be fixed before the next attempt."""
    imports.cancel_import(actor, preview.token)
    out.say("cli.import.kept")
    _write_rejects(out, rejects_path, preview.headers, preview.rejects)
    return code


def _write_rejects(out: Terminal, path: Path, headers: tuple[str, ...], rejects: tuple) -> None:
    if rejects:
        path.write_bytes(rejects_file(out.locale, headers, rejects))
        out.say("cli.import.rejects", path=str(path))


STDOUT = "-"  # -o - : the export goes to standard output, for a pipe
PIPE_CLOSED = 141  # the shell's status for a writer whose reader went away (128 + SIGPIPE)


def cmd_export(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    out, actor = Terminal(config.locale), cli_actor(args.as_user)
    named = export_named(config.locale, args.kind, args.status)
    if isinstance(named, Unclear):
        return out.refuse(unclear_text(config.locale, named, html_escape=False))
    kind, status = named
    to_stdout = str(args.output) == STDOUT
    fmt = args.fmt or ("csv" if to_stdout or args.output.suffix.lower() == ".csv" else "xlsx")
    if to_stdout and fmt == "xlsx" and sys.stdout.isatty():  # binary garbage on the screen
        return out.refuse(out.text("cli.export.xlsx_terminal"))
    filters = exports.filters_from_text(actor, kind, fmt, tag=args.tag, owner=args.owner,
                                        status=status, since=args.since, until=args.until)
    options = {"fmt": fmt, "filters": filters, "header": header_of(config.locale),
               "value": value_of(config.locale)}
    if to_stdout:
        result = _export_to_stdout(actor, kind, options)
        if result is None:
            return PIPE_CLOSED
        path = out.text("cli.export.stdout")
    else:
        result = _export_to_file(actor, kind, args.output, options)
        path = str(args.output)
    # on standard error when the data itself is on standard output
    print(out.text("cli.export.done", count=result.rows,
                   kind=header_of(config.locale)(result.kind), path=path),
          file=sys.stderr if to_stdout else sys.stdout)
    return 0


def _export_to_stdout(actor: Actor, kind: str, options: dict) -> exports.ExportResult | None:
    """The export on standard output; None when the reader stopped early (``| head``)."""
    sys.stdout.flush()
    try:
        result = exports.export_records(actor, kind, sys.stdout.buffer, **options)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        # Nobody reads the rest: quiet, as other tools in a pipe are, and no second error
        # when Python flushes standard output on the way out.
        discard_stdout()
        return None
    return result


def _export_to_file(actor: Actor, kind: str, path: Path, options: dict
                    ) -> exports.ExportResult:
    try:
        with path.open("wb") as handle:
            return exports.export_records(actor, kind, handle, **options)
    except BaseException:
        path.unlink(missing_ok=True)  # no half-written file left behind
        raise
