"""Who may open a ticket: whoever sees its customer, its assignee, and all staff while it waits
in the open queue (nobody's ticket of nobody's customer)."""

from __future__ import annotations

from crm.actors import Actor
from crm.errors import NotFound
from crm.permissions import Action, require
from crm.service.tickets.records import load_row
from crm.service.views import CUSTOMER_CARD, CUSTOMER_READ
from crm.visibility import can_see, scope_of


def _visible_row(actor: Actor, ticket_id: int) -> tuple:
    """The ticket's row when the actor sees its customer, is its assignee, or it is in the
    open queue (nobody's ticket of nobody's customer, e.g. a newcomer who wrote to the bot);
    else NotFound."""
    require(actor, Action.READ)
    row = load_row(ticket_id)
    if row is None or not _may_open(actor, row):
        raise NotFound("ticket.not_found")
    return row


def _may_open(actor: Actor, row: tuple) -> bool:
    """Whether the actor sees the ticket of ``row`` (see ``_visible_row``)."""
    queue = row[9] is None and row[18] is None
    return queue or can_see(actor, row[18], row[19]) or row[9] == actor.user_id


def _customer_access(actor: Actor, row: tuple) -> str | None:
    """The whole card for whoever sees the customer; for the assignee who does not (support
    working the ticket of a customer sales own), the card to read, so they can call the
    customer back; for anyone else (the open queue), nothing."""
    if can_see(actor, row[18], row[19]):
        return CUSTOMER_CARD
    return CUSTOMER_READ if row[9] is not None and row[9] == actor.user_id else None


def visible_tickets_clause(actor: Actor) -> tuple[str, tuple]:
    """Tickets of customers the actor sees, or assigned to the actor."""
    scope = scope_of(actor)
    if scope is None:
        return "", ()
    customers, params = scope.sql("c")
    return (f"and ({customers.removeprefix(' and ')} or t.assignee_id = ?"
            " or (t.assignee_id is null and c.owner_id is null))", (*params, actor.user_id))
