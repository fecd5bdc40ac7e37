"""Sales (migration 0005): pipelines, deals, products, orders and payments, numbering and
lead assignment."""

from __future__ import annotations

import peewee as pw

from storage.database import BaseModel
from storage.models.customers import Company, Customer
from storage.models.staff import StaffUser, Team


# Sales (migration 0005). Money columns hold whole minor units (fen, cents): exact everywhere.
class Pipeline(BaseModel):
    key = pw.CharField(max_length=32, null=True, unique=True)
    name_zh = pw.CharField(max_length=100)
    name_en = pw.CharField(max_length=100)
    archived_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "pipeline"


class PipelineStage(BaseModel):
    pipeline = pw.ForeignKeyField(Pipeline, on_delete="CASCADE", index=False)
    name_zh = pw.CharField(max_length=100)
    name_en = pw.CharField(max_length=100)
    position = pw.IntegerField()
    probability = pw.IntegerField()
    kind = pw.CharField(max_length=8)
    archived_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "pipeline_stage"
        indexes = ((("pipeline", "position"), False),)


class Deal(BaseModel):
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
    merged_from_id = pw.IntegerField(null=True)  # the record it belonged to before a merge

    class Meta:
        table_name = "deal"
        indexes = (
            (("stage", "updated_at"), False),
            (("customer", "created_at"), False),
            (("owner", "stage"), False),
        )


class DealStageHistory(BaseModel):
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


class Product(BaseModel):
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


class SalesOrder(BaseModel):
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
    merged_from_id = pw.IntegerField(null=True)  # the record it belonged to before a merge

    class Meta:
        table_name = "sales_order"
        indexes = ((("customer", "created_at"), False),)


class OrderLine(BaseModel):
    order = pw.ForeignKeyField(SalesOrder, on_delete="CASCADE", index=False)
    position = pw.IntegerField()
    product = pw.ForeignKeyField(Product, null=True, on_delete="SET NULL", index=False)
    description = pw.CharField(max_length=200)
    quantity_milli = pw.BigIntegerField()
    unit_price_minor = pw.BigIntegerField()
    discount_bp = pw.IntegerField(null=True)
    discount_amount_minor = pw.BigIntegerField(null=True)
    gross_minor = pw.BigIntegerField()
    discount_minor = pw.BigIntegerField()
    total_minor = pw.BigIntegerField()

    class Meta:
        table_name = "order_line"
        indexes = ((("order", "position"), False),)


class Payment(BaseModel):
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


class DocumentSequence(BaseModel):
    name = pw.CharField(max_length=32, primary_key=True)
    value = pw.BigIntegerField()

    class Meta:
        table_name = "document_sequence"


class LeadAssignmentSetting(BaseModel):
    id = pw.IntegerField(primary_key=True)
    mode = pw.CharField(max_length=16)
    fallback_owner = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    team = pw.ForeignKeyField(Team, null=True, on_delete="SET NULL", index=False)
    last_assignee_id = pw.BigIntegerField(null=True)
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "lead_assignment_setting"


class LeadAssignmentRule(BaseModel):
    position = pw.IntegerField()
    field = pw.CharField(max_length=16)
    value = pw.CharField(max_length=100)
    value_norm = pw.CharField(max_length=100)
    assignee = pw.ForeignKeyField(StaffUser, on_delete="CASCADE", index=False)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "lead_assignment_rule"


class LeadAssignment(BaseModel):
    customer = pw.ForeignKeyField(Customer, index=False)
    from_owner = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    to_owner = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    reason = pw.CharField(max_length=16)
    rule_id = pw.BigIntegerField(null=True)
    note = pw.CharField(max_length=200, null=True)
    at = pw.DateTimeField()
    by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)

    class Meta:
        table_name = "lead_assignment"
        indexes = ((("customer", "at"), False),)
