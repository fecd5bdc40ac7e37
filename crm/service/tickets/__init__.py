"""Tickets as staff work them: open, read, reply (relayed to the customer), note, assign,
change status and priority. A ticket is visible to whoever sees its customer, to its assignee,
and to all staff while it waits in the open queue (nobody's ticket of nobody's customer).

What is where:
  records     the SQL that reads a ticket, its view, checked inputs, the writes of a change
  access      who may open a ticket, and the condition for lists of them
  reading     one ticket, one by number, the queues, a customer's tickets
  lifecycle   open, answer, note, status and priority
  assignment  taking a ticket or handing it over
  notices     what the staff working a ticket hear when someone else acts on it
"""

from crm.service.tickets.access import visible_tickets_clause
from crm.service.tickets.assignment import assign_ticket
from crm.service.tickets.lifecycle import (
    TRANSITIONS,
    add_note,
    open_ticket,
    reply_to_ticket,
    set_ticket_priority,
    set_ticket_status,
    ticket_to_answer,
)
from crm.service.tickets.notices import REPLY_NOTICE_MAX
from crm.service.tickets.reading import (
    VIEWS,
    customer_tickets,
    find_ticket,
    get_ticket,
    is_ticket_number,
    list_tickets,
    ticket_as_seen,
    ticket_customer,
)
from crm.service.tickets.records import (
    _TICKET_SQL,
    BODY_MAX,
    DESCRIPTION_MAX,
    NUMBER_PREFIX,
    SUBJECT_MAX,
    add_message,
    checked_body,
    checked_priority,
    checked_subject,
    clock_moves,
    insert_ticket,
    load_row,
    messages_of,
    status_stamps,
    view_of,
)

__all__ = [
    "BODY_MAX", "DESCRIPTION_MAX", "NUMBER_PREFIX", "REPLY_NOTICE_MAX", "SUBJECT_MAX",
    "TRANSITIONS", "VIEWS",
    "_TICKET_SQL", "add_message", "add_note", "assign_ticket", "checked_body",
    "checked_priority", "checked_subject", "clock_moves", "customer_tickets", "find_ticket",
    "get_ticket", "insert_ticket", "is_ticket_number", "list_tickets", "load_row",
    "messages_of", "open_ticket", "reply_to_ticket", "set_ticket_priority",
    "set_ticket_status", "status_stamps", "ticket_as_seen", "ticket_customer",
    "ticket_to_answer", "view_of", "visible_tickets_clause",
]
