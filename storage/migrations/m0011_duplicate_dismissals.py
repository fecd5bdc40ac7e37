"""Pairs of customers someone said are not duplicates (two people with similar names at one
company): the duplicate scan no longer groups them by their names. A pair is kept once, the
lower id first; what they were told apart by (``reason``: similar_name) is kept with it, so a
later match by something else (the same phone or e-mail) still lists them."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


class StaffUser(pw.Model):
    class Meta:
        table_name = "staff_user"


class Customer(pw.Model):
    class Meta:
        table_name = "customer"


class DuplicateDismissal(pw.Model):
    first = pw.ForeignKeyField(Customer, on_delete="CASCADE", index=False)
    second = pw.ForeignKeyField(Customer, on_delete="CASCADE")
    reason = pw.CharField(max_length=16)
    dismissed_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    dismissed_at = pw.DateTimeField()

    class Meta:
        table_name = "duplicate_dismissal"
        indexes = ((("first", "second", "reason"), True),)


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([StaffUser, Customer, DuplicateDismissal]):
        db.create_tables([DuplicateDismissal])
