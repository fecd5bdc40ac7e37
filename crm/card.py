"""The customer card as staff see it in the chat: the record, plus its open deals and the
viewer's next reminder about it, in one call."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from crm.actors import Actor
from crm.customers import get_customer
from crm.customers.views import CustomerCard
from crm.reminders import ReminderView, next_customer_reminder
from crm.sales.money import from_minor
from storage.database import fetch_all


@dataclass(frozen=True)
class CardScreen:
    card: CustomerCard
    open_deals: int
    open_amounts: tuple[tuple[Decimal, str], ...]  # summed per currency
    next_reminder: ReminderView | None


def get_card_screen(actor: Actor, customer_id: int) -> CardScreen:
    """The card with open deals (count, sums) and the actor's next reminder about it."""
    card = get_customer(actor, customer_id)  # checks visibility; follows a merge
    rows = fetch_all(
        "select d.currency, count(*), sum(d.amount_minor) from deal d"
        " join pipeline_stage s on s.id = d.stage_id where d.customer_id = ?"
        " and d.deleted_at is null and s.kind = 'open' group by d.currency order by d.currency",
        (card.id,))
    amounts = tuple((from_minor(int(total), code), code) for code, _, total in rows if total)
    return CardScreen(card, sum(r[1] for r in rows), amounts,
                      next_customer_reminder(actor, card.id))
