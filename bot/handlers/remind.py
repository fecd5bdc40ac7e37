"""Reminders in the chat: ``/remind 明天下午3点 给张伟打电话`` in one line, or a short guided
conversation (also from the customer card's and the deal card's Remind button); the bot repeats
the understood time back before saving. The buttons on a delivered reminder (Done, Snooze, Stop),
``/today`` and ``/reminders``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from telegram import Update
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

from bot import session
from bot.handlers.log import conversation, crm_step
from bot.i18n import t
from bot.keyboards import Button, data, keyboard, parse
from bot.reminder_text import (
    agenda_keyboard,
    agenda_message,
    draft_message,
    moment_text,
    reminder_line,
    subject,
)
from crm import customers, reminders, service
from crm.clock import utcnow
from crm.reminders.agenda import get_agenda
from crm.reminders.views import ReminderDraft
from crm.sales import get_deal

WHEN, TEXT, CONFIRM = range(3)
END = ConversationHandler.END
DRAFT = "remind_draft"
PRIVATE = filters.ChatType.PRIVATE
TYPED = filters.TEXT & ~filters.COMMAND & PRIVATE
QUICK = {"h": "in 1 hour", "t": "tomorrow 9:00", "m": "next monday 9:00"}
REPEATS = ("", "daily", "weekly", "monthly")
ID = r"\d{1,9}"


@dataclass(frozen=True)
class Pending:
    """A reminder being put together: about what, when, saying what, how often."""

    customer_id: int | None = None
    deal_id: int | None = None
    ticket_id: int | None = None
    about: str | None = None  # the customer's name or the deal's title, to show
    due: ReminderDraft | None = None
    text: str = ""
    repeat: str = ""


def _pending(context: session.Context) -> Pending:
    found = context.user_data.get(DRAFT)
    if found is None:  # outlived by a restart or a timeout: start again
        raise ApplicationHandlerStop(END)
    return found


def _keep(context: session.Context, pending: Pending) -> Pending:
    context.user_data[DRAFT] = pending
    return pending


# asking -------------------------------------------------------------------------------------
async def _ask_when(update: Update, context: session.Context, pending: Pending) -> int:
    _keep(context, pending)
    locale = session.locale(context)
    quick = [(t(locale, f"remind.quick_{key}"), data("rw", key)) for key in QUICK]
    key = "remind.ask_when_about" if pending.about else "remind.ask_when"
    await update.effective_message.reply_text(
        t(locale, key, name=pending.about or ""),
        reply_markup=keyboard([quick, [(t(locale, "remind.cancel"), data("rn", "x"))]]))
    return WHEN


async def _ask_text(update: Update, context: session.Context) -> int:
    pending = _pending(context)
    locale = session.locale(context)
    buttons = [[(t(locale, "remind.no_text"), data("rn", "nt"))]] if pending.about else []
    await update.effective_message.reply_text(
        t(locale, "remind.ask_text", when=moment_text(locale, pending.due.due_at,
                                                      pending.due.timezone)),
        reply_markup=keyboard([*buttons, [(t(locale, "remind.cancel"), data("rn", "x"))]]))
    return TEXT


async def _confirm(update: Update, context: session.Context, *, edit: bool = False) -> int:
    pending = _pending(context)
    locale = session.locale(context)
    shown = replace(pending.due, text=pending.text)
    repeat_buttons: list[Button] = [
        (("✓ " if pending.repeat == r else "") + t(locale, f"remind.repeat_{r or 'none'}"),
         data("rn", "r", r or "-")) for r in REPEATS]
    markup = keyboard([[(t(locale, "remind.save"), data("rn", "s"))], repeat_buttons[:2],
                       repeat_buttons[2:],
                       [(t(locale, "remind.change_time"), data("rn", "w")),
                        (t(locale, "remind.cancel"), data("rn", "x"))]])
    about_key = ("reminder.deal" if pending.deal_id else
                 "reminder.ticket" if pending.ticket_id else "reminder.customer")
    text = draft_message(locale, shown, pending.about, pending.repeat, about_key=about_key)
    if edit and update.callback_query:
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:
        await update.effective_message.reply_text(text, reply_markup=markup)
    return CONFIRM


# entry points -------------------------------------------------------------------------------
async def remind_command(update: Update, context: session.Context) -> int:
    """/remind alone asks step by step; /remind <when> <what> understands it in one line."""
    words = " ".join(context.args or []).strip()
    if not words:
        return await _ask_when(update, context, Pending())
    draft = await crm_step(update, context, END, reminders.understand_reminder,
                           session.actor(context), words)
    _keep(context, Pending(due=draft, text=draft.text, repeat=draft.repeat))
    return await _confirm(update, context)


async def from_customer(update: Update, context: session.Context) -> int:
    """rm:<customer id> on the card (a button is not a grant: crm checks)."""
    await update.callback_query.answer()
    customer_id = int(parse(update.callback_query.data)[1])
    card = await crm_step(update, context, END, customers.get_customer,
                          session.actor(context), customer_id)
    return await _ask_when(update, context, Pending(customer_id=card.id, about=card.name))


async def from_ticket(update: Update, context: session.Context) -> int:
    """rk:<ticket id> on the ticket card."""
    await update.callback_query.answer()
    ticket = await crm_step(update, context, END, service.get_ticket, session.actor(context),
                            int(parse(update.callback_query.data)[1]))
    return await _ask_when(update, context, Pending(ticket_id=ticket.id,
                                                    about=f"{ticket.number} {ticket.subject}"))


async def from_deal(update: Update, context: session.Context) -> int:
    """rq:<deal id> on the deal card."""
    await update.callback_query.answer()
    deal = await crm_step(update, context, END, get_deal, session.actor(context),
                          int(parse(update.callback_query.data)[1]))
    return await _ask_when(update, context, Pending(deal_id=deal.id, about=deal.title))


# steps --------------------------------------------------------------------------------------
async def typed_when(update: Update, context: session.Context) -> int:
    """The time typed in words; what follows the time becomes the text."""
    draft = await crm_step(update, context, WHEN, reminders.understand_reminder,
                           session.actor(context), update.effective_message.text,
                           text_required=False)
    pending = _keep(context, replace(_pending(context), due=draft,
                                     text=draft.text or _pending(context).text,
                                     repeat=draft.repeat or _pending(context).repeat))
    # Raised, not returned: typed text must not also reach the plain-text search.
    if pending.text or pending.about:
        raise ApplicationHandlerStop(await _confirm(update, context))
    raise ApplicationHandlerStop(await _ask_text(update, context))


async def quick_when(update: Update, context: session.Context) -> int:
    """rw:<h|t|m>: in an hour, tomorrow 9:00, next Monday 9:00."""
    callback = update.callback_query
    await callback.answer()
    words = QUICK.get(parse(callback.data)[1], QUICK["h"])
    draft = await crm_step(update, context, WHEN, reminders.understand_reminder,
                           session.actor(context), words, text_required=False)
    pending = _keep(context, replace(_pending(context), due=draft))
    if pending.text or pending.about:
        return await _confirm(update, context)
    return await _ask_text(update, context)


async def typed_text(update: Update, context: session.Context) -> int:
    """What the reminder should say."""
    _keep(context, replace(_pending(context), text=update.effective_message.text.strip()))
    raise ApplicationHandlerStop(await _confirm(update, context))


async def no_text(update: Update, context: session.Context) -> int:
    """rn:nt: about a customer or deal, the name says enough."""
    await update.callback_query.answer()
    return await _confirm(update, context)


async def choose_repeat(update: Update, context: session.Context) -> int:
    """rn:r:<daily|weekly|monthly|->: how often."""
    await update.callback_query.answer()
    choice = parse(update.callback_query.data)[2]
    _keep(context, replace(_pending(context), repeat="" if choice == "-" else choice))
    return await _confirm(update, context, edit=True)


async def change_time(update: Update, context: session.Context) -> int:
    """rn:w: ask the time again, keeping the rest."""
    await update.callback_query.answer()
    return await _ask_when(update, context, _pending(context))


async def save(update: Update, context: session.Context) -> int:
    """rn:s: one crm call; the draft is gone after, so a second press saves nothing."""
    callback = update.callback_query
    pending = _pending(context)
    view = await crm_step(update, context, CONFIRM, reminders.create_reminder,
                          session.actor(context), pending.due.due_at, pending.text,
                          customer_id=pending.customer_id, deal_id=pending.deal_id,
                          ticket_id=pending.ticket_id, repeat=pending.repeat)
    context.user_data.pop(DRAFT, None)
    await callback.answer()
    locale = session.locale(context)
    text = t(locale, "remind.saved", what=subject(locale, view),
             when=moment_text(locale, view.due_at, session.timezone(context)))
    if view.repeat:
        text += "\n" + t(locale, f"reminder.repeat.{view.repeat}")
    await callback.edit_message_text(text)
    return END


def unsaved(locale: str, user_data: dict[Any, Any]) -> str | None:
    """The reminder being set, once a time or its words were given."""
    pending = user_data.get(DRAFT)
    if pending is None or (pending.due is None and not pending.text):
        return None
    name = pending.text or pending.about
    if not name:
        return t(locale, "flow.reminder", html_escape=False)
    return t(locale, "flow.reminder_named", html_escape=False, name=name)


async def cancel(update: Update, context: session.Context) -> int:
    """/cancel or the Cancel button: nothing is saved."""
    context.user_data.pop(DRAFT, None)
    if update.callback_query:
        await update.callback_query.answer()
    await update.effective_message.reply_text(session.text(context, "remind.cancelled"))
    return END


async def timed_out(update: Update, context: session.Context) -> None:
    """No answer for a while: drop the draft and say so."""
    if context.user_data is not None and context.user_data.pop(DRAFT, None) and \
            update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id,
                                       session.text(context, "remind.timed_out"))


async def expired(update: Update, context: session.Context) -> None:
    """A Save or Repeat button from a conversation that has ended (restart, timeout, saved)."""
    await update.callback_query.answer(session.text(context, "remind.expired"), show_alert=True)


# a delivered reminder's buttons --------------------------------------------------------------
async def done(update: Update, context: session.Context) -> None:
    """rd:<id>: done (only the owner's own reminder: crm checks)."""
    callback = update.callback_query
    view = await session.db(context, reminders.complete_reminder, session.actor(context),
                            int(parse(callback.data)[1]))
    await callback.answer(session.text(context, "reminder.done_alert"))
    locale = session.locale(context)
    await callback.edit_message_text(t(locale, "reminder.done", what=subject(locale, view)))


async def snooze(update: Update, context: session.Context) -> None:
    """rs:<id>:h (an hour) or rs:<id>:t (tomorrow 9:00)."""
    callback = update.callback_query
    parts = parse(callback.data)
    actor = session.actor(context)
    words = "in 1 hour" if parts[2] == "h" else "tomorrow 9:00"
    until = await session.db(context, reminders.understand_time, actor, words)
    view = await session.db(context, reminders.snooze_reminder, actor, int(parts[1]), until)
    locale = session.locale(context)
    await callback.answer()
    # On the user's clock now: the reminder keeps the zone it was set in (for its repeats),
    # which is not theirs after a move in /settings.
    await callback.edit_message_text(t(locale, "reminder.snoozed", what=subject(locale, view),
                                       when=moment_text(locale, view.due_at,
                                                        session.timezone(context))))


async def stop(update: Update, context: session.Context) -> None:
    """rx:<id>: no more of this reminder (a series stops)."""
    callback = update.callback_query
    view = await session.db(context, reminders.cancel_reminder, session.actor(context),
                            int(parse(callback.data)[1]))
    locale = session.locale(context)
    await callback.answer()
    await callback.edit_message_text(t(locale, "reminder.stopped", what=subject(locale, view)))


async def follow_up(update: Update, context: session.Context) -> None:
    """fu:<interaction id>:<days>, or fu:<interaction id>:n for the time the summary names,
    under a logged call or visit."""
    callback = update.callback_query
    parts = parse(callback.data)
    follow = await session.db(context, reminders.follow_up_interaction, session.actor(context),
                              int(parts[1]), None if parts[2] == "n" else int(parts[2]))
    locale, view, zone = session.locale(context), follow.reminder, session.timezone(context)
    when = moment_text(locale, view.due_at, zone)
    await callback.answer()
    if follow.moved_from is None:
        await callback.message.reply_text(t(locale, "log.follow_up_set", when=when))
        return
    old = moment_text(locale, follow.moved_from, zone)
    await callback.message.reply_text(t(locale, "log.follow_up_moved", old=old, when=when))


# lists --------------------------------------------------------------------------------------
async def today_command(update: Update, context: session.Context) -> None:
    """/today: the same agenda as the morning message, on demand."""
    agenda = await session.db(context, get_agenda, session.actor(context), utcnow())
    locale = session.locale(context)
    await update.effective_message.reply_text(agenda_message(locale, agenda),
                                              reply_markup=agenda_keyboard(locale, agenda))


async def reminders_command(update: Update, context: session.Context) -> None:
    """/reminders: what is coming, each with a button to stop it."""
    actor = session.actor(context)
    coming = await session.db(context, reminders.list_reminders, actor)
    locale = session.locale(context)
    zone = actor.timezone or session.config(context).timezone
    if not coming:
        await update.effective_message.reply_text(t(locale, "remind.none"))
        return
    lines = [t(locale, "remind.list_title", count=len(coming))]
    lines += [reminder_line(locale, r, zone) for r in coming]
    buttons = [[(f"✖ {index}. {moment_text(locale, r.due_at, zone)}", data("rx", r.id))]
               for index, r in enumerate(coming[:10], start=1)]
    await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard(buttons))


