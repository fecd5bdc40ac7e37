"""Orders and payments: totals with discounts rounded half up in Decimal, numbering, the
status life cycle, partial payments and the outstanding balance, products, lifetime value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee
import pytest

from crm import customers, privacy, sales
from crm.errors import Conflict, NotFound, PermissionDenied, ValidationError
from crm.sales import money, rules
from crm.sales.views import OrderLineInput as Line
from storage.database import fetch_one
from tests.crm.cast import customer, make_cast

T0 = dt.datetime(2026, 5, 4, 10, 0)


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


@pytest.fixture
def paper(cast):
    return sales.create_product(cast.admin, "A4 复印纸", "paper-a4", "25.50")


def sample_lines(paper) -> list[Line]:
    """3 × 25.50 less 10% = 76.50 − 7.65 = 68.85;
    1.5 × 9.99 = 14.985 → 14.99, less 12.5% (1.87375 → 1.87) = 13.12;
    1 × 20.00 less 5.00 = 15.00.  Sums: 111.49 − 14.52 = 96.97."""
    return [Line(quantity=3, product_id=paper.id, discount_percent="10"),
            Line(quantity="1.5", description="安装服务", unit_price="9.99",
                 discount_percent="12.5%"),
            Line(quantity=1, description="运费", unit_price="20.00", discount_amount="5")]


def test_line_sums_round_half_up_to_the_minor_unit() -> None:
    assert rules.line_amounts(500, 1, None, None, "CNY").gross_minor == 1  # 0.5 × 0.01 = 0.005
    assert rules.line_amounts(1500, 999, 1250, None, "CNY") == rules.LineAmounts(1499, 187, 1312)
    assert rules.line_amounts(3000, 2550, 1000, None, "CNY").total_minor == 6885
    assert rules.line_amounts(3, 333, None, None, "JPY").gross_minor == 1  # 0.003 × ¥333
    with pytest.raises(ValidationError) as caught:
        rules.line_amounts(1000, 100, None, 101, "CNY")
    assert caught.value.code == "order.discount_too_big"
    with pytest.raises(ValidationError):
        rules.line_amounts(1000, 100, 500, 10, "CNY")


@pytest.mark.parametrize(("value", "code", "minor"), [
    ("1,234.50", "CNY", 123450), (Decimal("0.01"), "USD", 1), (1500, "JPY", 1500),
    ("¥ 99", "CNY", 9900), ("12345678901234.56", "CNY", 1234567890123456),
])
def test_amounts_become_exact_minor_units(value, code: str, minor: int) -> None:
    assert money.to_minor(value, code) == minor
    assert money.from_minor(minor, code) == money.parse_decimal(
        str(value).replace(",", "").lstrip("¥ "), field="x")


@pytest.mark.parametrize(("typed", "minor"), [
    ("8万", 8_000_000), ("1.5万", 1_500_000), ("¥1.2亿元", 12_000_000_000), ("3千", 300_000),
    ("20k", 2_000_000), ("2.5 K", 250_000), ("8万元", 8_000_000), ("0.00001万", 10),
])
def test_round_sums_are_read_as_people_write_them(typed: str, minor: int) -> None:
    assert money.to_minor(typed, "CNY") == minor


@pytest.mark.parametrize("typed", ["万", "8万万", "8 千万k", "1.5m", "k20", "0.0000001万"])
def test_magnitudes_alone_or_doubled_are_not_amounts(typed: str) -> None:
    with pytest.raises(ValidationError):
        money.to_minor(typed, "CNY")


@pytest.mark.parametrize(("typed", "amount"), [
    ("3万8", 38_000), ("3.8万", 38_000), ("1万2", 12_000), ("五万", 50_000), ("十万", 100_000),
    ("两万", 20_000), ("一万二", 12_000), ("3万8千", 38_000), ("3万8千5", 38_500),
    ("两千五", 2_500), ("十五万", 150_000), ("一百二十万", 1_200_000), ("三万零八", 30_008),
    ("1万2500", 12_500), ("1亿2千万", 120_000_000), ("¥3万8元", 38_000), ("五千万", 50_000_000),
])
def test_amounts_are_read_as_people_say_them(typed: str, amount: int) -> None:
    assert money.parse_decimal(typed, field="amount") == amount


@pytest.mark.parametrize("typed", ["3万08", "1万25", "3.8万5", "一二", "万8", "3万8块", "8万千",
                                   "3万十万", "一万二十五"])
def test_a_said_amount_that_could_mean_two_things_is_refused(typed: str) -> None:
    with pytest.raises(ValidationError):
        money.to_minor(typed, "CNY")


def test_an_order_sums_its_lines_in_decimal(cast, paper) -> None:
    buyer = customer(cast.agent, "采购部")
    order = sales.create_order(cast.agent, buyer.id, sample_lines(paper), now=T0)
    assert (order.subtotal, order.discount, order.total) == (
        Decimal("111.49"), Decimal("14.52"), Decimal("96.97"))
    assert [(x.description, x.quantity, x.unit_price, x.total) for x in order.lines] == [
        ("A4 复印纸", Decimal(3), Decimal("25.50"), Decimal("68.85")),
        ("安装服务", Decimal("1.5"), Decimal("9.99"), Decimal("13.12")),
        ("运费", Decimal(1), Decimal("20.00"), Decimal("15.00"))]
    assert order.lines[1].discount_percent == Decimal("12.5")
    assert (order.status, order.paid, order.outstanding) == ("draft", Decimal("0.00"),
                                                             Decimal("96.97"))


def test_order_numbers_are_per_year_and_unique(cast, paper) -> None:
    buyer = customer(cast.agent)
    numbers = [sales.create_order(cast.agent, buyer.id, [], now=T0).number for _ in range(2)]
    later = sales.create_order(cast.agent, buyer.id, [], ordered_on="2027-01-02", now=T0)
    assert [*numbers, later.number] == ["SO-2026-000001", "SO-2026-000002", "SO-2027-000001"]
    assert sales.find_order(cast.agent, "so-2026-000002").id != later.id


def test_partial_payments_reduce_the_balance_and_overpayment_needs_consent(cast, paper) -> None:
    buyer = customer(cast.agent)
    order = sales.create_order(cast.agent, buyer.id, sample_lines(paper), now=T0)
    sales.change_order_status(cast.agent, order.id, "confirmed", now=T0)
    sales.record_payment(cast.agent, order.id, "50", "wechat_pay", paid_on="2026-05-03", now=T0)
    assert sales.get_order(cast.agent, order.id).outstanding == Decimal("46.97")
    with pytest.raises(ValidationError) as caught:
        sales.record_payment(cast.agent, order.id, "46.98", "cash")
    assert caught.value.code == "payment.overpayment"
    assert caught.value.params["outstanding"] == Decimal("46.97")
    assert caught.value.params["currency"] == "CNY"  # so an interface can format it
    sales.record_payment(cast.agent, order.id, "46.97", "bank_transfer", now=T0)
    extra = sales.record_payment(cast.agent, order.id, "1", "cash", allow_overpayment=True,
                                 now=T0)
    settled = sales.get_order(cast.agent, order.id)
    assert (settled.paid, settled.outstanding) == (Decimal("97.97"), Decimal("-1.00"))
    sales.void_payment(cast.agent, extra.id, "多收了，已退")
    after = sales.get_order(cast.agent, order.id)
    assert (after.paid, after.outstanding) == (Decimal("96.97"), Decimal("0.00"))
    assert [p.amount for p in after.payments] == [Decimal("50.00"), Decimal("46.97"),
                                                  Decimal("1.00")]
    assert after.payments[-1].void_reason == "多收了，已退"
    with pytest.raises(Conflict):
        sales.void_payment(cast.agent, extra.id, "again")


def test_bad_payments_are_refused(cast, paper) -> None:
    buyer = customer(cast.agent)
    order = sales.create_order(cast.agent, buyer.id, sample_lines(paper), now=T0)
    for amount, method, code in (("0", "cash", "money.zero"), ("-5", "cash", "money.negative"),
                                 ("5", "bitcoin", "validation.choice"),
                                 ("5.001", "cash", "money.precision")):
        with pytest.raises(ValidationError) as caught:
            sales.record_payment(cast.agent, order.id, amount, method)
        assert caught.value.code == code
    with pytest.raises(PermissionDenied):
        sales.record_payment(cast.viewer, order.id, "5", "cash")


def test_the_status_follows_its_life_cycle(cast, paper) -> None:
    buyer = customer(cast.agent)
    empty = sales.create_order(cast.agent, buyer.id, [], now=T0)
    with pytest.raises(ValidationError) as caught:
        sales.change_order_status(cast.agent, empty.id, "confirmed")
    assert caught.value.code == "order.empty"
    order = sales.create_order(cast.agent, buyer.id, sample_lines(paper), now=T0)
    with pytest.raises(ValidationError) as caught:
        sales.change_order_status(cast.agent, order.id, "shipped")
    assert caught.value.code == "order.transition"
    for status in ("confirmed", "shipped", "completed"):
        assert sales.change_order_status(cast.agent, order.id, status).status == status
    with pytest.raises(ValidationError):
        sales.change_order_status(cast.agent, order.id, "cancelled")
    with pytest.raises(Conflict) as caught:
        sales.update_order_lines(cast.agent, order.id, [])
    assert caught.value.code == "order.not_draft"


def test_an_order_with_payments_is_not_cancelled(cast, paper) -> None:
    buyer = customer(cast.agent)
    order = sales.create_order(cast.agent, buyer.id, sample_lines(paper), now=T0)
    sales.change_order_status(cast.agent, order.id, "confirmed")
    payment = sales.record_payment(cast.agent, order.id, "10", "cash")
    with pytest.raises(Conflict) as caught:
        sales.change_order_status(cast.agent, order.id, "cancelled")
    assert caught.value.code == "order.has_payments"
    sales.void_payment(cast.agent, payment.id, "客户取消")
    assert sales.change_order_status(cast.agent, order.id, "cancelled").status == "cancelled"
    with pytest.raises(Conflict):
        sales.record_payment(cast.agent, order.id, "10", "cash")


def test_draft_lines_change_but_not_below_what_was_paid(cast, paper) -> None:
    buyer = customer(cast.agent)
    order = sales.create_order(cast.agent, buyer.id, sample_lines(paper), now=T0)
    sales.record_payment(cast.agent, order.id, "90", "alipay")
    with pytest.raises(ValidationError) as caught:
        sales.update_order_lines(cast.agent, order.id, sample_lines(paper)[:1])
    assert caught.value.code == "order.total_below_paid"
    changed = sales.update_order_lines(cast.agent, order.id, [Line(quantity=4,
                                                                   product_id=paper.id)])
    assert (changed.total, changed.outstanding) == (Decimal("102.00"), Decimal("12.00"))


def test_the_catalogue_prices_lines_and_guards_its_skus(cast, paper) -> None:
    assert paper.sku == "PAPER-A4"
    with pytest.raises(Conflict):
        sales.create_product(cast.admin, "另一种纸", "Paper-A4", "1")
    with pytest.raises(PermissionDenied):
        sales.create_product(cast.manager, "笔", "PEN", "2")
    buyer = customer(cast.agent)
    order = sales.create_order(cast.agent, buyer.id, [Line(quantity=2, product_id=paper.id)])
    sales.update_product(cast.admin, paper.id, unit_price="30.00")
    assert sales.get_order(cast.agent, order.id).total == Decimal("51.00")  # sold at 25.50
    sales.update_product(cast.admin, paper.id, active=False)
    with pytest.raises(ValidationError) as caught:
        sales.create_order(cast.agent, buyer.id, [Line(quantity=1, product_id=paper.id)])
    assert caught.value.code == "product.inactive"
    assert sales.list_products(cast.agent) == []
    assert [p.sku for p in sales.list_products(cast.agent, include_inactive=True)] == ["PAPER-A4"]
    usd = sales.create_product(cast.admin, "Toner", "TONER-1", "12.00", currency="usd")
    with pytest.raises(ValidationError) as caught:
        sales.create_order(cast.agent, buyer.id, [Line(quantity=1, product_id=usd.id)])
    assert caught.value.code == "order.currency_mismatch"
    assert sales.find_product(cast.viewer, "toner-1").currency == "USD"


def test_orders_and_payments_are_on_the_timeline_and_follow_merges(cast, paper) -> None:
    keep, other = customer(cast.agent, "王小明"), customer(cast.agent, "王晓明")
    order = sales.create_order(cast.agent, other.id, sample_lines(paper), now=T0)
    sales.record_payment(cast.agent, order.id, "20", "card", now=T0 + dt.timedelta(hours=1))
    customers.merge_customers(cast.manager, keep.id, other.id)
    items = [e for e in customers.get_timeline(cast.agent, keep.id).items
             if e.kind in ("order", "payment")]
    assert [(e.kind, e.subkind, e.summary) for e in items] == [
        ("payment", "card", order.number), ("order", "draft", order.number)]
    assert items[0].data["amount"] == Decimal("20.00")
    assert sales.get_order(cast.agent, order.id).customer_id == keep.id
    assert [o.number for o in sales.list_customer_orders(cast.agent, keep.id).items] == [
        order.number]


def test_other_agents_do_not_see_an_order(cast, paper) -> None:
    buyer = customer(cast.agent)
    order = sales.create_order(cast.agent, buyer.id, sample_lines(paper))
    with pytest.raises(NotFound):
        sales.get_order(cast.other_agent, order.id)
    with pytest.raises(NotFound):
        sales.record_payment(cast.other_agent, order.id, "1", "cash")
    assert sales.get_order(cast.manager, order.id).number == order.number


def test_erasure_keeps_orders_and_payments_but_not_their_notes(cast, paper) -> None:
    buyer = customer(cast.agent, "欧阳娜娜")
    order = sales.create_order(cast.agent, buyer.id, sample_lines(paper),
                               notes="送到欧阳娜娜家", now=T0)
    sales.record_payment(cast.agent, order.id, "10", "cash", note="欧阳娜娜现金")
    privacy.erase_customer(cast.admin, buyer.id)
    assert fetch_one("select notes, total_minor from sales_order where id = ?",
                     (order.id,)) == (None, 9697)
    assert fetch_one("select note, amount_minor from payment")[0] is None
    assert fetch_one("select count(*) from order_line where description = '安装服务'")[0] == 0


def test_lifetime_value_counts_completed_and_fully_paid_orders(cast, paper) -> None:
    """Completed 96.97 (part paid) + confirmed 200.00 paid in full = CNY 296.97; a confirmed
    300.00 with 100.00 paid, a cancelled and a draft order do not count; USD apart."""
    buyer = customer(cast.agent)

    def order(amount: str, status_path: tuple[str, ...], paid: str | None = None,
              currency: str = "CNY", lines: list[Line] | None = None) -> None:
        made = sales.create_order(cast.agent, buyer.id, lines or [
            Line(quantity=1, description="货", unit_price=amount)], currency=currency)
        for status in status_path[:1]:
            sales.change_order_status(cast.agent, made.id, status)
        if paid:
            sales.record_payment(cast.agent, made.id, paid, "bank_transfer")
        for status in status_path[1:]:
            sales.change_order_status(cast.agent, made.id, status)

    order("0", ("confirmed", "shipped", "completed"), "40", lines=sample_lines(paper))
    order("200.00", ("confirmed",), "200.00")
    order("300.00", ("confirmed",), "100.00")
    order("50.00", ("cancelled",))
    order("70.00", ())
    order("10.00", ("confirmed", "completed"), currency="USD")
    assert sales.get_lifetime_value(cast.agent, buyer.id) == {
        "CNY": Decimal("296.97"), "USD": Decimal("10.00")}
    assert sales.get_lifetime_values(cast.manager) == {
        buyer.id: {"CNY": Decimal("296.97"), "USD": Decimal("10.00")}}
    assert sales.get_lifetime_values(cast.other_agent) == {}
