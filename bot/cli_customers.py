"""`crm customers bulk-tag` and `crm customers hand-over`: the chat's /bulk from the server's
shell, on the customers the export filters choose (as the system, or as a staff member with
--as); asks before changing anything unless --yes."""

from __future__ import annotations

import argparse

from bot.cli_data import cli_actor
from bot.data_text import Unclear, export_named, unclear_text
from bot.handlers.bulk import RUN, result_text
from bot.terminal import STAFF_METAVAR, AddCommand, Terminal, Unanswered, action, group
from crm import bulk, system
from crm.actors import Actor
from crm.config import Config
from crm.exports import Filters

YES = ("y", "yes", "是", "好", "确认")


def register(add: AddCommand) -> None:
    """Add `crm customers ...` to the parser."""
    actions = group(add, "customers", "Change many customers at once, chosen by the filters "
                    "of crm export.")
    tagging = action(actions, "bulk-tag", cmd_bulk_tag,
                     "Add a tag to, or take it off, every customer the filters choose.")
    which = tagging.add_mutually_exclusive_group(required=True)
    which.add_argument("--add", metavar="TAG", help="the tag to add")
    which.add_argument("--remove", metavar="TAG", help="the tag to take off")
    _common(tagging)
    moving = action(actions, "hand-over", cmd_hand_over,
                    "Hand every customer the filters choose to another staff member, with "
                    "their open deals, orders and reminders.")
    moving.add_argument("--to", required=True, metavar="STAFF",
                        help="the new owner: Telegram id, @username or name")
    _common(moving)


def _common(parser: argparse.ArgumentParser) -> None:
    for name, help_text in (("tag", "only customers with this tag"),
                            ("owner", "only this owner's customers: Telegram id, @username "
                                      "or name"),
                            ("status", "only this status (lead, prospect, customer, inactive, "
                                       "or as the files write it: 线索…)"),
                            ("since", "created from this day (YYYY-MM-DD)"),
                            ("until", "created until this day, included (YYYY-MM-DD)")):
        parser.add_argument(f"--{name}", help=help_text)
    parser.add_argument("--as", dest="as_user", metavar=STAFF_METAVAR,
                        help="act as this staff member, by Telegram id, @username or name "
                        "(default: the system)")
    parser.add_argument("--yes", action="store_true", help="do not ask (for scripts)")


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
