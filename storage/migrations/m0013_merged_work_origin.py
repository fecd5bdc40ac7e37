"""Deals, orders and tickets moved onto a survivor by a merge remember the record they came
from, as history rows do since m0010, so their cards can say they were the merged record's.
Rows merged before this are not known: they stay unmarked."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    migrator.migrate(*(migrator.add_column(table, "merged_from_id", pw.IntegerField(null=True))
                       for table in ("deal", "sales_order", "ticket")))
