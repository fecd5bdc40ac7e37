"""Staff users and application metadata."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


class StaffUser(pw.Model):
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

    class Meta:
        table_name = "staff_user"


class AppMeta(pw.Model):
    key = pw.CharField(max_length=64, primary_key=True)
    value = pw.TextField()

    class Meta:
        table_name = "app_meta"


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([StaffUser, AppMeta]):
        db.create_tables([StaffUser, AppMeta])
