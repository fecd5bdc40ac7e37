"""Rendering orders: the order with its lines, totals and payments; the line picker; a
customer's orders; the payment methods."""

from __future__ import annotations

from decimal import Decimal

from telegram import InlineKeyboardMarkup

from bot.handlers.sales.trips import LinesScreen
from bot.handlers.sales.view import LABEL_MAX, button, day, money, rows_of
from bot.i18n import t
from bot.keyboards import Button, data, keyboard
from bot.render import clip, merged_from_lines, pager
from crm.customers.views import CustomerCard
from crm.sales.views import PAYMENT_METHODS, OrderLineView, OrderSummary, OrderView, Page

PRODUCTS_PAGE = 6


def status(locale: str, code: str) -> str:
    return t(locale, f"order.status.{code}", html_escape=False)


def method(locale: str, code: str) -> str:
    return t(locale, f"payment.method.{code}", html_escape=False)


def quantity(value: Decimal) -> str:
    """2, 1.5 (never 1E+1)."""
    return f"{value:f}"


def _line(locale: str, number: int, line: OrderLineView, code: str) -> str:
    params = {"number": number, "description": line.description,
              "quantity": quantity(line.quantity), "price": money(locale, line.unit_price, code),
              "total": money(locale, line.total, code)}
    if not line.discount:
        return t(locale, "order.card.line", **params)
    off = (f"{line.discount_percent:f}%" if line.discount_percent is not None
           else money(locale, line.discount, code))
    return t(locale, "order.card.line_discount", discount=off, **params)


def order_text(locale: str, order: OrderView) -> str:
    """The order: number, status, customer, lines, totals, paid and outstanding, payments."""
    code = order.currency
    lines = [t(locale, "order.card.title", number=order.number,
               status=status(locale, order.status)),
             t(locale, "order.card.customer", customer=order.customer_name),
             *merged_from_lines(locale, order.merged_from)]
    lines += [_line(locale, i, x, code) for i, x in enumerate(order.lines, start=1)] or [
        t(locale, "order.card.no_lines")]
    if order.discount:
        lines.append(t(locale, "order.card.subtotal", subtotal=money(locale, order.subtotal, code),
                       discount=money(locale, order.discount, code)))
    lines += [t(locale, "order.card.total", total=money(locale, order.total, code)),
              t(locale, "order.card.paid", paid=money(locale, order.paid, code),
                outstanding=money(locale, order.outstanding, code))]
    for payment in order.payments:
        key = "order.card.payment_void" if payment.voided_at else "order.card.payment"
        lines.append(t(locale, key, date=day(payment.paid_on),
                       method=method(locale, payment.method),
                       amount=money(locale, payment.amount, payment.currency)))
    return "\n".join(lines)


def order_keyboard(locale: str, order: OrderView,
                   moves: tuple[str, ...]) -> InlineKeyboardMarkup:
    """Add lines to a draft; the next statuses the user may give it (``moves``, from crm:
    confirm, ship, complete, cancel); record a payment while something is outstanding."""
    rows: list[list[Button]] = []
    if order.status == "draft":
        rows.append([button(locale, "order.card.add_lines", "oe", order.id)])
    onward = [_move_button(locale, order.id, status) for status in moves if status != "cancelled"]
    if onward:
        rows.append(onward)
    if order.status != "cancelled" and order.outstanding > 0:
        rows.append([button(locale, "order.card.pay", "pa", order.id)])
    if "cancelled" in moves:
        rows.append([button(locale, "order.card.cancel", "ox", order.id)])
    back = [button(locale, "deal.card.customer_button", "c", order.customer_id)]
    if order.deal_id:
        back.append(button(locale, "order.card.deal", "d", order.deal_id))
    return keyboard([*rows, back])


def _move_button(locale: str, order_id: int, status: str) -> Button:
    if status == "confirmed":
        return button(locale, "order.card.confirm", "oc", order_id)
    return button(locale, f"order.card.to_{status}", "os", order_id, status)


def cancel_question(locale: str, order: OrderView) -> str:
    """The order, and whether to cancel it for good."""
    return order_text(locale, order) + "\n\n" + t(locale, "order.card.cancel_ask",
                                                   number=order.number)


def cancel_keyboard(locale: str, order: OrderView) -> InlineKeyboardMarkup:
    """Yes, cancel it / keep it (back to the order in place)."""
    return keyboard([[button(locale, "order.card.cancel_yes", "os", order.id, "cancelled")],
                     [button(locale, "order.card.cancel_keep", "ov", order.id)]])


def lines_text(locale: str, order: OrderView) -> str:
    """The order so far, and how to add a line."""
    return order_text(locale, order) + "\n\n" + t(locale, "order.lines.hint")


def lines_keyboard(locale: str, screen: LinesScreen, offset: int) -> InlineKeyboardMarkup:
    """A page of products to add, ◀ ▶, remove the last line, confirm, done."""
    order, products = screen.order, screen.products
    shown = products[offset:offset + PRODUCTS_PAGE]
    picks = [[(clip(t(locale, "order.lines.product", html_escape=False, name=p.name,
                      price=money(locale, p.unit_price, p.currency)), LABEL_MAX),
               data("op", order.id, p.id))] for p in shown]
    page = Page(tuple(shown), offset, len(products) > offset + PRODUCTS_PAGE)
    actions: list[Button] = []
    if order.lines:
        actions = [button(locale, "order.card.remove_last", "ou", order.id),
                   button(locale, "order.card.confirm", "oc", order.id)]
    return keyboard([*picks, pager(page, PRODUCTS_PAGE, "og", order.id), actions,
                     [button(locale, "order.lines.done", "o", order.id)]])


def orders_text(locale: str, card: CustomerCard, page: Page[OrderSummary]) -> str:
    """One page of a customer's orders."""
    lines = [t(locale, "order.list.title", name=card.name)]
    lines += [t(locale, "order.list.line", number=o.number, status=status(locale, o.status),
                total=money(locale, o.total, o.currency), paid=money(locale, o.paid, o.currency))
              for o in page.items] or [t(locale, "order.list.empty")]
    return "\n".join(lines)


def orders_keyboard(locale: str, card: CustomerCard, page: Page[OrderSummary],
                    limit: int) -> InlineKeyboardMarkup:
    """A button per order, ◀ ▶, a new order, the card."""
    picks = [(t(locale, "order.list.button", html_escape=False, number=o.number,
                total=money(locale, o.total, o.currency)), data("o", o.id)) for o in page.items]
    return keyboard([*rows_of(picks, 1), pager(page, limit, "co", card.id),
                     [button(locale, "order.list.new", "on", card.id),
                      button(locale, "deal.card.customer_button", "c", card.id)]])


def methods_keyboard(locale: str) -> InlineKeyboardMarkup:
    """The domain's payment methods, two a row, and cancel."""
    methods = [(method(locale, code), data("pm", code)) for code in PAYMENT_METHODS]
    return keyboard([*rows_of(methods), [button(locale, "deal.new.cancel", "sx", "x")]])