def register(application: Application) -> None:
    """The reminder conversation, the delivered reminder's buttons, /today and /reminders."""
    cancel_button = CallbackQueryHandler(cancel, pattern=r"^rn:x$")
    application.add_handler(conversation(
        entry_points=[CommandHandler("remind", remind_command),
                      CallbackQueryHandler(from_customer, pattern=rf"^rm:{ID}$"),
                      CallbackQueryHandler(from_deal, pattern=rf"^rq:{ID}$"),
                      CallbackQueryHandler(from_ticket, pattern=rf"^rk:{ID}$")],
        states={WHEN: [MessageHandler(TYPED, typed_when),
                       CallbackQueryHandler(quick_when, pattern=r"^rw:[htm]$"), cancel_button],
                TEXT: [MessageHandler(TYPED, typed_text),
                       CallbackQueryHandler(no_text, pattern=r"^rn:nt$"), cancel_button],
                CONFIRM: [CallbackQueryHandler(save, pattern=r"^rn:s$"),
                          CallbackQueryHandler(choose_repeat,
                                               pattern=r"^rn:r:(daily|weekly|monthly|-)$"),
                          CallbackQueryHandler(change_time, pattern=r"^rn:w$"), cancel_button],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)]},
        fallbacks=[CommandHandler("cancel", cancel)], name="remind", unsaved=unsaved,
        drafts=(DRAFT,)))
    application.add_handler(CallbackQueryHandler(expired, pattern=r"^r[nw]:"))
    application.add_handler(CallbackQueryHandler(done, pattern=rf"^rd:{ID}$"))
    application.add_handler(CallbackQueryHandler(snooze, pattern=rf"^rs:{ID}:[ht]$"))
    application.add_handler(CallbackQueryHandler(stop, pattern=rf"^rx:{ID}$"))
    application.add_handler(CallbackQueryHandler(follow_up, pattern=rf"^fu:{ID}:(1|3|7|n)$"))
    application.add_handler(CommandHandler("today", today_command))
    application.add_handler(CommandHandler("reminders", reminders_command))
