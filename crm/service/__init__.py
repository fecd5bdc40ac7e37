"""The service desk: tickets with service levels, the knowledge base, and the customer's own
side of it in the same bot."""

from crm.service import hooks
from crm.service.alerts import alert_sla_breaches
from crm.service.kb import (
    delete_article,
    edit_article,
    get_article,
    list_articles,
    search_articles,
    write_article,
)
from crm.service.portal import (
    PortalUser,
    RateLimited,
    acknowledge_resolution,
    customer_reply,
    find_customer,
    get_own_ticket,
    is_unsubscribe,
    link_by_phone,
    linked_customer,
    list_own_tickets,
    open_customer_ticket,
    rate_ticket,
    undo_unsubscribe,
    unsubscribe,
)
from crm.service.relay import claim_relays, mark_relay_failed, mark_relayed
from crm.service.sla import OPEN_STATUSES, PRIORITIES, STATUSES
from crm.service.tickets import (
    VIEWS,
    add_note,
    assign_ticket,
    customer_tickets,
    find_ticket,
    get_ticket,
    is_ticket_number,
    list_tickets,
    open_ticket,
    reply_to_ticket,
    set_ticket_priority,
    set_ticket_status,
    ticket_as_seen,
    ticket_customer,
    ticket_to_answer,
)
from crm.service.views import (
    CUSTOMER_CARD,
    CUSTOMER_READ,
    ArticleView,
    Relay,
    SentNotice,
    TicketMessageView,
    TicketSummary,
    TicketView,
)
from crm.service.waiting import FreeText, reply_to_waiting, take_back_reply, waiting_tickets

__all__ = [
    "CUSTOMER_CARD", "CUSTOMER_READ", "OPEN_STATUSES", "PRIORITIES", "STATUSES", "VIEWS",
    "ArticleView", "FreeText", "PortalUser",
    "RateLimited", "Relay", "SentNotice", "TicketMessageView", "TicketSummary", "TicketView",
    "acknowledge_resolution", "add_note",
    "alert_sla_breaches", "assign_ticket", "claim_relays", "customer_reply", "customer_tickets",
    "delete_article", "edit_article", "find_customer", "find_ticket", "get_article",
    "get_own_ticket", "get_ticket", "is_ticket_number", "is_unsubscribe", "link_by_phone",
    "linked_customer", "list_articles",
    "list_own_tickets", "list_tickets",
    "mark_relay_failed", "mark_relayed", "open_customer_ticket", "open_ticket", "rate_ticket",
    "reply_to_ticket", "reply_to_waiting", "search_articles", "set_ticket_priority",
    "set_ticket_status", "take_back_reply", "ticket_as_seen", "ticket_customer",
    "ticket_to_answer",
    "undo_unsubscribe", "unsubscribe", "waiting_tickets",
    "write_article",
]

hooks.register()
