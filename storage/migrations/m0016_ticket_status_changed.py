"""A ticket remembers who last moved its status and when: a button pressed on an older card
(the ticket closed by a colleague since) is refused saying so. Who moved it is a staff member,
the customer (writing back, rating, taking words back) or the system. Tickets moved before
this are not known: their refusal says only where they are now."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    migrator.migrate(
        migrator.add_column("ticket", "status_changed_at", pw.DateTimeField(null=True)),
        migrator.add_column("ticket", "status_changed_by_id", pw.IntegerField(null=True)),
        migrator.add_column("ticket", "status_changed_author", pw.CharField(max_length=8,
                                                                            null=True)),
    )
