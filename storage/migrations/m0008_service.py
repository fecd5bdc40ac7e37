"""The service desk: tickets with their messages (staff replies, internal notes, what the
customer wrote) and SLA clocks; the knowledge base with its search index; a customer's own
Telegram account, so the same bot serves them; reminders about a ticket."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


class StaffUser(pw.Model):
    class Meta:
        table_name = "staff_user"


class Customer(pw.Model):
    class Meta:
        table_name = "customer"


class Ticket(pw.Model):
    number = pw.CharField(max_length=20, unique=True)  # T-2026-000123
    customer = pw.ForeignKeyField(Customer, index=True)
    subject = pw.CharField(max_length=200)
    description = pw.TextField()
    status = pw.CharField(max_length=10)  # new, open, waiting, resolved, closed, reopened
    priority = pw.CharField(max_length=8)  # low, normal, high, urgent
    channel = pw.CharField(max_length=10)  # telegram (the customer), staff
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
    rating = pw.SmallIntegerField(null=True)  # 1-5, by the customer after resolution
    rated_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "ticket"
        indexes = ((("assignee", "status"), False), (("status", "created_at"), False))


class TicketMessage(pw.Model):
    ticket = pw.ForeignKeyField(Ticket, on_delete="CASCADE")
    author = pw.CharField(max_length=8)  # customer, staff, system
    staff = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    body = pw.TextField()
    internal = pw.BooleanField(default=False)  # a note staff keep to themselves
    file_id = pw.CharField(max_length=200, null=True)  # Telegram's id of a photo or file
    file_kind = pw.CharField(max_length=8, null=True)  # photo, document
    file_name = pw.CharField(max_length=200, null=True)
    relay_status = pw.CharField(max_length=8, null=True)  # to the customer: pending, sent, failed
    relay_claimed_at = pw.DateTimeField(null=True)
    relay_attempts = pw.IntegerField(default=0)
    relay_error = pw.CharField(max_length=500, null=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "ticket_message"


class KbArticle(pw.Model):
    title = pw.CharField(max_length=200)
    body = pw.TextField()
    tags = pw.CharField(max_length=300, default="")
    status = pw.CharField(max_length=10)  # draft, published
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    updated_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                                    backref="+")
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    deleted_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "kb_article"


class KbSearch(pw.Model):
    article_id = pw.IntegerField(primary_key=True)
    terms = pw.TextField()

    class Meta:
        table_name = "kb_search"


MODELS = [Ticket, TicketMessage, KbArticle, KbSearch]

SQLITE_FTS = [
    "create virtual table kb_fts using fts5(terms, content='kb_search',"
    " content_rowid='article_id', detail=none, prefix='2 3 4')",
    "create trigger kb_search_ai after insert on kb_search begin"
    " insert into kb_fts(rowid, terms) values (new.article_id, new.terms); end",
    "create trigger kb_search_ad after delete on kb_search begin"
    " insert into kb_fts(kb_fts, rowid, terms) values ('delete', old.article_id, old.terms); end",
]
POSTGRES_SEARCH = [
    "alter table kb_search add column terms_tsv tsvector"
    " generated always as (to_tsvector('simple', terms)) stored",
    "create index kb_search_terms on kb_search using gin (terms_tsv)",
]
PARTIAL_INDEXES = [
    "create unique index customer_telegram_user on customer (telegram_user_id)"
    " where telegram_user_id is not null",
    "create index ticket_message_relay on ticket_message (created_at)"
    " where relay_status = 'pending'",
    "create index ticket_open_sla on ticket (first_response_due_at)"
    " where status in ('new', 'open', 'waiting', 'reopened')",
]


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    migrator.migrate(
        migrator.add_column("customer", "telegram_user_id", pw.BigIntegerField(null=True)),
        migrator.add_column("customer", "telegram_locale", pw.CharField(max_length=8, null=True)),
        migrator.add_column("reminder", "ticket_id", pw.IntegerField(null=True)),
    )
    with db.bind_ctx([StaffUser, Customer, *MODELS]):
        db.create_tables(MODELS)
    sqlite = isinstance(db, pw.SqliteDatabase)
    for statement in (SQLITE_FTS if sqlite else POSTGRES_SEARCH) + PARTIAL_INDEXES:
        db.execute_sql(statement)
    db.execute_sql("create index reminder_ticket on reminder (ticket_id)"
                   " where ticket_id is not null")
