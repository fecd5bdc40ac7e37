"""Search: plain text from staff outside a conversation, or /find <text>. A single match opens
the card; several come as buttons with ◀ ▶."""

from __future__ import annotations

import itertools

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import session
from bot.handlers.card import send_card
from bot.handlers.tickets import show_card
from bot.keyboards import int_part, parse
from bot.render import results_keyboard
from crm import customers, service

PAGE = 8
QUERIES = "queries"  # recent queries by short key, so buttons stay under 64 bytes
KEEP_QUERIES = 20
_keys = itertools.count(1)


def remember_query(context: session.Context, query: str) -> str:
    """A short key for a query, kept for the user's next few searches."""
    stored: dict[str, str] = context.user_data.setdefault(QUERIES, {})
    key = f"q{next(_keys)}"
    stored[key] = query
    for old in list(stored)[:-KEEP_QUERIES]:
        del stored[old]
    return key


async def search_text(update: Update, context: session.Context) -> None:
    """Plain text from staff is a search."""
    await run_search(update, context, update.effective_message.text)


async def find_command(update: Update, context: session.Context) -> None:
    """/find <text>."""
    query = " ".join(context.args or [])
    if not query.strip():
        await update.effective_message.reply_text(session.text(context, "search.usage"))
        return
    await run_search(update, context, query)


async def run_search(update: Update, context: session.Context, query: str) -> None:
    if service.is_ticket_number(query):  # read out by a customer: that ticket, not a name
        ticket = await session.db(context, service.find_ticket, session.actor(context), query)
        await show_card(update, context, ticket)
        return
    page = await session.db(context, customers.search_customers, session.actor(context),
                            query, limit=PAGE)
    if not page.items:
        await session.reply_unread(update, context,
                                   session.text(context, "search.none", query=query))
    elif len(page.items) == 1 and not page.has_more:
        await send_card(update, context, page.items[0].id)
    else:
        key = remember_query(context, query)
        await session.reply_unread(update, context,
                                   session.text(context, "search.results", query=query),
                                   results_keyboard(page, key, PAGE))


async def next_page(update: Update, context: session.Context) -> None:
    """◀ ▶ under search results (sp:<key>:<offset>)."""
    callback = update.callback_query
    parts = parse(callback.data)
    query = context.user_data.get(QUERIES, {}).get(parts[1] if len(parts) > 1 else "")
    offset = int_part(parts, 2)
    if query is None or offset is None:
        await callback.answer(session.text(context, "search.expired"), show_alert=True)
        return
    page = await session.db(context, customers.search_customers, session.actor(context),
                            query, offset=max(0, offset), limit=PAGE)
    await callback.answer()
    await callback.edit_message_reply_markup(results_keyboard(page, parts[1], PAGE))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("find", find_command))
    application.add_handler(CallbackQueryHandler(next_page, pattern=r"^sp:"))
    application.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, search_text), group=1)
