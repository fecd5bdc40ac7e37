"""The `crm` command line: set up, check and operate an installation."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot import (
    cli_backup,
    cli_customers,
    cli_data,
    cli_keys,
    cli_reports,
    cli_sales,
    cli_users,
)
from bot.cli_args import CommandParser
from bot.i18n import resolve_locale
from bot.status_text import check_message, healthy, status_plain
from bot.terminal import STAFF_METAVAR, Terminal, discard_stdout, staff_member, telegram_id
from crm import __version__, runtime, system
from crm.actors import Actor, Channel
from crm.config import SETTINGS, Config, load_config
from crm.failures import recognise
from storage.errors import CodedError


def _terminal_locale(config: Config | None) -> str:
    if config is not None:
        return config.locale
    return resolve_locale(os.environ.get("CRM_LOCALE"), "zh-CN")


def _locale_before_parsing(argv: Sequence[str] | None) -> str:
    """The installation's language, to word the help and a mistyped command line in: from
    --config (if given), the environment or the config file, as the command would read them;
    the default language while the config cannot be read."""
    early = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    early.add_argument("--config")
    try:
        known, _ = early.parse_known_args(argv)
        return load_config(known.config).locale
    except Exception:  # a broken config, or --config without its FILE, is reported once the
        return _terminal_locale(None)  # command line is read


def cmd_version(args: argparse.Namespace, config: Config) -> int:
    from storage.migrate import latest_version

    Terminal(config.locale).say("cli.version", version=__version__, schema=latest_version(),
                                python=sys.version.split()[0])
    return 0


def cmd_init(args: argparse.Namespace, config: Config) -> int:
    out = Terminal(config.locale)
    report = system.init_system(config)
    out.say("cli.init.data_dir", path=report.data_dir)
    if report.database_created:
        out.say("cli.init.database_created", name=report.database_created)
    out.say("cli.init.database", url=report.database, version=report.schema_version)
    for name in report.migrations_applied:
        out.say("cli.migrate.applied", name=name)
    if report.key_file is None:
        out.say("cli.init.key_env")
    elif report.key_created:
        out.say("cli.init.key_created", path=report.key_file)
    else:
        out.say("cli.init.key_kept", path=report.key_file)
    if report.backup_key_file:
        out.say("cli.init.backup_key_created", path=report.backup_key_file)
    out.say("cli.init.next_steps_staffed" if report.has_admin else "cli.init.next_steps")
    return 0


def cmd_migrate(args: argparse.Namespace, config: Config) -> int:
    from storage.migrate import migrate

    out = Terminal(config.locale)
    db = system.open_database(config, apply_migrations=False)
    applied = migrate(db)
    for migration in applied:
        out.say("cli.migrate.applied", name=f"{migration.version:04d}_{migration.name}")
    if not applied:
        out.say("cli.migrate.up_to_date")
    return 0


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    out = Terminal(config.locale)
    results = system.check_system(config)
    for result in results:
        out.say(f"cli.check.{result.status.value}", name=result.name,
                message=check_message(config.locale, result, config.timezone))
    failed = any(r.status is system.Status.FAIL for r in results)
    out.say("cli.check.unhealthy" if failed else "cli.check.healthy")
    return 1 if failed else 0


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    """/status at a terminal; a database that cannot be counted in (unreachable, not set up,
    or behind this program's schema) gets the checks alone, which say why."""
    if not _schema_current(config):
        Terminal(config.locale).say("cli.status.title")
        return cmd_check(args, config)
    status = system.get_status(Actor.system(Channel.CLI), config)
    print(status_plain(config.locale, status, config.timezone))
    return 0 if healthy(status) else 1


def _schema_current(config: Config) -> bool:
    from storage.migrate import current_version, latest_version

    try:
        db = system.open_existing(config)
    except CodedError:
        return False
    return current_version(db) == latest_version()


def cmd_config(args: argparse.Namespace, config: Config) -> int:
    out = Terminal(config.locale)
    for name, value, source in config.describe():
        out.say("cli.config.row", name=name, value=value, source=source)
    return 0


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    from bot.runner import run_bot

    return run_bot(config, webhook=args.webhook, url=args.url, listen=args.listen,
                   secret=args.secret)


def cmd_console(args: argparse.Namespace, config: Config) -> int:
    from bot.console import run_console

    return run_console(config, _console_person(args, config), customer=args.customer)


def _console_person(args: argparse.Namespace, config: Config) -> int | None:
    """The Telegram id to chat as: a customer's (or a newcomer's) as typed, a staff
    member's also by @username or name."""
    written = args.as_user
    if written is None:
        return None
    if args.customer or written.strip().isdigit():
        return telegram_id(written)
    system.open_database(config)
    return staff_member(written).telegram_id


def cmd_demo_data(args: argparse.Namespace, config: Config) -> int:
    from crm.demo import create_demo_data

    system.open_database(config)
    counts = create_demo_data(Actor.system(Channel.CLI), customers=args.customers, seed=args.seed)
    out = Terminal(config.locale)
    out.say("cli.demo.made")
    for table, count in counts.items():  # each kind of record said in words
        out.say(f"cli.demo.{table}", count=count)
    return 0


def build_parser(locale: str) -> CommandParser:
    """The argument parser with every command and its --help, in ``locale``."""
    parser = CommandParser(locale=locale, prog="crm")
    parser.description = parser.text("cli_help.about")
    parser.epilog = parser.text("cli_help.epilog", names=tuple(s.env_var for s in SETTINGS))
    parser.add_argument("--config", metavar="FILE", help=parser.text("cli_help.config_file"))
    parser.commands("command", metavar="COMMAND", required=True)
    add = parser.command
    add("init", cmd_init, "cli_help.init.about")
    add("migrate", cmd_migrate, "cli_help.migrate.about")
    add("check", cmd_check, "cli_help.check.about")
    add("status", cmd_status, "cli_help.status.about")
    add("version", cmd_version, "cli_help.version.about")
    add("config", cmd_config, "cli_help.config.about")
    run = add("run", cmd_run, "cli_help.run.about")
    run.add_argument("--webhook", action="store_true", help=run.text("cli_help.run.webhook"))
    run.add_argument("--url", help=run.text("cli_help.run.url"))
    run.add_argument("--listen", metavar="HOST:PORT", help=run.text("cli_help.run.listen"))
    run.add_argument("--secret", help=run.text("cli_help.run.secret"))
    console = add("console", cmd_console, "cli_help.console.about")
    console.add_argument("--as", dest="as_user", metavar=STAFF_METAVAR,
                         help=console.text("cli_help.console.as"))
    console.add_argument("--customer", action="store_true",
                         help=console.text("cli_help.console.customer"))
    demo = add("demo-data", cmd_demo_data, "cli_help.demo_data.about")
    demo.add_argument("--customers", type=int, default=200, metavar="N",
                      help=demo.text("cli_help.demo_data.customers"))
    demo.add_argument("--seed", type=int, default=42, help=demo.text("cli_help.demo_data.seed"))

    for module in (cli_keys, cli_users, cli_sales, cli_data, cli_customers, cli_reports,
                   cli_backup):
        module.register(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `crm` command."""
    try:
        code = _run(argv)
        sys.stdout.flush()  # inside the try: a reader gone by now is met here, not at exit
        return code
    except BrokenPipeError:  # `crm audit | head`: quiet, as `crm export -o - | head` is
        discard_stdout()
        return 0


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser(_locale_before_parsing(argv)).parse_args(argv)
    config = None
    try:
        config = load_config(args.config)
        runtime.configure(config)
        logging.basicConfig(level=config["logging.level"],
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        for chatty in ("apscheduler", "httpx"):  # routine scheduling and HTTP lines
            logging.getLogger(chatty).setLevel(max(logging.WARNING,
                                                   logging.getLogger().level))
        return args.handler(args, config)
    except CodedError as error:
        return Terminal(_terminal_locale(config)).fail(error)
    except KeyboardInterrupt:  # a transaction under way was rolled back on its way out
        return Terminal(_terminal_locale(config)).interrupted()
    except Exception as error:  # a full disk or a locked database is no bug: say which
        reason = recognise(error)
        if reason is None:
            raise
        logging.getLogger(__name__).debug("%s", error)  # the system's own words
        return Terminal(_terminal_locale(config)).fail_for(reason)


if __name__ == "__main__":
    sys.exit(main())
