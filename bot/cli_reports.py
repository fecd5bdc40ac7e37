"""`crm report KIND -o FILE.xlsx`: a report from the server's shell, as the system (every
record) or, with --as, as one staff member would get it in the chat (their reach, their
language). Audited with the channel `cli`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.handlers.report import labels_for
from bot.i18n import resolve_locale
from bot.terminal import AddCommand, Terminal, telegram_id_arg
from crm import reports, system, users
from crm.actors import Actor, Channel
from crm.config import Config
from crm.errors import NotFound
from crm.reports.labels import figure_text

ALL = "all"


def register(add: AddCommand) -> None:
    """Add `crm report` to the parser."""
    command = add("report", cmd_report, "Write a report as an XLSX workbook with charts "
                  f"(KIND: {', '.join(reports.KINDS)}, or {ALL} for the weekly workbook).")
    command.add_argument("kind", choices=[*reports.KINDS, ALL], metavar="KIND")
    command.add_argument("--from", dest="since", metavar="DATE",
                         help="first day, e.g. 2026-01-01 (default: the report's usual period)")
    command.add_argument("--to", dest="until", metavar="DATE", help="last day, included")
    command.add_argument("--as", dest="as_user", type=telegram_id_arg, metavar="TELEGRAM_ID",
                         help="run as this staff member (default: the system, every record)")
    command.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.xlsx")
    command.add_argument("--png", type=Path, metavar="FILE.png",
                         help="also write the headline chart as a picture")


def _actor(telegram_id: int | None) -> Actor:
    if telegram_id is None:
        return Actor.system(Channel.CLI)
    staff = users.identify(telegram_id)
    if staff is None:
        raise NotFound("user.not_found", telegram_id=telegram_id)
    return staff.as_actor(Channel.CLI)


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    actor = _actor(args.as_user)
    locale = resolve_locale(actor.locale, config.locale)
    labels, out = labels_for(locale), Terminal(locale)
    options = {"labels": labels, "since": args.since, "until": args.until, "locale": locale,
               "picture": args.png is not None}
    files = (reports.build_all_files(actor, **options) if args.kind == ALL
             else reports.build_report_files(actor, args.kind, **options))
    for report in files.reports:
        out.say("cli.report.title", kind=labels(f"reports.kind.{report.kind}"),
                since=report.period.since.isoformat(), until=report.period.last.isoformat(),
                reach=labels(f"reports.reach.{report.reach}"))
        for key, value, unit in report.figures.summary:
            out.say("cli.report.figure", label=labels(f"reports.figure.{key}"),
                    value=figure_text(value, unit, labels))
    args.output.write_bytes(files.xlsx)
    out.say("cli.report.written", path=args.output)
    if args.png is not None and files.png is not None:
        args.png.write_bytes(files.png)
        out.say("cli.report.picture", path=args.png)
    return 0
