"""Tickets for staff: ``/tickets`` (mine, unassigned, breaching, all open), the ticket card
with Reply, Note, Assign, Status and Priority, and a new ticket from the customer card.

Callback data: k:<id> card · kv:<view>:<offset> lists · kr:<id> reply · kn:<id> note ·
kc:<id> the customer to read · ka:<id>:<seen> / kA:<id>:<staff or 0>:<seen> assign ·
ks:<id>:<seen status> / kS:<id>:<status>:<seen status> · kp:<id>:<seen status> /
kP:<id>:<prio>:<seen status> · kk:<id> back from those pickers to the card. <seen> is what the
card showed: its status (and, for assigning, its assignee, 0 for nobody); a ticket moved on
since is not changed, its card is redrawn. Buttons drawn before they carried it have none.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import session, ticket_files
from bot.handlers.log import conversation, crm_step
from bot.handlers.sales.common import show
from bot.i18n import describe_error, t
from bot.keyboards import Button, data, int_part, keyboard, parse
from bot.long_text import fits_one_message, reply_in_parts
from bot.portal import file_of
from bot.render import clip, customer_card, merged_from_lines, pager, span, when
from bot.service_jobs import deliver_relays
from crm import customers, sales, service
from crm.actors import Actor
from crm.clock import utcnow
from crm.customers.views import CustomerCard
from crm.errors import ChangedSince
from crm.permissions import Action, allows, require
from crm.service.tickets import TRANSITIONS
from crm.service.views import TicketMessageView, TicketView

TEXT, SUBJECT = range(2)
END = ConversationHandler.END
PENDING = "ticket_pending"  # ("reply" | "note", ticket id) or ("new", customer id)
LAST_LIST = "ticket_list"  # (view, offset) of the list last shown: the card's 📋 goes back there
PAGE = 8
CARD_MESSAGES = 6  # the latest of the conversation on the card
CUSTOMER_TICKETS = 10  # the latest; the rest are in /tickets and the timeline
ID = r"\d{1,9}"
SEEN = r"(:[a-z]{1,10})?"  # the status the card showed (absent on older buttons)
SEEN_HANDS = rf"(:[a-z]{{1,10}}:{ID})?"  # the status and the assignee (0: nobody) it showed
PRIVATE = filters.ChatType.PRIVATE
INPUT = (filters.TEXT & ~filters.COMMAND | filters.PHOTO | filters.Document.ALL) & PRIVATE
AUTHOR_ICONS = {"customer": "👤", "staff": "🧑‍💼", "system": "⚙️"}


def card_text(locale: str, ticket: TicketView, zone: str) -> str:
    """The ticket card: who, what, how urgent, the service-level clocks, the conversation."""
    e, now = html.escape, utcnow()
    lines = [f"🎫 <b>{e(ticket.number)}</b> · {e(ticket.subject)}",
             t(locale, "ticket.card_line", status=t(locale, f"ticket.status.{ticket.status}",
                                                    html_escape=False),
               priority=t(locale, f"ticket.priority.{ticket.priority}", html_escape=False),
               customer=ticket.customer_name, assignee=ticket.assignee_name or "—"),
             *merged_from_lines(locale, ticket.merged_from)]
    levels = _service_levels(locale, ticket, zone)
    if levels:
        lines.append(levels)
    if ticket.missed_service_level(now):  # still said once resolved: a miss stays a miss
        lines.append(t(locale, "ticket.breaching"))
    if not ticket.customer_on_telegram:
        lines.append(t(locale, "ticket.not_on_telegram"))
    if ticket.rating:
        lines.append("⭐" * ticket.rating)
    # Whole, as the conversation below: staff must read all of it (a one-line problem is
    # the subject already).
    if ticket.description and ticket.description.strip() != ticket.subject.strip():
        lines.append(f"\n{e(ticket.description)}")
    files = ticket_files.numbered(ticket)
    for item in _shown(ticket):
        icon = "🔒" if item.internal else AUTHOR_ICONS.get(item.author, "•")
        who = item.staff_name or t(locale, "ticket.customer")
        lines.append(f"\n{icon} <i>{e(who)} · {when(locale, item.created_at, zone)}</i>\n"
                     + ticket_files.said(locale, item, files))
    return "\n".join(lines)


def _shown(ticket: TicketView) -> list[TicketMessageView]:
    """The conversation's latest messages, as the card shows them."""
    return [m for m in ticket.messages[-CARD_MESSAGES:] if m.author != "system"]


