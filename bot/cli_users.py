"""`crm user ...`, `crm team ...`, `crm audit` and `crm privacy ...`: administration from the
server's shell (the operator acts as the trusted system actor; everything is audited)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

from bot.audit_text import action_with_code, changes_line, wording
from bot.cli_args import CommandParser, positive, type_error
from bot.data_text import header_of, privacy_words
from bot.render import local_time
from bot.terminal import (
    STAFF_METAVAR,
    Terminal,
    Unanswered,
    code_named,
    group,
    staff_member,
    telegram_id,
)
from crm import audit, invites, privacy, system, users
from crm.actors import Actor, Channel, Role
from crm.config import LOCALES, Config
from crm.spreadsheets import workbook_bytes

SYSTEM = Actor.system(Channel.CLI)
ROLES = tuple(r.value for r in Role)


def register(crm: CommandParser) -> None:
    """Add the administration commands to the parser."""
    _register_users(group(crm, "user", "cli_help.user.about"))
    teams = group(crm, "team", "cli_help.team.about")
    created = teams.command("add", cmd_team_add, "cli_help.team.add.about")
    created.add_argument("name", help=created.text("cli_help.team.add.name"))
    teams.command("list", cmd_team_list, "cli_help.team.list.about")
    log = crm.command("audit", cmd_audit, "cli_help.audit.about")
    log.add_argument("--user", metavar=STAFF_METAVAR, help=log.text("cli_help.staff"))
    log.add_argument("--customer", type=int, metavar="CUSTOMER_ID",
                     help=log.text("cli_help.audit.customer"))
    log.add_argument("--since", type=_date, metavar="YYYY-MM-DD",
                     help=log.text("cli_help.audit.since"))
    log.add_argument("--until", type=_date, metavar="YYYY-MM-DD",
                     help=log.text("cli_help.audit.until"))
    log.add_argument("--limit", type=positive, default=50, help=log.text("cli_help.audit.limit"))
    log.add_argument("--export", type=Path, metavar="FILE", help=log.text("cli_help.audit.export"))
    _register_privacy(group(crm, "privacy", "cli_help.privacy.about"))


def _register_users(user: CommandParser) -> None:
    added = user.command("add", cmd_user_add, "cli_help.user.add.about")
    added.add_argument("telegram_id", metavar="TELEGRAM_ID",
                       help=added.text("cli_help.user.add.telegram_id"))
    added.add_argument("--role", required=True, help=added.text("cli_help.role", roles=ROLES))
    added.add_argument("--name", required=True, help=added.text("cli_help.user.add.name"))
    added.add_argument("--username", help=added.text("cli_help.user.add.username"))
    added.add_argument("--locale", choices=LOCALES, help=added.text("cli_help.user.add.locale"))
    added.add_argument("--team", help=added.text("cli_help.team_name"))
    user.command("list", cmd_user_list, "cli_help.user.list.about")
    for name, handler in (("deactivate", cmd_user_deactivate),
                          ("reactivate", cmd_user_reactivate)):
        switched = user.command(name, handler, f"cli_help.user.{name}.about")
        switched.add_argument("staff", metavar=STAFF_METAVAR, help=switched.text("cli_help.staff"))
    role = user.command("role", cmd_user_role, "cli_help.user.role.about")
    role.add_argument("staff", metavar=STAFF_METAVAR, help=role.text("cli_help.staff"))
    role.add_argument("role", help=role.text("cli_help.role", roles=ROLES))
    team = user.command("team", cmd_user_team, "cli_help.user.team.about")
    team.add_argument("staff", metavar=STAFF_METAVAR, help=team.text("cli_help.staff"))
    team.add_argument("team", help=team.text("cli_help.user.team.team"))
    move = user.command("reassign", cmd_user_reassign, "cli_help.user.reassign.about")
    move.add_argument("source", metavar="FROM", help=move.text("cli_help.staff"))
    move.add_argument("target", metavar="TO", help=move.text("cli_help.staff"))
    invite = user.command("invite", cmd_user_invite, "cli_help.user.invite.about")
    invite.add_argument("--role", required=True, help=invite.text("cli_help.role", roles=ROLES))
    invite.add_argument("--team", help=invite.text("cli_help.team_name"))
    invite.add_argument("--hours", type=float, default=24.0,
                        help=invite.text("cli_help.user.invite.hours"))


def _register_privacy(privacy: CommandParser) -> None:
    export = privacy.command("export", cmd_privacy_export, "cli_help.privacy.export.about")
    export.add_argument("customer_id", type=int, metavar="CUSTOMER_ID",
                        help=export.text("cli_help.customer_id"))
    # -o/--output as crm export and crm report take it; --out as it always was.
    export.add_argument("-o", "--output", "--out", dest="out", type=Path, required=True,
                        metavar="FILE", help=export.text("cli_help.privacy.export.output"))
    erase = privacy.command("erase", cmd_privacy_erase, "cli_help.privacy.erase.about")
    erase.add_argument("customer_id", type=int, metavar="CUSTOMER_ID",
                       help=erase.text("cli_help.customer_id"))
    erase.add_argument("--yes", action="store_true", help=erase.text("cli_help.yes"))


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise type_error("date") from exc


def _team_id(name: str | None) -> int | None:
    return users.find_team(SYSTEM, name).id if name and name != "-" else None


def _role_named(config: Config, word: str) -> str:
    """A role as typed: its code, or its name in the bot's words (业务员 → agent)."""
    return code_named(config.locale, ("role",), word, [r.value for r in Role], "role")


