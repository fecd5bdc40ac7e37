"""The product catalogue: name, SKU, unit price and whether it is still sold."""

from __future__ import annotations

import datetime as dt

from crm import audit
from crm.actors import Actor
from crm.clock import utcnow
from crm.errors import Conflict, NotFound, ValidationError
from crm.permissions import Action, require
from crm.sales import money
from crm.sales.access import require_settings
from crm.sales.views import ProductView
from crm.search_terms import normalise_text
from crm.validation import check_length
from storage.database import bytewise, database, fetch_all, fetch_one, insert, sql

NAME_MAX = 200
SKU_MAX = 64
_COLUMNS = "id, name, sku, unit_price_minor, currency, active"


def _view(row: tuple) -> ProductView:
    return ProductView(row[0], row[1], row[2], money.from_minor(row[3], row[4]), row[4],
                       bool(row[5]))


def load_product(product_id: int) -> ProductView:
    """One product without checks; NotFound when there is none."""
    row = fetch_one(f"select {_COLUMNS} from product where id = ?", (product_id,))
    if row is None:
        raise NotFound("product.not_found")
    return _view(row)


def _name(value: str | None) -> str:
    checked = check_length(" ".join((value or "").split()), field="name", max_length=NAME_MAX,
                           required=True)
    assert checked is not None
    return checked


def _sku(value: str | None) -> str:
    """SKUs compare in upper case without spaces around them."""
    checked = check_length((value or "").upper(), field="sku", max_length=SKU_MAX,
                           required=True)
    assert checked is not None
    if any(c.isspace() for c in checked):
        raise ValidationError("product.sku", field="sku", value=checked)
    return checked


def _check_sku_free(sku: str, product_id: int | None = None) -> None:
    row = fetch_one("select id from product where sku = ?", (sku,))
    if row is not None and row[0] != product_id:
        raise Conflict("product.sku_taken", sku=sku)


def create_product(actor: Actor, name: str, sku: str, unit_price: object, *,
                   currency: str | None = None, now: dt.datetime | None = None) -> ProductView:
    """Add a product to the catalogue (admins)."""
    require_settings(actor)
    now = now or utcnow()
    code = money.currency(currency)
    values = {"name": _name(name), "sku": _sku(sku),
              "unit_price_minor": money.to_minor(unit_price, code, field="unit_price"),
              "currency": code}
    with database.atomic():
        _check_sku_free(values["sku"])
        product_id = insert("product", {**values, "name_norm": normalise_text(values["name"]),
                                        "active": True, "created_at": now, "updated_at": now})
        audit.record(actor, "product.create", "product", product_id,
                     changes=audit.diff({}, values), now=now)
    return load_product(product_id)


def update_product(actor: Actor, product_id: int, *, name: str | None = None,
                   sku: str | None = None, unit_price: object = None,
                   currency: str | None = None, active: bool | None = None,
                   now: dt.datetime | None = None) -> ProductView:
    """Change a product; existing order lines keep the price they were sold at."""
    require_settings(actor)
    now = now or utcnow()
    with database.atomic():
        current = load_product(product_id)
        code = money.currency(currency) if currency is not None else current.currency
        price = current.unit_price if unit_price is None else unit_price
        after = {"name": _name(name) if name is not None else current.name,
                 "sku": _sku(sku) if sku is not None else current.sku,
                 "unit_price_minor": money.to_minor(price, code, field="unit_price"),
                 "currency": code,
                 "active": current.active if active is None else bool(active)}
        _check_sku_free(after["sku"], product_id)
        before = {"name": current.name, "sku": current.sku, "currency": current.currency,
                  "unit_price_minor": money.to_minor(current.unit_price, current.currency),
                  "active": current.active}
        database.execute_sql(sql(
            "update product set name = ?, name_norm = ?, sku = ?, unit_price_minor = ?,"
            " currency = ?, active = ?, updated_at = ? where id = ?"),
            (after["name"], normalise_text(after["name"]), after["sku"],
             after["unit_price_minor"], code, after["active"], now, product_id))
        audit.record(actor, "product.update", "product", product_id,
                     changes=audit.diff(before, after), now=now)
    return load_product(product_id)


def get_product(actor: Actor, product_id: int) -> ProductView:
    """One product of the catalogue."""
    require(actor, Action.READ)
    return load_product(product_id)


def find_product(actor: Actor, sku: str) -> ProductView:
    """A product by its SKU."""
    require(actor, Action.READ)
    row = fetch_one(f"select {_COLUMNS} from product where sku = ?", (_sku(sku),))
    if row is None:
        raise NotFound("product.not_found")
    return _view(row)


def list_products(actor: Actor, *, query: str | None = None,
                  include_inactive: bool = False) -> list[ProductView]:
    """The catalogue by name; ``query`` matches the start of a name or an SKU."""
    require(actor, Action.READ)
    parts, params = [], []
    if not include_inactive:
        parts.append("active = ?")
        params.append(True)
    if query and query.strip():
        parts.append("(name_norm like ? or sku like ?)")
        params += [normalise_text(query) + "%", query.strip().upper() + "%"]
    where = f" where {' and '.join(parts)}" if parts else ""
    rows = fetch_all(f"select {_COLUMNS} from product{where} order by {bytewise('name_norm')}, id",
                     tuple(params))
    return [_view(r) for r in rows]
