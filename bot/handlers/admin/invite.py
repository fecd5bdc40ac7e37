"""/invite: the newcomer's role and team, then a one-time invite link; a menu's buttons make
one invite."""

from __future__ import annotations

import secrets

from telegram import InlineKeyboardMarkup, Update

from bot import session
from bot.handlers.admin.members import _role
from bot.i18n import t
from bot.keyboards import data, int_part, keyboard, parse
from bot.render import local_time
from crm import invites
from crm.actors import Actor, Role
from crm.permissions import Action, require
from crm.users import TeamView

INVITE_MENUS = "invite_menus"  # user_data: /invite menu → None, or the invite it made
INVITE_MENUS_KEPT = 20
_MAKING = ""  # a menu whose invite is being made (a second press must not make another)


def invite_text(locale: str, invite: invites.Invite, link: str, timezone: str,
                team: str | None = None) -> str:
    """The deep link of a fresh invite with its team and its expiry in the admin's time
    zone."""
    until = local_time(invite.expires_at, timezone).strftime("%Y-%m-%d %H:%M")
    return t(locale, "admin.invite_link", role=_role(locale, invite.role), until=until,
             timezone=timezone, link=link,
             team=team or t(locale, "admin.no_team", html_escape=False))


async def invite_command(update: Update, context: session.Context) -> None:
    """/invite: choose the newcomer's role; the menu's buttons make one invite."""
    require(session.actor(context), Action.MANAGE_USERS)
    locale, menu = session.locale(context), secrets.token_hex(4)
    menus: dict[str, str | None] = context.user_data.setdefault(INVITE_MENUS, {})
    menus[menu] = None
    for old in list(menus)[:-INVITE_MENUS_KEPT]:
        del menus[old]
    buttons = keyboard([[(_role(locale, r), data("ai", menu, r.value)) for r in Role]])
    await update.effective_message.reply_text(t(locale, "admin.invite_choose"),
                                              reply_markup=buttons)


async def make_invite(update: Update, context: session.Context) -> None:
    """ai:<menu>:<role> offers the teams (when there are any); ai:<menu>:<role>:<team id, 0
    for none> makes a one-time invite, its deep link in a message of its own. A menu's
    buttons make one invite: pressed again, they say it was made and show it."""
    callback, parts = update.callback_query, parse(update.callback_query.data)
    actor, locale = session.actor(context), session.locale(context)
    require(actor, Action.MANAGE_USERS)
    menus: dict[str, str | None] = context.user_data.setdefault(INVITE_MENUS, {})
    menu, role = [*parts, "", ""][1:3]
    if menu not in menus or menus[menu] is not None:
        await _spent_invite_menu(update, context, menus.get(menu))
        return
    if len(parts) < 4:
        teams = await session.db(context, invites.invite_teams, actor, role)
        if teams:
            await callback.answer()
            await callback.edit_message_text(
                t(locale, "admin.invite_team", role=_role(locale, role)),
                reply_markup=_invite_team_keyboard(locale, menu, role, teams))
            return
    menus[menu] = _MAKING
    try:
        invite, team = await session.db(context, _invite_with_team, actor, role,
                                        int_part(parts, 3) or None)
    except Exception:
        menus[menu] = None  # refused, nothing made: the menu still works
        raise
    menus[menu] = invite_text(locale, invite, invite.link(context.bot.username),
                              session.timezone(context), team)
    await callback.answer()
    await callback.edit_message_text(t(locale, "admin.invite_made",
                                       role=_role(locale, invite.role)))
    await callback.message.reply_text(menus[menu])


async def _spent_invite_menu(update: Update, context: session.Context,
                             made: str | None) -> None:
    """A press on a menu that already made its invite (shown again), or one this bot does not
    know (from before a restart): never a second invite."""
    callback = update.callback_query
    if not made:
        await callback.answer(session.text(context, "admin.invite_stale"), show_alert=True)
        return
    await callback.answer()
    await callback.message.reply_text(session.text(context, "admin.invite_already") + "\n\n"
                                      + made)


def _invite_with_team(actor: Actor, role: str, team_id: int | None
                      ) -> tuple[invites.Invite, str | None]:
    """The new invite and its team's name, in one trip to the database thread."""
    invite = invites.create_invite(actor, role, team_id=team_id)
    if invite.team_id is None:
        return invite, None
    return invite, next((team.name for team in invites.invite_teams(actor)
                         if team.id == invite.team_id), None)


def _invite_team_keyboard(locale: str, menu: str, role: str,
                          teams: list[TeamView]) -> InlineKeyboardMarkup:
    buttons = [(f"👥 {team.name[:30]}", data("ai", menu, role, team.id)) for team in teams]
    buttons.append((t(locale, "admin.no_team_button", html_escape=False),
                    data("ai", menu, role, 0)))
    return keyboard([buttons[i:i + 2] for i in range(0, len(buttons), 2)])
