"""Teams, invites, the append-only audit log, per-customer keys and marketing consent."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


class StaffUser(pw.Model):
    class Meta:
        table_name = "staff_user"


class Customer(pw.Model):
    class Meta:
        table_name = "customer"


class Team(pw.Model):
    name = pw.CharField(max_length=100)
    name_norm = pw.CharField(max_length=100, unique=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "team"


class Invite(pw.Model):
    code_hash = pw.CharField(max_length=64, unique=True)
    role = pw.CharField(max_length=16)
    team = pw.ForeignKeyField(Team, null=True, on_delete="SET NULL", index=False)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    created_at = pw.DateTimeField()
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)
    used_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)

    class Meta:
        table_name = "invite"


class AuditLog(pw.Model):
    at = pw.DateTimeField(index=True)
    actor = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    actor_name = pw.CharField(max_length=100)
    channel = pw.CharField(max_length=8)
    action = pw.CharField(max_length=40)
    entity = pw.CharField(max_length=40)
    entity_id = pw.BigIntegerField(null=True)
    customer_id = pw.BigIntegerField(null=True)
    changes = pw.BlobField(null=True)  # JSON; sealed with the customer's key when about one
    sealed = pw.BooleanField(default=False)

    class Meta:
        table_name = "audit_log"
        indexes = (
            (("actor", "at"), False),
            (("customer_id", "at"), False),
        )


class CustomerKey(pw.Model):
    """A key per customer for their audit details: erasing the customer destroys it."""

    customer_id = pw.BigIntegerField(primary_key=True)
    key_enc = pw.BlobField()

    class Meta:
        table_name = "customer_key"


class Consent(pw.Model):
    customer = pw.ForeignKeyField(Customer, on_delete="CASCADE", index=False)
    channel = pw.CharField(max_length=16)
    granted = pw.BooleanField()
    at = pw.DateTimeField()
    method = pw.CharField(max_length=20)
    note = pw.CharField(max_length=200, null=True)
    recorded_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)

    class Meta:
        table_name = "consent"
        indexes = ((("customer", "channel", "at"), False),)


MODELS = [Team, Invite, AuditLog, CustomerKey, Consent]

SQLITE_APPEND_ONLY = [
    "create trigger audit_log_no_update before update on audit_log"
    " begin select raise(abort, 'the audit log is append-only'); end",
    "create trigger audit_log_no_delete before delete on audit_log"
    " begin select raise(abort, 'the audit log is append-only'); end",
]
POSTGRES_APPEND_ONLY = [
    "create function audit_log_append_only() returns trigger language plpgsql as $$"
    " begin raise exception 'the audit log is append-only'; end $$",
    "create trigger audit_log_no_change before update or delete on audit_log"
    " for each row execute function audit_log_append_only()",
]


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([StaffUser, Customer, *MODELS]):
        db.create_tables(MODELS)
    team = pw.ForeignKeyField(Team, null=True, on_delete="SET NULL", field=Team.id)
    shared = pw.ForeignKeyField(Team, null=True, on_delete="SET NULL", field=Team.id)
    migrator.migrate(
        migrator.add_column("staff_user", "team_id", team),
        migrator.add_column("customer", "team_id", shared),
        migrator.add_column("customer", "erased_at", pw.DateTimeField(null=True)),
    )
    sqlite = isinstance(db, pw.SqliteDatabase)
    for statement in SQLITE_APPEND_ONLY if sqlite else POSTGRES_APPEND_ONLY:
        db.execute_sql(statement)
