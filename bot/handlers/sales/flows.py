"""The deal conversations: a new deal from the customer card (dl:<customer id>), changing one
field of a deal (df:<deal>:<field>), why a deal was lost (dq:<deal>:<stage>: a reason pressed
or typed), and a lost reason that needs a few words (dr:...:other).

Each collects a draft and makes one crm call at the end; a value crm refuses keeps its step.
Controls: sx:skip, sx:back, sx:save, sx:clear, sx:x (cancel)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NoReturn

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, ConversationHandler

from bot import session
from bot.handlers.log import crm_step
from bot.handlers.sales import deals, trips, view
from bot.handlers.sales.common import numbers, send, show, word
from bot.i18n import describe_error, t
from bot.keyboards import keyboard
from bot.session import local_now
from crm import customers
from crm.errors import ChangedSince, ValidationError
from crm.permissions import Action, allows, require
from crm.reminders.when import parse_day
from crm.sales import money, rules
from crm.validation import parse_date
from storage.errors import CodedError

END = ConversationHandler.END
TITLE, AMOUNT, CLOSE, CONFIRM = "sd.title", "sd.amount", "sd.close", "sd.confirm"
EDIT, LOST_NOTE = "sd.edit", "sd.lost_note"
STEPS = (TITLE, AMOUNT, CLOSE)
STEP_OF_FIELD = {"title": TITLE, "amount": AMOUNT, "currency": AMOUNT, "expected_close": CLOSE}
DRAFT = "sales.draft"  # the one sales flow in progress, in user_data
_AMOUNT = re.compile(r"([A-Za-z]{3})?\s*([^A-Za-z]*?)\s*([A-Za-z]{3})?")


# parsing what was typed -------------------------------------------------------------------------
def split_amount(text: str) -> tuple[str, str | None]:
    """'120000', '5000 USD', 'USD 5,000', '¥8000元', '$5,000' → (amount text, currency code
    or None); a code typed beside a sign is the one meant ('$5000 HKD')."""
    cleaned = text.strip().removesuffix("元").strip()
    sign = money.currency_of_sign(cleaned)
    match = _AMOUNT.fullmatch(cleaned)
    if match is None or not match[2].strip():  # "abc" is no amount, not a currency
        return cleaned, sign
    code = match[1] or match[3]
    return match[2], code.upper() if code else sign


def check_amount(amount: str, code: str | None) -> str:
    """The currency code, once crm's money rules accept the amount in it."""
    checked = money.currency(code)
    money.to_minor(amount, checked)
    return checked


def close_date(text: str, today: dt.date) -> str:
    """A typed close date as crm takes it: any day people name (12/31, 12月31日, 月底, 12月底,
    年底, 季度末, 下周五, 3个月后, next Friday; see ``parse_day``), else the text as typed
    (crm then says what it expects)."""
    try:
        day = parse_day(text, today)
    except ValidationError:
        day = None
    return day.isoformat() if day else text.strip()


# shared -----------------------------------------------------------------------------------------
def draft(context: session.Context) -> dict[str, Any]:
    """The flow's draft; a flow that outlived it (a restart) just ends."""
    found = context.user_data.get(DRAFT)
    if found is None:
        raise ApplicationHandlerStop(END)
    return found


def controls(locale: str, *names: str) -> InlineKeyboardMarkup:
    """Skip / Back / Save / Clear / Cancel buttons, as asked."""
    return keyboard([[view.button(locale, f"deal.new.{name}", "sx", name)
                      for name in names if name != "x"],
                     [view.button(locale, "deal.new.cancel", "sx", "x")]])


async def refuse(update: Update, context: session.Context, error: CodedError,
                 step: str) -> NoReturn:
    """Say what crm refused and stay at ``step`` (typed text must not reach the search)."""
    await update.effective_message.reply_text(describe_error(session.locale(context), error))
    raise ApplicationHandlerStop(step)


def unsaved(locale: str, user_data: dict[Any, Any]) -> str | None:
    """A new deal with answers typed, or a payment's amount typed before its method (a
    field edit, a lost note and order lines are saved as they are typed)."""
    values = user_data.get(DRAFT) or {}
    if "customer_id" in values and any(values.get(k) for k in ("title", "amount", "close")):
        return t(locale, "flow.new_deal", html_escape=False,
                 name=values.get("title") or values["name"])
    if "outstanding" in values and values.get("amount"):
        return t(locale, "flow.payment", html_escape=False,
                 amount=money_text(locale, values["amount"], values["currency"]))
    return None


