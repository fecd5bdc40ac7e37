"""The customer card and its timeline."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot import session
from bot.handlers.sales.view import money
from bot.i18n import t
from bot.keyboards import data, int_part, keyboard, parse
from bot.long_text import reply_in_parts
from bot.reminder_text import moment_text, subject
from bot.render import (
    NO_PREVIEW,
    card_keyboard,
    customer_card,
    is_cut,
    pager,
    timeline_cut,
    timeline_entry_text,
    timeline_text,
)
from crm import customers
from crm.card import CardScreen, get_card_screen
from crm.customers.views import Page, TimelineEntry

TIMELINE_PAGE = 8


async def send_card(update: Update, context: session.Context, customer_id: int, *,
                    saved: bool = False) -> None:
    """Send a customer's card as a new message (the permission is checked by crm); ``saved``
    puts "Saved." above it, after a change."""
    screen = await session.db(context, get_card_screen, session.actor(context), customer_id)
    locale, zone = session.locale(context), session.timezone(context)
    text = customer_card(locale, screen.card, timezone=zone, **card_extras(locale, screen, zone))
    if saved:
        text = t(locale, "create.saved") + "\n\n" + text
    markup = card_keyboard(locale, screen.card.id, session.actor(context))
    await update.effective_message.reply_text(text, reply_markup=markup)


def card_extras(locale: str, screen: CardScreen, zone: str) -> dict[str, str]:
    """The card's open deals (count and sums) and next reminder, as text."""
    deals = "—"
    if screen.open_deals:
        sums = " + ".join(money(locale, amount, code) for amount, code in screen.open_amounts)
        deals = f"{screen.open_deals}" + (f" · {sums}" if sums else "")
    reminder = screen.next_reminder
    coming = "—" if reminder is None else (
        f"{moment_text(locale, reminder.due_at, zone)} {subject(locale, reminder)}")
    return {"open_deals": deals, "next_reminder": coming}


async def open_card(update: Update, context: session.Context) -> None:
    """A search result or a "back" button (c:<id>): a button is not a grant, crm checks."""
    callback = update.callback_query
    customer_id = int_part(parse(callback.data), 1)
    if customer_id is None:
        await callback.answer()
        return
    await send_card(update, context, customer_id)
    await callback.answer()


async def show_timeline(update: Update, context: session.Context) -> None:
    """tl:<id>:0 from the card sends the timeline; tp:<id>:<offset> pages it in place."""
    callback = update.callback_query
    parts = parse(callback.data)
    customer_id, offset = int_part(parts, 1), int_part(parts, 2)
    if customer_id is None or offset is None:
        await callback.answer()
        return
    actor = session.actor(context)
    card = await session.db(context, customers.get_customer, actor, customer_id)
    page = await session.db(context, customers.get_timeline, actor, customer_id,
                            offset=max(0, offset), limit=TIMELINE_PAGE)
    locale = session.locale(context)
    text = timeline_text(locale, card.name, page, session.timezone(context))
    whole = [(f"📖 {number}", data("tx", customer_id, page.offset, number,
                                   page.items[number - 1].ref_id))
             for number in timeline_cut(page)]
    buttons = keyboard([whole, pager(page, TIMELINE_PAGE, "tp", customer_id),
                        [(session.text(context, "button.back_to_card"), data("c", customer_id))]])
    await callback.answer()
    if parts[0] == "tl":
        await callback.message.reply_text(text, reply_markup=buttons,
                                          link_preview_options=NO_PREVIEW)
    else:
        await callback.edit_message_text(text, reply_markup=buttons,
                                         link_preview_options=NO_PREVIEW)


async def show_entry(update: Update, context: session.Context) -> None:
    """tx:<id>:<offset>:<number>:<ref>: one timeline entry whole (crm checks the customer is
    visible; the entry must still be where the button saw it)."""
    callback = update.callback_query
    parts = parse(callback.data)
    customer_id, offset, number, ref = (int_part(parts, i) for i in range(1, 5))
    actor = session.actor(context)
    page = await session.db(context, customers.get_timeline, actor, customer_id,
                            offset=max(0, offset or 0), limit=TIMELINE_PAGE)
    entry = _entry_at(page, number, ref)
    if entry is None:
        await callback.answer(session.text(context, "search.expired"), show_alert=True)
        return
    card = await session.db(context, customers.get_customer, actor, customer_id)
    await callback.answer()
    locale = session.locale(context)
    await reply_in_parts(callback.message,
                         timeline_entry_text(locale, card.name, entry, session.timezone(context)),
                         keyboard([[(session.text(context, "button.back_to_card"),
                                     data("c", customer_id))]]), previews=False)


def _entry_at(page: Page[TimelineEntry], number: int | None,
              ref: int | None) -> TimelineEntry | None:
    """The entry the button was made for: at its place, else moved within the page by newer
    entries (one with a summary long enough to have had the button)."""
    if number and 0 < number <= len(page.items) and page.items[number - 1].ref_id == ref:
        return page.items[number - 1]
    return next((e for e in page.items if e.ref_id == ref and is_cut(e)), None)


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(open_card, pattern=r"^c:\d+$"))
    application.add_handler(CallbackQueryHandler(show_entry, pattern=r"^tx:\d+:\d+:\d+:\d+$"))
    application.add_handler(CallbackQueryHandler(show_timeline, pattern=r"^t[lp]:"))
