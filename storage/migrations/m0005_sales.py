"""Sales: pipelines and stages, deals and their stage history, products, orders, lines and
payments, lead assignment rules and history, and the notification outbox.

Money is stored as whole minor units (fen, cents) in BIGINT columns: exact on SQLite, whose
DECIMAL columns hold floats, and on PostgreSQL alike.
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator


class StaffUser(pw.Model):
    class Meta:
        table_name = "staff_user"


class Team(pw.Model):
    class Meta:
        table_name = "team"


class Company(pw.Model):
    class Meta:
        table_name = "company"


class Customer(pw.Model):
    class Meta:
        table_name = "customer"


class Pipeline(pw.Model):
    key = pw.CharField(max_length=32, null=True, unique=True)  # "default" for the built-in one
    name_zh = pw.CharField(max_length=100)
    name_en = pw.CharField(max_length=100)
    archived_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "pipeline"


class PipelineStage(pw.Model):
    pipeline = pw.ForeignKeyField(Pipeline, on_delete="CASCADE", index=False)
    name_zh = pw.CharField(max_length=100)
    name_en = pw.CharField(max_length=100)
    position = pw.IntegerField()
    probability = pw.IntegerField()  # win probability, whole percent 0-100
    kind = pw.CharField(max_length=8)  # open, won, lost
    archived_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "pipeline_stage"
        indexes = ((("pipeline", "position"), False),)


class Deal(pw.Model):
    pipeline = pw.ForeignKeyField(Pipeline, index=False)
    stage = pw.ForeignKeyField(PipelineStage, index=False)
    title = pw.CharField(max_length=200)
    customer = pw.ForeignKeyField(Customer, index=False)
    company = pw.ForeignKeyField(Company, null=True, on_delete="SET NULL", index=False)
    owner = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    amount_minor = pw.BigIntegerField(null=True)
    currency = pw.CharField(max_length=3)
    expected_close = pw.DateField(null=True)
    source = pw.CharField(max_length=50, null=True)
    notes = pw.TextField(null=True)
    lost_reason = pw.CharField(max_length=20, null=True)
    lost_note = pw.CharField(max_length=500, null=True)
    closed_at = pw.DateTimeField(null=True)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    deleted_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "deal"
        indexes = (
            (("stage", "updated_at"), False),
            (("customer", "created_at"), False),
            (("owner", "stage"), False),
        )


class DealStageHistory(pw.Model):
    deal = pw.ForeignKeyField(Deal, on_delete="CASCADE", index=False)
    from_stage = pw.ForeignKeyField(PipelineStage, null=True, index=False)
    to_stage = pw.ForeignKeyField(PipelineStage, index=False)
    moved_at = pw.DateTimeField()
    moved_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    lost_reason = pw.CharField(max_length=20, null=True)
    lost_note = pw.CharField(max_length=500, null=True)

    class Meta:
        table_name = "deal_stage_history"
        indexes = ((("deal", "moved_at"), False),)


class Product(pw.Model):
    name = pw.CharField(max_length=200)
    name_norm = pw.CharField(max_length=200, index=True)
    sku = pw.CharField(max_length=64, unique=True)
    unit_price_minor = pw.BigIntegerField()
    currency = pw.CharField(max_length=3)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "product"


class SalesOrder(pw.Model):
    number = pw.CharField(max_length=24, unique=True)
    customer = pw.ForeignKeyField(Customer, index=False)
    deal = pw.ForeignKeyField(Deal, null=True, on_delete="SET NULL", index=True)
    owner = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    currency = pw.CharField(max_length=3)
    status = pw.CharField(max_length=12)
    subtotal_minor = pw.BigIntegerField(default=0)
    discount_minor = pw.BigIntegerField(default=0)
    total_minor = pw.BigIntegerField(default=0)
    paid_minor = pw.BigIntegerField(default=0)
    notes = pw.TextField(null=True)
    ordered_on = pw.DateField()
    confirmed_at = pw.DateTimeField(null=True)
    shipped_at = pw.DateTimeField(null=True)
    completed_at = pw.DateTimeField(null=True)
    cancelled_at = pw.DateTimeField(null=True)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "sales_order"
        indexes = ((("customer", "created_at"), False),)


class OrderLine(pw.Model):
    order = pw.ForeignKeyField(SalesOrder, on_delete="CASCADE", index=False)
    position = pw.IntegerField()
    product = pw.ForeignKeyField(Product, null=True, on_delete="SET NULL", index=False)
    description = pw.CharField(max_length=200)
    quantity_milli = pw.BigIntegerField()  # thousandths: 1.5 kg is 1500
    unit_price_minor = pw.BigIntegerField()
    discount_bp = pw.IntegerField(null=True)  # a percent discount in hundredths of a percent
    discount_amount_minor = pw.BigIntegerField(null=True)  # a fixed discount on the line
    gross_minor = pw.BigIntegerField()
    discount_minor = pw.BigIntegerField()
    total_minor = pw.BigIntegerField()

    class Meta:
        table_name = "order_line"
        indexes = ((("order", "position"), False),)


class Payment(pw.Model):
    order = pw.ForeignKeyField(SalesOrder, index=True)
    customer = pw.ForeignKeyField(Customer, index=False)
    amount_minor = pw.BigIntegerField()
    currency = pw.CharField(max_length=3)
    method = pw.CharField(max_length=20)
    paid_on = pw.DateField()
    note = pw.CharField(max_length=500, null=True)
    recorded_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    created_at = pw.DateTimeField()
    voided_at = pw.DateTimeField(null=True)
    voided_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    void_reason = pw.CharField(max_length=200, null=True)

    class Meta:
        table_name = "payment"
        indexes = ((("customer", "created_at"), False),)


class DocumentSequence(pw.Model):
    name = pw.CharField(max_length=32, primary_key=True)  # e.g. "SO-2026"
    value = pw.BigIntegerField()

    class Meta:
        table_name = "document_sequence"


class LeadAssignmentSetting(pw.Model):
    id = pw.IntegerField(primary_key=True)  # a single row, id 1
    mode = pw.CharField(max_length=16)  # off, round_robin, rules
    fallback_owner = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    team = pw.ForeignKeyField(Team, null=True, on_delete="SET NULL", index=False)
    last_assignee_id = pw.BigIntegerField(null=True)  # the round-robin cursor
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "lead_assignment_setting"


class LeadAssignmentRule(pw.Model):
    position = pw.IntegerField()
    field = pw.CharField(max_length=16)  # city, province, industry, source
    value = pw.CharField(max_length=100)
    value_norm = pw.CharField(max_length=100)
    assignee = pw.ForeignKeyField(StaffUser, on_delete="CASCADE", index=False)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "lead_assignment_rule"


class LeadAssignment(pw.Model):
    customer = pw.ForeignKeyField(Customer, index=False)
    from_owner = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    to_owner = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    reason = pw.CharField(max_length=16)  # rule, round_robin, fallback, manual
    rule_id = pw.BigIntegerField(null=True)
    note = pw.CharField(max_length=200, null=True)
    at = pw.DateTimeField()
    by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)

    class Meta:
        table_name = "lead_assignment"
        indexes = ((("customer", "at"), False),)


class Notification(pw.Model):
    staff = pw.ForeignKeyField(StaffUser, on_delete="CASCADE", index=False)
    customer_id = pw.BigIntegerField(null=True, index=True)  # erased and merged with them
    code = pw.CharField(max_length=40)
    params = pw.TextField()  # JSON
    created_at = pw.DateTimeField()
    available_at = pw.DateTimeField()  # not sent before (retry back-off)
    claimed_at = pw.DateTimeField(null=True)
    sent_at = pw.DateTimeField(null=True)
    failed_at = pw.DateTimeField(null=True)  # given up for good
    attempts = pw.IntegerField(default=0)
    last_error = pw.CharField(max_length=500, null=True)

    class Meta:
        table_name = "notification"


MODELS = [Pipeline, PipelineStage, Deal, DealStageHistory, Product, SalesOrder, OrderLine,
          Payment, DocumentSequence, LeadAssignmentSetting, LeadAssignmentRule, LeadAssignment,
          Notification]

# Almost every sent row leaves the queue: a partial index keeps the claim query small.
PARTIAL_INDEXES = [
    "create index notification_pending on notification (available_at)"
    " where sent_at is null and failed_at is null",
]


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    with db.bind_ctx([StaffUser, Team, Company, Customer, *MODELS]):
        db.create_tables(MODELS)
    for statement in PARTIAL_INDEXES:
        db.execute_sql(statement)
