"""Assign, status and priority from the card's pickers; a press on a card drawn before the
ticket moved on changes nothing and redraws the card as the ticket now is."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot import session
from bot.handlers.sales.common import show
from bot.handlers.tickets.card import _last_list, card_keyboard, card_text, show_card
from bot.i18n import describe_error, t
from bot.keyboards import Button, data, int_part, keyboard, parse
from bot.render import clip
from bot.service_jobs import deliver_relays
from crm import sales, service
from crm.errors import ChangedSince
from crm.permissions import Action, allows
from crm.service.tickets import TRANSITIONS

END = ConversationHandler.END


Press = Callable[[Update, session.Context], Awaitable[Any]]


def seen_status(update: Update, index: int) -> str | None:
    """The status the pressed card showed (None on a button drawn before cards carried it)."""
    parts = parse(update.callback_query.data)
    return parts[index] if len(parts) > index else None


def seen_assignee(update: Update, index: int) -> int | None:
    """The assignee the pressed card showed, 0 for nobody (None: not carried)."""
    return int_part(parse(update.callback_query.data), index)


def redrawn_when_changed(press: Press) -> Press:
    """A button of a card drawn before the ticket moved on (closed by a colleague, taken by
    someone else) changes nothing: the user is told what happened, and the card is drawn
    again in place as the ticket now is."""
    @functools.wraps(press)
    async def checked(update: Update, context: session.Context) -> Any:
        try:
            return await press(update, context)
        except ChangedSince as error:
            await redraw(update, context, int(parse(update.callback_query.data)[1]), error)
            return END
    return checked


async def redraw(update: Update, context: session.Context, ticket_id: int,
                 error: ChangedSince | None = None) -> None:
    """The pressed card replaced by the ticket as it now is; ``error`` pops up first."""
    ticket = await session.db(context, service.get_ticket, session.actor(context), ticket_id)
    locale = session.locale(context)
    await show(update, card_text(locale, ticket, session.timezone(context)),
               card_keyboard(locale, ticket, session.actor(context), _last_list(context)),
               alert=describe_error(locale, error) if error else "")


def back_button(locale: str, ticket_id: int) -> Button:
    """Out of a picker without choosing: a wrong tap must not force a change."""
    return t(locale, "ticket.button.back", html_escape=False), data("kk", ticket_id)


async def picker_back(update: Update, context: session.Context) -> None:
    """kk:<id>: the card again, nothing changed (its text too: the ticket may have moved on
    while the picker was open, and the buttons carry what the card shows)."""
    await redraw(update, context, int(parse(update.callback_query.data)[1]))


@redrawn_when_changed
async def assign_menu(update: Update, context: session.Context) -> None:
    """ka:<id>:<seen status>:<seen assignee>: me, nobody, and (for those who may hand work on)
    other staff."""
    actor, ticket_id = session.actor(context), int(parse(update.callback_query.data)[1])
    ticket = await session.db(context, service.ticket_as_seen, actor, ticket_id,
                              seen_status(update, 2), seen_assignee(update, 3))
    locale, seen = session.locale(context), (ticket.status, ticket.assignee_id or 0)
    rows = [[(t(locale, "ticket.assign_me", html_escape=False), data("kA", ticket_id,
                                                                     actor.user_id, *seen)),
             (t(locale, "ticket.assign_nobody", html_escape=False),
              data("kA", ticket_id, 0, *seen))]]
    if allows(actor, Action.REASSIGN):  # everyone who can work it, namesakes told apart
        choices = await session.db(context, sales.owner_choices, actor)
        others = [(clip(name, 30), data("kA", ticket_id, staff_id, *seen))
                  for staff_id, name in choices if staff_id != actor.user_id]
        rows += [others[i:i + 2] for i in range(0, len(others), 2)]
    rows.append([back_button(locale, ticket_id)])
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(keyboard(rows))


@redrawn_when_changed
async def assign(update: Update, context: session.Context) -> None:
    """kA:<id>:<staff id or 0>:<seen status>:<seen assignee>."""
    parts = parse(update.callback_query.data)
    assignee = int(parts[2]) or None
    ticket = await session.db(context, service.assign_ticket, session.actor(context),
                              int(parts[1]), assignee, seen_status=seen_status(update, 3),
                              seen_assignee=seen_assignee(update, 4))
    await update.callback_query.answer(session.text(context, "ticket.saved"))
    await show_card(update, context, ticket, edit=True)


@redrawn_when_changed
async def status_menu(update: Update, context: session.Context) -> None:
    """ks:<id>:<seen status>: the statuses this ticket may move to."""
    ticket_id = int(parse(update.callback_query.data)[1])
    ticket = await session.db(context, service.ticket_as_seen, session.actor(context),
                              ticket_id, seen_status(update, 2))
    locale = session.locale(context)
    rows = [[(t(locale, f"ticket.status.{s}", html_escape=False),
              data("kS", ticket_id, s, ticket.status))]
            for s in service.STATUSES if s in TRANSITIONS.get(ticket.status, set())]
    rows.append([back_button(locale, ticket_id)])
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(keyboard(rows))


@redrawn_when_changed
async def set_status(update: Update, context: session.Context) -> None:
    """kS:<id>:<status>:<seen status>; resolving asks the customer to rate."""
    parts = parse(update.callback_query.data)
    ticket = await session.db(context, service.set_ticket_status, session.actor(context),
                              int(parts[1]), parts[2], seen_status=seen_status(update, 3))
    await update.callback_query.answer(session.text(context, "ticket.saved"))
    await show_card(update, context, ticket, edit=True)
    await _pass_on(context)


@redrawn_when_changed
async def priority_menu(update: Update, context: session.Context) -> None:
    """kp:<id>:<seen status>."""
    ticket_id = int(parse(update.callback_query.data)[1])
    ticket = await session.db(context, service.ticket_as_seen, session.actor(context),
                              ticket_id, seen_status(update, 2))
    locale = session.locale(context)
    rows = [[(t(locale, f"ticket.priority.{p}", html_escape=False),
              data("kP", ticket_id, p, ticket.status)) for p in service.PRIORITIES],
            [back_button(locale, ticket_id)]]
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(keyboard(rows))


@redrawn_when_changed
async def set_priority(update: Update, context: session.Context) -> None:
    """kP:<id>:<priority>:<seen status>: the service-level clocks follow."""
    parts = parse(update.callback_query.data)
    ticket = await session.db(context, service.set_ticket_priority, session.actor(context),
                              int(parts[1]), parts[2], seen_status=seen_status(update, 3))
    await update.callback_query.answer(session.text(context, "ticket.saved"))
    await show_card(update, context, ticket, edit=True)


async def _pass_on(context: session.Context) -> None:
    """Answers reach the customer at once (the relay job catches anything left)."""
    await deliver_relays(context.application)
