"""Orders and payments from the chat: a customer's orders (co:, cp:), one order (o:, in place
ov:), a new draft (on:<customer>[:<deal>]), adding lines from the catalogue or typed (oe:, og:,
op:, ou:), confirming (oc:), shipping, completing or cancelling (os:<order>:<status>; cancel asks
first, ox:<order>), and recording a payment (pa:<order> → pm:<method> → the amount typed)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import session
from bot.handlers.log import crm_step
from bot.handlers.sales import order_view, trips
from bot.handlers.sales.common import numbers, send, show, word
from bot.handlers.sales.flows import DRAFT, controls, draft
from bot.i18n import describe_error, t
from crm import sales
from crm.errors import Conflict, ValidationError
from crm.sales import money
from crm.sales.money import MINOR_UNITS
from crm.sales.views import PAYMENT_METHODS, OrderLineInput, OrderView

END = ConversationHandler.END
LINES, PAY_METHOD, PAY_AMOUNT = "so.lines", "so.method", "so.amount"
ORDERS_PAGE = 8
ID = r"\d{1,9}"


def parse_line(text: str) -> OrderLineInput | None:
    """'样品 2 150' or '样品 2 150 10%': a name, a quantity, a unit price, maybe a discount."""
    words = text.split()
    percent = words.pop() if len(words) >= 4 and words[-1].endswith("%") else None
    if len(words) >= 4 and words[-1].upper() in MINOR_UNITS:  # '样品 2 150 USD': the price's
        words[-2:] = [" ".join(words[-2:])]
    if len(words) < 3:
        return None
    return OrderLineInput(quantity=words[-2], description=" ".join(words[:-2]),
                          unit_price=words[-1], discount_percent=percent)


def _order_message(locale: str, order: OrderView, notice: str = "") -> str:
    body = order_view.order_text(locale, order)
    return f"{notice}\n\n{body}" if notice else body


def order_keyboard(context: session.Context, order: OrderView) -> InlineKeyboardMarkup:
    """The order's buttons, its next statuses as crm allows them to this user."""
    return order_view.order_keyboard(session.locale(context), order,
                                     sales.order_moves(session.actor(context), order))


Press = Callable[[Update, session.Context], Awaitable[Any]]


def redrawn_when_refused(press: Press) -> Press:
    """A status or payment button the order no longer takes (an older card: the order was
    cancelled, shipped or paid since) changes nothing: the user is told why, and the card is
    drawn again in place with the buttons the order has now."""
    @functools.wraps(press)
    async def checked(update: Update, context: session.Context) -> Any:
        try:
            return await press(update, context)
        except (ValidationError, Conflict) as error:
            [order_id] = numbers(update, 1)
            order = await session.db(context, sales.get_order, session.actor(context),
                                     order_id)
            locale = session.locale(context)
            await show(update, order_view.order_text(locale, order),
                       order_keyboard(context, order), alert=describe_error(locale, error))
            return None
    return checked


# screens without a conversation -----------------------------------------------------------------
async def open_order(update: Update, context: session.Context) -> int:
    """o:<order> sends the order with its lines, totals and payments; ov:<order> shows it in
    place of the pressed button's message."""
    [order_id] = numbers(update, 1)
    order = await session.db(context, sales.get_order, session.actor(context), order_id)
    deliver = show if word(update, 0) == "ov" else send
    await deliver(update, order_view.order_text(session.locale(context), order),
                  order_keyboard(context, order))
    return END


@redrawn_when_refused
async def ask_cancel(update: Update, context: session.Context) -> None:
    """ox:<order>: cancelling cannot be undone, so it is asked first (not when the order can
    no longer be cancelled)."""
    [order_id] = numbers(update, 1)
    order = await session.db(context, sales.order_to_cancel, session.actor(context), order_id)
    locale = session.locale(context)
    await show(update, order_view.cancel_question(locale, order),
               order_view.cancel_keyboard(locale, order))


@redrawn_when_refused
async def change_status(update: Update, context: session.Context) -> None:
    """os:<order>:<status>: shipped, completed or cancelled (crm checks the move and the
    user's right to make it)."""
    [order_id] = numbers(update, 1)
    status = word(update, 2)
    order = await session.db(context, sales.change_order_status, session.actor(context),
                             order_id, status)
    locale = session.locale(context)
    await show(update, _order_message(locale, order, t(locale, f"order.card.now_{status}")),
               order_keyboard(context, order))


