"""Admin commands: /users (role, team, access), /invite, /audit and /status (/backup is in
bot/handlers/backup.py).

Every button is re-checked by crm when pressed (a button is not a grant). Callback data:
``aup:<offset>`` staff list page, ``au:<telegram id>`` one member, ``ar:<tg>:<role>`` new role
(``ar:<tg>:<role>:y`` the confirming press when admin is granted or taken away),
``at:<tg>:<team id or 0>`` team, ``ad:<tg>`` ask to deactivate, ``ax:<tg>`` deactivate (the
confirmation), ``aa:<tg>`` reactivate, ``ai:<menu>:<role>`` choose the invite's team,
``ai:<menu>:<role>:<team id or 0>`` make the invite (``<menu>``: the /invite it came from,
whose buttons make one invite), ``ag:<offset>`` audit page,
``ae`` audit export, ``ah:<tg>`` hand a member's customers over (choose who),
``ah:<tg>:<to tg>`` ask, ``ah:<tg>:<to tg>:y`` do it.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Callable
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import session
from bot.audit_text import field_words, wording
from bot.data_text import header_of
from bot.handlers.commands import publish_user_menu
from bot.i18n import resolve_locale, t
from bot.keyboards import Button, data, int_part, keyboard, parse
from bot.progress import with_progress
from bot.render import local_time, pager, when
from bot.status_text import status_text
from crm import audit, invites, system, users
from crm.actors import Actor, Role
from crm.audit import AuditEntry
from crm.paging import Page
from crm.permissions import Action, require
from crm.users import StaffView, TeamView

USERS_PAGE = 10
AUDIT_PAGE = 10
VALUE_MAX = 40  # characters of one audited value shown in the compact log
DETAILS_MAX = 160  # characters of one entry's changes: a page must fit in one message
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


def _handover_choices(actor: Actor, telegram_id: int) -> tuple[StaffView, int, list[StaffView]]:
    """A member, how many customers they own, and the active staff who could take them."""
    member = users.get_user(actor, telegram_id)
    others = [m for m in users.list_users(actor, include_inactive=False)
              if m.telegram_id != telegram_id and m.role is not Role.VIEWER]
    return member, users.owned_customers(actor, telegram_id), others


def _hand_over(actor: Actor, source: int, target: int) -> tuple[users.Reassigned, StaffView]:
    """Hand every customer of one member to another: what moved, and who took it."""
    return users.reassign_customers(actor, source, target), users.get_user(actor, target)


# Rendering. ------------------------------------------------------------------------------


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


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _value(value: object, timezone: str) -> str:
    """One audited value; a stored (UTC) moment in the reader's time zone, like every time in
    the chat."""
    if value is None:
        return "—"
    moment = audit.stored_moment(value)
    if moment is not None:
        return local_time(moment, timezone).strftime("%Y-%m-%d %H:%M")
    return _clip(str(value), VALUE_MAX)


def changes_text(locale: str, entry: AuditEntry, timezone: str = "UTC") -> str:
    """The changes of one audit entry in one compact line, fields by their labels and coded
    values and amounts in the reader's words (escaped; stored moments in ``timezone``)."""
    if entry.erased:
        return "🔒 " + t(locale, "admin.audit_erased")
    hidden = t(locale, "admin.audit_hidden", html_escape=False)
    words = wording(locale, t(locale, "admin.audit_erased", html_escape=False))
    parts = []
    for field, pair in (audit.shown_changes(entry, words) or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        label = field_words(locale, field, entry.entity)
        if old == audit.CHANGED:
            parts.append(f"{label}: {hidden}")
        elif old != new:
            parts.append(f"{label}: {_value(old, timezone)} → {_value(new, timezone)}")
    return html.escape(_clip("; ".join(parts), DETAILS_MAX))


def audit_text(locale: str, page: Page[AuditEntry], timezone: str) -> str:
    """One page of the audit log in the reader's words, each action's code beside them."""
    if not page.items:
        return t(locale, "admin.audit_empty")
    lines = [t(locale, "admin.audit_title", first=page.offset + 1)]
    words = wording(locale, t(locale, "admin.audit_erased", html_escape=False))
    for entry in page.items:
        ref = f" #{entry.entity_id}" if entry.entity_id is not None else ""
        lines.append(t(locale, "admin.audit_line", when=when(locale, entry.at, timezone),
                       actor=_clip(words.actor(entry), 40), channel=words.channel(entry.channel),
                       action=words.action(entry.action), code=entry.action,
                       entity=words.entity(entry.entity) + ref))
        details = changes_text(locale, entry, timezone)
        if details:
            lines.append(f"    {details}")
    return "\n".join(lines)


def invite_text(locale: str, invite: invites.Invite, link: str, timezone: str,
                team: str | None = None) -> str:
    """The deep link of a fresh invite with its team and its expiry in the admin's time
    zone."""
    until = local_time(invite.expires_at, timezone).strftime("%Y-%m-%d %H:%M")
    return t(locale, "admin.invite_link", role=_role(locale, invite.role), until=until,
             timezone=timezone, link=link,
             team=team or t(locale, "admin.no_team", html_escape=False))


# Handlers. -------------------------------------------------------------------------------


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


async def handover(update: Update, context: session.Context) -> None:
    """ah:<tg> lists who may take the member's customers; ah:<tg>:<to> asks; ah:<tg>:<to>:y
    hands them over (crm checks the permission and that the new owner is active)."""
    callback, parts = update.callback_query, parse(update.callback_query.data)
    source, target = int_part(parts, 1), int_part(parts, 2)
    if source is None or (len(parts) > 2 and target is None):
        await callback.answer()
        return
    actor, locale = session.actor(context), session.locale(context)
    back = (t(locale, "admin.handover_back", html_escape=False), data("au", source))
    if len(parts) > 3 and parts[3] == "y":
        moved, taker = await session.db(context, _hand_over, actor, source, target)
        await callback.answer()
        done = t(locale, "admin.handover_done", count=moved.customers, to=taker.name)
        if moved.work:
            done += "\n" + t(locale, "admin.handover_work", **moved.work.params())
        await callback.edit_message_text(done, reply_markup=keyboard([[back]]))
        return
    member, owned, others = await session.db(context, _handover_choices, actor, source)
    await callback.answer()
    if target is None:
        rows = [[(m.name[:40], data("ah", source, m.telegram_id))] for m in others]
        await callback.edit_message_text(
            t(locale, "admin.handover_choose", count=owned, name=member.name),
            reply_markup=keyboard([*rows, [back]]))
        return
    taker = next((m for m in others if m.telegram_id == target), None)
    if taker is None:  # gone meanwhile, or a forged button
        await callback.edit_message_text(t(locale, "admin.handover_gone"),
                                         reply_markup=keyboard([[back]]))
        return
    await callback.edit_message_text(
        t(locale, "admin.handover_confirm", count=owned, name=member.name, to=taker.name),
        reply_markup=keyboard([[(t(locale, "admin.handover_yes", html_escape=False),
                                 data("ah", source, target, "y"))], [back]]))


INVITE_MENUS = "invite_menus"  # user_data: /invite menu → None, or the invite it made
INVITE_MENUS_KEPT = 20
_MAKING = ""  # a menu whose invite is being made (a second press must not make another)


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


async def audit_command(update: Update, context: session.Context) -> None:
    """/audit: the latest entries."""
    page = await session.db(context, audit.list_audit, session.actor(context), limit=AUDIT_PAGE)
    await update.effective_message.reply_text(
        audit_text(session.locale(context), page, session.timezone(context)),
        reply_markup=audit_keyboard(session.locale(context), page))


def audit_keyboard(locale: str, page: Page[AuditEntry]) -> InlineKeyboardMarkup:
    """◀ ▶ and the export button under a page of the log."""
    return keyboard([pager(page, AUDIT_PAGE, "ag"),
                     [(t(locale, "admin.audit_export"), data("ae"))]])


async def export_audit(update: Update, context: session.Context) -> None:
    """ae: the whole log as a spreadsheet, built off the event loop with progress shown."""
    callback = update.callback_query
    await session.db(context, audit.require_reader, session.actor(context))
    await callback.answer()
    content = await with_progress(update, context, session.text(context, "admin.audit_export"),
                                  audit.export_audit_xlsx, session.actor(context),
                                  header=header_of(session.locale(context)),
                                  words=wording(session.locale(context), t(
                                      session.locale(context), "admin.audit_erased",
                                      html_escape=False)))
    await callback.message.reply_document(InputFile(content, filename="audit.xlsx"),
                                          caption=session.text(context, "admin.audit_file"))


async def audit_page(update: Update, context: session.Context) -> None:
    """ag:<offset>: older or newer entries, in place."""
    callback = update.callback_query
    offset = int_part(parse(callback.data), 1)
    if offset is None:
        await callback.answer()
        return
    page = await session.db(context, audit.list_audit, session.actor(context),
                            offset=max(0, offset), limit=AUDIT_PAGE)
    await callback.answer()
    await callback.edit_message_text(audit_text(session.locale(context), page,
                                                session.timezone(context)),
                                     reply_markup=audit_keyboard(session.locale(context), page))


async def status_command(update: Update, context: session.Context) -> None:
    """/status: the installation's checks plus counts."""
    status = await session.db(context, system.get_status, session.actor(context),
                              session.config(context))
    await update.effective_message.reply_text(status_text(session.locale(context), status,
                                                          session.timezone(context)))


def register(application: Application) -> None:
    """Add this module's handlers."""
    for name, handler in (("users", users_command), ("invite", invite_command),
                          ("audit", audit_command), ("status", status_command)):
        application.add_handler(CommandHandler(name, handler))
    for pattern, handler in ((r"^aup:", users_page), (r"^(au|at|ax|aa):", member_button),
                             (r"^ar:", role_button),
                             (r"^ad:", ask_deactivate), (r"^ai:", make_invite),
                             (r"^ag:", audit_page), (r"^ae$", export_audit),
                             (r"^ah:", handover)):
        application.add_handler(CallbackQueryHandler(handler, pattern=pattern))
