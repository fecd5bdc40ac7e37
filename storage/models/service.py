"""The service desk: tickets, their messages and the knowledge base."""

from __future__ import annotations

import peewee as pw

from storage.database import BaseModel
from storage.models.customers import Customer
from storage.models.staff import StaffUser


class Ticket(BaseModel):
    number = pw.CharField(max_length=20, unique=True)
    customer = pw.ForeignKeyField(Customer)
    subject = pw.CharField(max_length=200)
    description = pw.TextField()
    status = pw.CharField(max_length=10)
    priority = pw.CharField(max_length=8)
    channel = pw.CharField(max_length=10)
    assignee = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                                    backref="+")
    first_response_due_at = pw.DateTimeField()
    resolution_due_at = pw.DateTimeField()
    first_responded_at = pw.DateTimeField(null=True)
    resolved_at = pw.DateTimeField(null=True)
    closed_at = pw.DateTimeField(null=True)
    first_breach_alerted_at = pw.DateTimeField(null=True)
    resolution_breach_alerted_at = pw.DateTimeField(null=True)
    rating = pw.SmallIntegerField(null=True)
    rated_at = pw.DateTimeField(null=True)
    # The resolution clock stops while the ticket waits for the customer.
    waiting_since = pw.DateTimeField(null=True)
    resolution_paused_seconds = pw.IntegerField(default=0)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    merged_from_id = pw.IntegerField(null=True)  # the record it belonged to before a merge
    # Who last moved the status (an older card's button is refused saying so): "staff" (the
    # staff id beside it), "customer" or "system"; null before anyone moved it.
    status_changed_at = pw.DateTimeField(null=True)
    status_changed_by_id = pw.IntegerField(null=True)
    status_changed_author = pw.CharField(max_length=8, null=True)

    class Meta:
        table_name = "ticket"


class TicketMessage(BaseModel):
    ticket = pw.ForeignKeyField(Ticket, on_delete="CASCADE")
    author = pw.CharField(max_length=8)
    staff = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                               backref="+")
    body = pw.TextField()
    internal = pw.BooleanField(default=False)
    file_id = pw.CharField(max_length=200, null=True)
    file_kind = pw.CharField(max_length=8, null=True)
    file_name = pw.CharField(max_length=200, null=True)
    relay_status = pw.CharField(max_length=8, null=True)
    relay_claimed_at = pw.DateTimeField(null=True)
    relay_attempts = pw.IntegerField(default=0)
    relay_error = pw.CharField(max_length=500, null=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "ticket_message"


class KbArticle(BaseModel):
    title = pw.CharField(max_length=200)
    body = pw.TextField()
    tags = pw.CharField(max_length=300, default="")
    status = pw.CharField(max_length=10)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                                    backref="+")
    updated_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                                    backref="+")
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    deleted_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "kb_article"


class KbSearch(BaseModel):
    article_id = pw.IntegerField(primary_key=True)
    terms = pw.TextField()

    class Meta:
        table_name = "kb_search"
