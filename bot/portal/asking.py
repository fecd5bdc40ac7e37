"""A new question: searched in the knowledge base, then, when the customer asks, opened as
a ticket with their words (or a photo or file)."""

from __future__ import annotations

from telegram import Update

from bot import session
from bot.i18n import describe_error, t
from bot.jobs import correct_taken_back
from bot.keyboards import Button, data, keyboard
from bot.portal.common import QUESTION, TAKEN, _ask, _say, portal_user
from bot.portal.views import _ticket_buttons, share_phone_keyboard
from bot.render import clip
from crm import service
from crm.errors import ValidationError
from crm.service import TicketView


async def _ask_for_words(update: Update, context: session.Context,
                         ticket_id: int | None) -> None:
    """Ask for the customer's words (or a photo): on this ticket, or for a new one."""
    if ticket_id is None:
        _ask(context, ("new",))
        await _ask_problem(update, context)
        return
    await session.db(context, service.get_own_ticket, portal_user(update, context), ticket_id)
    _ask(context, ("reply", ticket_id))
    await _say(update, t(session.locale(context), "portal.ask_reply"))


async def _open_ticket(update: Update, context: session.Context, text: str,
                       file: tuple[str, str, str | None] | None) -> TicketView:
    """A ticket from the customer's words: the first line is its title."""
    locale = session.locale(context)
    subject = clip(text.splitlines()[0] if text else _untitled(locale, file), 200)
    ticket = await session.db(context, service.open_customer_ticket,
                              portal_user(update, context), subject, text, file=file)
    await _say(update, t(locale, "portal.opened", number=ticket.number),
               _ticket_buttons(locale, ticket))
    return ticket


async def _open_with_question(update: Update, context: session.Context,
                              question: str) -> None:
    """🆕 under the articles found: a ticket with the question as typed; one it cannot take
    (longer than a ticket holds) is said, and the ticket asked for again, not dropped."""
    try:
        ticket = await _open_ticket(update, context, question, None)
    except ValidationError as error:
        await _say(update, describe_error(session.locale(context), error))
        await _ask_for_words(update, context, None)
        return
    await _became_ticket(context, question, ticket)


def _untitled(locale: str, file: tuple[str, str, str | None] | None) -> str:
    """The title of a ticket opened with a photo or file and no words: a file's own name
    (a document is no "Photo"), else "Photo"."""
    if file is not None and file[1] == "document" and file[2]:
        return file[2]
    return t(locale, "portal.photo_subject", html_escape=False)


async def _became_ticket(context: session.Context, question: str, ticket: TicketView) -> None:
    """Words taken back off a ticket became this one: staff told of them read which."""
    taken = context.user_data.pop(TAKEN, None)
    if taken is not None and taken[0] == question:
        await correct_taken_back(context.application, taken[2], taken[1], ticket)


async def _search(update: Update, context: session.Context, text: str) -> None:
    locale = session.locale(context)
    found = await session.db(context, service.search_articles, text)
    rows: list[list[Button]] = [[(clip(a.title, 60), data("qa", a.id))] for a in found]
    # The question was typed once already: the ticket takes it as it is.
    context.user_data[QUESTION] = text
    rows.append([(t(locale, "portal.button_ask"), data("qq"))])
    key = "portal.found" if found else "portal.nothing_found"
    await update.effective_message.reply_text(t(locale, key, count=len(found)),
                                              reply_markup=keyboard(rows))


async def _ask_problem(update: Update, context: session.Context) -> None:
    """Ask for the ticket; someone not yet known is also asked to share their number (once it
    is linked, asking again would only confuse)."""
    locale = session.locale(context)
    known = await session.db(context, service.find_customer, portal_user(update, context))
    if known is not None:
        await _say(update, t(locale, "portal.ask_problem"))
    else:
        await _say(update, t(locale, "portal.ask_problem") + "\n" + t(locale, "portal.ask_share"),
                   share_phone_keyboard(locale))