async def cancel(update: Update, context: session.Context) -> int:
    """/cancel or ✖: drop the draft."""
    context.user_data.pop(DRAFT, None)
    await show(update, session.text(context, "deal.new.cancelled"))
    return END


async def timed_out(update: Update, context: session.Context) -> None:
    """Left alone too long: forget the draft and say so."""
    if context.user_data is not None and context.user_data.pop(DRAFT, None) is not None \
            and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id,
                                       session.text(context, "deal.new.timed_out"))


# a new deal -------------------------------------------------------------------------------------
async def start_new(update: Update, context: session.Context) -> str | int:
    """💼 on the card (dl:<customer id>): the customer's deals when there are any, with ➕;
    otherwise, and from ➕ (dn:<customer id>), a new deal. The customer must be visible, the
    user allowed to create."""
    actor = session.actor(context)
    [customer_id] = numbers(update, 1)
    if word(update, 0) == "dl" and await deals.show_customer_deals(update, context,
                                                                   customer_id, 0):
        return END
    if word(update, 0) == "dl" and not allows(actor, Action.CREATE):  # nothing to show or do
        await update.callback_query.answer(session.text(context, "deals.customer_empty"),
                                           show_alert=True)
        return END
    require(actor, Action.CREATE)
    card = await session.db(context, customers.get_customer, actor, customer_id)
    context.user_data[DRAFT] = {"customer_id": card.id, "name": card.name}
    locale = session.locale(context)
    await send(update, t(locale, "deal.new.ask_title", name=card.name), controls(locale))
    return TITLE


def _question(context: session.Context, step: str) -> tuple[str, InlineKeyboardMarkup]:
    values, locale = draft(context), session.locale(context)
    if step == TITLE:
        return t(locale, "deal.new.ask_title", name=values["name"]), controls(locale)
    key = "deal.new.ask_amount" if step == AMOUNT else "deal.new.ask_close"
    text = t(locale, key, currency=money.DEFAULT_CURRENCY)
    return text, controls(locale, "skip", "back")


def summary(context: session.Context) -> str:
    """The draft as it will be saved."""
    values, locale = draft(context), session.locale(context)
    amount = (money_text(locale, values["amount"], values["currency"])
              if values.get("amount") else "—")
    rows = (("title", values.get("title") or "—"), ("amount", amount),
            ("expected_close", values.get("close") or "—"))
    return "\n".join([t(locale, "deal.new.confirm", name=values["name"])] + [
        t(locale, "deal.new.line", field=t(locale, f"field.{f}", html_escape=False), value=v)
        for f, v in rows])


def money_text(locale: str, amount: str, code: str) -> str:
    """A typed amount as it will be shown (crm has accepted it already)."""
    return view.money(locale, money.parse_decimal(amount, field="amount"), code)


async def ask(update: Update, context: session.Context, step: str, *,
              fresh: bool = False) -> str:
    """The question of a step (or the summary), in place of a pressed button's message unless
    ``fresh``."""
    values, locale = draft(context), session.locale(context)
    deliver = send if fresh else show
    if step == CONFIRM:
        values["review"] = True
        await deliver(update, summary(context), controls(locale, "save", "back"))
        return CONFIRM
    text, markup = _question(context, step)
    await deliver(update, text, markup)
    return step


async def ask_next(update: Update, context: session.Context, step: str) -> str:
    """The following step; after a correction, straight back to the summary."""
    if draft(context).get("review") or step == CLOSE:
        return await ask(update, context, CONFIRM)
    return await ask(update, context, STEPS[STEPS.index(step) + 1])


async def typed_title(update: Update, context: session.Context) -> str:
    """The title; crm checks its length when saving."""
    draft(context)["title"] = update.effective_message.text.strip()
    raise ApplicationHandlerStop(await ask_next(update, context, TITLE))


async def typed_amount(update: Update, context: session.Context) -> str:
    """An amount with an optional currency (CNY by default); a bad one keeps the step."""
    amount, code = split_amount(update.effective_message.text)
    try:
        checked = check_amount(amount, code)
    except ValidationError as error:
        await refuse(update, context, error, AMOUNT)
    draft(context).update(amount=amount, currency=checked)
    raise ApplicationHandlerStop(await ask_next(update, context, AMOUNT))


