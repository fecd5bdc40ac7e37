"""Today's models; migrations hold their own frozen copies."""

from __future__ import annotations

import peewee as pw

from storage.database import BaseModel


class Team(BaseModel):
    name = pw.CharField(max_length=100)
    name_norm = pw.CharField(max_length=100, unique=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "team"


class StaffUser(BaseModel):
    telegram_id = pw.BigIntegerField(unique=True)
    name = pw.CharField(max_length=100)
    username = pw.CharField(max_length=64, null=True)
    role = pw.CharField(max_length=16)
    locale = pw.CharField(max_length=8, null=True)
    timezone = pw.CharField(max_length=64, null=True)
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    deactivated_at = pw.DateTimeField(null=True)
    team = pw.ForeignKeyField(Team, null=True, on_delete="SET NULL")
    agenda_hour = pw.IntegerField(null=True)  # local hour of the daily agenda; null: default
    agenda_sent_on = pw.DateField(null=True)  # local date of the last agenda sent

    class Meta:
        table_name = "staff_user"


class AppMeta(BaseModel):
    key = pw.CharField(max_length=64, primary_key=True)
    value = pw.TextField()

    class Meta:
        table_name = "app_meta"


class Company(BaseModel):
    name = pw.CharField(max_length=200)
    name_norm = pw.CharField(max_length=200, index=True)
    industry = pw.CharField(max_length=100, null=True)
    size = pw.CharField(max_length=20, null=True)
    registered_address = pw.CharField(max_length=300, null=True)
    legal_representative = pw.CharField(max_length=100, null=True)
    credit_code = pw.CharField(max_length=18, null=True, unique=True)
    website = pw.CharField(max_length=300, null=True)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "company"


class Customer(BaseModel):
    name = pw.CharField(max_length=100)
    name_norm = pw.CharField(max_length=100)
    gender = pw.CharField(max_length=8, null=True)
    birthday = pw.DateField(null=True)
    occupation = pw.CharField(max_length=100, null=True)
    notes = pw.TextField(null=True)
    status = pw.CharField(max_length=16, default="lead")
    source = pw.CharField(max_length=50, null=True)
    owner = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=True)
    company = pw.ForeignKeyField(Company, null=True, on_delete="SET NULL", index=True)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    last_interaction_at = pw.DateTimeField(null=True)
    deleted_at = pw.DateTimeField(null=True)
    deleted_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    merged_into = pw.ForeignKeyField("self", null=True, on_delete="SET NULL", index=False)
    team = pw.ForeignKeyField(Team, null=True, on_delete="SET NULL")  # shared with this team
    erased_at = pw.DateTimeField(null=True)  # personal data removed on request (privacy law)
    telegram_user_id = pw.BigIntegerField(null=True)  # the customer's own Telegram account
    telegram_locale = pw.CharField(max_length=8, null=True)  # the language they write in

    class Meta:
        table_name = "customer"
        indexes = ((("name_norm",), False),)


class ContactChannel(BaseModel):
    customer = pw.ForeignKeyField(Customer, on_delete="CASCADE", index=True)
    kind = pw.CharField(max_length=16)
    value = pw.CharField(max_length=254)
    label = pw.CharField(max_length=50, null=True)
    is_primary = pw.BooleanField(default=False)

    class Meta:
        table_name = "contact_channel"
        indexes = ((("kind", "value"), False),)


class Address(BaseModel):
    customer = pw.ForeignKeyField(Customer, on_delete="CASCADE", index=True)
    kind = pw.CharField(max_length=16)
    country = pw.CharField(max_length=60, null=True)
    province = pw.CharField(max_length=60, null=True)
    city = pw.CharField(max_length=60, null=True)
    district = pw.CharField(max_length=60, null=True)
    street = pw.CharField(max_length=200, null=True)
    postal_code = pw.CharField(max_length=20, null=True)
    is_primary = pw.BooleanField(default=False)

    class Meta:
        table_name = "address"


