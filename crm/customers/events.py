"""Small shared writes of the customer services: timeline events and the updated mark."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from crm.actors import Actor
from storage.database import insert
from storage.models import Customer


def record_event(customer_id: int, kind: str, actor: Actor, now: dt.datetime,
           data: dict[str, Any] | None = None) -> None:
    insert("customer_event", {"customer_id": customer_id, "kind": kind, "at": now,
                              "staff_id": actor.user_id,
                              "data": json.dumps(data, ensure_ascii=False) if data else None})


def touch(customer_id: int, now: dt.datetime) -> None:
    Customer.update(updated_at=now).where(Customer.id == customer_id).execute()
