"""/deals, a stage's deals, the deal card and what its buttons do (move, win, lose, history,
the edit menu). Every press goes through crm again: a button is not a grant."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import session
from bot.handlers.sales import order_view, trips, view
from bot.handlers.sales.common import month_start, numbers, send, show, word, year_start
from bot.i18n import describe_error, t
from bot.keyboards import int_part, keyboard, parse
from bot.session import local_now, timezone
from crm import sales
from crm.errors import ChangedSince
from crm.permissions import Action, allows
from crm.sales.views import StageView

STAGE_PAGE = 8
CUSTOMER_PAGE = 8
ID = r"\d{1,9}"
SEEN = rf"(:{ID})?"  # the stage the card showed; absent on buttons drawn before it was added


Press = Callable[[Update, session.Context], Awaitable[Any]]


def seen_stage(update: Update, index: int) -> int | None:
    """The stage the pressed card showed the deal in (None on a button drawn before cards
    carried it)."""
    return int_part(parse(update.callback_query.data), index)


def redrawn_when_moved(press: Press) -> Press:
    """A move pressed on a card drawn before the deal moved changes nothing: the user is told
    (won or lost on which day, or moved) and the card is drawn again as the deal now is."""
    @functools.wraps(press)
    async def checked(update: Update, context: session.Context) -> Any:
        try:
            return await press(update, context)
        except ChangedSince as error:
            [deal_id] = numbers(update, 1)
            screen = await session.db(context, trips.deal_screen, session.actor(context),
                                      deal_id)
            locale = session.locale(context)
            await show(update, view.deal_text(locale, screen.deal),
                       view.deal_keyboard(locale, screen), alert=describe_error(locale, error))
            return None
    return checked


async def deals_command(update: Update, context: session.Context) -> None:
    """/deals (or ↩ Pipeline, dp): the pipeline by stage, won and lost this month."""
    overview = await session.db(context, trips.overview, session.actor(context),
                                month_start(context))
    locale = session.locale(context)
    await show(update, view.overview_text(locale, overview),
               view.overview_keyboard(locale, overview))


async def stage_deals(update: Update, context: session.Context) -> None:
    """ds:<stage id>:<offset>: one page of a stage's deals."""
    stage_id, offset = numbers(update, 2)
    stage, page = await session.db(context, trips.stage_page, session.actor(context), stage_id,
                                   max(0, offset), STAGE_PAGE)
    locale = session.locale(context)
    await show(update, view.stage_text(locale, stage, page),
               view.stage_keyboard(locale, stage, page, STAGE_PAGE))


async def show_customer_deals(update: Update, context: session.Context, customer_id: int,
                              offset: int, *, in_place: bool = False) -> bool:
    """A page of the customer's deals with ➕ New deal (a new message, or ``in_place`` of the
    pressed one); False (nothing shown) when the customer has none yet."""
    actor = session.actor(context)
    found = await session.db(context, trips.customer_deals, actor, customer_id, max(0, offset),
                             CUSTOMER_PAGE)
    if not found.page.items and found.page.offset == 0:
        return False
    locale = session.locale(context)
    text = view.customer_deals_text(locale, found.customer.name, found.page, found.stages)
    markup = view.customer_deals_keyboard(locale, customer_id, found.page, CUSTOMER_PAGE,
                                          allows(actor, Action.CREATE))
    await (show if in_place else send)(update, text, markup)
    return True


async def customer_deals_page(update: Update, context: session.Context) -> None:
    """cd:<customer>:<offset>: ◀ ▶ through a customer's deals."""
    customer_id, offset = numbers(update, 2)
    if not await show_customer_deals(update, context, customer_id, offset, in_place=True):
        await update.callback_query.answer(session.text(context, "search.expired"),
                                           show_alert=True)


async def open_deal(update: Update, context: session.Context) -> None:
    """d:<id> sends the deal card; d:<id>:e shows it in place of the pressed screen."""
    [deal_id] = numbers(update, 1)
    screen = await session.db(context, trips.deal_screen, session.actor(context), deal_id)
    locale = session.locale(context)
    deliver = show if word(update, 2) == "e" else send
    await deliver(update, view.deal_text(locale, screen.deal), view.deal_keyboard(locale, screen))