class Tag(BaseModel):
    name = pw.CharField(max_length=50)
    name_norm = pw.CharField(max_length=50, unique=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "tag"


class CustomerTag(BaseModel):
    # looked up by customer through the table's composite index, which starts with it
    customer = pw.ForeignKeyField(Customer, on_delete="CASCADE", index=False)
    tag = pw.ForeignKeyField(Tag, on_delete="CASCADE", index=False)

    class Meta:
        table_name = "customer_tag"
        primary_key = pw.CompositeKey("customer", "tag")
        indexes = ((("tag", "customer"), False),)


class Interaction(BaseModel):
    # looked up by customer through the table's composite index, which starts with it
    customer = pw.ForeignKeyField(Customer, on_delete="CASCADE", index=False)
    kind = pw.CharField(max_length=16)
    direction = pw.CharField(max_length=8, null=True)
    occurred_at = pw.DateTimeField()
    staff = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    summary = pw.TextField()
    outcome = pw.CharField(max_length=200, null=True)
    latitude = pw.DoubleField(null=True)
    longitude = pw.DoubleField(null=True)
    created_at = pw.DateTimeField()
    merged_from_id = pw.IntegerField(null=True)  # the record it belonged to before a merge

    class Meta:
        table_name = "interaction"
        indexes = ((("customer", "occurred_at"), False),)


class InteractionAttachment(BaseModel):
    interaction = pw.ForeignKeyField(Interaction, on_delete="CASCADE", index=True)
    file_id = pw.CharField(max_length=200)
    file_name = pw.CharField(max_length=200, null=True)
    mime_type = pw.CharField(max_length=100, null=True)
    file_size = pw.BigIntegerField(null=True)

    class Meta:
        table_name = "interaction_attachment"


class CustomerSecret(BaseModel):
    # looked up by customer through the table's composite index, which starts with it
    customer = pw.ForeignKeyField(Customer, on_delete="CASCADE", index=False)
    name = pw.CharField(max_length=32)
    value_enc = pw.BlobField()
    value_hash = pw.CharField(max_length=64)
    masked = pw.CharField(max_length=64)

    class Meta:
        table_name = "customer_secret"
        indexes = (
            (("customer", "name"), True),
            (("name", "value_hash"), False),
        )


class CustomerEvent(BaseModel):
    # looked up by customer through the table's composite index, which starts with it
    customer = pw.ForeignKeyField(Customer, on_delete="CASCADE", index=False)
    kind = pw.CharField(max_length=16)
    at = pw.DateTimeField()
    staff = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    data = pw.TextField(null=True)
    merged_from_id = pw.IntegerField(null=True)  # the record it belonged to before a merge

    class Meta:
        table_name = "customer_event"
        indexes = ((("customer", "at"), False),)


class CustomerSearch(BaseModel):
    customer = pw.ForeignKeyField(Customer, primary_key=True, on_delete="CASCADE")
    terms = pw.TextField()
    haystack = pw.TextField()

    class Meta:
        table_name = "customer_search"


class Invite(BaseModel):
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


class AuditLog(BaseModel):
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


class CustomerKey(BaseModel):
    """A key per customer for their audit details: erasing the customer destroys it."""

    customer_id = pw.BigIntegerField(primary_key=True)
    key_enc = pw.BlobField()

    class Meta:
        table_name = "customer_key"


class Consent(BaseModel):
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

ALL_MODELS: list[type[BaseModel]] = [
    StaffUser, AppMeta, Company, Customer, ContactChannel, Address, Tag, CustomerTag,
    Interaction, InteractionAttachment, CustomerSecret, CustomerEvent, CustomerSearch,
    Team, Invite, AuditLog, CustomerKey, Consent,
]


class ProcessedUpdate(BaseModel):
    update_id = pw.BigIntegerField(primary_key=True)
    at = pw.DateTimeField(index=True)

    class Meta:
        table_name = "processed_update"


ALL_MODELS.append(ProcessedUpdate)


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


class Notification(BaseModel):
    staff = pw.ForeignKeyField(StaffUser, on_delete="CASCADE", index=False)
    customer_id = pw.BigIntegerField(null=True, index=True)
    code = pw.CharField(max_length=40)
    params = pw.TextField()
    created_at = pw.DateTimeField()
    available_at = pw.DateTimeField()
    claimed_at = pw.DateTimeField(null=True)
    sent_at = pw.DateTimeField(null=True)
    failed_at = pw.DateTimeField(null=True)
    attempts = pw.IntegerField(default=0)
    last_error = pw.CharField(max_length=500, null=True)
    telegram_message_id = pw.BigIntegerField(null=True)  # the message that carried it

    class Meta:
        table_name = "notification"


ALL_MODELS.extend([Pipeline, PipelineStage, Deal, DealStageHistory, Product, SalesOrder,
                   OrderLine, Payment, DocumentSequence, LeadAssignmentSetting,
                   LeadAssignmentRule, LeadAssignment, Notification])


class Reminder(BaseModel):
    staff = pw.ForeignKeyField(StaffUser, on_delete="CASCADE", index=False)
    customer = pw.ForeignKeyField(Customer, null=True, on_delete="CASCADE")
    deal = pw.ForeignKeyField(Deal, null=True, on_delete="CASCADE")
    ticket_id = pw.IntegerField(null=True)
    interaction_id = pw.IntegerField(null=True)  # the call or visit a follow-up follows
    text = pw.CharField(max_length=500)
    due_at = pw.DateTimeField()
    first_due_at = pw.DateTimeField()
    timezone = pw.CharField(max_length=64)
    repeat = pw.CharField(max_length=8, default="")
    status = pw.CharField(max_length=10)
    source = pw.CharField(max_length=12)
    rule_key = pw.CharField(max_length=100, null=True, unique=True)
    next_attempt_at = pw.DateTimeField()
    claimed_at = pw.DateTimeField(null=True)
    attempts = pw.IntegerField(default=0)
    last_error = pw.CharField(max_length=500, null=True)
    late = pw.BooleanField(default=False)
    sent_at = pw.DateTimeField(null=True)
    done_at = pw.DateTimeField(null=True)
    failed_at = pw.DateTimeField(null=True)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                                    backref="+")
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "reminder"


