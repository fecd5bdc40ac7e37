"""The company a customer works for: one company, many people; its details are shared."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm import audit, validation
from crm.actors import Actor
from crm.clock import utcnow
from crm.customers import inputs
from crm.customers.load import load_card, require_visible
from crm.customers.views import CustomerCard
from crm.customers.write import reindex
from crm.errors import Duplicate, NotFound, ValidationError
from crm.permissions import Action, require
from crm.search_terms import normalise_text
from storage.database import database, fetch_all, fetch_one
from storage.models import Company

COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
COMPANY_FIELDS = ("name", "industry", "size", "registered_address", "legal_representative",
                  "credit_code", "website")


def update_company(actor: Actor, customer_id: int, field: str, value: str | None, *,
                   now: dt.datetime | None = None) -> CustomerCard:
    """Change one field of the company of a customer the actor may see (shared by its people)."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    if field not in COMPANY_FIELDS:
        raise ValidationError("customer.field", field=field, name=field)
    checked = _checked_company_value(field, value)
    with database.atomic():
        current = require_visible(actor, customer_id)
        if current.company_id is None:
            raise NotFound("customer.no_company")
        changes: dict[str, Any] = {field: checked, "updated_at": now}
        if field == "name":
            changes["name_norm"] = normalise_text(checked)
        elif field == "credit_code" and checked and fetch_one(
                "select 1 from company where credit_code = ? and id <> ?",
                (checked, current.company_id)):
            raise Duplicate("company.duplicate_credit_code", [], value=checked)
        before = fetch_one(f"select {field} from company where id = ?", (current.company_id,))
        Company.update(**changes).where(Company.id == current.company_id).execute()
        audit.record(actor, "company.update", "company", current.company_id,
                     changes={field: [before[0], checked]}, now=now)
        if field == "name":
            for (member,) in fetch_all("select id from customer where company_id = ?"
                                       " and deleted_at is null", (current.company_id,)):
                reindex(member)
    return load_card(customer_id)


def _checked_company_value(field: str, value: str | None) -> str | None:
    if field == "name":
        return inputs.optional_text(value, field="company", max_length=inputs.COMPANY_MAX) or \
            _required("company")
    if value is None or not value.strip():
        return None
    if field == "credit_code":
        return validation.normalise_credit_code(value)
    if field == "website":
        return validation.normalise_website(value)
    if field == "size":
        return inputs.choice(value, COMPANY_SIZES, field="size")
    limits = {"industry": 100, "registered_address": 300, "legal_representative": 100}
    return inputs.optional_text(value, field=field, max_length=limits[field])


def _required(field: str) -> str:
    raise ValidationError("validation.required", field=field)
