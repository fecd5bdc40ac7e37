"""Roles, teams and joining: what each role may do through the domain, for every interface."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from crm import customers, invites, users
from crm.actors import Actor, Channel, Role
from crm.errors import Conflict, NotFound, PermissionDenied
from crm.permissions import MATRIX, Action, require
from tests.crm.cast import SYSTEM, customer, make_cast

NOW = dt.datetime(2026, 6, 1, 8, 0)
ID_CARD = "11010519491231002X"


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def _actions(cast) -> dict[str, object]:
    """One real call per kind of action, on a customer the actor can see."""
    def target() -> int:
        return customer(cast.admin, "受试客户", secrets={"id_card": ID_CARD}).id

    return {
        "read": lambda a: customers.get_customer(a, target()),
        "create": lambda a: customers.create_customer(a, customers.CustomerDraft(name="新客户")),
        "edit": lambda a: customers.update_customer(a, target(), "notes", "改"),
        "delete": lambda a: customers.delete_customer(a, target()),
        "merge": lambda a: customers.merge_customers(a, target(), target()),
        "reveal": lambda a: customers.reveal_secret(a, target(), "id_card"),
        "manage_users": lambda a: users.add_user(a, 777, "agent", "新人"),
        "audit": lambda a: __import__("crm.audit").audit.list_audit(a),
        "privacy": lambda a: __import__("crm.privacy").privacy.export_customer(a, target()),
    }


EXPECTED = {
    Role.ADMIN: {"read", "create", "edit", "delete", "merge", "reveal", "manage_users", "audit",
                 "privacy"},
    Role.MANAGER: {"read", "create", "edit", "delete", "merge", "reveal"},
    Role.AGENT: {"read", "create", "edit"},
    Role.VIEWER: {"read"},
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_its_actions(db, role: Role) -> None:
    from crm import runtime
    from crm.config import load_config
    from tests.conftest import TEST_SECRET

    runtime.configure(load_config(environ={"CRM_SECURITY_KEY": TEST_SECRET,
                                           "CRM_SECURITY_CUSTOMER_VISIBILITY": "all"},
                                  look_in_cwd=False))
    cast = make_cast()
    actor = {Role.ADMIN: cast.admin, Role.MANAGER: cast.manager, Role.AGENT: cast.agent,
             Role.VIEWER: cast.viewer}[role]
    for name, call in _actions(cast).items():
        if name in EXPECTED[role]:
            call(actor)
        else:
            with pytest.raises(PermissionDenied):
                call(actor)


def test_the_documented_matrix_is_the_enforced_one() -> None:
    assert {a.value for a in MATRIX[Role.VIEWER]} == {"read"}
    assert Action.BACKUP in MATRIX[Role.ADMIN] and Action.BACKUP not in MATRIX[Role.MANAGER]
    assert Action.EXPORT in MATRIX[Role.MANAGER] and Action.EXPORT not in MATRIX[Role.AGENT]
    assert Action.IMPORT in MATRIX[Role.MANAGER] and Action.IMPORT not in MATRIX[Role.AGENT]


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.READ])
def test_a_refusal_names_exactly_the_roles_that_may(action: Action) -> None:
    allowed = {role.value for role in Role if action in MATRIX[role]}
    refused = next(role for role in (Role.VIEWER, Role.AGENT, Role.MANAGER)
                   if role.value not in allowed)
    actor = Actor(Channel.BOT, 1, 1, refused, "someone")
    with pytest.raises(PermissionDenied) as raised:
        require(actor, action)
    assert raised.value.code == "permission.only"
    assert set(raised.value.params["roles"]) == allowed


def _in_team(cast, name: str, *members: Actor) -> int:
    team = users.create_team(SYSTEM, name)
    for member in members:
        users.set_team(SYSTEM, member.telegram_id, team.id)
    return team.id


def _fresh(actor: Actor) -> Actor:
    return users.identify(actor.telegram_id).as_actor()


def test_an_agent_sees_own_and_team_shared_customers(cast) -> None:
    _in_team(cast, "华南组", cast.agent, cast.teammate)
    agent, teammate = _fresh(cast.agent), _fresh(cast.teammate)
    private = customer(teammate, "私有客户")
    shared = customer(teammate, "共享客户")
    customers.update_customer(teammate, shared.id, "team_id", teammate.team_id)
    with pytest.raises(NotFound):
        customers.get_customer(agent, private.id)
    assert customers.get_customer(agent, shared.id).name == "共享客户"
    assert [c.name for c in customers.search_customers(agent, "客户").items] == ["共享客户"]


def test_team_visibility_shows_the_whole_team(cast) -> None:
    from crm import runtime
    from crm.config import load_config
    from tests.conftest import TEST_SECRET

    runtime.configure(load_config(environ={"CRM_SECURITY_KEY": TEST_SECRET,
                                           "CRM_SECURITY_CUSTOMER_VISIBILITY": "team"},
                                  look_in_cwd=False))
    _in_team(cast, "华东组", cast.agent, cast.teammate)
    theirs = customer(_fresh(cast.teammate), "队友客户")
    outsider = customer(cast.other_agent, "外组客户")
    agent = _fresh(cast.agent)
    assert customers.get_customer(agent, theirs.id).name == "队友客户"
    with pytest.raises(NotFound):
        customers.get_customer(agent, outsider.id)


def test_a_manager_sees_their_team_only(cast) -> None:
    _in_team(cast, "北方组", cast.manager, cast.agent)
    ours = customer(cast.agent, "本组客户")
    other = customer(cast.other_agent, "他组客户")
    manager = _fresh(cast.manager)
    assert customers.get_customer(manager, ours.id).name == "本组客户"
    with pytest.raises(NotFound):
        customers.get_customer(manager, other.id)


def test_an_invite_joins_once_then_is_spent(cast) -> None:
    invite = invites.create_invite(cast.admin, "agent", now=NOW)
    assert invite.link("crm_bot") == f"https://t.me/crm_bot?start={invite.code}"
    assert len(invite.code) <= 64
    joined = invites.accept_invite(invite.code, telegram_id=5005, name="新同事",
                                   now=NOW + dt.timedelta(hours=1))
    assert joined.role is Role.AGENT and users.identify(5005) is not None
    with pytest.raises(Conflict) as caught:
        invites.accept_invite(invite.code, telegram_id=5006, name="蹭码的人",
                              now=NOW + dt.timedelta(hours=2))
    assert caught.value.code == "invite.used"
    assert users.identify(5006) is None


def test_an_expired_or_wrong_invite_is_refused(cast) -> None:
    invite = invites.create_invite(cast.admin, "viewer", now=NOW)
    with pytest.raises(Conflict) as caught:
        invites.accept_invite(invite.code, telegram_id=5007, name="迟到",
                              now=NOW + dt.timedelta(hours=25))
    assert caught.value.code == "invite.expired"
    with pytest.raises(NotFound):
        invites.accept_invite("inv_guessed", telegram_id=5007, name="猜码", now=NOW)


def test_invite_codes_are_stored_only_as_hashes(cast, db: peewee.Database) -> None:
    invite = invites.create_invite(cast.admin, "agent", now=NOW)
    dump = repr(db.execute_sql("select * from invite").fetchall())
    assert invite.code not in dump


def test_only_admins_make_invites(cast) -> None:
    with pytest.raises(PermissionDenied):
        invites.create_invite(cast.manager, "admin")


def test_deactivation_cuts_access_and_customers_can_be_handed_over(cast) -> None:
    mine = [customer(cast.agent, f"客户{i}") for i in range(3)]
    users.deactivate_user(cast.admin, cast.agent.telegram_id)
    assert users.identify(cast.agent.telegram_id) is None
    moved = users.reassign_customers(cast.manager, cast.agent.telegram_id,
                                     cast.teammate.telegram_id)
    assert (moved.customers, bool(moved.work)) == (3, False)  # no open work came along
    assert {customers.get_customer(cast.teammate, c.id).owner_id for c in mine} == {
        cast.teammate.user_id}
    assert len(customers.search_customers(cast.teammate, "客户").items) == 3


def test_roles_change_but_the_last_admin_stays(cast) -> None:
    assert users.change_role(cast.admin, cast.viewer.telegram_id, "manager").role is Role.MANAGER
    with pytest.raises(Conflict):
        users.change_role(cast.admin, cast.admin.telegram_id, "agent")


def test_the_cli_actor_is_trusted_like_an_admin(cast) -> None:
    assert users.add_user(Actor.system(Channel.CLI), 8080, "admin", "运维").role is Role.ADMIN