def _service_levels(locale: str, ticket: TicketView, zone: str) -> str:
    """When the first answer and the resolution are due while the ticket is open; once it is
    resolved or closed, what was done and when (a due time then reads as work still to do)."""
    if ticket.status not in ("resolved", "closed"):
        return t(locale, "ticket.sla_line", answer=_first_answer(locale, ticket, zone),
                 resolve=_resolve_by(locale, ticket, zone))
    done = [_first_answer(locale, ticket, zone)] if ticket.first_responded_at else []
    if ticket.resolved_at is not None:
        done.append(t(locale, "ticket.resolved_at", html_escape=False,
                      when=when(locale, ticket.resolved_at, zone)))
    return html.escape(" · ".join(done))


def _first_answer(locale: str, ticket: TicketView, zone: str) -> str:
    """When it was answered and how long that took, or when the answer is due."""
    if ticket.first_responded_at is None:
        return t(locale, "ticket.answer_due", html_escape=False,
                 when=when(locale, ticket.first_response_due_at, zone))
    return t(locale, "ticket.answered", html_escape=False,
             when=when(locale, ticket.first_responded_at, zone),
             took=span(locale, ticket.first_responded_at - ticket.created_at))


def _resolve_by(locale: str, ticket: TicketView, zone: str) -> str:
    """The resolution due time, saying when it is paused or was moved by waits for the
    customer (so a later time than the priority promises is explained)."""
    due = when(locale, ticket.resolution_due_at, zone)
    if ticket.status == "waiting" and ticket.waiting_since is not None:
        return t(locale, "ticket.resolve_paused", html_escape=False, when=due,
                 since=when(locale, ticket.waiting_since, zone))
    # Waits are said in whole minutes: one shorter than that moved nothing worth saying.
    if ticket.resolution_paused >= dt.timedelta(minutes=1):
        return t(locale, "ticket.resolve_moved", html_escape=False, when=due,
                 waited=span(locale, ticket.resolution_paused))
    return due


def card_keyboard(locale: str, ticket: TicketView, actor: Actor,
                  back_to: tuple[str, int] = ("mine", 0)) -> InlineKeyboardMarkup:
    """The card's buttons, those that change the ticket only for whoever may (a viewer
    reads); 📋 returns to ``back_to``, the list (and page) the user came from."""
    def b(key: str, *parts: object) -> Button:
        return t(locale, f"ticket.button.{key}", html_escape=False), data(*parts)

    edits, seen = allows(actor, Action.EDIT), ticket.status
    return keyboard([*ticket_files.buttons(locale, ticket, _shown(ticket), "kf"),
                     [b("reply", "kr", ticket.id), b("note", "kn", ticket.id)] if edits else [],
                     [b("assign", "ka", ticket.id, seen, ticket.assignee_id or 0),
                      b("status", "ks", ticket.id, seen),
                      b("priority", "kp", ticket.id, seen)] if edits else [],
                     [*_customer_button(b, ticket), b("remind", "rk", ticket.id),
                      b("list", "kv", *back_to)]])


def _customer_button(b: Callable[..., Button], ticket: TicketView) -> list[Button]:
    """👤 opens the customer's card as crm allows the reader: whole, to read from the ticket,
    or not at all (no button that would end in "not found")."""
    if ticket.customer_access == service.CUSTOMER_CARD:
        return [b("customer", "c", ticket.customer_id)]
    if ticket.customer_access == service.CUSTOMER_READ:
        return [b("customer", "kc", ticket.id)]
    return []


