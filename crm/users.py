"""Staff users: adding, listing, deactivating; identity for every interface."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm.actors import Actor, Channel, Role
from crm.clock import utcnow
from crm.config import LOCALES
from crm.errors import Conflict, NotFound, ValidationError
from crm.permissions import Action, require
from storage.database import database, fetch_one
from storage.models import StaffUser

NAME_MAX = 100


@dataclass(frozen=True)
class StaffView:
    """A staff user as shown to interfaces."""

    id: int
    telegram_id: int
    name: str
    username: str | None
    role: Role
    locale: str | None
    timezone: str | None
    active: bool
    created_at: dt.datetime

    def as_actor(self, channel: Channel = Channel.BOT) -> Actor:
        return Actor(channel=channel, user_id=self.id, telegram_id=self.telegram_id,
                     role=self.role, name=self.name, locale=self.locale, timezone=self.timezone)


def _view(row: StaffUser) -> StaffView:
    return StaffView(row.id, row.telegram_id, row.name, row.username, Role(row.role), row.locale,
                     row.timezone, row.active, row.created_at)


def _validate(telegram_id: int, role: str, name: str, locale: str | None,
              timezone: str | None) -> Role:
    if isinstance(telegram_id, bool) or not isinstance(telegram_id, int) or telegram_id <= 0:
        raise ValidationError("validation.telegram_id", field="telegram_id")
    if role not in {r.value for r in Role}:
        raise ValidationError("validation.role", field="role",
                              allowed=", ".join(r.value for r in Role))
    if not name.strip() or len(name.strip()) > NAME_MAX:
        raise ValidationError("validation.name", field="name", max=NAME_MAX)
    if locale is not None and locale not in LOCALES:
        raise ValidationError("validation.locale", field="locale", allowed=", ".join(LOCALES))
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError("validation.timezone", field="timezone",
                                  value=timezone) from exc
    return Role(role)


def add_user(actor: Actor, telegram_id: int, role: str, name: str, *,
             username: str | None = None, locale: str | None = None,
             timezone: str | None = None, now: dt.datetime | None = None) -> StaffView:
    """Add a staff user; Conflict if the Telegram id is already on file."""
    require(actor, Action.MANAGE_USERS)
    checked_role = _validate(telegram_id, role, name, locale, timezone)
    now = now or utcnow()
    with database.atomic():
        if StaffUser.get_or_none(StaffUser.telegram_id == telegram_id) is not None:
            raise Conflict("user.exists", telegram_id=telegram_id)
        row = StaffUser.create(telegram_id=telegram_id, name=name.strip(), username=username,
                               role=checked_role.value, locale=locale, timezone=timezone,
                               active=True, created_at=now, updated_at=now)
    return _view(row)


def list_users(actor: Actor, *, include_inactive: bool = True) -> list[StaffView]:
    """Staff users, active first, then by name."""
    require(actor, Action.MANAGE_USERS)
    query = StaffUser.select().order_by(StaffUser.active.desc(), StaffUser.name, StaffUser.id)
    if not include_inactive:
        query = query.where(StaffUser.active == True)  # noqa: E712 (SQL comparison)
    return [_view(row) for row in query]


def deactivate_user(actor: Actor, telegram_id: int, *,
                    now: dt.datetime | None = None) -> StaffView:
    """Cut a staff user's access at once; their records stay."""
    require(actor, Action.MANAGE_USERS)
    now = now or utcnow()
    with database.atomic():
        row = StaffUser.get_or_none(StaffUser.telegram_id == telegram_id)
        if row is None:
            raise NotFound("user.not_found", telegram_id=telegram_id)
        if row.active:
            row.active, row.deactivated_at, row.updated_at = False, now, now
            row.save()
    return _view(row)


_IDENTIFY_SQL = (
    "select id, telegram_id, name, username, role, locale, timezone, active, created_at"
    " from staff_user where telegram_id = ? and active = ?"
)


def identify(telegram_id: int) -> StaffView | None:
    """The active staff user behind a Telegram id, or None for everyone else (every update)."""
    row = fetch_one(_IDENTIFY_SQL, (telegram_id, True))
    if row is None:
        return None
    created_at = row[8]
    if isinstance(created_at, str):  # SQLite returns text timestamps to raw queries
        created_at = dt.datetime.fromisoformat(created_at)
    return StaffView(row[0], row[1], row[2], row[3], Role(row[4]), row[5], row[6],
                     bool(row[7]), created_at)
