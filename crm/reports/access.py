"""Who may run which report, and over which records.

- admins (and the system: the operator's command line, scheduled jobs) see everything;
- managers see their team (as crm.visibility has it; a manager without a team sees all);
- agents see their own work only: their customers, deals, orders and logged interactions,
  whatever ``security.customer_visibility`` lets them open;
- viewers run no reports (like /forecast, reports show amounts and forecasts).

A kind may need more than REPORT: the forecast needs FORECAST, like the /forecast screen.
"""

from __future__ import annotations

from crm.actors import Actor, Role
from crm.errors import ValidationError
from crm.permissions import Action, allows, require
from crm.reports.base import KINDS, ReportKind
from crm.visibility import Scope, scope_of


def report_scope(actor: Actor) -> Scope | None:
    """The records a report of this actor covers (None: every record)."""
    if actor.is_system or actor.role is Role.ADMIN:
        return None
    if actor.role is Role.AGENT:
        return Scope((actor.user_id or 0,), ())
    return scope_of(actor)


def reach(actor: Actor) -> str:
    """How far the actor's reports reach: all, team or own."""
    scope = report_scope(actor)
    if scope is None:
        return "all"
    return "own" if actor.role is Role.AGENT else "team"


def may_run(actor: Actor, kind: ReportKind) -> bool:
    """Whether the actor holds every permission the kind needs."""
    return all(allows(actor, action) for action in kind.actions)


def report_kinds(actor: Actor) -> list[str]:
    """The report kinds the actor may run, in menu order; PermissionDenied for none."""
    require(actor, Action.REPORT)
    return [key for key, kind in KINDS.items() if may_run(actor, kind)]


def require_kind(actor: Actor, key: str) -> ReportKind:
    """The kind named ``key``; ValidationError when unknown, PermissionDenied when not allowed."""
    kind = KINDS.get(key)
    if kind is None:
        raise ValidationError("report.unknown", field="report", value=key,
                              allowed=tuple(KINDS))
    for action in kind.actions:
        require(actor, action)
    return kind


def scope_sql(scope: Scope | None, alias: str = "c") -> tuple[str, tuple]:
    """A condition (starting with ' and') on customer ``alias``."""
    return scope.sql(alias) if scope is not None else ("", ())


def customer_filter(scope: Scope | None, column: str, own: str | None = None
                    ) -> tuple[str, tuple]:
    """A condition (starting with ' and') on a row's customer id ``column``: the customer is
    not deleted and is in scope; with ``own`` (a column such as ``d.owner_id``), a row the
    actor's people own counts even on a customer out of scope, as in crm.sales.access.

    Subqueries rather than a join: a million look-ups of the customer row cost more than the
    report's own aggregate (deleted customers are few, and a partial index finds them)."""
    alive = f" and {column} not in (select id from customer where deleted_at is not null)"
    if scope is None:
        return alive, ()
    customer_sql, params = scope.sql("c")
    inside = (f"{column} in (select c.id from customer c where c.deleted_at is null"
              f"{customer_sql})")
    if own is None:
        return f" and {inside}", params
    marks = ", ".join("?" * len(scope.owners)) or "null"
    return (f"{alive} and ({inside} or coalesce({own}, 0) in ({marks}))",
            (*params, *scope.owners))