async def customer_orders(update: Update, context: session.Context) -> None:
    """co:<customer> sends the customer's orders; cp:<customer>:<offset> pages in place."""
    customer_id, offset = numbers(update, 2)
    card, page = await session.db(context, trips.customer_orders, session.actor(context),
                                  customer_id, max(0, offset), ORDERS_PAGE)
    locale = session.locale(context)
    deliver = show if word(update, 0) == "cp" else send
    await deliver(update, order_view.orders_text(locale, card, page),
                  order_view.orders_keyboard(locale, card, page, ORDERS_PAGE))


@redrawn_when_refused
async def confirm(update: Update, context: session.Context) -> int:
    """oc:<order>: draft → confirmed (crm refuses an empty order)."""
    [order_id] = numbers(update, 1)
    order = await session.db(context, trips.confirm_order, session.actor(context), order_id)
    locale = session.locale(context)
    await show(update, _order_message(locale, order, t(locale, "order.card.confirmed")),
               order_keyboard(context, order))
    return END


async def leave_lines(update: Update, context: session.Context) -> int:
    """✔ Done or ✅ Confirm on the lines screen: typed text is no longer a line."""
    result = await (confirm if word(update, 0) == "oc" else open_order)(update, context)
    context.user_data.pop(DRAFT, None)
    return result


# adding lines ------------------------------------------------------------------------------------
async def _lines(update: Update, context: session.Context, screen: trips.LinesScreen,
                 offset: int = 0, *, fresh: bool = False) -> str:
    """The lines screen; typed lines go to this order from now on."""
    context.user_data[DRAFT] = {"order_id": screen.order.id}
    locale = session.locale(context)
    deliver = send if fresh else show
    await deliver(update, order_view.lines_text(locale, screen.order),
                  order_view.lines_keyboard(locale, screen, offset))
    return LINES


async def new_order(update: Update, context: session.Context) -> str:
    """on:<customer>[:<deal>]: an empty draft order, then its lines."""
    customer_id, deal_id = numbers(update, 2)
    screen = await session.db(context, trips.new_order, session.actor(context), customer_id,
                              deal_id or None)
    return await _lines(update, context, screen, fresh=True)


async def edit_lines(update: Update, context: session.Context) -> str:
    """oe:<order> or og:<order>:<offset>: the lines screen, a page of products."""
    order_id, offset = numbers(update, 2)
    screen = await session.db(context, trips.lines_screen, session.actor(context), order_id)
    return await _lines(update, context, screen, max(0, offset))


async def add_product(update: Update, context: session.Context) -> str:
    """op:<order>:<product>: one of the product at its catalogue price."""
    order_id, product_id = numbers(update, 2)
    screen = await session.db(context, trips.lines_screen, session.actor(context), order_id,
                              OrderLineInput(quantity=1, product_id=product_id))
    return await _lines(update, context, screen)


async def drop_last(update: Update, context: session.Context) -> str:
    """ou:<order>: take the last line off."""
    [order_id] = numbers(update, 1)
    screen = await session.db(context, trips.lines_screen, session.actor(context), order_id,
                              drop_last=True)
    return await _lines(update, context, screen)


async def typed_line(update: Update, context: session.Context) -> str:
    """'name quantity price': crm computes the line; a refused value keeps the step."""
    order_id = draft(context)["order_id"]
    line = parse_line(update.effective_message.text)
    if line is None:
        await update.effective_message.reply_text(session.text(context, "order.lines.hint"))
        raise ApplicationHandlerStop(LINES)
    screen = await crm_step(update, context, LINES, trips.lines_screen, session.actor(context),
                            order_id, line)
    raise ApplicationHandlerStop(await _lines(update, context, screen, fresh=True))


# recording a payment -----------------------------------------------------------------------------
@redrawn_when_refused
async def start_payment(update: Update, context: session.Context) -> str:
    """pa:<order>: how was it paid (the outstanding balance shown); an order that takes no
    payment now is refused before anything is asked."""
    [order_id] = numbers(update, 1)
    order = await session.db(context, sales.order_to_pay, session.actor(context), order_id)
    locale = session.locale(context)
    outstanding = order_view.money(locale, order.outstanding, order.currency)
    context.user_data[DRAFT] = {"order_id": order.id, "outstanding": outstanding,
                                "currency": order.currency}
    await send(update, t(locale, "payment.flow.ask_method", number=order.number,
                         outstanding=outstanding), order_view.methods_keyboard(locale))
    return PAY_METHOD


