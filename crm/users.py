"""Staff users and teams: adding, roles, teams, deactivating, reassigning; identity for every
interface. Joining by invite lives in crm.invites."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from crm import audit, conversations
from crm.actors import Actor, Channel, Role
from crm.clock import as_datetime, utcnow
from crm.config import LOCALES
from crm.errors import Conflict, NotFound, ValidationError
from crm.handover import WHOLE_BOOK, HandedOver, hand_over_customers
from crm.permissions import Action, require, role_allows
from crm.search_terms import name_order, normalise_text
from crm.timezones import find_zone, is_zone
from storage.database import bytewise, database, fetch_all, fetch_one, insert, sql

NAME_MAX = 100
TELEGRAM_ID_MAX = 2**53 - 1  # Telegram: "at most 52 significant bits"
_COLUMNS = ("id, telegram_id, name, username, role, locale, timezone, active, created_at,"
            " team_id")


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
    team_id: int | None = None

    def as_actor(self, channel: Channel = Channel.BOT) -> Actor:
        return Actor(channel=channel, user_id=self.id, telegram_id=self.telegram_id,
                     role=self.role, name=self.name, locale=self.locale, timezone=self.timezone,
                     team_id=self.team_id)


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    members: int


def _view(row: tuple) -> StaffView:
    return StaffView(row[0], row[1], row[2], row[3], Role(row[4]), row[5], row[6], bool(row[7]),
                     as_datetime(row[8]), row[9])


def _load(where: str, params: tuple) -> StaffView | None:
    row = fetch_one(f"select {_COLUMNS} from staff_user where {where}", params)
    return _view(row) if row else None


def _by_id(user_id: int | None) -> StaffView:
    """A staff user known to exist (just written)."""
    found = _load("id = ?", (user_id,))
    if found is None:
        raise NotFound("user.not_found", telegram_id="?")
    return found


def staff_actor(staff_id: int) -> Actor | None:
    """The actor a staff member acts as, to check what a notice to them may open; None when
    there is no such member."""
    found = _load("id = ?", (staff_id,))
    return found.as_actor() if found else None


def validate_role(role: str) -> Role:
    if role not in {r.value for r in Role}:
        raise ValidationError("validation.role", field="role",
                              allowed=tuple(r.value for r in Role))
    return Role(role)


def is_telegram_id(value: object) -> bool:
    """Whether ``value`` can be a Telegram user id: Telegram's have at most 52 significant bits
    (a larger number failed in the database: too large for SQLite's integers and PostgreSQL's
    bigint alike)."""
    return not isinstance(value, bool) and isinstance(value, int) and 0 < value <= TELEGRAM_ID_MAX


def _validate(telegram_id: int, role: str, name: str, locale: str | None,
              timezone: str | None) -> Role:
    if not is_telegram_id(telegram_id):
        raise ValidationError("validation.telegram_id", field="telegram_id")
    checked = validate_role(role)
    if not name.strip() or len(name.strip()) > NAME_MAX:
        raise ValidationError("validation.name", field="name", max=NAME_MAX)
    if locale is not None and locale not in LOCALES:
        raise ValidationError("validation.locale", field="locale", allowed=tuple(LOCALES))
    if timezone is not None and not is_zone(timezone):
        raise ValidationError("validation.timezone", field="timezone", value=timezone)
    return checked


def _typed_zone(typed: str) -> str:
    """The IANA name of a zone as a member types it (``Los Angeles`` → America/Los_Angeles)."""
    found = find_zone(typed)
    if found is None:
        raise ValidationError("validation.timezone", field="timezone", value=typed)
    return found


def add_user(actor: Actor, telegram_id: int, role: str, name: str, *,
             username: str | None = None, locale: str | None = None,
             timezone: str | None = None, team_id: int | None = None,
             now: dt.datetime | None = None) -> StaffView:
    """Add a staff user; Conflict if the Telegram id is already on file."""
    require(actor, Action.MANAGE_USERS)
    checked_role = _validate(telegram_id, role, name, locale, timezone)
    now = now or utcnow()
    with database.atomic():
        if fetch_one("select 1 from staff_user where telegram_id = ?", (telegram_id,)):
            raise Conflict("user.exists", telegram_id=telegram_id)
        _check_team(team_id)
        user_id = insert("staff_user", {
            "telegram_id": telegram_id, "name": name.strip(), "username": username,
            "role": checked_role.value, "locale": locale, "timezone": timezone,
            "active": True, "created_at": now, "updated_at": now, "team_id": team_id})
        audit.record(actor, "user.add", "staff_user", user_id, changes={
            "telegram_id": [None, telegram_id], "name": [None, name.strip()],
            "role": [None, checked_role.value], "team_id": [None, team_id]}, now=now)
    return _by_id(user_id)


def get_user(actor: Actor, telegram_id: int) -> StaffView:
    """One staff user by Telegram id (admins)."""
    require(actor, Action.MANAGE_USERS)
    found = _load("telegram_id = ?", (telegram_id,))
    if found is None:
        raise NotFound("user.not_found", telegram_id=telegram_id)
    return found


class StaffNames:
    """Every staff member by each way they are named (Telegram id, @username, name), read once
    for many look-ups: an import's owner cells ask per row, a command line once."""

    def __init__(self, staff: Sequence[StaffView], *, by_start: bool = True) -> None:
        self._staff = tuple(staff)  # by name, then id: the order several are listed in
        self._by_start = by_start  # a name's first characters name someone too
        self._exact: dict[str, list[int]] = {}
        for place, user in enumerate(self._staff):
            for key in _keys_of(user):
                found = self._exact.setdefault(key, [])
                if place not in found:
                    found.append(place)
        self._named: dict[str, tuple[StaffView, ...]] = {}  # each distinct text worked out once

    @classmethod
    def load(cls, *, by_start: bool = True) -> StaffNames:
        """Every staff member; ``by_start`` off when only a whole name, @username or id may
        name one (a file's cells: nobody is there to see whom a shortened name picked)."""
        return cls([_view(row) for row in fetch_all(
            f"select {_COLUMNS} from staff_user order by name, id")], by_start=by_start)

    @property
    def everyone(self) -> tuple[StaffView, ...]:
        return self._staff

    def named(self, written: str) -> tuple[StaffView, ...]:
        """The staff members ``written`` may mean: the one with that Telegram id, @username or
        name (case and width folded), else those whose name starts with it."""
        key = normalise_text(written or "")
        if key not in self._named:
            self._named[key] = self._look_up(key)
        return self._named[key]

    def one(self, written: str, *, field: str | None = None) -> StaffView:
        """The one staff member ``written`` names; none is NotFound (a ValidationError of
        ``field`` when given), several are refused with each one's name and Telegram id, so
        the id can be given instead."""
        name = (written or "").strip()
        found = self.named(name)
        if not found:
            if field is None:
                raise NotFound("user.not_named", name=name)
            raise ValidationError("user.not_named", field=field, name=name)
        if len(found) > 1:
            raise ValidationError("user.ambiguous", field=field or "", name=name,
                                  names=tuple(_with_id(user) for user in found))
        return found[0]

    def _look_up(self, key: str) -> tuple[StaffView, ...]:
        if not key:
            return ()
        places = self._exact.get(key)
        if places:
            return tuple(self._staff[place] for place in places)
        if not self._by_start:
            return ()
        start = key.lstrip("@")
        return tuple(user for user in self._staff if normalise_text(user.name).startswith(start))