def _last_list(context: session.Context) -> tuple[str, int]:
    """The list and page this user last looked at (a manager in "all" goes back to "all")."""
    return (context.user_data or {}).get(LAST_LIST, ("mine", 0))


async def show_card(update: Update, context: session.Context, ticket: TicketView, *,
                    edit: bool = False) -> None:
    locale = session.locale(context)
    text = card_text(locale, ticket, session.timezone(context))
    markup = card_keyboard(locale, ticket, session.actor(context), _last_list(context))
    if edit and update.callback_query and fits_one_message(text):
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:  # new, or too long to replace one message with
        await reply_in_parts(update.effective_message, text, markup)


# lists --------------------------------------------------------------------------------------
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


# assign, status, priority ---------------------------------------------------------------------
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


# reply, note, new ---------------------------------------------------------------------------
@redrawn_when_changed
async def start_text(update: Update, context: session.Context) -> int:
    """kr:<id> or kn:<id>: the next message is the reply (to the customer) or a note."""
    parts = parse(update.callback_query.data)
    kind = "reply" if parts[0] == "kr" else "note"
    # A closed ticket takes no reply: said now, with the card redrawn as it is (closed by a
    # colleague, perhaps, since it was shown), not after the answer is typed.
    ticket = await session.db(context, service.ticket_to_answer if kind == "reply"
                              else service.get_ticket, session.actor(context), int(parts[1]))
    context.user_data[PENDING] = (kind, ticket.id)
    # Promising "the customer gets it in the chat" to someone who never wrote to the bot
    # would leave them waiting for an answer that goes nowhere.
    offline = kind == "reply" and not ticket.customer_on_telegram
    await update.callback_query.answer()
    await update.callback_query.message.reply_text(
        session.text(context, f"ticket.ask_{kind}" + ("_offline" if offline else ""),
                     number=ticket.number, customer=ticket.customer_name))
    return TEXT


async def got_text(update: Update, context: session.Context) -> int:
    pending = context.user_data.get(PENDING)
    if pending is None:
        raise ApplicationHandlerStop(END)
    message, actor = update.effective_message, session.actor(context)
    body = (message.text or message.caption or "").strip()
    if pending[0] == "note":
        ticket = await crm_step(update, context, TEXT, service.add_note, actor, pending[1], body)
    else:
        ticket = await _replied(update, context, pending[1], body)
    context.user_data.pop(PENDING, None)
    await show_card(update, context, ticket)
    await _pass_on(context)
    raise ApplicationHandlerStop(END)


async def _replied(update: Update, context: session.Context, ticket_id: int,
                   body: str) -> TicketView:
    """The ticket after the typed answer; closed meanwhile, the refusal (said by crm_step) is
    followed by the card as the ticket now is, and the conversation ends."""
    try:
        return await crm_step(update, context, TEXT, service.reply_to_ticket,
                              session.actor(context), ticket_id, body,
                              file=file_of(update.effective_message))
    except ApplicationHandlerStop as stop:
        if isinstance(stop.__cause__, ChangedSince):
            context.user_data.pop(PENDING, None)
            ticket = await session.db(context, service.get_ticket, session.actor(context),
                                      ticket_id)
            await show_card(update, context, ticket)
        raise


async def start_new(update: Update, context: session.Context) -> int:
    """🎫 on the customer card (tk:<customer id>): their tickets when there are any, with ➕;
    otherwise, and from ➕ (tn:<customer id>), a new ticket for this customer. A role that may
    not open tickets (a viewer) reads the list, without ➕, and is refused ➕ at once."""
    parts, actor = parse(update.callback_query.data), session.actor(context)
    may_open = allows(actor, Action.EDIT)
    if parts[0] == "tn":
        require(actor, Action.EDIT)
    card = await crm_step(update, context, END, customers.get_customer, actor, int(parts[1]))
    if parts[0] == "tk" and await _customer_tickets(update, context, card, may_open):
        return END
    context.user_data[PENDING] = ("new", card.id)
    await update.callback_query.answer()
    await update.callback_query.message.reply_text(
        session.text(context, "ticket.ask_subject", name=card.name))
    return SUBJECT


