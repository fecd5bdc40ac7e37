"""Which customers an actor may see: the one source of truth for lists and single records.

- admin, viewer, system: every customer;
- manager: their team's customers (owned by a member, or shared with the team); a manager
  without a team sees every customer;
- agent, by ``security.customer_visibility``: ``own`` (theirs and those shared with their team),
  ``team`` (everything their team sees) or ``all``.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm import runtime
from crm.actors import Actor, Role
from storage.database import fetch_all


@dataclass(frozen=True)
class Scope:
    """Customers owned by one of ``owners`` (0 = unowned) or shared with one of ``teams``."""

    owners: tuple[int, ...]
    teams: tuple[int, ...]

    def admits(self, owner_id: int | None, team_id: int | None) -> bool:
        return (owner_id or 0) in self.owners or (team_id is not None and team_id in self.teams)

    def sql(self, alias: str = "c") -> tuple[str, tuple]:
        """A condition (starting with ' and') on a customer table alias, and its parameters."""
        parts, params = [], []
        if self.owners:
            parts.append(f"coalesce({alias}.owner_id, 0) in ({', '.join('?' * len(self.owners))})")
            params += self.owners
        if self.teams:
            parts.append(f"{alias}.team_id in ({', '.join('?' * len(self.teams))})")
            params += self.teams
        return f" and ({' or '.join(parts) or '1 = 0'})", tuple(params)

    def tokens(self) -> list[str]:
        """The search-index tokens that stand for this scope (see crm.search_terms)."""
        return [f"o{o}" for o in self.owners] + [f"t{t}" for t in self.teams]


def scope_of(actor: Actor) -> Scope | None:
    """The customers the actor sees, or None for every customer."""
    if actor.is_system or actor.role in (Role.ADMIN, Role.VIEWER):
        return None
    if actor.role is Role.MANAGER:
        return _team_scope(actor) if actor.team_id else None
    mode = runtime.config()["security.customer_visibility"]
    if mode == "all":
        return None
    if mode == "team" and actor.team_id:
        return _team_scope(actor)
    teams = (actor.team_id,) if actor.team_id else ()
    return Scope((actor.user_id or 0,), teams)


def _team_scope(actor: Actor) -> Scope:
    members = [r[0] for r in fetch_all("select id from staff_user where team_id = ?",
                                       (actor.team_id,))]
    return Scope(tuple(sorted({*members, actor.user_id or 0})), (actor.team_id,))


def can_see(actor: Actor, owner_id: int | None, team_id: int | None) -> bool:
    """Whether a customer with this owner and shared team is visible to the actor."""
    scope = scope_of(actor)
    return scope is None or scope.admits(owner_id, team_id)
