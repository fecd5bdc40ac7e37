"""`crm backup [create|list|verify FILE]` and `crm restore FILE [--yes]`."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.render import human_size, local_time
from bot.terminal import AddCommand, Terminal, Unanswered, action
from crm import backups, system
from crm.actors import Actor, Channel
from crm.config import Config
from storage.database import redact_url

SYSTEM = Actor.system(Channel.CLI)
YES = ("yes", "y", "是", "是的")


def register(add: AddCommand) -> None:
    """Add the backup and restore commands to the parser."""
    parent = add("backup", cmd_backup_create,
                 "Make a verified, encrypted backup now (also: list, verify FILE).")
    actions = parent.add_subparsers(dest="backup_command", metavar="ACTION")
    action(actions, "create", cmd_backup_create,
           "Back up the database now (online), then verify the file by restoring it aside.")
    action(actions, "list", cmd_backup_list, "List the backups in the backup folder.")
    verify = action(actions, "verify", cmd_backup_verify,
                    "Restore a backup aside and check it; exit 1 when it fails.")
    verify.add_argument("file", metavar="FILE", help="a backup file, or its name in the folder")
    restore = add("restore", cmd_restore,
                  "Replace the database with a backup (stop the bot first); the current "
                  "database is backed up first, and an older backup is migrated.")
    restore.add_argument("file", metavar="FILE", help="a backup file, or its name in the folder")
    restore.add_argument("--yes", action="store_true", help="do not ask (for scripts)")


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