async def typed_close(update: Update, context: session.Context) -> str:
    """2026-12-31, 2026/12/31 or 12/31; a bad date keeps the step, a past one is confirmed."""
    today = local_now(context).date()
    text = close_date(update.effective_message.text, today)
    try:
        day = parse_date(text, field="expected_close")
    except ValidationError as error:
        await refuse(update, context, error, CLOSE)
    if rules.close_date_passed(day, today):
        draft(context)["past_close"] = day.isoformat()
        locale = session.locale(context)
        await send(update, t(locale, "deal.new.close_passed", day=day.isoformat()),
                   controls(locale, "keep"))
        raise ApplicationHandlerStop(CLOSE)
    draft(context).pop("past_close", None)
    draft(context)["close"] = day.isoformat()
    raise ApplicationHandlerStop(await ask_next(update, context, CLOSE))


async def kept_past_close(update: Update, context: session.Context) -> str:
    """sx:keep: the user meant the date that has passed."""
    values = draft(context)
    if "past_close" not in values:
        await update.callback_query.answer()
        return CLOSE
    values["close"] = values.pop("past_close")
    return await ask_next(update, context, CLOSE)


def skipped(step: str) -> Any:
    """⏭ at the amount or the date: leave it empty."""
    async def on_skip(update: Update, context: session.Context) -> str:
        values = draft(context)
        values.update({"amount": None, "currency": None} if step == AMOUNT else {"close": None})
        return await ask_next(update, context, step)
    return on_skip


def went_back(step: str) -> Any:
    """◀: the step before."""
    async def on_back(update: Update, context: session.Context) -> str:
        draft(context)
        earlier = CLOSE if step == CONFIRM else STEPS[max(0, STEPS.index(step) - 1)]
        return await ask(update, context, earlier)
    return on_back


async def save_deal(update: Update, context: session.Context) -> object:
    """✅: one crm call; a refused value goes back to its step."""
    values = draft(context)
    try:
        screen = await session.db(context, trips.create_deal, session.actor(context),
                                  values["customer_id"], values.get("title") or "",
                                  values.get("amount"), values.get("currency"),
                                  values.get("close"))
    except ValidationError as error:
        await update.effective_message.reply_text(describe_error(session.locale(context), error))
        values["review"] = True
        return await ask(update, context, STEP_OF_FIELD.get(error.field, CONFIRM), fresh=True)
    context.user_data.pop(DRAFT, None)
    locale = session.locale(context)
    await show(update, t(locale, "deal.new.saved") + "\n\n" + view.deal_text(locale, screen.deal),
               view.deal_keyboard(locale, screen))
    return END


# one field of a deal ----------------------------------------------------------------------------
async def start_edit(update: Update, context: session.Context) -> str:
    """df:<deal>:<field>: the deal must be visible and the user allowed to edit."""
    actor = session.actor(context)
    require(actor, Action.EDIT)
    [deal_id] = numbers(update, 1)
    field = update.callback_query.data.split(":")[2]
    screen = await session.db(context, trips.deal_screen, actor, deal_id)
    deal, locale = screen.deal, session.locale(context)
    current = {"title": deal.title, "amount": view.money(locale, deal.amount, deal.currency),
               "expected_close": view.day(deal.expected_close), "notes": deal.notes or "—"}
    context.user_data[DRAFT] = {"deal_id": deal.id, "field": field, "currency": deal.currency}
    buttons = () if field == "title" else ("clear",)
    await show(update, t(locale, "deal.edit.ask", title=deal.title, value=current[field],
                         field=t(locale, f"field.{field}", html_escape=False)),
               controls(locale, *buttons))
    return EDIT


def _edit_value(context: session.Context, text: str) -> tuple[object, str | None]:
    """The typed value as crm takes it; an amount may change the currency too."""
    values = draft(context)
    if values["field"] == "expected_close":
        return close_date(text, local_now(context).date()), None
    if values["field"] != "amount":
        return text, None
    amount, code = split_amount(text)
    checked = check_amount(amount, code or values["currency"])
    return amount, checked if checked != values["currency"] else None