class JobRun(BaseModel):
    name = pw.CharField(max_length=40, primary_key=True)
    last_started_at = pw.DateTimeField(null=True)
    last_finished_at = pw.DateTimeField(null=True)
    last_ok = pw.BooleanField(null=True)
    last_outcome = pw.CharField(max_length=300, null=True)
    last_error = pw.CharField(max_length=500, null=True)
    runs = pw.IntegerField(default=0)
    failures = pw.IntegerField(default=0)
    expected_by = pw.DateTimeField(null=True)
    alerted_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "job_run"


ALL_MODELS.extend([Reminder, JobRun])


class ImportJob(BaseModel):
    """A bulk import between its preview and its confirmation (migration 0007)."""

    token = pw.CharField(max_length=16, unique=True)
    staff = pw.ForeignKeyField(StaffUser, null=True, on_delete="CASCADE", index=False)
    channel = pw.CharField(max_length=8)
    file_name = pw.CharField(max_length=255)
    stored_name = pw.CharField(max_length=64)
    file_size = pw.BigIntegerField()
    sha256 = pw.CharField(max_length=64)
    status = pw.CharField(max_length=10)
    mode = pw.CharField(max_length=8, null=True)
    summary = pw.TextField(null=True)
    created_at = pw.DateTimeField()
    expires_at = pw.DateTimeField()
    finished_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "import_job"


ALL_MODELS.append(ImportJob)


class Ticket(BaseModel):
    number = pw.CharField(max_length=20, unique=True)
    customer = pw.ForeignKeyField(Customer)
    subject = pw.CharField(max_length=200)
    description = pw.TextField()
    status = pw.CharField(max_length=10)
    priority = pw.CharField(max_length=8)
    channel = pw.CharField(max_length=10)
    assignee = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                                    backref="+")
    first_response_due_at = pw.DateTimeField()
    resolution_due_at = pw.DateTimeField()
    first_responded_at = pw.DateTimeField(null=True)
    resolved_at = pw.DateTimeField(null=True)
    closed_at = pw.DateTimeField(null=True)
    first_breach_alerted_at = pw.DateTimeField(null=True)
    resolution_breach_alerted_at = pw.DateTimeField(null=True)
    rating = pw.SmallIntegerField(null=True)
    rated_at = pw.DateTimeField(null=True)
    # The resolution clock stops while the ticket waits for the customer.
    waiting_since = pw.DateTimeField(null=True)
    resolution_paused_seconds = pw.IntegerField(default=0)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    merged_from_id = pw.IntegerField(null=True)  # the record it belonged to before a merge
    # Who last moved the status (an older card's button is refused saying so): "staff" (the
    # staff id beside it), "customer" or "system"; null before anyone moved it.
    status_changed_at = pw.DateTimeField(null=True)
    status_changed_by_id = pw.IntegerField(null=True)
    status_changed_author = pw.CharField(max_length=8, null=True)

    class Meta:
        table_name = "ticket"


class TicketMessage(BaseModel):
    ticket = pw.ForeignKeyField(Ticket, on_delete="CASCADE")
    author = pw.CharField(max_length=8)
    staff = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                               backref="+")
    body = pw.TextField()
    internal = pw.BooleanField(default=False)
    file_id = pw.CharField(max_length=200, null=True)
    file_kind = pw.CharField(max_length=8, null=True)
    file_name = pw.CharField(max_length=200, null=True)
    relay_status = pw.CharField(max_length=8, null=True)
    relay_claimed_at = pw.DateTimeField(null=True)
    relay_attempts = pw.IntegerField(default=0)
    relay_error = pw.CharField(max_length=500, null=True)
    created_at = pw.DateTimeField()

    class Meta:
        table_name = "ticket_message"


class KbArticle(BaseModel):
    title = pw.CharField(max_length=200)
    body = pw.TextField()
    tags = pw.CharField(max_length=300, default="")
    status = pw.CharField(max_length=10)
    created_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                                    backref="+")
    updated_by = pw.ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", index=False,
                                    backref="+")
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()
    deleted_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "kb_article"


class KbSearch(BaseModel):
    article_id = pw.IntegerField(primary_key=True)
    terms = pw.TextField()

    class Meta:
        table_name = "kb_search"


ALL_MODELS.extend([Ticket, TicketMessage, KbArticle, KbSearch])
