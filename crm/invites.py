"""Joining by invite: an admin makes a one-time code for a role; the newcomer opens the bot's
deep link (https://t.me/<bot>?start=<code>) and becomes staff. Codes are stored only as hashes,
are single-use and expire."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from crm import audit
from crm.actors import Actor, Channel
from crm.clock import as_datetime, utcnow
from crm.errors import Conflict, NotFound, ValidationError
from crm.permissions import Action, require
from crm.sales.outbox import notify
from crm.users import StaffView, TeamView, _check_team, identify, list_teams, validate_role
from storage.database import database, fetch_all, fetch_one, insert, sql

DEFAULT_TTL = dt.timedelta(hours=24)
CODE_PREFIX = "inv_"  # tells an invite from other /start parameters


@dataclass(frozen=True)
class Invite:
    code: str  # shown once; only its hash is kept
    role: str
    team_id: int | None
    expires_at: dt.datetime

    def link(self, bot_username: str) -> str:
        """The deep link that joins with this invite."""
        return f"https://t.me/{bot_username.lstrip('@')}?start={self.code}"


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_invite(actor: Actor, role: str, *, team_id: int | None = None,
                  ttl: dt.timedelta = DEFAULT_TTL, now: dt.datetime | None = None) -> Invite:
    """A one-time invite for a role (and team), valid for ``ttl``."""
    require(actor, Action.MANAGE_USERS)
    checked = validate_role(role)
    if ttl <= dt.timedelta(0) or ttl > dt.timedelta(days=30):
        raise ValidationError("invite.ttl", field="ttl")
    now = now or utcnow()
    code = CODE_PREFIX + secrets.token_urlsafe(18)  # 28 characters, within Telegram's 64
    with database.atomic():
        _check_team(team_id)
        invite_id = insert("invite", {
            "code_hash": _digest(code), "role": checked.value, "team_id": team_id,
            "created_by_id": actor.user_id, "created_at": now, "expires_at": now + ttl})
        audit.record(actor, "invite.create", "invite", invite_id, changes={
            "role": [None, checked.value], "team_id": [None, team_id],
            "expires_at": [None, (now + ttl).isoformat(sep=" ")]}, now=now)
    return Invite(code, checked.value, team_id, now + ttl)


def invite_teams(actor: Actor, role: str | None = None) -> list[TeamView]:
    """The teams an invite (for ``role``, checked when given) may put a newcomer in
    (admins)."""
    require(actor, Action.MANAGE_USERS)
    if role is not None:
        validate_role(role)
    return list_teams(actor)


def is_invite_code(text: str) -> bool:
    return text.startswith(CODE_PREFIX)


def accept_invite(code: str, *, telegram_id: int, name: str, username: str | None = None,
                  locale: str | None = None, now: dt.datetime | None = None) -> StaffView:
    """Join as staff with an invite code: used once, before it expires."""
    now = now or utcnow()
    if not is_invite_code(code.strip()):
        raise NotFound("invite.invalid")
    with database.atomic():
        row = fetch_one("select id, role, team_id, expires_at, used_at, created_by_id"
                        " from invite where code_hash = ?", (_digest(code.strip()),))
        if row is None:
            raise NotFound("invite.invalid")
        invite_id, role, team_id, expires_at, used_at, inviter_id = row
        if identify(telegram_id) is not None:  # first: a member opening their link again
            raise Conflict("invite.already_staff")
        if used_at is not None:
            raise Conflict("invite.used")
        if as_datetime(expires_at) <= now:
            raise Conflict("invite.expired")
        user = _join(telegram_id, name, username, locale, role, team_id, now)
        database.execute_sql(sql("update invite set used_at = ?, used_by_id = ? where id = ?"),
                             (now, user.id, invite_id))
        audit.record(user.as_actor(Channel.BOT), "user.join_by_invite", "staff_user", user.id,
                     changes={"invite": [None, invite_id], "role": [None, role]}, now=now)
        _tell_admins(inviter_id, user, now)
    return user


JOINED = "invite.joined"  # the notification an invite's maker gets when it is used


def _tell_admins(inviter_id: int | None, user: StaffView, now: dt.datetime) -> None:
    """Tell the admin who made the invite that it was used; when they are no longer an active
    admin, every active admin (someone should know a newcomer has access)."""
    admins = [r[0] for r in fetch_all("select id from staff_user where role = ? and active = ?"
                                      " and id <> ? order by id", ("admin", True, user.id))]
    told = [inviter_id] if inviter_id in admins else admins
    team = (fetch_one("select name from team where id = ?", (user.team_id,))
            if user.team_id else None)
    params = {"name": user.name, "role": user.role.value, "team": team[0] if team else None,
              "telegram_id": user.telegram_id}
    for admin_id in told:
        notify(admin_id, JOINED, params, now)


def _join(telegram_id: int, name: str, username: str | None, locale: str | None, role: str,
          team_id: int | None, now: dt.datetime) -> StaffView:
    """Create the staff user, or bring back a deactivated one with the invite's role."""
    name = (" ".join((name or "").split()) or str(telegram_id))[:100]
    existing = fetch_one("select id from staff_user where telegram_id = ?", (telegram_id,))
    if existing:
        database.execute_sql(sql(
            "update staff_user set active = ?, role = ?, team_id = ?, deactivated_at = null,"
            " updated_at = ? where id = ?"), (True, role, team_id, now, existing[0]))
    else:
        insert("staff_user", {"telegram_id": telegram_id, "name": name, "username": username,
                              "role": role, "locale": locale, "active": True,
                              "created_at": now, "updated_at": now, "team_id": team_id})
    found = identify(telegram_id)
    assert found is not None
    return found