async def _customer_tickets(update: Update, context: session.Context,
                            card: CustomerCard, may_open: bool) -> bool:
    """The customer's latest tickets with ➕ New ticket (``may_open``); False when they have
    none and a new one may be opened."""
    customer_id = card.id
    found = await session.db(context, service.customer_tickets, session.actor(context),
                             customer_id, limit=CUSTOMER_TICKETS)
    locale = session.locale(context)
    back = (t(locale, "button.back_to_card", html_escape=False), data("c", customer_id))
    if not found and may_open:
        return False
    if not found:
        await update.callback_query.answer()
        await update.callback_query.message.reply_text(
            t(locale, "ticket.customer_none", name=card.name), reply_markup=keyboard([[back]]))
        return True
    lines = [session.text(context, "ticket.customer_title", name=card.name)]
    lines += [t(locale, "ticket.customer_line", number=item.number, subject=item.subject,
                status=t(locale, f"ticket.status.{item.status}", html_escape=False))
              for item in found]
    rows: list[list[Button]] = [[(("⚠️ " if item.breaching else "") + f"{item.number} · "
                                  + clip(item.subject, 30), data("k", item.id))]
                                for item in found]
    new = [(t(locale, "ticket.customer_new", html_escape=False), data("tn", customer_id))]
    rows.append([*(new if may_open else []), back])
    await update.callback_query.answer()
    await reply_in_parts(update.callback_query.message, "\n".join(lines), keyboard(rows))
    return True


async def got_subject(update: Update, context: session.Context) -> int:
    pending = context.user_data.get(PENDING)
    if pending is None:
        raise ApplicationHandlerStop(END)
    text = update.effective_message.text.strip()
    ticket = await crm_step(update, context, SUBJECT, service.open_ticket,
                            session.actor(context), pending[1], text.splitlines()[0][:200], text)
    context.user_data.pop(PENDING, None)
    await show_card(update, context, ticket)
    raise ApplicationHandlerStop(END)


async def cancel(update: Update, context: session.Context) -> int:
    context.user_data.pop(PENDING, None)
    await update.effective_message.reply_text(session.text(context, "ticket.cancelled"))
    return END


async def timed_out(update: Update, context: session.Context) -> None:
    if context.user_data is not None:
        context.user_data.pop(PENDING, None)


def register(application: Application) -> None:
    """/tickets, the card and its buttons, and the reply / note / new conversation."""
    application.add_handler(conversation(
        entry_points=[CallbackQueryHandler(start_text, pattern=rf"^k[rn]:{ID}$"),
                      CallbackQueryHandler(start_new, pattern=rf"^t[kn]:{ID}$")],
        states={TEXT: [MessageHandler(INPUT, got_text)],
                SUBJECT: [MessageHandler(filters.TEXT & ~filters.COMMAND & PRIVATE,
                                         got_subject)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)]},
        fallbacks=[CommandHandler("cancel", cancel)], name="tickets"))
    application.add_handler(CommandHandler("tickets", tickets_command))
    for callback, pattern in (
            (open_card, rf"^k:{ID}$"), (send_file, rf"^kf:{ID}:{ID}$"),
            (customer_to_read, rf"^kc:{ID}$"),
            (list_view, r"^kv:(mine|unassigned|breaching|open):\d+$"),
            (assign_menu, rf"^ka:{ID}{SEEN_HANDS}$"), (assign, rf"^kA:{ID}:{ID}{SEEN_HANDS}$"),
            (status_menu, rf"^ks:{ID}{SEEN}$"), (set_status, rf"^kS:{ID}:[a-z]+{SEEN}$"),
            (priority_menu, rf"^kp:{ID}{SEEN}$"), (set_priority, rf"^kP:{ID}:[a-z]+{SEEN}$"),
            (picker_back, rf"^kk:{ID}$")):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
