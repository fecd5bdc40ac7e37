"""The resolution clock pauses while a ticket waits for the customer: when the current wait
began, and how long the waits so far have lasted (a priority change counts from the opening
again, plus that time)."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    migrator.migrate(
        migrator.add_column("ticket", "waiting_since", pw.DateTimeField(null=True)),
        # A default in the schema too: tickets are also inserted in bulk, without the model.
        migrator.add_column("ticket", "resolution_paused_seconds",
                            pw.IntegerField(default=0, constraints=[pw.SQL("DEFAULT 0")])),
    )
    # A ticket already waiting starts its pause now: when its wait began is not known.
    db.execute_sql("update ticket set waiting_since = updated_at where status = 'waiting'")
