"""/users: the staff list, one member in full, and their role, team and access (granting or
taking away admin, and deactivating, ask first)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot import session
from bot.handlers.commands import publish_user_menu
from bot.i18n import resolve_locale, t
from bot.keyboards import Button, data, int_part, keyboard, parse
from bot.render import pager, when
from crm import users
from crm.actors import Actor, Role
from crm.paging import Page
from crm.users import StaffView, TeamView

USERS_PAGE = 10
ICONS = {True: "🟢", False: "⚪"}

# Database trips: each runs on the database thread as one awaited call. -------------------


def _staff(actor: Actor) -> tuple[list[StaffView], dict[int, str]]:
    """Every staff member with the team names (list_users checks the admin permission)."""
    members = users.list_users(actor)
    return members, {team.id: team.name for team in users.list_teams(actor)}


def _member(actor: Actor, change: Callable[..., StaffView],
            *args: Any) -> tuple[StaffView, list[TeamView], int]:
    """One crm call on a member (or just loading them), returned with the teams and how many
    customers they own."""
    member = change(actor, *args)
    return member, users.list_teams(actor), users.owned_customers(actor, member.telegram_id)


def _role(locale: str, role: str) -> str:
    return t(locale, f"role.{role}", html_escape=False)


def _team(locale: str, teams: dict[int, str], team_id: int | None) -> str:
    return teams.get(team_id, "?") if team_id else t(locale, "admin.no_team", html_escape=False)


def users_text(locale: str, members: list[StaffView], teams: dict[int, str],
               offset: int) -> str:
    """One page of the staff list."""
    if not members:
        return t(locale, "admin.users_empty")
    lines = [t(locale, "admin.users_title", count=len(members))]
    lines += [t(locale, "admin.user_line", icon=ICONS[m.active], name=m.name,
                role=_role(locale, m.role), team=_team(locale, teams, m.team_id))
              + ("" if m.active else f" · {t(locale, 'admin.inactive')}")
              for m in members[offset:offset + USERS_PAGE]]
    return "\n".join(lines)


def users_keyboard(members: list[StaffView], offset: int) -> InlineKeyboardMarkup:
    """A button per member on the page (two a row), with ◀ ▶."""
    shown = members[offset:offset + USERS_PAGE]
    buttons = [(m.name[:40], data("au", m.telegram_id)) for m in shown]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    page = Page(tuple(shown), offset, len(members) > offset + USERS_PAGE)
    return keyboard([*rows, pager(page, USERS_PAGE, "aup")])


def member_text(locale: str, member: StaffView, teams: list[TeamView], timezone: str) -> str:
    """One staff member in full."""
    names = {team.id: team.name for team in teams}
    return t(locale, "admin.user_detail", name=member.name,
             username=f"@{member.username}" if member.username else "",
             telegram_id=member.telegram_id, role=_role(locale, member.role),
             team=_team(locale, names, member.team_id),
             state=t(locale, "admin.active" if member.active else "admin.inactive",
                     html_escape=False),
             since=when(locale, member.created_at, timezone))


def member_keyboard(locale: str, member: StaffView, teams: list[TeamView],
                    owned: int = 0) -> InlineKeyboardMarkup:
    """Other roles, other teams, handing their customers over, (de)activation and the way
    back."""
    def b(key: str, *parts: object, **params: Any) -> Button:
        return t(locale, f"admin.{key}", html_escape=False, **params), data(*parts)

    tg = member.telegram_id
    roles = [b("role_button", "ar", tg, r.value, role=_role(locale, r))
             for r in Role if r != member.role]
    team_buttons = [b("team_button", "at", tg, team.id, team=team.name[:30])
                    for team in teams if team.id != member.team_id]
    if member.team_id:
        team_buttons.append(b("no_team_button", "at", tg, 0))
    access = (b("deactivate_button", "ad", tg) if member.active
              else b("reactivate_button", "aa", tg))
    handover = [[b("handover_button", "ah", tg, count=owned)]] if owned else []
    return keyboard([roles, *[team_buttons[i:i + 3] for i in range(0, len(team_buttons), 3)],
                     *handover, [access, b("back_button", "aup", 0)]])


async def users_command(update: Update, context: session.Context) -> None:
    """/users: the staff list with a button per member."""
    members, teams = await session.db(context, _staff, session.actor(context))
    await update.effective_message.reply_text(
        users_text(session.locale(context), members, teams, 0),
        reply_markup=users_keyboard(members, 0))


async def users_page(update: Update, context: session.Context) -> None:
    """aup:<offset>: another page of the staff list, in place."""
    callback = update.callback_query
    offset = int_part(parse(callback.data), 1)
    if offset is None:
        await callback.answer()
        return
    members, teams = await session.db(context, _staff, session.actor(context))
    offset = max(0, min(offset, len(members) - 1)) if members else 0
    await callback.answer()
    await callback.edit_message_text(users_text(session.locale(context), members, teams, offset),
                                     reply_markup=users_keyboard(members, offset))


async def _show_member(update: Update, context: session.Context,
                       change: Callable[..., StaffView], *args: Any) -> None:
    """Run one crm call on a member, show them, and refresh their menu if it changed them."""
    callback = update.callback_query
    member, teams, owned = await session.db(context, _member, session.actor(context), change,
                                            *args)
    locale = session.locale(context)
    changed = change is not users.get_user
    await callback.answer(t(locale, "admin.saved", html_escape=False) if changed else None)
    await callback.edit_message_text(member_text(locale, member, teams, session.timezone(context)),
                                     reply_markup=member_keyboard(locale, member, teams, owned))
    if changed:
        await publish_user_menu(context.bot, member,
                                resolve_locale(member.locale, session.config(context).locale))


def _member_call(parts: list[str]) -> tuple[Callable[..., StaffView], tuple] | None:
    """The crm call a member button asks for (None for forged data): au shows the member,
    at:<tg>:<team id, 0 for none> changes their team, ax deactivates (the confirmed press),
    aa reactivates (a new role is role_button's)."""
    telegram_id = int_part(parts, 1)
    if telegram_id is None:
        return None
    if parts[0] == "at":
        team_id = int_part(parts, 2)
        return None if team_id is None else (users.set_team, (telegram_id, team_id or None))
    simple = {"au": users.get_user, "ax": users.deactivate_user, "aa": users.reactivate_user}
    return simple[parts[0]], (telegram_id,)


async def member_button(update: Update, context: session.Context) -> None:
    """A member's buttons: show them, or change them first (crm checks the permission)."""
    call = _member_call(parse(update.callback_query.data))
    if call is None:
        await update.callback_query.answer()
        return
    change, args = call
    await _show_member(update, context, change, *args)


async def role_button(update: Update, context: session.Context) -> None:
    """ar:<tg>:<role>: a new role; granting or taking away admin asks first, and its
    confirming press is ar:<tg>:<role>:y."""
    callback, parts = update.callback_query, parse(update.callback_query.data)
    telegram_id = int_part(parts, 1)
    if telegram_id is None or len(parts) < 3:
        await callback.answer()
        return
    role, confirmed = parts[2], len(parts) > 3 and parts[3] == "y"
    if not confirmed:
        member = await session.db(context, users.get_user, session.actor(context), telegram_id)
        if users.role_change_needs_confirming(member.role, role):
            await _ask_role(update, context, member, role)
            return
    await _show_member(update, context, users.change_role, telegram_id, role)


async def _ask_role(update: Update, context: session.Context, member: StaffView,
                    role: str) -> None:
    locale, tg = session.locale(context), member.telegram_id
    question = ("admin.confirm_grant_admin" if role == Role.ADMIN.value
                else "admin.confirm_revoke_admin")
    buttons = keyboard([[(t(locale, "admin.role_yes_button", html_escape=False,
                            role=_role(locale, role)), data("ar", tg, role, "y"))],
                        [(t(locale, "admin.role_keep_button", html_escape=False),
                          data("au", tg))]])
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        t(locale, question, name=member.name, role=_role(locale, role)), reply_markup=buttons)


async def ask_deactivate(update: Update, context: session.Context) -> None:
    """ad:<tg>: deactivation needs a confirming press (typing "yes" is just a search)."""
    callback = update.callback_query
    telegram_id = int_part(parse(callback.data), 1)
    if telegram_id is None:
        await callback.answer()
        return
    member = await session.db(context, users.get_user, session.actor(context), telegram_id)
    locale = session.locale(context)
    buttons = keyboard([[(t(locale, "admin.confirm_button", html_escape=False),
                          data("ax", telegram_id))],
                        [(t(locale, "admin.keep_button", html_escape=False),
                          data("au", telegram_id))]])
    await callback.answer()
    await callback.edit_message_text(t(locale, "admin.confirm_deactivate", name=member.name),
                                     reply_markup=buttons)