def _keys_of(user: StaffView) -> set[str]:
    """The texts that name ``user`` exactly; a username with and without its @."""
    keys = {str(user.telegram_id), normalise_text(user.name)}
    if user.username:
        keys |= {"@" + normalise_text(user.username).removeprefix("@"),
                 normalise_text(user.username).removeprefix("@")}
    return keys


def _with_id(user: StaffView) -> dict[str, object]:
    """A staff member as a message (张伟（900000003）/ 张伟 (900000003)), listed where a name
    is ambiguous."""
    return {"code": "user.with_id", "params": {"name": user.name,
                                               "telegram_id": user.telegram_id}}


def find_staff(actor: Actor, written: str) -> StaffView:
    """One staff member by Telegram id, @username or name (admins): ``StaffNames.one``."""
    require(actor, Action.MANAGE_USERS)
    return StaffNames.load().one(written)


def list_users(actor: Actor, *, include_inactive: bool = True) -> list[StaffView]:
    """Staff users, active first, then by name as a Chinese reader orders names (pinyin,
    mixed alphabetically with Latin names: ``name_order``), as reports list them."""
    require(actor, Action.MANAGE_USERS)
    where = "" if include_inactive else " where active = ?"
    rows = fetch_all(f"select {_COLUMNS} from staff_user{where}",
                     () if include_inactive else (True,))
    return sorted((_view(r) for r in rows),
                  key=lambda user: (not user.active, name_order(user.name), user.id))