async def typed_edit(update: Update, context: session.Context) -> str:
    """The new value: one crm call; a refused value keeps the step."""
    values = draft(context)
    try:
        value, currency = _edit_value(context, update.effective_message.text.strip())
    except ValidationError as error:
        await refuse(update, context, error, EDIT)
    screen = await crm_step(update, context, EDIT, trips.edit_deal, session.actor(context),
                            values["deal_id"], values["field"], value, currency)
    await _edited(update, context, screen)
    raise ApplicationHandlerStop(END)


async def cleared(update: Update, context: session.Context) -> int:
    """🧹: the field becomes empty (crm refuses it for the title)."""
    values = draft(context)
    await update.callback_query.answer()
    screen = await crm_step(update, context, EDIT, trips.edit_deal, session.actor(context),
                            values["deal_id"], values["field"], None)
    await _edited(update, context, screen)
    return END


async def _edited(update: Update, context: session.Context, screen: trips.DealScreen) -> None:
    context.user_data.pop(DRAFT, None)
    locale = session.locale(context)
    await update.effective_message.reply_text(
        t(locale, "deal.edit.saved") + "\n\n" + view.deal_text(locale, screen.deal),
        reply_markup=view.deal_keyboard(locale, screen))


# a lost reason in a few words -------------------------------------------------------------------
@deals.redrawn_when_moved
async def ask_lost_reason(update: Update, context: session.Context) -> str | int:
    """dq:<deal>:<stage>:<seen stage> (✖ Lost on the card): why, as a button or typed in a few
    words, which is the reason "other" with those words (the question invites an answer: it
    must not become a search). A stage that is no longer a lost one moves, or asks, as the
    card's other buttons do."""
    deal_id, stage_id = numbers(update, 2)
    screen, target = await session.db(context, trips.move_or_ask, session.actor(context),
                                      deal_id, stage_id, deals.seen_stage(update, 3))
    if target is None or target.kind != "lost":
        await deals.answer_move(update, context, screen, target)
        return END
    seen = screen.deal.stage.id
    context.user_data[DRAFT] = {"deal_id": deal_id, "stage_id": stage_id, "seen": seen}
    locale = session.locale(context)
    await show(update, t(locale, "deal.lost.ask_reason_or_type", title=screen.deal.title),
               view.reasons_keyboard(locale, deal_id, stage_id, seen))
    return LOST_NOTE


async def picked_reason(update: Update, context: session.Context) -> int:
    """dr:<deal>:<stage>:<reason> at the question: lost for that reason, the question ends."""
    context.user_data.pop(DRAFT, None)
    await deals.lose(update, context)
    return END


async def left_question(update: Update, context: session.Context) -> int:
    """↩ Deal at the question: the card again, nothing lost."""
    context.user_data.pop(DRAFT, None)
    await deals.open_deal(update, context)
    return END


async def start_lost_note(update: Update, context: session.Context) -> str:
    """dr:<deal>:<stage>:other: ask what happened (the deal must be visible)."""
    actor = session.actor(context)
    require(actor, Action.EDIT)
    deal_id, stage_id = numbers(update, 2)
    screen = await session.db(context, trips.deal_screen, actor, deal_id)
    context.user_data[DRAFT] = {"deal_id": deal_id, "stage_id": stage_id,
                                "seen": deals.seen_stage(update, 4)}
    locale = session.locale(context)
    await show(update, t(locale, "deal.lost.ask_note", title=screen.deal.title),
               controls(locale))
    return LOST_NOTE


async def typed_lost_note(update: Update, context: session.Context) -> str:
    """The note: the deal moves to the lost stage with reason "other"."""
    values, actor, locale = draft(context), session.actor(context), session.locale(context)
    try:
        screen = await crm_step(update, context, LOST_NOTE, trips.move, actor,
                                values["deal_id"], values["stage_id"], lost_reason="other",
                                lost_note=update.effective_message.text,
                                seen_stage_id=values.get("seen"))
        done = t(locale, "deal.card.moved", stage=view.stage_name(locale, screen.deal.stage))
    except ApplicationHandlerStop as stop:
        if not isinstance(stop.__cause__, ChangedSince):
            raise
        # won or lost meanwhile: said above; the card as the deal now is follows
        screen, done = await session.db(context, trips.deal_screen, actor,
                                        values["deal_id"]), ""
    context.user_data.pop(DRAFT, None)
    await update.effective_message.reply_text(
        "\n\n".join(filter(None, [done, view.deal_text(locale, screen.deal)])),
        reply_markup=view.deal_keyboard(locale, screen))
    raise ApplicationHandlerStop(END)
