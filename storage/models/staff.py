"""Staff, their teams and invites, and the installation's own bookkeeping."""

from __future__ import annotations

import peewee as pw

from storage.database import BaseModel


class Team(BaseModel):
    name = pw.CharField(max_length=100)
    name_norm = pw.CharField(max_length=100, unique=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "team"


class StaffUser(BaseModel):
    telegram_id = pw.BigIntegerField(unique=True)
    name = pw.CharField(max_length=100)
    username = pw.CharField(max_length=64, null=True)
    role = pw.CharField(max_length=16)
    locale = pw.CharField(max_length=8, null=True)
    timezone = pw.CharField(max_length=64, null=True)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    deactivated_at = pw.DateTimeField(null=True)
    team = pw.ForeignKeyField(Team, null=True, on_delete="SET NULL")
    agenda_hour = pw.IntegerField(null=True)  # local hour of the daily agenda; null: default
    agenda_sent_on = pw.DateField(null=True)  # local date of the last agenda sent

    class Meta:
        table_name = "staff_user"


class AppMeta(BaseModel):
    key = pw.CharField(max_length=64, primary_key=True)
    value = pw.TextField()

    class Meta:
        table_name = "app_meta"


class Invite(BaseModel):
    code_hash = pw.CharField(max_length=64, unique=True)
    role = pw.CharField(max_length=16)
    team = pw.ForeignKeyField(Team, null=True, on_delete="SET NULL", index=False)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    created_at = pw.DateTimeField()
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)
    used_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)

    class Meta:
        table_name = "invite"


class ProcessedUpdate(BaseModel):
    update_id = pw.BigIntegerField(primary_key=True)
    at = pw.DateTimeField(index=True)

    class Meta:
        table_name = "processed_update"


class ConversationState(BaseModel):
    """A staff member's unfinished chat conversation, sealed (see crm.conversations)."""

    telegram_id = pw.BigIntegerField(primary_key=True)
    payload = pw.BlobField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "conversation_state"
