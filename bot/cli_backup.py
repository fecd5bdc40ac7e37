"""`crm backup [create|list|verify FILE]` and `crm restore FILE [--yes]`."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.cli_args import CommandParser
from bot.render import human_size, local_time
from bot.terminal import Terminal, Unanswered
from crm import backups, system
from crm.actors import Actor, Channel
from crm.config import Config
from storage.database import redact_url

SYSTEM = Actor.system(Channel.CLI)
YES = ("yes", "y", "是", "是的")


def register(crm: CommandParser) -> None:
    """Add the backup and restore commands to the parser."""
    backup = crm.command("backup", cmd_backup_create, "cli_help.backup.about")
    backup.commands("backup_command")  # bare, it backs up
    backup.command("create", cmd_backup_create, "cli_help.backup.create.about")
    backup.command("list", cmd_backup_list, "cli_help.backup.list.about")
    verify = backup.command("verify", cmd_backup_verify, "cli_help.backup.verify.about")
    verify.add_argument("file", metavar="FILE", help=verify.text("cli_help.backup.file"))
    restore = crm.command("restore", cmd_restore, "cli_help.restore.about")
    restore.add_argument("file", metavar="FILE", help=restore.text("cli_help.backup.file"))
    restore.add_argument("--yes", action="store_true", help=restore.text("cli_help.yes"))


def _when(config: Config, moment: dt.datetime | None) -> str:
    if moment is None:
        return "-"
    return local_time(moment, config.timezone).strftime("%Y-%m-%d %H:%M")


def cmd_backup_create(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    out = Terminal(config.locale)
    outcome = backups.create_backup(SYSTEM)
    view = outcome.backup
    if not outcome.ok:
        reason = out.text(outcome.error_code or "backup.corrupt", **outcome.error_params)
        out.say("cli.backup.failed", path=view.path if view else "-", reason=reason,
                admins=outcome.admins_notified)
        return 1
    out.say("cli.backup.created", path=view.path, size=human_size(view.size),
            tables=view.tables, rows=f"{view.rows:,}")
    return 0


def cmd_backup_list(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config, apply_migrations=False)
    out = Terminal(config.locale)
    found = backups.list_backups(SYSTEM)
    if not found:
        out.say("cli.backup.none", folder=str(config.backup_dir))
        return 0
    for view in found:
        out.say("cli.backup.row", name=view.name, at=_when(config, view.created_at),
                size=human_size(view.size), engine=view.engine, schema=view.schema_version,
                rows=f"{view.rows:,}", status=out.text(f"cli.backup.status_{view.status}"),
                reason=out.text(f"cli.backup.reason_{view.reason}")
                if view.reason in ("manual", "scheduled", "safety") else view.reason)
    return 0


def cmd_backup_verify(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config, apply_migrations=False)
    view = backups.verify_backup(SYSTEM, args.file)
    Terminal(config.locale).say("cli.backup.verified", name=view.name,
                                at=_when(config, view.created_at), tables=view.tables,
                                rows=f"{view.rows:,}", schema=view.schema_version)
    return 0


def cmd_restore(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config, apply_migrations=False)
    out = Terminal(config.locale)
    path = backups.resolve_path(args.file)
    view = backups.describe_backup(SYSTEM, path)
    if not args.yes:
        try:
            answer = out.ask("cli.restore.confirm", name=view.name,
                             at=_when(config, view.created_at), rows=f"{view.rows:,}",
                             schema=view.schema_version, database=redact_url(config.database_url))
        except Unanswered as stop:
            out.say("cli.restore.kept")
            return stop.exit_code
        if answer.strip().lower() not in YES:
            out.say("cli.restore.kept")
            return 1
    report = backups.restore_backup(SYSTEM, path)
    if report.safety is not None:
        out.say("cli.restore.safety", path=report.safety.path)
    for name in report.migrations:
        out.say("cli.migrate.applied", name=name)
    out.say("cli.restore.done", name=report.restored.name, rows=f"{report.restored.rows:,}",
            at=_when(config, report.restored.created_at))
    if not report.key_matches:
        out.say("cli.restore.key_mismatch")
    return 0

