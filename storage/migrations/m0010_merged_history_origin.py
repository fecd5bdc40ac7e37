"""History rows moved onto a survivor by a merge remember the record they came from, so its
timeline can say which entries were the merged record's. Rows merged before this are not
known: they stay unmarked."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    migrator.migrate(
        migrator.add_column("interaction", "merged_from_id", pw.IntegerField(null=True)),
        migrator.add_column("customer_event", "merged_from_id", pw.IntegerField(null=True)),
    )