def _update_user(actor: Actor, telegram_id: int, action: str, changes: dict[str, object],
                 now: dt.datetime) -> StaffView:
    """Apply ``changes`` to a staff user and audit the difference; a change to what they
    already are writes nothing (an audit entry would claim something happened)."""
    current = get_user(actor, telegram_id)
    before = {k: getattr(current, k) for k in changes}
    if all(str(before[k]) == str(v) for k, v in changes.items()):
        return current
    assignments = ", ".join(f"{k} = ?" for k in changes)
    database.execute_sql(sql(f"update staff_user set {assignments}, updated_at = ?"
                             " where id = ?"), (*changes.values(), now, current.id))
    audit.record(actor, action, "staff_user", current.id,
                 changes=audit.diff({k: str(v) if isinstance(v, Role) else v
                                     for k, v in before.items()}, changes), now=now)
    return _by_id(current.id)


def deactivate_user(actor: Actor, telegram_id: int, *,
                    now: dt.datetime | None = None) -> StaffView:
    """Cut a staff user's access at once; their records stay (see reassign_customers)."""
    require(actor, Action.MANAGE_USERS)
    now = now or utcnow()
    with database.atomic():
        current = get_user(actor, telegram_id)
        if not current.active:
            return current
        if current.role is Role.ADMIN and active_admins() <= 1:
            raise Conflict("user.last_admin_deactivate")
        database.execute_sql(sql("update staff_user set deactivated_at = ? where id = ?"),
                             (now, current.id))
        # What they had half-typed in a chat flow goes with their access.
        conversations.drop_conversation_state(telegram_id)
        return _update_user(actor, telegram_id, "user.deactivate", {"active": False}, now)


def reactivate_user(actor: Actor, telegram_id: int, *,
                    now: dt.datetime | None = None) -> StaffView:
    """Give a deactivated staff user access again."""
    require(actor, Action.MANAGE_USERS)
    now = now or utcnow()
    with database.atomic():
        return _update_user(actor, telegram_id, "user.reactivate", {"active": True}, now)


def change_role(actor: Actor, telegram_id: int, role: str, *,
                now: dt.datetime | None = None) -> StaffView:
    """Give a staff user another role; the last active admin cannot be demoted."""
    require(actor, Action.MANAGE_USERS)
    checked = validate_role(role)
    now = now or utcnow()
    with database.atomic():
        current = get_user(actor, telegram_id)
        if current.role is Role.ADMIN and checked is not Role.ADMIN and active_admins() <= 1:
            raise Conflict("user.last_admin")
        return _update_user(actor, telegram_id, "user.role", {"role": checked.value}, now)


def role_change_needs_confirming(current: Role | str, new: str) -> bool:
    """Granting or taking away the admin role asks first: it gives (or takes) power over the
    whole staff, every customer and the backups, so one stray tap must not do it."""
    return (Role(current) is Role.ADMIN) != (new == Role.ADMIN.value)


