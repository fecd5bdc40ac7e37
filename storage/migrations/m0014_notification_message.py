"""A staff notification keeps the id of the Telegram message that carried it, so a later change
can correct that message (a customer's words taken back off a ticket). Notifications sent
before this are not known: they are followed up instead."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    migrator.migrate(
        migrator.add_column("notification", "telegram_message_id",
                            pw.BigIntegerField(null=True)),
    )