@redrawn_when_moved
async def move(update: Update, context: session.Context) -> None:
    """dm:<deal>:<stage>:<seen stage>: an open stage moves at once; won asks about an order,
    lost why."""
    deal_id, stage_id = numbers(update, 2)
    screen, target = await session.db(context, trips.move_or_ask, session.actor(context),
                                      deal_id, stage_id, seen_stage(update, 3))
    await answer_move(update, context, screen, target)


async def answer_move(update: Update, context: session.Context, screen: trips.DealScreen,
                      target: StageView | None) -> None:
    """The card after a move to an open stage, else the question a won or lost one asks."""
    locale, deal = session.locale(context), screen.deal
    if target is None:
        await show_moved(update, context, screen)
    elif target.kind == "lost":
        await show(update, t(locale, "deal.lost.ask_reason", title=deal.title),
                   view.reasons_keyboard(locale, deal.id, target.id, deal.stage.id))
    else:
        await show(update, t(locale, "deal.won.ask_order", title=deal.title),
                   view.won_keyboard(locale, deal.id, target.id, deal.stage.id))


async def show_moved(update: Update, context: session.Context, screen: trips.DealScreen) -> None:
    """The card after a move, saying where the deal went."""
    locale = session.locale(context)
    done = t(locale, "deal.card.moved", stage=view.stage_name(locale, screen.deal.stage))
    await show(update, done + "\n\n" + view.deal_text(locale, screen.deal),
               view.deal_keyboard(locale, screen))


@redrawn_when_moved
async def lose(update: Update, context: session.Context) -> None:
    """dr:<deal>:<stage>:<reason>:<seen stage>: lost for a reason from the list (crm requires
    one)."""
    deal_id, stage_id = numbers(update, 2)
    screen = await session.db(context, trips.move, session.actor(context), deal_id, stage_id,
                              lost_reason=word(update, 3), seen_stage_id=seen_stage(update, 4))
    await show_moved(update, context, screen)


@redrawn_when_moved
async def win(update: Update, context: session.Context) -> None:
    """dw:<deal>:<stage>:<1|0>:<seen stage>: won, with a draft order when asked for."""
    deal_id, stage_id, with_order = numbers(update, 3)
    screen, order = await session.db(context, trips.win, session.actor(context), deal_id,
                                     stage_id, bool(with_order), seen_stage(update, 4))
    await show_moved(update, context, screen)
    if order is not None:
        locale, moves = session.locale(context), sales.order_moves(session.actor(context), order)
        await update.effective_message.reply_text(
            order_view.order_text(locale, order),
            reply_markup=order_view.order_keyboard(locale, order, moves))


async def history(update: Update, context: session.Context) -> None:
    """dh:<deal>: every stage move, who and when."""
    [deal_id] = numbers(update, 1)
    deal, moves = await session.db(context, trips.history, session.actor(context), deal_id)
    locale = session.locale(context)
    back = keyboard([[view.button(locale, "deal.history.back", "d", deal_id, "e")]])
    await show(update, view.history_text(locale, deal, moves, timezone(context)), back)


async def edit_menu(update: Update, context: session.Context) -> None:
    """de:<deal>: which field to change."""
    [deal_id] = numbers(update, 1)
    screen = await session.db(context, trips.deal_screen, session.actor(context), deal_id)
    locale = session.locale(context)
    await show(update, t(locale, "deal.edit.menu", title=screen.deal.title),
               view.edit_keyboard(locale, deal_id))


async def forecast_command(update: Update, context: session.Context) -> None:
    """/forecast (managers and admins): weighted forecast by month, and won this year."""
    result = await session.db(context, trips.forecast, session.actor(context),
                              year_start(context))
    locale = session.locale(context)
    await update.effective_message.reply_text(
        view.forecast_text(locale, result, local_now(context).year))


def register(application: Application) -> None:
    """The stateless screens (the conversations are added by the package)."""
    application.add_handler(CommandHandler("deals", deals_command))
    application.add_handler(CommandHandler("forecast", forecast_command))
    for callback, pattern in (
            (deals_command, r"^dp$"), (stage_deals, rf"^ds:{ID}:{ID}$"),
            (customer_deals_page, rf"^cd:{ID}:{ID}$"),
            (open_deal, rf"^d:{ID}(:e)?$"), (move, rf"^dm:{ID}:{ID}{SEEN}$"),
            (lose, rf"^dr:{ID}:{ID}:\w{{0,20}}{SEEN}$"), (win, rf"^dw:{ID}:{ID}:[01]{SEEN}$"),
            (history, rf"^dh:{ID}$"), (edit_menu, rf"^de:{ID}$")):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
