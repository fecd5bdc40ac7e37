"""A follow-up remembers the call or visit it follows (``reminder.interaction_id``), so the
timeline can point to that entry instead of repeating its text. Follow-ups set by the ⏰
buttons so far are known by their key (``follow_up:<interaction>:<staff>``); others stay
unlinked."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator

KEY_PREFIX = "follow_up:"


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    migrator.migrate(
        migrator.add_column("reminder", "interaction_id", pw.IntegerField(null=True)),
    )
    update = f"update reminder set interaction_id = {db.param} where id = {db.param}"
    rows = db.execute_sql("select id, rule_key from reminder where source = 'follow_up'"
                          " and rule_key is not null").fetchall()
    for reminder_id, key in rows:
        interaction = interaction_of(key)
        if interaction is not None:
            db.execute_sql(update, (interaction, reminder_id))


def interaction_of(key: str) -> int | None:
    """The interaction a follow-up's key names (``follow_up:42:7`` → 42)."""
    parts = key.split(":")
    if len(parts) != 3 or parts[0] + ":" != KEY_PREFIX or not parts[1].isdigit():
        return None
    return int(parts[1])
