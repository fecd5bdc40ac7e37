"""``/tickets`` and its lists (mine, unassigned, breaching, all open), and what opens from
them: the card, a file of the conversation, the customer to read."""

from __future__ import annotations

from telegram import Update

from bot import session, ticket_files
from bot.handlers.tickets.card import LAST_LIST, show_card
from bot.i18n import t
from bot.keyboards import Button, data, keyboard, parse
from bot.render import clip, customer_card, pager
from crm import service

PAGE = 8


async def tickets_command(update: Update, context: session.Context) -> None:
    """/tickets [mine|unassigned|breaching|open]."""
    view = (context.args or ["mine"])[0].lower()
    await _send_list(update, context, view if view in service.VIEWS else "mine", 0)


async def list_view(update: Update, context: session.Context) -> None:
    """kv:<view>:<offset>."""
    parts = parse(update.callback_query.data)
    await update.callback_query.answer()
    await _send_list(update, context, parts[1], int(parts[2]), edit=True)


async def _send_list(update: Update, context: session.Context, view: str, offset: int, *,
                     edit: bool = False) -> None:
    page = await session.db(context, service.list_tickets, session.actor(context), view,
                            offset=offset, limit=PAGE)
    context.user_data[LAST_LIST] = (view, offset)
    locale = session.locale(context)
    lines = [t(locale, f"ticket.list.{view}")]
    if not page.items:
        lines.append(t(locale, "ticket.list.empty"))
    rows: list[list[Button]] = [[(("⚠️ " if item.breaching else "") + f"{item.number} · "
                                  + clip(item.subject, 30), data("k", item.id))]
                                for item in page.items]
    rows.append(pager(page, PAGE, "kv", view))
    rows.append([(("✓ " if v == view else "") + t(locale, f"ticket.view.{v}",
                                                   html_escape=False), data("kv", v, 0))
                 for v in service.VIEWS])
    markup = keyboard(rows)
    if edit and update.callback_query:
        await update.callback_query.edit_message_text("\n".join(lines), reply_markup=markup)
    else:
        await update.effective_message.reply_text("\n".join(lines), reply_markup=markup)


async def open_card(update: Update, context: session.Context) -> None:
    """k:<id> (crm checks the ticket is visible: a button is not a grant)."""
    ticket = await session.db(context, service.get_ticket, session.actor(context),
                              int(parse(update.callback_query.data)[1]))
    await update.callback_query.answer()
    await show_card(update, context, ticket)


async def customer_to_read(update: Update, context: session.Context) -> None:
    """kc:<id>: the customer of a ticket the reader works but whose customer they do not see,
    to read (crm checks again), with the way back to the ticket."""
    ticket_id = int(parse(update.callback_query.data)[1])
    card = await session.db(context, service.ticket_customer, session.actor(context), ticket_id)
    locale = session.locale(context)
    text = (customer_card(locale, card, timezone=session.timezone(context), open_deals=None,
                          next_reminder=None)
            + "\n\n" + t(locale, "ticket.customer_read_only"))
    await update.callback_query.answer()
    back = (t(locale, "ticket.button.back", html_escape=False), data("k", ticket_id))
    await update.callback_query.message.reply_text(text, reply_markup=keyboard([[back]]))


async def send_file(update: Update, context: session.Context) -> None:
    """kf:<ticket>:<message>: a photo or file of the conversation, sent here (crm checks the
    ticket is visible: a button is not a grant)."""
    parts = parse(update.callback_query.data)
    ticket = await session.db(context, service.get_ticket, session.actor(context),
                              int(parts[1]))
    locale = session.locale(context)
    if await ticket_files.send(update.callback_query.message, locale, ticket, int(parts[2])):
        await update.callback_query.answer()
    else:
        await update.callback_query.answer(t(locale, "ticket.not_found"), show_alert=True)
