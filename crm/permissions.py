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


def require(actor: Actor, action: Action) -> None:
    """Raise PermissionDenied unless ``actor`` may perform ``action``."""
    if not allows(actor, action):
        raise PermissionDenied("permission.denied", action=str(action))
