"""`crm keys ...`: encryption key commands."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli_args import CommandParser, positive
from bot.i18n import t
from bot.terminal import group
from crm import system
from crm.actors import Actor
from crm.config import Config
from crm.key_rotation import RotationReport, rotate_keys


def register(crm: CommandParser) -> None:
    """Add `crm keys` and its actions to the command line."""
    keys = group(crm, "keys", "cli_help.keys.about")
    rotate = keys.command("rotate", cmd_keys_rotate, "cli_help.keys.rotate.about",
                          description="cli_help.keys.rotate.description")
    rotate.add_argument("--batch-size", type=positive, default=500, metavar="N",
                        help=rotate.text("cli_help.keys.rotate.batch_size"))
    rotate.add_argument("--drop-old", action="store_true",
                        help=rotate.text("cli_help.keys.rotate.drop_old"))


def cmd_keys_rotate(args: argparse.Namespace, config: Config) -> int:
    """Run the rotation, printing progress lines and a short report."""
    system.open_database(config)
    report = rotate_keys(Actor.system(), batch_size=args.batch_size, drop_old=args.drop_old,
                         progress=lambda table, done, total: _say(
                             config, "cli.keys.progress", table=table, done=done, total=total))
    _print_report(config, report)
    return 0


def _print_report(config: Config, report: RotationReport) -> None:
    """The outcome: the key now in use, what was re-encrypted, and what became of old keys."""
    if report.key_added:
        _say(config, "cli.keys.added", key_id=report.key_id)
    elif not report.from_environment:
        _say(config, "cli.keys.resumed", key_id=report.key_id)
    for table, count in report.counts.items():
        _say(config, "cli.keys.row", table=table, count=count)
    _say(config, "cli.keys.rotated", key_id=report.key_id)
    if report.from_environment:
        _say(config, "cli.keys.env_secrets")
    if report.retired_dropped:
        _say(config, "cli.keys.dropped", keys=tuple(report.retired_dropped))
    elif report.retired_kept and not report.from_environment:
        _say(config, "cli.keys.kept", keys=tuple(report.retired_kept))


def _say(config: Config, code: str, **params: Any) -> None:
    print(t(config.locale, code, html_escape=False, **params), flush=True)