async def amount_before_method(update: Update, context: session.Context) -> str:
    """An amount typed before the method is kept (recorded once the method is picked); it is
    never taken for a search."""
    values, locale = draft(context), session.locale(context)
    text = update.effective_message.text.strip()
    try:
        amount = money.parse_decimal(money.typed_in(text, values["currency"]), field="amount")
    except ValidationError as error:
        await update.effective_message.reply_text(
            describe_error(locale, error) + "\n" + t(locale, "payment.flow.pick_method"),
            reply_markup=order_view.methods_keyboard(locale))
        raise ApplicationHandlerStop(PAY_METHOD) from error
    values["amount"] = text
    await update.effective_message.reply_text(
        t(locale, "payment.flow.method_first",
          amount=order_view.money(locale, amount, values["currency"])),
        reply_markup=order_view.methods_keyboard(locale))
    raise ApplicationHandlerStop(PAY_METHOD)


async def picked_method(update: Update, context: session.Context) -> str:
    """pm:<method>: now the amount, or the payment when the amount came first."""
    values = draft(context)
    values["method"] = word(update, 1)
    locale = session.locale(context)
    if values.get("amount"):
        try:
            await _record(update, context, values.pop("amount"))
        except ApplicationHandlerStop as stop:
            if stop.state != PAY_AMOUNT:  # recorded, or the order gone: nothing more to ask
                await update.callback_query.answer()
                raise
    await show(update, t(locale, "payment.flow.ask_amount",
                         method=order_view.method(locale, values["method"]),
                         outstanding=values["outstanding"]),
               controls(locale))
    return PAY_AMOUNT


async def typed_amount(update: Update, context: session.Context) -> str:
    """The amount: one crm call; an overpayment is refused and the step stays."""
    await _record(update, context, update.effective_message.text.strip())


async def _record(update: Update, context: session.Context, amount: str) -> NoReturn:
    values = draft(context)
    payment, order = await crm_step(update, context, PAY_AMOUNT, trips.pay,
                                    session.actor(context), values["order_id"], amount,
                                    values["method"])
    context.user_data.pop(DRAFT, None)
    locale = session.locale(context)
    notice = t(locale, "payment.flow.recorded",
               amount=order_view.money(locale, payment.amount, payment.currency),
               method=order_view.method(locale, payment.method),
               outstanding=order_view.money(locale, order.outstanding, order.currency))
    await update.effective_message.reply_text(_order_message(locale, order, notice),
                                              reply_markup=order_keyboard(context, order))
    raise ApplicationHandlerStop(END)


# wiring -------------------------------------------------------------------------------------------
def entry_points() -> list[BaseHandler]:
    """Where the order conversations start."""
    return [CallbackQueryHandler(new_order, pattern=rf"^on:{ID}(:{ID})?$"),
            CallbackQueryHandler(edit_lines, pattern=rf"^(oe:{ID}|og:{ID}:{ID})$"),
            CallbackQueryHandler(add_product, pattern=rf"^op:{ID}:{ID}$"),
            CallbackQueryHandler(drop_last, pattern=rf"^ou:{ID}$"),
            CallbackQueryHandler(start_payment, pattern=rf"^pa:{ID}$")]


def states(text: filters.BaseFilter) -> dict[object, list[BaseHandler]]:
    """Typed lines, confirm or done; the payment method, then the amount."""
    methods = "|".join(PAYMENT_METHODS)
    return {LINES: [MessageHandler(text, typed_line),
                    CallbackQueryHandler(leave_lines, pattern=rf"^(oc|o):{ID}$")],
            PAY_METHOD: [CallbackQueryHandler(picked_method, pattern=rf"^pm:({methods})$"),
                         MessageHandler(text, amount_before_method)],
            PAY_AMOUNT: [MessageHandler(text, typed_amount)]}


def stateless() -> list[BaseHandler]:
    """The order screens outside a conversation."""
    statuses = "|".join(("shipped", "completed", "cancelled"))
    return [CallbackQueryHandler(open_order, pattern=rf"^ov?:{ID}$"),
            CallbackQueryHandler(ask_cancel, pattern=rf"^ox:{ID}$"),
            CallbackQueryHandler(change_status, pattern=rf"^os:{ID}:({statuses})$"),
            CallbackQueryHandler(customer_orders, pattern=rf"^(co:{ID}|cp:{ID}:{ID})$"),
            CallbackQueryHandler(confirm, pattern=rf"^oc:{ID}$")]
