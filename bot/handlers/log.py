"""Logging a call, visit or note: from the card (lg:<id>:<kind>) or /log <search text>.

A visit first offers to share the location; photos and documents sent meanwhile are attached.
The draft is saved with one crm call at the end; /cancel or a timeout ends it cleanly.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import session
from bot.flows import OneFlowPerUser
from bot.i18n import catalogue, describe_error, t
from bot.keyboards import Button, data, keyboard, parse
from bot.long_text import SPLIT_HINT
from bot.render import NO_PREVIEW, clip, map_link, summary_label
from crm import customers, reminders
from crm.config import LOCALES
from crm.customers.views import AttachmentInput, CustomerSummary, InteractionView, Page
from crm.errors import ValidationError
from crm.permissions import Action, require
from storage.errors import CodedError

T = TypeVar("T")
KINDS = ("call", "visit", "note")
LOCATION, SUMMARY = range(2)
END = ConversationHandler.END
DRAFT = "log_draft"
TIMEOUT = 15 * 60  # seconds without an answer before a half-written entry is dropped
MAX_ATTACHMENTS = 10
PICK_LIMIT = 8
PRIVATE = filters.ChatType.PRIVATE
FILES = (filters.PHOTO | filters.Document.ALL) & PRIVATE


@dataclass
class Draft:
    """What the user has given so far."""

    customer_id: int
    kind: str
    name: str
    step: int = SUMMARY
    latitude: float | None = None
    longitude: float | None = None
    summary: str | None = None  # typed before the location was shared or skipped
    attachments: list[AttachmentInput] = field(default_factory=list)


# shared by the conversations of this package -------------------------------------------------
def conversation(**kwargs: Any) -> ConversationHandler:
    """A per-user conversation; buttons are tracked per user, not per message, on purpose."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return OneFlowPerUser(per_user=True, per_chat=False, allow_reentry=True,
                              conversation_timeout=TIMEOUT, **kwargs)


