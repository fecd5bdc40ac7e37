"""Staff users through the domain: add, list, deactivate, identify."""

from __future__ import annotations

import peewee
import pytest

from crm import users
from crm.actors import Actor, Channel, Role
from crm.errors import Conflict, NotFound, PermissionDenied, ValidationError

SYSTEM = Actor.system(Channel.CLI)


def test_the_first_admin_is_added_from_the_command_line(db: peewee.Database) -> None:
    admin = users.add_user(SYSTEM, 5550001, "admin", "  陈静  ", locale="zh-CN")
    assert (admin.name, admin.role, admin.active) == ("陈静", Role.ADMIN, True)
    assert users.identify(5550001) == admin


def test_the_same_telegram_id_cannot_be_added_twice(db: peewee.Database) -> None:
    users.add_user(SYSTEM, 5550002, "agent", "Li Na")
    with pytest.raises(Conflict) as caught:
        users.add_user(SYSTEM, 5550002, "viewer", "Someone else")
    assert caught.value.code == "user.exists"
    assert len(users.list_users(SYSTEM)) == 1


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"telegram_id": 0}, "telegram_id"),
    ({"telegram_id": -5}, "telegram_id"),
    ({"role": "owner"}, "role"),
    ({"name": "   "}, "name"),
    ({"name": "名" * 101}, "name"),
    ({"locale": "fr"}, "locale"),
    ({"timezone": "Moon/Base"}, "timezone"),
])
def test_bad_input_names_the_field_and_adds_nobody(db: peewee.Database, kwargs: dict,
                                                   field: str) -> None:
    args = {"telegram_id": 5550003, "role": "agent", "name": "张三"} | kwargs
    extra = {k: args.pop(k) for k in ("locale", "timezone") if k in args}
    with pytest.raises(ValidationError) as caught:
        users.add_user(SYSTEM, args["telegram_id"], args["role"], args["name"], **extra)
    assert caught.value.field == field
    assert users.list_users(SYSTEM) == []


def test_deactivating_cuts_access_at_once(db: peewee.Database) -> None:
    users.add_user(SYSTEM, 5550004, "agent", "Wang Fang")
    gone = users.deactivate_user(SYSTEM, 5550004)
    assert not gone.active
    assert users.identify(5550004) is None
    listed = users.list_users(SYSTEM)
    assert [u.active for u in listed] == [False]


def test_deactivating_an_unknown_user_is_not_found(db: peewee.Database) -> None:
    with pytest.raises(NotFound):
        users.deactivate_user(SYSTEM, 999)


def test_list_puts_active_staff_first(db: peewee.Database) -> None:
    users.add_user(SYSTEM, 1, "agent", "A")
    users.add_user(SYSTEM, 2, "agent", "B")
    users.deactivate_user(SYSTEM, 1)
    assert [u.telegram_id for u in users.list_users(SYSTEM)] == [2, 1]
    assert [u.telegram_id for u in users.list_users(SYSTEM, include_inactive=False)] == [2]


def test_staff_are_listed_by_pinyin_with_latin_names_among_them(db: peewee.Database) -> None:
    """As reports list them: 陈静, Emily Chen, 李娜, 王经理, 张伟 (not by code point, which
    put Emily Chen first and 陈静 last)."""
    for number, name in enumerate(("张伟", "李娜", "Emily Chen", "王经理", "陈静"), start=1):
        users.add_user(SYSTEM, number, "agent", name)
    assert [u.name for u in users.list_users(SYSTEM)] == [
        "陈静", "Emily Chen", "李娜", "王经理", "张伟"]


@pytest.mark.parametrize("role", ["manager", "agent", "viewer"])
def test_only_admins_manage_staff(db: peewee.Database, role: str) -> None:
    staff = users.add_user(SYSTEM, 7000, role, "Staff").as_actor()
    with pytest.raises(PermissionDenied):
        users.add_user(staff, 7001, "agent", "Newcomer")
    with pytest.raises(PermissionDenied):
        users.deactivate_user(staff, 7000)
    admin = users.add_user(SYSTEM, 7002, "admin", "Boss").as_actor()
    assert users.add_user(admin, 7001, "agent", "Newcomer").telegram_id == 7001
