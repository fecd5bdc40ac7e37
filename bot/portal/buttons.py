"""Every button a customer presses (the ``q`` prefix); anything else is refused."""

from __future__ import annotations

from telegram import Update

from bot import session, ticket_files
from bot.i18n import t
from bot.keyboards import data, keyboard, parse
from bot.portal.asking import _ask_for_words, _open_with_question
from bot.portal.common import QUESTION, _int, _say, portal_user
from bot.portal.placing import _file_placed, _new_question, _placed
from bot.portal.views import _e, _ticket_buttons, menu, status_words, ticket_text
from bot.render import clip
from crm import service


async def _pressed(update: Update, context: session.Context) -> None:
    callback, locale = update.callback_query, session.locale(context)
    parts = parse(callback.data or "")
    action = parts[0]
    number = _int(parts, 1)
    if action == "qh":
        await _say(update, t(locale, "portal.ask_search"))
    elif action == "qn":
        await _ask_for_words(update, context, None)
    elif action == "qq":
        question = context.user_data.pop(QUESTION, None)
        if question:
            await _open_with_question(update, context, question)
        else:  # asked before a restart: the words are gone, ask for them
            await _ask_for_words(update, context, None)
    elif action == "ql":
        await _list(update, context)
    elif action == "qw" and number is not None:
        await _placed(update, context, number)
    elif action in ("qm", "qo"):
        await _new_question(update, context, parts)
    elif action == "qU":
        await session.db(context, service.undo_unsubscribe, portal_user(update, context),
                         tuple(parts[1:]))
        await _say(update, t(locale, "portal.resubscribed"))
    elif action == "qa" and number is not None:
        article = await session.db(context, service.get_article, None, number)
        text = f"<b>{_e(article.title)}</b>\n\n{_e(article.body)}"
        await _say(update, text, keyboard([[(t(locale, "portal.button_ask"), data("qq"))]]))
    elif action == "qt" and number is not None:
        await _show(update, context, number)
    elif (action == "qF" and number is not None) or action == "qN":
        await _file_placed(update, context, number if action == "qF" else None)
    elif action == "qf" and number is not None and _int(parts, 2) is not None:
        await _send_file(update, context, number, _int(parts, 2))
    elif action == "qr" and number is not None:
        await _ask_for_words(update, context, number)
    elif action == "qs" and number is not None and _int(parts, 2) is not None:
        ticket = await session.db(context, service.rate_ticket, portal_user(update, context),
                                  number, _int(parts, 2))
        await _say(update, t(locale, "portal.rated", number=ticket.number,
                             stars="⭐" * (ticket.rating or 0)))
    else:  # a staff button, or forged data: nothing here
        await callback.answer(t(locale, "access.not_allowed"), show_alert=True)


async def _list(update: Update, context: session.Context) -> None:
    locale = session.locale(context)
    page = await session.db(context, service.list_own_tickets, portal_user(update, context))
    if not page.items:
        await _say(update, t(locale, "portal.no_tickets"), menu(locale))
        return
    rows = [[(f"{item.number} · {status_words(locale, item.status)}"
              f" · {clip(item.subject, 30)}", data("qt", item.id))] for item in page.items]
    await _say(update, t(locale, "portal.your_tickets", count=len(page.items)), keyboard(rows))


async def _show(update: Update, context: session.Context, ticket_id: int) -> None:
    locale = session.locale(context)
    ticket = await session.db(context, service.get_own_ticket, portal_user(update, context),
                              ticket_id)
    await _say(update, ticket_text(locale, ticket, session.config(context).timezone),
               _ticket_buttons(locale, ticket, files=True))


async def _send_file(update: Update, context: session.Context, ticket_id: int,
                     message_id: int) -> None:
    """qf:<ticket>:<message>: a photo or file of their own ticket's conversation."""
    locale = session.locale(context)
    ticket = await session.db(context, service.get_own_ticket, portal_user(update, context),
                              ticket_id)
    if await ticket_files.send(update.callback_query.message, locale, ticket, message_id):
        await update.callback_query.answer()
    else:
        await update.callback_query.answer(t(locale, "ticket.not_found"), show_alert=True)