def active_admins() -> int:
    """How many active admins the installation has."""
    return fetch_one("select count(*) from staff_user where role = ? and active = ?",
                     ("admin", True))[0]


def set_team(actor: Actor, telegram_id: int, team_id: int | None, *,
             now: dt.datetime | None = None) -> StaffView:
    """Put a staff user in a team (or none)."""
    require(actor, Action.MANAGE_USERS)
    now = now or utcnow()
    with database.atomic():
        _check_team(team_id)
        return _update_user(actor, telegram_id, "user.team", {"team_id": team_id}, now)


def set_preferences(actor: Actor, *, locale: str | None = None, timezone: str | None = None,
                    now: dt.datetime | None = None) -> StaffView:
    """A staff user's own language and time zone (None leaves a value as it is)."""
    require(actor, Action.READ)
    if locale is not None and locale not in LOCALES:
        raise ValidationError("validation.locale", field="locale", allowed=tuple(LOCALES))
    if timezone is not None:
        timezone = _typed_zone(timezone)
    now = now or utcnow()
    with database.atomic():
        changes = {k: v for k, v in (("locale", locale), ("timezone", timezone)) if v}
        if changes:
            assignments = ", ".join(f"{k} = ?" for k in changes)
            database.execute_sql(sql(f"update staff_user set {assignments}, updated_at = ?"
                                     " where id = ?"), (*changes.values(), now, actor.user_id))
    return _by_id(actor.user_id)


def set_agenda_hour(actor: Actor, hour: int | None, *,
                    now: dt.datetime | None = None) -> StaffView:
    """The local hour of the actor's daily agenda (None: the installation's default)."""
    require(actor, Action.READ)
    if hour is not None and not (isinstance(hour, int) and 0 <= hour <= 23):
        raise ValidationError("validation.agenda_hour", field="agenda_hour")
    with database.atomic():
        database.execute_sql(sql("update staff_user set agenda_hour = ?, updated_at = ?"
                                 " where id = ?"), (hour, now or utcnow(), actor.user_id))
    return _by_id(actor.user_id)


def get_agenda_hour(actor: Actor) -> int | None:
    """The actor's own agenda hour (None: the installation's default)."""
    require(actor, Action.READ)
    row = fetch_one("select agenda_hour from staff_user where id = ?", (actor.user_id,))
    return row[0] if row else None


def _check_team(team_id: int | None) -> None:
    if team_id is not None and not fetch_one("select 1 from team where id = ?", (team_id,)):
        raise NotFound("team.not_found")


def create_team(actor: Actor, name: str, *, now: dt.datetime | None = None) -> TeamView:
    """A new team; names are unique regardless of case and width."""
    require(actor, Action.MANAGE_USERS)
    cleaned = " ".join((name or "").split())
    if not cleaned or len(cleaned) > NAME_MAX:
        raise ValidationError("validation.name", field="team", max=NAME_MAX)
    now = now or utcnow()
    with database.atomic():
        if fetch_one("select 1 from team where name_norm = ?", (normalise_text(cleaned),)):
            raise Conflict("team.exists", name=cleaned)
        team_id = insert("team", {"name": cleaned, "name_norm": normalise_text(cleaned),
                                  "created_at": now})
        audit.record(actor, "team.create", "team", team_id, changes={"name": [None, cleaned]},
                     now=now)
    return TeamView(team_id, cleaned, 0)


def list_teams(actor: Actor) -> list[TeamView]:
    """Teams with their number of active members."""
    require(actor, Action.READ)
    rows = fetch_all("select t.id, t.name, (select count(*) from staff_user s where"
                     " s.team_id = t.id and s.active = ?) from team t"
                     f" order by {bytewise('t.name')}", (True,))
    return [TeamView(*r) for r in rows]


