"""`crm customers bulk-tag` and `crm customers hand-over`: the chat's /bulk from the server's
shell, on the customers the export filters choose (as the system, or as a staff member with
--as); asks before changing anything unless --yes."""

from __future__ import annotations

import argparse

from bot.cli_args import CommandParser
from bot.cli_data import cli_actor
from bot.data_text import Unclear, export_named, unclear_text
from bot.handlers.bulk import RUN, result_text
from bot.terminal import STAFF_METAVAR, Terminal, Unanswered, group
from crm import bulk, system
from crm.actors import Actor
from crm.config import Config
from crm.exports import Filters

YES = ("y", "yes", "是", "好", "确认")


def register(crm: CommandParser) -> None:
    """Add `crm customers ...` to the parser."""
    customers = group(crm, "customers", "cli_help.customers.about")
    tagging = customers.command("bulk-tag", cmd_bulk_tag, "cli_help.customers.bulk_tag.about")
    which = tagging.add_mutually_exclusive_group(required=True)
    which.add_argument("--add", metavar="TAG", help=tagging.text("cli_help.customers.bulk_tag.add"))
    which.add_argument("--remove", metavar="TAG",
                       help=tagging.text("cli_help.customers.bulk_tag.remove"))
    _common(tagging)
    moving = customers.command("hand-over", cmd_hand_over, "cli_help.customers.hand_over.about")
    moving.add_argument("--to", required=True, metavar="STAFF",
                        help=moving.text("cli_help.customers.hand_over.to"))
    _common(moving)


def _common(parser: CommandParser) -> None:
    for name in ("tag", "owner", "status", "since", "until"):
        parser.add_argument(f"--{name}", help=parser.text(f"cli_help.customers.filter.{name}"))
    parser.add_argument("--as", dest="as_user", metavar=STAFF_METAVAR,
                        help=parser.text("cli_help.customers.as"))
    parser.add_argument("--yes", action="store_true", help=parser.text("cli_help.yes"))


def _chosen(args: argparse.Namespace, out: Terminal, actor: Actor) -> Filters | int:
    """The filters read and checked; an exit code when the status names nothing clearly."""
    status = args.status
    if status:
        named = export_named(out.locale, "customers", status)
        if isinstance(named, Unclear):
            return out.refuse(unclear_text(out.locale, named, html_escape=False))
        status = named[1]
    return bulk.read_bulk_filters(actor, tag=args.tag, owner=args.owner, status=status,
                                  since=args.since, until=args.until)


def _confirmed(args: argparse.Namespace, out: Terminal, question: str) -> bool:
    """--yes, or the operator's y; nobody answering (cron, a pipe) is a no."""
    if args.yes:
        return True
    answer = out.ask("cli.bulk.ask", question=question)
    return answer.strip().lower() in YES


def _run(args: argparse.Namespace, config: Config, action: str, target: object,
         **shown: object) -> int:
    """Ask with the count, then run ``action`` (crm.bulk's code) on the chosen customers."""
    system.open_database(config)
    out, actor = Terminal(config.locale), cli_actor(args.as_user)
    filters = _chosen(args, out, actor)
    if isinstance(filters, int):
        return filters
    if action == bulk.HAND_OVER:
        target, shown["owner"] = bulk.new_owner(actor, target)
    count = bulk.count_matching(actor, filters)
    if not count:
        out.say("bulk.none")
        return 0
    try:
        if not _confirmed(args, out, out.text(f"bulk.confirm_{action}", count=f"{count:,}",
                                               **shown)):
            out.say("cli.bulk.not_confirmed")
            return 1
    except Unanswered as unanswered:
        return unanswered.exit_code
    result = RUN[action](actor, filters, target, expected=count)
    print(result_text(out.locale, result, html_escape=False))
    return 0


def cmd_bulk_tag(args: argparse.Namespace, config: Config) -> int:
    adding = args.add is not None
    tag = bulk.tag_name(cli_actor(None), args.add if adding else args.remove)
    return _run(args, config, bulk.ADD_TAG if adding else bulk.REMOVE_TAG, tag, tag=tag)


def cmd_hand_over(args: argparse.Namespace, config: Config) -> int:
    return _run(args, config, bulk.HAND_OVER, args.to)
