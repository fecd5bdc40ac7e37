"""`crm keys ...`: encryption key commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from bot.i18n import t
from crm import system
from crm.actors import Actor
from crm.config import Config
from crm.key_rotation import RotationReport, rotate_keys

Handler = Callable[[argparse.Namespace, Config], int]
Add = Callable[[str, Handler, str], argparse.ArgumentParser]


def register(add: Add) -> None:
    """Add `crm keys` and its actions to the command line."""
    keys = add("keys", lambda args, config: _usage(keys), "Manage the encryption keys.")
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    rotate = actions.add_parser(
        "rotate", help="Re-encrypt every sensitive value under a new key, without downtime.",
        description="Make a new active key (or, with CRM_SECURITY_KEY=NEW,OLD, use the first "
                    "secret) and re-encrypt every sensitive value under it in small batches, "
                    "while the old keys still open what is not done yet; safe to run again "
                    "after an interruption.")
    rotate.add_argument("--batch-size", type=_positive, default=500, metavar="N",
                        help="values re-encrypted per transaction (default 500)")
    rotate.add_argument("--drop-old", action="store_true",
                        help="remove the old keys from the key file once every value is "
                             "verified under the new one (backups made before can then no "
                             "longer be read)")
    rotate.set_defaults(handler=cmd_keys_rotate)


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


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("a whole number is expected") from exc
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return value


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
