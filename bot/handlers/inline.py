"""Inline mode: @bot <text> in any chat offers the customers this user may see as short cards."""

from __future__ import annotations

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import Application, InlineQueryHandler

from bot import session
from bot.i18n import t
from bot.render import phone_text
from crm import customers
from crm.customers.views import CustomerSummary

LIMIT = 20
CACHE_SECONDS = 5  # personal results: short, so a new customer shows up quickly
START_PARAMETER = "inline"  # the hint button opens the bot's chat, as a plain /start
HINT_MAX = 64  # Telegram shows one short line above the results


def short_card(locale: str, item: CustomerSummary) -> str:
    """Name, company and phone as the HTML message that lands in the chat."""
    lines = [t(locale, "inline.name", name=item.name)]
    if item.company:
        lines.append(t(locale, "inline.company", company=item.company))
    if item.phone:
        lines.append(t(locale, "inline.phone", phone=phone_text(item.phone)))
    return "\n".join(lines)


def article(locale: str, item: CustomerSummary) -> InlineQueryResultArticle:
    """One customer as an inline result (the description is plain text)."""
    description = " · ".join(part for part in (
        item.company, phone_text(item.phone) if item.phone else None) if part)
    return InlineQueryResultArticle(
        id=f"c{item.id}", title=item.name, description=description or None,
        input_message_content=InputTextMessageContent(short_card(locale, item),
                                                      parse_mode=ParseMode.HTML))


async def inline_search(update: Update, context: session.Context) -> None:
    """Search what the user may see; strangers never get here (the pre-handler answers them)."""
    query = update.inline_query
    text = query.query.strip()
    items: tuple[CustomerSummary, ...] = ()
    if text:
        page = await session.db(context, customers.search_customers, session.actor(context),
                                text, limit=LIMIT)
        items = page.items
    locale = session.locale(context)
    await query.answer([article(locale, item) for item in items], cache_time=CACHE_SECONDS,
                       is_personal=True, button=None if items else hint(locale, text))


def hint(locale: str, text: str) -> InlineQueryResultsButton:
    """An empty panel looks broken: say what to type, or that nothing matched."""
    words = (t(locale, "inline.nothing_found", query=text, html_escape=False) if text
             else t(locale, "inline.what_to_type", html_escape=False))
    if len(words) > HINT_MAX:
        words = words[:HINT_MAX - 1] + "…"
    return InlineQueryResultsButton(text=words, start_parameter=START_PARAMETER)


def register(application: Application) -> None:
    """Answer inline queries."""
    application.add_handler(InlineQueryHandler(inline_search))

