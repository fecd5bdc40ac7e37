"""The resolution clock pauses while a ticket waits for the customer: when the current wait
began, and how long the waits so far have lasted (a priority change counts from the opening
again, plus that time)."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    migrator.migrate(
        migrator.add_column("ticket", "waiting_since", pw.DateTimeField(null=True)),
    )
    # One statement, with its default in the schema (tickets are also inserted in bulk,
    # without the model). Not through the migrator: a NOT NULL column makes it rebuild the
    # table on SQLite, and dropping the old copy deletes every ticket's messages by cascade.
    db.execute_sql("alter table ticket add column resolution_paused_seconds"
                   " integer not null default 0")
    # A ticket already waiting starts its pause now: when its wait began is not known.
    db.execute_sql("update ticket set waiting_since = updated_at where status = 'waiting'")