def _role(out: Terminal, role: Role) -> str:
    """A role in the operator's words (业务员), as the bot names it."""
    return out.text(f"role.{role.value}")


def cmd_user_add(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    user = users.add_user(SYSTEM, telegram_id(args.telegram_id), _role_named(config, args.role),
                          args.name,
                          username=args.username, locale=args.locale,
                          team_id=_team_id(args.team))
    out = Terminal(config.locale)
    out.say("cli.user.added", name=user.name, id=user.telegram_id, role=_role(out, user.role))
    return 0


def cmd_user_list(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    out = Terminal(config.locale)
    rows = users.list_users(SYSTEM)
    teams = {team.id: team.name for team in users.list_teams(SYSTEM)}
    if not rows:
        out.say("cli.user.none")
    for user in rows:
        out.say("cli.user.row", id=user.telegram_id, name=user.name, role=_role(out, user.role),
                team=teams.get(user.team_id, "-"),
                state=out.text("cli.user.active" if user.active else "cli.user.inactive"))
    return 0


def cmd_user_deactivate(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    member = staff_member(args.staff)
    user = users.deactivate_user(SYSTEM, member.telegram_id)
    said = "cli.user.deactivated" if member.active else "cli.user.already_deactivated"
    Terminal(config.locale).say(said, name=user.name, id=user.telegram_id)
    return 0


def cmd_user_reactivate(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    member = staff_member(args.staff)
    user = users.reactivate_user(SYSTEM, member.telegram_id)
    said = "cli.user.already_active" if member.active else "cli.user.reactivated"
    Terminal(config.locale).say(said, name=user.name, id=user.telegram_id)
    return 0


def cmd_user_role(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    member = staff_member(args.staff)
    user = users.change_role(SYSTEM, member.telegram_id, _role_named(config, args.role))
    out = Terminal(config.locale)
    said = "cli.user.role" if user.role != member.role else "cli.user.role_same"
    out.say(said, name=user.name, role=_role(out, user.role))
    return 0


def cmd_user_team(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    out, team_id = Terminal(config.locale), _team_id(args.team)
    member = staff_member(args.staff)
    user = users.set_team(SYSTEM, member.telegram_id, team_id)
    before = member.team_id
    if team_id is not None:
        out.say("cli.user.team", name=user.name, team=args.team)
    elif before is not None:  # "-": say which team they left, not that they joined "-"
        teams = {team.id: team.name for team in users.list_teams(SYSTEM)}
        out.say("cli.user.team_left", name=user.name, team=teams.get(before, "-"))
    else:
        out.say("cli.user.team_none", name=user.name)
    return 0


def cmd_user_reassign(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    out = Terminal(config.locale)
    source, target = staff_member(args.source), staff_member(args.target)
    if source.id == target.id:  # their own book: nothing would change hands
        return out.refuse(out.text("cli.user.reassign_same", id=target.telegram_id))
    moved = users.reassign_customers(SYSTEM, source.telegram_id, target.telegram_id)
    out.say("cli.user.reassigned", count=moved.customers,
            to={"code": "user.with_id",
                "params": {"name": target.name, "telegram_id": target.telegram_id}})
    if moved.work:
        out.say("cli.user.reassigned_work", **moved.work.params())
    return 0


def cmd_user_invite(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    team = users.find_team(SYSTEM, args.team) if args.team and args.team != "-" else None
    invite = invites.create_invite(SYSTEM, _role_named(config, args.role),
                                   team_id=team.id if team else None,
                                   ttl=dt.timedelta(hours=args.hours))
    out = Terminal(config.locale)
    username = _bot_username(config)
    # on the operator's clock (the installation's zone), named, as the bot's /invite does
    expires = out.text("cli.invite.until", timezone=config.timezone,
                       time=f"{local_time(invite.expires_at, config.timezone):%Y-%m-%d %H:%M}")
    role = out.text(f"role.{invite.role}")
    if team is not None:  # the newcomer joins it: say so, as the bot's /invite does
        role = out.text("cli.invite.with_team", role=role, team=team.name)
    if username:
        out.say("cli.invite.link", link=invite.link(username), role=role, until=expires)
    else:
        out.say("cli.invite.code", code=invite.code, role=role, until=expires)
    return 0


def _bot_username(config: Config) -> str | None:
    """The bot's @username, asked of Telegram when a token is set (None when unreachable)."""
    if not config.telegram_token:
        return None
    from telegram import Bot
    from telegram.error import TelegramError

    async def ask() -> str:
        bot = Bot(config.telegram_token, base_url=config["telegram.base_url"] or None)
        async with bot:
            return bot.username

    try:
        return asyncio.run(asyncio.wait_for(ask(), timeout=10))
    except (TelegramError, TimeoutError, OSError):
        return None


def cmd_team_add(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    team = users.create_team(SYSTEM, args.name)
    Terminal(config.locale).say("cli.team.added", name=team.name)
    return 0


def cmd_team_list(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    out = Terminal(config.locale)
    for team in users.list_teams(SYSTEM):
        out.say("cli.team.row", name=team.name, members=team.members)
    return 0


def _audit_filters(args: argparse.Namespace) -> dict:
    user_id = staff_member(args.user).id if args.user else None
    return {"user_id": user_id, "customer_id": args.customer, "since": args.since,
            "until": args.until}


def cmd_audit(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    out = Terminal(config.locale)
    filters = _audit_filters(args)
    words = wording(config.locale, out.text("cli.audit.erased"))
    if args.export:
        count = _export_audit(args.export, filters, header_of(config.locale), words)
        out.say("cli.audit.exported", count=count, path=str(args.export))
        return 0
    entries = audit.list_audit(SYSTEM, limit=args.limit, **filters).items
    if not entries:  # silence would read as a command that did nothing
        out.say("cli.audit.none" if any(v is not None for v in filters.values())
                else "cli.audit.empty")
    for entry in entries:
        out.say("cli.audit.row", at=local_time(entry.at, config.timezone).strftime(
                    "%Y-%m-%d %H:%M:%S"),
                user=words.actor(entry), via=words.channel(entry.channel),
                action=action_with_code(config.locale, entry.action),
                record=audit.record_words(entry, words),
                changes=changes_line(config.locale, entry, words, config.timezone))
    return 0


def _export_audit(path: Path, filters: dict, header: Callable[[str], str],
                  words: audit.Wording) -> int:
    """The matching entries to a CSV or XLSX file, times in the installation's time zone,
    headings and the entries' codes in its language."""
    rows = list(audit.export_rows(SYSTEM, words=words, **filters))
    headers = [header(name) for name in audit.AUDIT_HEADERS]
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        writer.writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    else:
        path.write_bytes(workbook_bytes([(header("audit"), headers, rows)]))
    return len(rows)


def cmd_privacy_export(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    if args.out.suffix.lower() == ".xlsx":
        args.out.write_bytes(privacy.export_customer_xlsx(
            SYSTEM, args.customer_id, words=privacy_words(config.locale)))
    else:
        args.out.write_bytes(privacy.export_customer_json(SYSTEM, args.customer_id))
    Terminal(config.locale).say("cli.privacy.exported", id=args.customer_id, path=str(args.out))
    return 0


def cmd_privacy_erase(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    out = Terminal(config.locale)
    subject = privacy.erasure_subject(SYSTEM, args.customer_id)
    if subject.erased_at is not None:  # again would change nothing but the audit log
        out.say("cli.privacy.already", id=subject.id,
                at=f"{local_time(subject.erased_at, config.timezone):%Y-%m-%d %H:%M}")
        return 0
    if not args.yes:
        try:
            merged = out.text("cli.privacy.merged", count=subject.merged) \
                if subject.merged else ""
            answer = out.ask("cli.privacy.confirm", id=subject.id, name=subject.name,
                             merged=merged)
        except Unanswered as stop:
            out.say("cli.privacy.kept")
            return stop.exit_code
        if answer.strip() != str(subject.id):
            out.say("cli.privacy.kept")
            return 1
    privacy.erase_customer(SYSTEM, subject.id)
    out.say("cli.privacy.erased", id=subject.id, name=subject.name)
    return 0
