"""Who types at the console: a staff member (on a brand-new installation, the person at the
terminal becomes its first admin), someone who is not staff, or a newcomer with an invite."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from bot.i18n import spaced, t
from crm import service, users
from crm.actors import Actor, Channel, Role
from crm.config import Config
from crm.errors import NotFound
from crm.users import StaffView
from storage.errors import CodedError


@dataclass(frozen=True)
class Person:
    """Who types at the console: a staff member, or someone who is not staff (a customer)."""

    telegram_id: int
    name: str
    locale: str | None = None


DEFAULT_CUSTOMER_ID = 1_000_000_001  # a Telegram id for trying the customer's side


def _any_staff() -> bool:
    return bool(users.list_users(Actor.system(Channel.CLI)))


def choose_staff(config: Config, telegram_id: int | None) -> StaffView | None:
    """The staff member to act as: the one asked for, else the first active admin (else the
    member with the widest role: sample data alone has no admin)."""
    system_actor = Actor.system(Channel.CLI)
    staff = users.list_users(system_actor, include_inactive=False)
    if telegram_id is not None:
        return next((u for u in staff if u.telegram_id == telegram_id), None)
    ranks = list(Role)  # admin, manager, agent, viewer
    return min(staff, key=lambda u: ranks.index(u.role), default=None)


def _staff_member(config: Config, telegram_id: int | None, lines: TextIO, out: TextIO,
                  interactive: bool | None) -> StaffView | None:
    """The staff member to act as (on a brand-new installation, the person at the terminal
    becomes its first admin); welcomed."""
    staff = choose_staff(config, telegram_id)
    interactive = lines.isatty() if interactive is None else interactive
    if staff is None and telegram_id is None and interactive and not _any_staff():
        staff = first_admin(config, lines, out)
    if staff is not None:
        language = staff.locale or config.locale
        print(t(language, "console.welcome", html_escape=False, name=staff.name,
                role=t(language, f"role.{staff.role.value}", html_escape=False)), file=out)
    return staff


def guest_name(config: Config, telegram_id: int) -> str:
    """The name the console gives someone who is not staff and has not said theirs (Telegram
    always tells the bot a name): "Guest 5001", in the installation's language."""
    return t(config.locale, "console.customer_name", html_escape=False, telegram_id=telegram_id)


def _customer(config: Config, telegram_id: int, out: TextIO) -> Person | None:
    """Someone who is not staff, to try the customer's side of the bot; welcomed. Telegram
    tells the bot their name, which a new lead is named after: a linked customer's own, else a
    neutral one in the installation's language."""
    if users.identify(telegram_id) is not None:
        print(t(config.locale, "console.is_staff", html_escape=False, telegram_id=telegram_id),
              file=out)
        return None
    linked = service.linked_customer(telegram_id)
    name = linked.name if linked else guest_name(config, telegram_id)
    locale = (linked.locale if linked else None) or config.locale
    print(t(locale, "console.welcome_customer", html_escape=False, name=name,
            telegram_id=telegram_id), file=out)
    return Person(telegram_id, name, locale)


def _newcomer(config: Config, telegram_id: int, lines: TextIO, out: TextIO,
              interactive: bool | None) -> Person | None:
    """Someone not (or no longer) staff, as Telegram would see them: a deactivated member is
    told how to come back; anyone else may join with an invite (/start CODE), under the name
    they typed, or without a terminal to type it at, the console's guest name."""
    system_actor = Actor.system(Channel.CLI)
    try:
        former: StaffView | None = users.get_user(system_actor, telegram_id)
    except NotFound:
        former = None
    if former is not None:
        print(t(config.locale, "console.inactive", html_escape=False, name=former.name,
                telegram_id=telegram_id), file=out)
        return None
    name = ""
    if lines.isatty() if interactive is None else interactive:
        # Telegram tells the bot a newcomer's name; here the person at the terminal does.
        print(spaced(t(config.locale, "console.ask_name", html_escape=False)), end="",
              file=out, flush=True)
        name = lines.readline().strip()
    print(t(config.locale, "console.welcome_newcomer", html_escape=False,
            telegram_id=telegram_id), file=out)
    return Person(telegram_id, name or guest_name(config, telegram_id), config.locale)


def first_admin(config: Config, lines: TextIO, out: TextIO) -> StaffView | None:
    """On a brand-new installation, make the person at the terminal its first admin."""
    say = lambda key: print(spaced(t(config.locale, key, html_escape=False)),  # noqa: E731
                            end="", file=out, flush=True)
    say("console.first_admin")
    say("console.ask_id")
    answer = lines.readline().strip()
    say("console.ask_name")
    name = lines.readline().strip()
    try:
        return users.add_user(Actor.system(Channel.CLI), int(answer), "admin", name or "Admin",
                              locale=config.locale)
    except (ValueError, CodedError) as error:
        message = t(config.locale, error.code, html_escape=False, **error.params) \
            if isinstance(error, CodedError) else answer
        print(t(config.locale, "cli.error", html_escape=False, message=message), file=out)
        return None
