"""What the values in an entry's changes are (money, a status, another record's id...), so
an interface can word them."""


# What a field's stored value is, so an interface can word it: by record kind first (one name
# holds different things in different records: a customer's status is not an order's), then
# by the field alone, then by the group of a grouped field (consent.sms). Values of a field
# not listed read as they are stored (names, texts, numbers).
MONEY_MINOR = "money_minor"  # an amount in whole minor units of the currency (12550: 125.50)
MONEY = "money"  # an amount as decimal text ("125.50")
# Why background work failed (crm.failures): a message's code with its parameters, or, in
# older entries, the code alone; worded as the failure's own message.
FAILURE = "failure"
VALUE_KINDS: dict[tuple[str | None, str], str] = {
    (None, "role"): "role",
    (None, "active"): "yes_no", (None, "archived"): "yes_no", (None, "voided"): "yes_no",
    ("customer", "status"): "customer_status", ("customer", "gender"): "gender",
    ("customer", "method"): "consent_method", ("customer", "consent"): "consent",
    ("customer", "reason"): "assignment_reason", ("customer", "field"): "field",
    ("deal", "lost_reason"): "lost_reason", ("deal", "amount_minor"): MONEY_MINOR,
    ("interaction", "kind"): "interaction",
    ("kb_article", "status"): "kb_status",
    ("lead_assignment_setting", "mode"): "assignment_mode",
    ("lead_assignment_rule", "field"): "field",
    ("payment", "method"): "payment_method", ("payment", "amount"): MONEY,
    ("pipeline_stage", "kind"): "stage_kind",
    ("product", "unit_price_minor"): MONEY_MINOR,
    ("reminder", "repeat"): "repeat",
    ("report", "kind"): "report", ("report", "reach"): "reach",
    ("backup", "reason"): "backup_reason", ("backup", "error"): FAILURE,
    ("export", "format"): "export_format",
    ("sales_order", "status"): "order_status",
    **{("sales_order", f"{part}_minor"): MONEY_MINOR
       for part in ("subtotal", "discount", "total", "paid")},
    ("ticket", "status"): "ticket_status", ("ticket", "priority"): "priority",
    ("ticket", "channel"): "ticket_channel",
    **{(None, name): "staff" for name in (
        "owner", "owner_id", "to_owner_id", "assignee", "assignee_id", "fallback_owner",
        "fallback_owner_id", "recorded_by_id", "staff_id")},
    ("audit_log", "user_id"): "staff",  # an export of the log: whose actions it held
    (None, "team"): "team", (None, "team_id"): "team",
    (None, "customer_id"): "customer", (None, "deal_id"): "deal",
    (None, "company"): "company", (None, "company_id"): "company",
    **{(None, name): "customer" for name in ("merged_from", "merged_into", "merged_id",
                                             "not_duplicate_of")},
    # a deal's stage: its id since stages have names in both languages; older entries hold
    # its English name
    ("deal", "stage_id"): "stage", ("deal", "stage"): "stage",
    (None, "invite"): "invite",  # a join: the invite used
}
# Kinds of value that are another record's id, shown by that record's name with the id
# (张伟 (#3)): the table and the column holding the name (a stage's: one per language).
REFERENCES: dict[str, tuple[str, str]] = {
    "staff": ("staff_user", "name"), "team": ("team", "name"),
    "customer": ("customer", "name"), "deal": ("deal", "title"),
    "company": ("company", "name"), "stage": ("pipeline_stage", "name_zh, name_en"),
    # an invite has no name: it is known by who made it (the system's made at the terminal)
    "invite": ("invite", "coalesce((select name from staff_user where staff_user.id ="
                         " invite.created_by_id), 'system')"),
}
# The kind of reference each kind of record an entry is about is, to name it (员工 李娜 (#2)).
ENTITY_REFERENCES = {"staff_user": "staff", "team": "team", "customer": "customer",
                     "deal": "deal", "company": "company", "invite": "invite"}
# A looked-up name: text, a stage's (Chinese, English) names, or None for an erased customer.
Name = str | tuple[str, str] | None
# Records whose amounts are in their own currency (the table holds it).
# record kinds whose amounts carry their own currency; each is also its table's name
_CURRENCY_TABLES = frozenset({"deal", "payment", "product", "sales_order"})


# Kinds of value that depend on the action, not the record: an export's status filter holds
# the statuses of the kind exported (crm.exports registers them with each kind).
ACTION_VALUE_KINDS: dict[tuple[str, str], str] = {}


def register_value_kind(action: str, field: str, kind: str) -> None:
    """Say what ``field`` holds in entries of ``action`` (a kind of ``VALUE_KINDS``)."""
    ACTION_VALUE_KINDS[(action, field)] = kind


def value_kind(entity: str, field: str, action: str = "") -> str | None:
    """What the values of ``field`` in an entry about an ``entity`` are (``VALUE_KINDS``)."""
    if (action, field) in ACTION_VALUE_KINDS:
        return ACTION_VALUE_KINDS[(action, field)]
    group, _, member = field.partition(".")
    for key in ((entity, field), (None, field), (entity, group), (entity, member),
                (None, member)):
        if key in VALUE_KINDS:
            return VALUE_KINDS[key]
    return None
