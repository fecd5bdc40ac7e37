"""Reminders (one-off and repeating, about a customer or a deal, or free-standing), the
scheduler's record of its own jobs, and each staff member's agenda hour."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


class StaffUser(pw.Model):
    class Meta:
        table_name = "staff_user"


class Customer(pw.Model):
    class Meta:
        table_name = "customer"


class Deal(pw.Model):
    class Meta:
        table_name = "deal"


class Reminder(pw.Model):
    staff = pw.ForeignKeyField(StaffUser, on_delete="CASCADE", index=False)
    customer = pw.ForeignKeyField(Customer, null=True, on_delete="CASCADE")
    deal = pw.ForeignKeyField(Deal, null=True, on_delete="CASCADE")
    text = pw.CharField(max_length=500)
    due_at = pw.DateTimeField()  # UTC; for a repeating reminder, the next occurrence
    first_due_at = pw.DateTimeField()  # the series' start, so months keep their day
    timezone = pw.CharField(max_length=64)  # where "daily at 9:00" is meant
    repeat = pw.CharField(max_length=8, default="")  # "", daily, weekly, monthly
    status = pw.CharField(max_length=10)  # pending, sent, done, failed, cancelled
    source = pw.CharField(max_length=12)  # manual, follow_up, new_lead, stale_deal, birthday
    rule_key = pw.CharField(max_length=100, null=True, unique=True)  # one per rule and subject
    next_attempt_at = pw.DateTimeField()  # due_at, or later while retrying
    claimed_at = pw.DateTimeField(null=True)
    attempts = pw.IntegerField(default=0)
    last_error = pw.CharField(max_length=500, null=True)
    late = pw.BooleanField(default=False)
    sent_at = pw.DateTimeField(null=True)
    done_at = pw.DateTimeField(null=True)
    failed_at = pw.DateTimeField(null=True)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "reminder"
        indexes = ((("staff", "status", "due_at"), False),)


class JobRun(pw.Model):
    name = pw.CharField(max_length=40, primary_key=True)
    last_started_at = pw.DateTimeField(null=True)
    last_finished_at = pw.DateTimeField(null=True)
    last_ok = pw.BooleanField(null=True)
    last_outcome = pw.CharField(max_length=300, null=True)
    last_error = pw.CharField(max_length=500, null=True)
    runs = pw.IntegerField(default=0)
    failures = pw.IntegerField(default=0)
    expected_by = pw.DateTimeField(null=True)  # the next run should have started by then
    alerted_at = pw.DateTimeField(null=True)  # admins told about the current problem

    class Meta:
        table_name = "job_run"


MODELS = [Reminder, JobRun]
PARTIAL_INDEXES = [
    "create index reminder_due on reminder (next_attempt_at) where status = 'pending'",
]


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([StaffUser, Customer, Deal, *MODELS]):
        db.create_tables(MODELS)
    for statement in PARTIAL_INDEXES:
        db.execute_sql(statement)
    migrator.migrate(
        migrator.add_column("staff_user", "agenda_hour", pw.IntegerField(null=True)),
        migrator.add_column("staff_user", "agenda_sent_on", pw.DateField(null=True)),
    )
