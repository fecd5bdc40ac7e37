"""Telegram updates already handled, so a redelivered update is not handled twice."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


class ProcessedUpdate(pw.Model):
    update_id = pw.BigIntegerField(primary_key=True)
    at = pw.DateTimeField(index=True)

    class Meta:
        table_name = "processed_update"


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([ProcessedUpdate]):
        db.create_tables([ProcessedUpdate])
