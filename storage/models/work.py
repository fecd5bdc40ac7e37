"""Work queued for later: notifications, reminders, scheduled job runs and pending imports."""

from __future__ import annotations

import peewee as pw

from storage.database import BaseModel
from storage.models.customers import Customer
from storage.models.sales import Deal
from storage.models.staff import StaffUser


class Notification(BaseModel):
    staff = pw.ForeignKeyField(StaffUser, on_delete="CASCADE", index=False)
    customer_id = pw.BigIntegerField(null=True, index=True)
    code = pw.CharField(max_length=40)
    params = pw.TextField()
    created_at = pw.DateTimeField()
    available_at = pw.DateTimeField()
    claimed_at = pw.DateTimeField(null=True)
    sent_at = pw.DateTimeField(null=True)
    failed_at = pw.DateTimeField(null=True)
    attempts = pw.IntegerField(default=0)
    last_error = pw.CharField(max_length=500, null=True)
    telegram_message_id = pw.BigIntegerField(null=True)  # the message that carried it

    class Meta:
        table_name = "notification"


class Reminder(BaseModel):
    staff = pw.ForeignKeyField(StaffUser, on_delete="CASCADE", index=False)
    customer = pw.ForeignKeyField(Customer, null=True, on_delete="CASCADE")
    deal = pw.ForeignKeyField(Deal, null=True, on_delete="CASCADE")
    ticket_id = pw.IntegerField(null=True)
    interaction_id = pw.IntegerField(null=True)  # the call or visit a follow-up follows
    text = pw.CharField(max_length=500)
    due_at = pw.DateTimeField()
    first_due_at = pw.DateTimeField()
    timezone = pw.CharField(max_length=64)
    repeat = pw.CharField(max_length=8, default="")
    status = pw.CharField(max_length=10)
    source = pw.CharField(max_length=12)
    rule_key = pw.CharField(max_length=100, null=True, unique=True)
    next_attempt_at = pw.DateTimeField()
    claimed_at = pw.DateTimeField(null=True)
    attempts = pw.IntegerField(default=0)
    last_error = pw.CharField(max_length=500, null=True)
    late = pw.BooleanField(default=False)
    sent_at = pw.DateTimeField(null=True)
    done_at = pw.DateTimeField(null=True)
    failed_at = pw.DateTimeField(null=True)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                                    backref="+")
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "reminder"


class JobRun(BaseModel):
    name = pw.CharField(max_length=40, primary_key=True)
    last_started_at = pw.DateTimeField(null=True)
    last_finished_at = pw.DateTimeField(null=True)
    last_ok = pw.BooleanField(null=True)
    last_outcome = pw.CharField(max_length=300, null=True)
    last_error = pw.CharField(max_length=500, null=True)
    runs = pw.IntegerField(default=0)
    failures = pw.IntegerField(default=0)
    expected_by = pw.DateTimeField(null=True)
    alerted_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "job_run"


class ImportJob(BaseModel):
    """A bulk import between its preview and its confirmation (migration 0007)."""

    token = pw.CharField(max_length=16, unique=True)
    staff = pw.ForeignKeyField(StaffUser, null=True, on_delete="CASCADE", index=False)
    channel = pw.CharField(max_length=8)
    file_name = pw.CharField(max_length=255)
    stored_name = pw.CharField(max_length=64)
    file_size = pw.BigIntegerField()
    sha256 = pw.CharField(max_length=64)
    status = pw.CharField(max_length=10)
    mode = pw.CharField(max_length=8, null=True)
    summary = pw.TextField(null=True)
    created_at = pw.DateTimeField()
    expires_at = pw.DateTimeField()
    finished_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "import_job"