def find_team(actor: Actor, name: str) -> TeamView:
    """A team by name."""
    for team in list_teams(actor):
        if normalise_text(team.name) == normalise_text(name):
            return team
    raise NotFound("team.not_named", name=name)  # the name typed: a typo shows


@dataclass(frozen=True)
class Reassigned:
    """What a hand-over of a whole book moved: the customers, and the open work on them."""

    customers: int
    work: HandedOver


def reassign_customers(actor: Actor, from_telegram_id: int, to_telegram_id: int, *,
                       now: dt.datetime | None = None) -> Reassigned:
    """Hand every customer of one staff user to another (e.g. after deactivating them), with
    the open deals, orders and reminders the first held on them (crm.handover)."""
    from crm.customers.write import reindex

    require(actor, Action.REASSIGN)
    now = now or utcnow()
    with database.atomic():
        source = _load("telegram_id = ?", (from_telegram_id,))
        target = _load("telegram_id = ? and active = ?", (to_telegram_id, True))
        if source is None:
            raise NotFound("user.not_found", telegram_id=from_telegram_id)
        if target is None:
            raise NotFound("user.not_found", telegram_id=to_telegram_id)
        check_can_own(target.id)
        if source.id == target.id:  # their own book: nothing changes hands
            return Reassigned(0, HandedOver())
        ids = [r[0] for r in fetch_all("select id from customer where owner_id = ?"
                                       " and deleted_at is null", (source.id,))]
        database.execute_sql(sql("update customer set owner_id = ?, updated_at = ?"
                                 " where owner_id = ? and deleted_at is null"),
                             (target.id, now, source.id))
        for customer_id in ids:
            reindex(customer_id)
        moved = hand_over_customers(actor, [(i, source.id, target.id) for i in ids], now,
                                    reason=WHOLE_BOOK, code="user.customers_handed",
                                    params={"previous": source.name})
        audit.record(actor, "user.reassign", "staff_user", source.id, changes={
            "owner_id": [source.id, target.id], "customers": [None, len(ids)]}, now=now)
        # Each customer's own log shows its owner change too, as a manager's reassignment does.
        audit.record_for_customers(actor, [
            ("lead.assign", i, {"owner_id": [source.id, target.id],
                                "reason": [None, WHOLE_BOOK]}) for i in ids], now)
    return Reassigned(len(ids), moved.get(target.id, HandedOver()))


def check_can_own(staff_id: int, *, field: str = "owner") -> None:
    """Records (customers, deals, tickets, new leads) go only to an active staff member whose
    role works on them: a viewer only reads, so nothing given to one would ever be followed up."""
    row = fetch_one("select name, role from staff_user where id = ? and active = ?",
                    (staff_id, True))
    if row is None:
        raise ValidationError("validation.not_active_staff", field=field, value=str(staff_id))
    if not role_allows(Role(row[1]), Action.EDIT):
        raise ValidationError("validation.cannot_own", field=field, name=row[0])


def owned_customers(actor: Actor, telegram_id: int) -> int:
    """How many live customers a staff member owns (what ``reassign_customers`` hands over)."""
    require(actor, Action.REASSIGN)
    member = _load("telegram_id = ?", (telegram_id,))
    if member is None:
        raise NotFound("user.not_found", telegram_id=telegram_id)
    return fetch_one("select count(*) from customer where owner_id = ? and deleted_at is null",
                     (member.id,))[0]


_IDENTIFY_SQL = f"select {_COLUMNS} from staff_user where telegram_id = ? and active = ?"


def identify(telegram_id: int) -> StaffView | None:
    """The active staff user behind a Telegram id, or None for everyone else (every update)."""
    row = fetch_one(_IDENTIFY_SQL, (telegram_id, True))
    return _view(row) if row else None


def former_staff(telegram_id: int) -> StaffView | None:
    """The deactivated staff member behind a Telegram id, or None (active staff, or never
    staff): they are told their access was removed, not greeted as a customer."""
    row = fetch_one(_IDENTIFY_SQL, (telegram_id, False))
    return _view(row) if row else None
