"""`crm report KIND -o FILE.xlsx`: a report from the server's shell, as the system (every
record) or, with --as, as one staff member would get it in the chat (their reach, their
language). Audited with the channel `cli`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli_args import CommandParser
from bot.data_text import named_in
from bot.handlers.report import labels_for
from bot.i18n import listed, resolve_locale, t
from bot.terminal import STAFF_METAVAR, Terminal, staff_member
from crm import reports, system
from crm.actors import Actor, Channel
from crm.config import Config
from crm.errors import NotFound
from crm.reports.labels import figure_text

ALL = "all"


def register(crm: CommandParser) -> None:
    """Add `crm report` to the parser."""
    command = crm.command("report", cmd_report, "cli_help.report.about",
                          kinds=tuple(reports.KINDS), all=ALL)
    command.add_argument("kind", metavar="KIND", help=command.text("cli_help.report.kind"))
    command.add_argument("--from", dest="since", metavar="DATE",
                         help=command.text("cli_help.report.from"))
    command.add_argument("--to", dest="until", metavar="DATE",
                         help=command.text("cli_help.report.to"))
    command.add_argument("--as", dest="as_user", metavar=STAFF_METAVAR,
                         help=command.text("cli_help.report.as"))
    command.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.xlsx",
                         help=command.text("cli_help.report.output"))
    command.add_argument("--png", type=Path, metavar="FILE.png",
                         help=command.text("cli_help.report.png"))


def _actor(written: str | None) -> Actor:
    if written is None:
        return Actor.system(Channel.CLI)
    staff = staff_member(written)
    if not staff.active:  # a deactivated member sees nothing in the chat either
        raise NotFound("user.not_found", telegram_id=staff.telegram_id)
    return staff.as_actor(Channel.CLI)


def _kind_named(locale: str, word: str) -> str | list[str]:
    """The report a KIND argument names (its code, or its name in the operator's language,
    else in another); the candidates when it names none or several."""
    if word.strip().casefold() == ALL:
        return ALL
    found = named_in(locale, ("reports.kind",), word, reports.KINDS)
    return found[0] if len(found) == 1 else found


def _unclear(locale: str, word: str, candidates: list[str]) -> str:
    names = listed(locale, (t(locale, f"reports.kind.{kind}", html_escape=False)
                            for kind in candidates or reports.KINDS))
    key = "cli.report.ambiguous" if candidates else "reports.unknown_named"
    return t(locale, key, word=word, names=names, html_escape=False)


def cmd_report(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    actor = _actor(args.as_user)
    locale = resolve_locale(actor.locale, config.locale)
    labels, out = labels_for(locale), Terminal(locale)
    kind = _kind_named(locale, args.kind)
    if isinstance(kind, list):
        return out.refuse(_unclear(locale, args.kind, kind))
    options = {"labels": labels, "since": args.since, "until": args.until, "locale": locale,
               "picture": args.png is not None}
    files = (reports.build_all_files(actor, **options) if kind == ALL
             else reports.build_report_files(actor, kind, **options))
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
