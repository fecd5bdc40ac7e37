"""Tickets as an export kind: the service desk's rows, through the same visibility rule as
the ticket lists (whoever sees the customer, the assignee, and the open queue)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from crm.exports.kinds import ExportKind, Query, _batches, _common, register
from crm.service.sla import STATUSES
from crm.service.tickets import visible_tickets_clause

TICKET_COLUMNS = ("ticket_number", "subject", "customer_id", "customer", "ticket_status",
                  "priority", "assignee", "channel", "created_at", "first_response_due",
                  "first_answered", "resolution_due", "resolved", "rating")


def _tickets_where(query: Query) -> tuple[str, tuple]:
    visible, visible_params = visible_tickets_clause(query.actor)
    parts, params = _common(query, owner="t.assignee_id", status="t.status",
                            moment="t.created_at")
    extra = "".join(f" and {p}" for p in parts)
    return ("from ticket t join customer c on c.id = t.customer_id"
            " left join staff_user s on s.id = t.assignee_id"
            f" where c.deleted_at is null {visible}{extra}", (*visible_params, *params))


def _tickets(query: Query, clause: str, params: tuple) -> Iterator[Sequence[object]]:
    select = ("select t.id, t.number, t.subject, t.customer_id, c.name, t.status, t.priority,"
              " s.name, t.channel, t.created_at, t.first_response_due_at, t.first_responded_at,"
              " t.resolution_due_at, t.resolved_at, t.rating ")
    for batch in _batches(select + clause, params, "t.id"):
        for r in batch:
            yield (r[1], r[2], r[3], r[4], query.value("ticket_status", r[5]),
                   query.value("priority", r[6]), r[7], query.value("ticket_channel", r[8]),
                   *map(query.local, r[9:14]), r[14])


register(ExportKind("tickets", TICKET_COLUMNS, STATUSES, _tickets_where, _tickets,
                    "ticket_status"))
