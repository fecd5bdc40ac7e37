"""The permission matrix: which role may do what. The one place where roles are interpreted."""

from __future__ import annotations

from enum import StrEnum

from crm.actors import Actor, Role
from crm.errors import PermissionDenied


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    EXPORT = "export"
    IMPORT = "import"
    REVEAL = "reveal"
    MERGE = "merge"
    REASSIGN = "reassign"
    MANAGE_USERS = "manage_users"
    MANAGE_KEYS = "manage_keys"
    AUDIT = "audit"
    PRIVACY = "privacy"
    STATUS = "status"
    FORECAST = "forecast"
    MANAGE_SALES = "manage_sales"  # pipelines, assignment rules, the product catalogue
    BACKUP = "backup"
    MANAGE_KB = "manage_kb"  # write and publish knowledge-base articles
    REPORT = "report"  # run reports (how far each one reaches: crm.reports.access)


MATRIX: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.MANAGER: frozenset({Action.READ, Action.CREATE, Action.EDIT, Action.DELETE,
                             Action.MERGE, Action.REASSIGN, Action.EXPORT, Action.IMPORT,
                             Action.REVEAL, Action.FORECAST, Action.REPORT,
                             Action.MANAGE_KB}),
    Role.AGENT: frozenset({Action.READ, Action.CREATE, Action.EDIT, Action.REPORT}),
    Role.VIEWER: frozenset({Action.READ}),
}


def allows(actor: Actor, action: Action) -> bool:
    """Whether ``actor`` may perform ``action`` at all (record visibility aside)."""
    if actor.is_system:
        return True
    return actor.role is not None and role_allows(actor.role, action)


def role_allows(role: Role, action: Action) -> bool:
    """Whether a role includes ``action``."""
    return action in MATRIX[role]


def roles_allowed(action: Action) -> tuple[Role, ...]:
    """The roles that include ``action``, the widest role last (agent, manager, admin)."""
    return tuple(role for role in reversed(Role) if role_allows(role, action))


def denied(action: Action) -> PermissionDenied:
    """The refusal of ``action``, naming the roles that may do it (a refusal that only says
    "no" leaves the user guessing whom to ask); every role's action is refused only to
    someone who is not staff, which needs no names."""
    roles = roles_allowed(action)
    if not roles or len(roles) == len(Role):
        return PermissionDenied("permission.denied", action=str(action))
    return PermissionDenied("permission.only", action=str(action),
                            roles=tuple(str(role) for role in roles))


def require(actor: Actor, action: Action) -> None:
    """Raise PermissionDenied unless ``actor`` may perform ``action``."""
    if not allows(actor, action):
        raise denied(action)
