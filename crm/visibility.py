"""Which customers an actor may see: the one source of truth for lists and single records."""

from __future__ import annotations

from crm import runtime
from crm.actors import Actor, Role


def owner_scope(actor: Actor) -> list[int] | None:
    """Owner ids whose customers the actor sees, or None for every customer."""
    if actor.is_system or actor.role in (Role.ADMIN, Role.MANAGER, Role.VIEWER):
        return None
    if runtime.config()["security.customer_visibility"] == "all":
        return None
    return [actor.user_id or 0]


def can_see_owner(actor: Actor, owner_id: int | None) -> bool:
    """Whether a customer with this owner is visible to the actor."""
    scope = owner_scope(actor)
    return scope is None or (owner_id or 0) in scope
