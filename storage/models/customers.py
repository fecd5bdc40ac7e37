"""Customers: companies, channels, addresses, tags, interactions, identity fields, the
timeline, the search index, per-customer keys, the audit log and consent."""

from __future__ import annotations

import peewee as pw

from storage.database import BaseModel
from storage.models.staff import StaffUser, Team


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