async def crm_step(update: Update, context: session.Context, state: object,
                   fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """One crm call inside a step: a value to correct keeps the step, any other expected failure
    ends the conversation; either way the user is told, and later handler groups (plain-text
    search) do not see the message."""
    try:
        return await session.db(context, fn, *args, **kwargs)
    except CodedError as error:
        await update.effective_message.reply_text(describe_error(session.locale(context), error))
        raise ApplicationHandlerStop(state if isinstance(error, ValidationError) else END) \
            from error


# rendering ------------------------------------------------------------------------------------
def skip_labels() -> list[str]:
    """The Skip button in every language (the reply keyboard sends its label as text)."""
    return sorted({catalogue(locale)["log.skip"] for locale in LOCALES})


def location_keyboard(locale: str) -> ReplyKeyboardMarkup:
    """Share the location, or skip it."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t(locale, "log.location_button"), request_location=True)],
         [KeyboardButton(t(locale, "log.skip"))]], resize_keyboard=True, one_time_keyboard=True)


def kind_buttons(locale: str, customer_id: int) -> list[Button]:
    """📞 🚗 📝 for one customer."""
    labels = {"call": "button.log_call", "visit": "button.log_visit", "note": "button.note"}
    return [(t(locale, labels[kind]), data("lg", customer_id, kind)) for kind in KINDS]


def follow_up_rows(locale: str, interaction_id: int, summary: str,
                   now: dt.datetime) -> list[list[Button]]:
    """⏰ at the time the summary names ("下周三再联系" → ⏰ 下周三 12-02 09:00; fu:<id>:n, crm
    reads the time from the stored summary again), then tomorrow / in 3 days / in a week
    (fu:<id>:<days>) except one that would mean the same moment."""
    choices = reminders.follow_up_choices(summary, now)
    rows = []
    if choices.named is not None:
        label = t(locale, "log.follow_up_named", words=clip(choices.named.rest, 16),
                  when=f"{choices.named.moment:%m-%d %H:%M}", html_escape=False)
        rows.append([(label, data("fu", interaction_id, "n"))])
    days = [(t(locale, f"log.follow_up_{d}"), data("fu", interaction_id, d))
            for d in choices.days]
    return rows + ([days] if days else [])


def card_button(locale: str, customer_id: int) -> Button:
    """↩ back to the customer's card."""
    return t(locale, "button.back_to_card"), data("c", customer_id)


def saved_text(locale: str, draft: Draft, view: InteractionView) -> str:
    """The confirmation: what was saved, for whom, where (one line with its map link), with
    what."""
    saved = t(locale, "log.saved", kind=t(locale, f"timeline.interaction.{draft.kind}"),
              name=draft.name)
    if view.latitude is not None and view.longitude is not None:
        saved += " " + map_link(locale, view.latitude, view.longitude)
    lines = [saved]
    if view.attachments:
        lines.append(t(locale, "log.saved_files", count=len(view.attachments)))
    return "\n".join(lines)


def pick_keyboard(locale: str, page: Page[CustomerSummary]) -> InlineKeyboardMarkup:
    """Search results to log for: one kind picker, or one button per person."""
    if len(page.items) == 1:
        return keyboard([kind_buttons(locale, page.items[0].id)])
    return keyboard([[(summary_label(item), data("lg", item.id))] for item in page.items])


# the conversation -----------------------------------------------------------------------------
async def start_log(update: Update, context: session.Context) -> int:
    """lg:<id>:<kind>: the customer must be visible, and the user allowed to write."""
    callback = update.callback_query
    parts = parse(callback.data)
    actor = session.actor(context)
    require(actor, Action.EDIT)
    card = await session.db(context, customers.get_customer, actor, int(parts[1]))
    step = LOCATION if parts[2] == "visit" else SUMMARY
    context.user_data[DRAFT] = Draft(card.id, parts[2], card.name, step)
    await callback.answer()
    locale = session.locale(context)
    if step == LOCATION:
        await callback.message.reply_text(t(locale, "log.ask_visit", name=card.name),
                                          reply_markup=location_keyboard(locale))
        return LOCATION
    await callback.message.reply_text(t(locale, f"log.ask_{parts[2]}", name=card.name))
    return SUMMARY


async def got_location(update: Update, context: session.Context) -> int:
    """A shared location goes with the visit; with the summary typed already, it completes
    the visit, and the confirmation itself takes the location keyboard away."""
    draft = _draft(context)
    location = update.effective_message.location
    draft.latitude, draft.longitude = location.latitude, location.longitude
    draft.step = SUMMARY
    if draft.summary is not None:
        await _finish(update, context, draft.summary, closes_keyboard=True)
    await update.effective_message.reply_text(session.text(context, "log.location_saved"),
                                              reply_markup=ReplyKeyboardRemove())
    raise ApplicationHandlerStop(SUMMARY)


async def skip_location(update: Update, context: session.Context) -> int:
    """No location: straight to the summary, or saved when it was typed already."""
    draft = _draft(context)
    draft.step = SUMMARY
    key = "log.no_location" if draft.summary is not None else "log.visit_summary"
    await update.effective_message.reply_text(session.text(context, key),
                                              reply_markup=ReplyKeyboardRemove())
    if draft.summary is not None:
        await _finish(update, context, draft.summary)
    raise ApplicationHandlerStop(SUMMARY)


async def early_summary(update: Update, context: session.Context) -> int:
    """Text while the location is asked is the visit's summary (kept, never retyped); the
    location is still asked, Skip saves without one."""
    draft, message = _draft(context), update.effective_message
    draft.summary = f"{draft.summary}\n{message.text}" if draft.summary else message.text
    await message.reply_text(session.text(context, "log.summary_kept"),
                             reply_markup=location_keyboard(session.locale(context)))
    raise ApplicationHandlerStop(LOCATION)


async def got_file(update: Update, context: session.Context) -> int:
    """A photo or document sent during the entry is attached to it."""
    draft, message = _draft(context), update.effective_message
    if len(draft.attachments) >= MAX_ATTACHMENTS:
        await message.reply_text(session.text(context, "log.too_many", max=MAX_ATTACHMENTS))
        raise ApplicationHandlerStop(draft.step)
    draft.attachments.append(_attachment(message))
    name = draft.attachments[-1].file_name or session.text(context, "log.photo")
    await message.reply_text(session.text(context, "log.attached", file=name,
                                          count=len(draft.attachments)))
    raise ApplicationHandlerStop(draft.step)


async def save(update: Update, context: session.Context) -> int:
    """The summary ends the entry. A text near Telegram's limit of one message may be the
    first of the parts a longer paste was sent in: it is kept, and the next text joins it."""
    draft, text = _draft(context), update.effective_message.text
    summary = f"{draft.summary}\n{text}" if draft.summary else text
    if len(text) < SPLIT_HINT:
        await _finish(update, context, summary)
    draft.summary = summary
    locale = session.locale(context)
    await update.effective_message.reply_text(
        t(locale, "log.long_held", count=f"{len(summary):,}"),
        reply_markup=keyboard([[(t(locale, "log.save"), data("lg", draft.customer_id, "save"))]]))
    raise ApplicationHandlerStop(SUMMARY)


async def save_held(update: Update, context: session.Context) -> int:
    """✅ Save under a long text: it was all there is."""
    draft = context.user_data.get(DRAFT)
    await update.callback_query.answer()
    if draft is None or draft.summary is None:
        raise ApplicationHandlerStop(END)
    await update.callback_query.edit_message_reply_markup(None)
    await _finish(update, context, draft.summary)


async def _finish(update: Update, context: session.Context, summary: str, *,
                  closes_keyboard: bool = False) -> NoReturn:
    """One crm call, a short confirmation, follow-ups and a way back to the card.

    ``closes_keyboard``: the confirmation takes a reply keyboard away, and as a message holds
    one keyboard only, the buttons follow under a short question of their own."""
    draft, message = _draft(context), update.effective_message
    view = await _log(update, context, draft, summary, closes_keyboard=closes_keyboard)
    context.user_data.pop(DRAFT, None)
    locale = session.locale(context)
    buttons = keyboard([*follow_up_rows(locale, view.id, summary, session.local_now(context)),
                        [card_button(locale, draft.customer_id)]])
    text = saved_text(locale, draft, view)
    if closes_keyboard:
        await message.reply_text(text, reply_markup=ReplyKeyboardRemove(),
                                 link_preview_options=NO_PREVIEW)
        text = t(locale, "log.what_next", name=draft.name)
    await message.reply_text(text, reply_markup=buttons, link_preview_options=NO_PREVIEW)
    raise ApplicationHandlerStop(END)


async def _log(update: Update, context: session.Context, draft: Draft, summary: str, *,
               closes_keyboard: bool) -> InteractionView:
    """Save the entry; whatever goes wrong, the user reads why in their language, a reply
    keyboard still shown goes (it would otherwise stay on screen with nothing to answer it),
    and the draft waits for the summary again unless it can no longer be saved at all."""
    markup = ReplyKeyboardRemove() if closes_keyboard else None
    locale = session.locale(context)
    try:
        return await session.db(context, customers.log_interaction, session.actor(context),
                                draft.customer_id, draft.kind, summary,
                                latitude=draft.latitude, longitude=draft.longitude,
                                attachments=tuple(draft.attachments))
    except CodedError as error:
        retry = isinstance(error, ValidationError)
        text = describe_error(locale, error)
        if retry:
            draft.summary = None  # sent again, it replaces what was refused
            text += "\n" + send_again(locale, draft)
        else:
            context.user_data.pop(DRAFT, None)
        await update.effective_message.reply_text(text, reply_markup=markup)
        raise ApplicationHandlerStop(SUMMARY if retry else END) from error
    except Exception as error:  # unexpected: the error handler logs it and apologises
        await context.application.process_error(update, error)
        await update.effective_message.reply_text(send_again(locale, draft), reply_markup=markup)
        raise ApplicationHandlerStop(SUMMARY) from error


def send_again(locale: str, draft: Draft) -> str:
    """How to go on after a failed save: the summary again (what is attached stays), or
    /cancel."""
    kept = draft.latitude is not None or draft.attachments
    return t(locale, "log.send_again_kept" if kept else "log.send_again")


def unsaved(locale: str, user_data: dict[Any, Any]) -> str | None:
    """The entry being logged, once its text was typed or a file sent."""
    draft = user_data.get(DRAFT)
    if draft is None or (draft.summary is None and not draft.attachments):
        return None
    return named(locale, user_data)


def named(locale: str, user_data: dict[Any, Any]) -> str | None:
    """The entry being logged, typed into or not."""
    draft = user_data.get(DRAFT)
    if draft is None:
        return None
    return t(locale, f"flow.log_{draft.kind}", html_escape=False, name=draft.name)


async def cancel(update: Update, context: session.Context) -> int:
    """/cancel: drop the draft."""
    context.user_data.pop(DRAFT, None)
    await update.effective_message.reply_text(session.text(context, "log.cancelled"),
                                              reply_markup=ReplyKeyboardRemove())
    return END


async def timed_out(update: Update, context: session.Context) -> None:
    """No answer for a while: drop the draft and say so."""
    draft = context.user_data.pop(DRAFT, None) if context.user_data is not None else None
    if draft is None or update.effective_chat is None:
        return
    await context.bot.send_message(update.effective_chat.id,
                                   session.text(context, "log.timed_out", name=draft.name),
                                   reply_markup=ReplyKeyboardRemove())


def _draft(context: session.Context) -> Draft:
    draft = context.user_data.get(DRAFT)
    if draft is None:  # the conversation outlived its draft (a restart): start again
        raise ApplicationHandlerStop(END)
    return draft


def _attachment(message: Message) -> AttachmentInput:
    """Telegram's file id and what it says about the file."""
    if message.document:
        doc = message.document
        return AttachmentInput(doc.file_id, doc.file_name, doc.mime_type, doc.file_size)
    photo = message.photo[-1]  # the largest size
    return AttachmentInput(photo.file_id, None, "image/jpeg", photo.file_size)


# /log and its pickers -------------------------------------------------------------------------
async def log_command(update: Update, context: session.Context) -> None:
    """/log <search text>: one match offers the kinds, several ask whom."""
    query, message = " ".join(context.args or []).strip(), update.effective_message
    require(session.actor(context), Action.EDIT)  # a viewer is told before picking anyone
    if not query:
        await message.reply_text(session.text(context, "log.usage"))
        return
    page = await session.db(context, customers.search_customers, session.actor(context), query,
                            limit=PICK_LIMIT)
    if not page.items:
        await message.reply_text(session.text(context, "search.none", query=query))
        return
    key, params = (("log.pick_kind", {"name": page.items[0].name}) if len(page.items) == 1
                   else ("log.pick_customer", {"query": query}))
    await message.reply_text(session.text(context, key, **params),
                             reply_markup=pick_keyboard(session.locale(context), page))


async def pick_kind(update: Update, context: session.Context) -> None:
    """lg:<id> (a /log result): which kind of entry."""
    callback = update.callback_query
    card = await session.db(context, customers.get_customer, session.actor(context),
                            int(parse(callback.data)[1]))
    locale = session.locale(context)
    await callback.answer()
    await callback.edit_message_text(t(locale, "log.pick_kind", name=card.name),
                                     reply_markup=keyboard([kind_buttons(locale, card.id)]))


async def ignore(update: Update, context: session.Context) -> None:
    """Forged or stale lg: data does nothing."""
    await update.callback_query.answer()


def _location_step() -> list[BaseHandler]:
    skip = filters.Text(skip_labels()) & PRIVATE
    return [MessageHandler(filters.LOCATION & PRIVATE, got_location),
            MessageHandler(skip, skip_location), CommandHandler("skip", skip_location),
            MessageHandler(FILES, got_file),
            MessageHandler(filters.TEXT & ~filters.COMMAND & PRIVATE, early_summary)]


def register(application: Application) -> None:
    """The log conversation, /log, and the pickers."""
    application.add_handler(conversation(
        entry_points=[CallbackQueryHandler(start_log, pattern=r"^lg:\d{1,9}:(call|visit|note)$")],
        states={LOCATION: _location_step(),
                SUMMARY: [MessageHandler(FILES, got_file),
                          MessageHandler(filters.TEXT & ~filters.COMMAND & PRIVATE, save),
                          CallbackQueryHandler(save_held, pattern=r"^lg:\d{1,9}:save$")],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)]},
        fallbacks=[CommandHandler("cancel", cancel)], name="log", unsaved=unsaved,
        drafts=(DRAFT,), keyboard_states=(LOCATION,), named=named))
    application.add_handler(CommandHandler("log", log_command))
    application.add_handler(CallbackQueryHandler(pick_kind, pattern=r"^lg:\d{1,9}$"))
    application.add_handler(CallbackQueryHandler(ignore, pattern=r"^lg:"))
