"""Chat conversations left half-way (a draft being typed) survive a restart of the bot: one row
per Telegram user in a flow, the state sealed with the installation's key."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


class ConversationState(pw.Model):
    telegram_id = pw.BigIntegerField(primary_key=True)
    payload = pw.BlobField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "conversation_state"


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([ConversationState]):
        db.create_tables([ConversationState])
