"""The days people see and count by are those of their own clock, not UTC's: an order and a
payment taken at 05:29 on the 27th in Shanghai (21:29 UTC on the 26th) are the 27th's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee
import pytest

from crm import sales, service, users
from crm.actors import Actor
from crm.errors import ValidationError
from storage.database import fetch_one
from tests.crm.cast import SYSTEM, customer, make_cast

# Friday 27 November 2026, 05:29 in Shanghai (the installation's zone)
DAWN = dt.datetime(2026, 11, 26, 21, 29)


@pytest.fixture
def cast(db: peewee.Database):
    sales.ensure_default_pipeline(now=DAWN - dt.timedelta(days=30))
    return make_cast()


def won_stage():
    return next(s for s in sales.get_pipeline(SYSTEM).stages if s.kind == "won")


def in_zone(actor: Actor, zone: str) -> Actor:
    return users.set_preferences(actor, timezone=zone).as_actor()


def test_an_order_and_a_payment_before_dawn_carry_the_local_date(cast) -> None:
    buyer = customer(cast.agent, now=DAWN - dt.timedelta(days=3))
    deal = sales.create_deal(cast.agent, buyer.id, "打印机", amount="12000", now=DAWN)
    won = sales.move_deal_to_stage(cast.agent, deal.id, won_stage().id, create_order=True,
                                   now=DAWN)
    paid = sales.record_payment(cast.agent, won.order_id, "12000", "wechat_pay", now=DAWN)
    order = sales.get_order(cast.agent, won.order_id)
    assert (order.ordered_on, paid.paid_on) == (dt.date(2026, 11, 27), dt.date(2026, 11, 27))
    assert str(fetch_one("select paid_on from payment")[0])[:10] == "2026-11-27"


def test_someone_in_another_zone_gets_their_own_date(cast) -> None:
    berlin = in_zone(cast.agent, "Europe/Berlin")  # 22:29 on the 26th there
    buyer = customer(berlin)
    order = sales.create_order(berlin, buyer.id, [sales.OrderLineInput(
        quantity=1, description="硒鼓", unit_price="300")], now=DAWN)
    paid = sales.record_payment(berlin, order.id, "300", "cash", now=DAWN)
    assert order.ordered_on == paid.paid_on == dt.date(2026, 11, 26)


def test_a_payment_before_eight_on_the_first_stays_in_its_month(cast) -> None:
    first = dt.datetime(2026, 11, 30, 23, 30)  # 07:30 on 1 December in Shanghai
    buyer = customer(cast.agent)
    order = sales.create_order(cast.agent, buyer.id, [sales.OrderLineInput(
        quantity=1, description="复印纸", unit_price="500")], now=first)
    paid = sales.record_payment(cast.agent, order.id, "500", "alipay", now=first)
    assert order.ordered_on == paid.paid_on == dt.date(2026, 12, 1)
    assert order.number.startswith("SO-2026-")


def test_a_deal_won_before_eight_on_the_first_counts_in_that_month(cast) -> None:
    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "服务器", amount="8万",
                             now=dt.datetime(2026, 11, 2))
    sales.move_deal_to_stage(cast.agent, deal.id, won_stage().id,
                             now=dt.datetime(2026, 11, 30, 23, 30))
    [month] = sales.get_won_by_month(cast.manager)
    assert (month.month, month.amount) == (dt.date(2026, 12, 1), Decimal("80000.00"))
    [there] = sales.get_won_by_month(in_zone(cast.manager, "Europe/London"))
    assert there.month == dt.date(2026, 11, 1)


def test_a_ticket_opened_in_the_first_hours_of_the_year_takes_the_new_years_number(
        cast) -> None:
    buyer = customer(cast.agent)
    ticket = service.open_ticket(cast.agent, buyer.id, "打印机卡纸",
                                 now=dt.datetime(2026, 12, 31, 17, 0))  # 01:00 in Shanghai
    assert ticket.number.startswith("T-2027-")


def test_a_birthday_of_the_local_today_is_not_in_the_future(cast) -> None:
    born_today = customer(cast.agent, "王小明", birthday="2026-11-27", now=DAWN)
    assert born_today.birthday == dt.date(2026, 11, 27)
    with pytest.raises(ValidationError):
        customer(cast.agent, "王大明", birthday="2026-11-28", now=DAWN)
