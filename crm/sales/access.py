"""Who sees which deals and orders: those of customers they see, and those they own.

The customer rule (crm.visibility) stays the one source of truth; a deal or an order adds only
its own owner, so an agent keeps sight of their deal on a customer shared elsewhere.
"""

from __future__ import annotations

from crm.actors import Actor
from crm.permissions import Action, require
from crm.users import check_can_own
from crm.visibility import Scope, can_see, scope_of

# Sales settings (pipelines, assignment rules, products) are for admins.
MANAGE_SALES = Action.MANAGE_SALES


def require_settings(actor: Actor) -> None:
    """Refuse anyone who may not change the sales settings."""
    require(actor, MANAGE_SALES)


def owned_clause(scope: Scope | None, alias: str, customer_alias: str = "c") -> tuple[str, tuple]:
    """A condition (starting with ' and') on a row with an owner_id that belongs to a customer."""
    if scope is None:
        return "", ()
    customer_sql, params = scope.sql(customer_alias)
    marks = ", ".join("?" * len(scope.owners)) or "null"
    condition = customer_sql.removeprefix(" and ")
    return (f" and ({condition} or coalesce({alias}.owner_id, 0) in ({marks}))",
            (*params, *scope.owners))


def visible_clause(actor: Actor, alias: str = "d") -> tuple[str, tuple]:
    """The actor's visibility condition on deals (or orders) joined to customer ``c``."""
    return owned_clause(scope_of(actor), alias)


def admits(actor: Actor, customer_owner: int | None, customer_team: int | None,
           own_owner: int | None) -> bool:
    """Whether the actor sees a deal or order with these owners (Python side of the clause)."""
    scope = scope_of(actor)
    return (scope is None or scope.admits(customer_owner, customer_team)
            or (own_owner is not None and own_owner in scope.owners))


def check_assignee(actor: Actor, owner_id: int | None) -> None:
    """An owner must be staff who may own work (``check_can_own``); handing work to others
    needs REASSIGN."""
    if owner_id is None:
        return
    check_can_own(owner_id)
    if owner_id != actor.user_id and not can_see(actor, owner_id, None):
        require(actor, Action.REASSIGN)
