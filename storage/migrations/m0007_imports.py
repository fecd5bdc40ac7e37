"""Bulk imports waiting for their confirmation: the uploaded file is kept in
<data_dir>/imports/ and this row says whose it is, until when it may be confirmed, and how it
ended (so a second press of the confirm button cannot import twice)."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


class StaffUser(pw.Model):
    class Meta:
        table_name = "staff_user"


class ImportJob(pw.Model):
    token = pw.CharField(max_length=16, unique=True)  # short, for callback data
    staff = pw.ForeignKeyField(StaffUser, null=True, on_delete="CASCADE", index=False)
    channel = pw.CharField(max_length=8)
    file_name = pw.CharField(max_length=255)
    stored_name = pw.CharField(max_length=64)  # the file's name under <data_dir>/imports/
    file_size = pw.BigIntegerField()
    sha256 = pw.CharField(max_length=64)
    status = pw.CharField(max_length=10)  # pending, applied, cancelled, expired
    mode = pw.CharField(max_length=8, null=True)  # update or skip, once applied
    summary = pw.TextField(null=True)  # JSON counts of the preview, then of the result
    created_at = pw.DateTimeField()
    expires_at = pw.DateTimeField()
    finished_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "import_job"
        indexes = ((("status", "expires_at"), False),)


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([StaffUser, ImportJob]):
        db.create_tables([ImportJob])
