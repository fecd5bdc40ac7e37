"""/bulk: a tag added to or taken off every customer the filters choose, or the set handed to
another staff member. ``/bulk 标签=潜在 负责人=李娜`` (the filters of /export, in either
language) says how many customers match and offers the actions the user may take; a tag is
then typed, or the new owner pressed, and one more press on a button naming the count runs it
off the event loop with its progress shown. A typed "yes" confirms nothing.

Callback data: ``bk:t`` add a tag, ``bk:r`` remove one, ``bk:h`` choose the new owner,
``bk:o:<staff id>`` that owner, ``bk:y:<nonce>`` run it, ``bk:x`` cancel.
"""

from __future__ import annotations

import secrets
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
from bot.data_text import Unclear, export_named, unclear_text
from bot.handlers.create import answer, say, stops_search
from bot.handlers.exports import split_words, typed_filters
from bot.handlers.log import conversation, crm_step
from bot.i18n import describe_error, t
from bot.keyboards import Button, data, int_part, keyboard, parse
from bot.progress import progress_steps
from crm import bulk
from crm.errors import Conflict
from crm.exports import Filters
from crm.sales.assignment import owner_choices

CHOOSE, TAG, CONFIRM = "bulk.choose", "bulk.tag", "bulk.confirm"
END = -1
DRAFT = "bulk"
RUN = {bulk.ADD_TAG: bulk.add_tag, bulk.REMOVE_TAG: bulk.remove_tag,
       bulk.HAND_OVER: bulk.hand_over}


@dataclass(frozen=True)
class Draft:
    """The set chosen and, once given, what to do with it."""

    filters: Filters
    count: int
    action: str | None = None
    tag: str | None = None
    owner_id: int | None = None
    owner_name: str | None = None
    nonce: str = ""  # the confirm button's: a spent or older button does nothing


def _filters_text(locale: str, found: bulk.BulkPreview) -> str:
    """The filters as the user reads them back: （标签 潜在 · 负责人 李娜）."""
    chosen = found.filters
    shown = {"tag": chosen.tag, "owner": found.owner_name,
             "status": t(locale, f"status.{chosen.status}", html_escape=False)
             if chosen.status else None,
             "since": chosen.since, "until": chosen.until}
    parts = [t(locale, f"bulk.filter.{key}", html_escape=False, value=value)
             for key, value in shown.items() if value]
    return t(locale, "bulk.filters", html_escape=False, filters=" · ".join(parts)) \
        if parts else ""


def _action_rows(locale: str, actions: tuple[str, ...]) -> list[list[Button]]:
    labels = {bulk.ADD_TAG: ("bulk.add_tag", "t"), bulk.REMOVE_TAG: ("bulk.remove_tag", "r"),
              bulk.HAND_OVER: ("bulk.hand_over", "h")}
    buttons = [(t(locale, labels[a][0], html_escape=False), data("bk", labels[a][1]))
               for a in actions]
    return [buttons, [(t(locale, "bulk.cancel", html_escape=False), data("bk", "x"))]]


async def bulk_command(update: Update, context: session.Context) -> object:
    """/bulk [filters]: how many customers match, and what may be done with them."""
    locale, actor = session.locale(context), session.actor(context)
    try:
        typed = typed_filters(split_words(update.effective_message.text or ""))
    except ValueError:
        await say(update, session.text(context, "exports.open_quote"))
        return END
    if "unknown" in typed:
        await say(update, session.text(context, "bulk.unknown_word", word=typed["unknown"]))
        return END
    if typed.get("status"):
        named = export_named(locale, "customers", typed["status"])
        if isinstance(named, Unclear):
            await say(update, unclear_text(locale, named))
            return END
        typed["status"] = named[1] or ""
    found = await crm_step(update, context, END, bulk.preview, actor, **typed)
    if not found.matched:
        await say(update, session.text(context, "bulk.none"))
        return END
    context.user_data[DRAFT] = Draft(found.filters, found.matched)
    text = t(locale, "bulk.matched", count=f"{found.matched:,}",
             filters=_filters_text(locale, found))
    if found.own_only:
        text += t(locale, "bulk.own_only")
    await say(update, text, keyboard(_action_rows(locale, found.actions)))
    return CHOOSE


def _draft(context: session.Context) -> Draft | None:
    return context.user_data.get(DRAFT)


async def _expired(update: Update, context: session.Context) -> object:
    context.user_data.pop(DRAFT, None)
    await update.callback_query.answer(session.text(context, "bulk.expired"), show_alert=True)
    return END


async def choose_tag(update: Update, context: session.Context) -> object:
    """bk:t / bk:r: ask for the tag."""
    draft = _draft(context)
    if draft is None:
        return await _expired(update, context)
    adding = parse(update.callback_query.data)[1] == "t"
    context.user_data[DRAFT] = replace(draft, action=bulk.ADD_TAG if adding
                                       else bulk.REMOVE_TAG)
    await answer(update)
    await update.callback_query.edit_message_text(session.text(
        context, "bulk.ask_tag_add" if adding else "bulk.ask_tag_remove",
        count=f"{draft.count:,}"))
    return TAG


async def typed_tag(update: Update, context: session.Context) -> object:
    """The tag typed: checked, then the confirm button with the count."""
    draft = _draft(context)
    if draft is None:
        return END
    tag = await crm_step(update, context, TAG, bulk.tag_name, session.actor(context),
                         update.effective_message.text or "")
    return await _ask_confirmation(update, context, replace(draft, tag=tag))


async def choose_owner(update: Update, context: session.Context) -> object:
    """bk:h: the staff the set may go to, a button each."""
    draft = _draft(context)
    if draft is None:
        return await _expired(update, context)
    choices = await session.db(context, owner_choices, session.actor(context))
    buttons = [(name, data("bk", "o", staff_id)) for staff_id, name in choices]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    await answer(update)
    await update.callback_query.edit_message_text(
        session.text(context, "bulk.ask_owner", count=f"{draft.count:,}"),
        reply_markup=keyboard([*rows, _action_rows(session.locale(context), ())[1]]))
    return CHOOSE


async def chosen_owner(update: Update, context: session.Context) -> object:
    """bk:o:<staff id>: the new owner (crm checks they may own customers)."""
    draft = _draft(context)
    staff_id = int_part(parse(update.callback_query.data), 2)
    if draft is None or staff_id is None:
        return await _expired(update, context)
    owner_id, name = await crm_step(update, context, CHOOSE, bulk.new_owner,
                                    session.actor(context), staff_id)
    await answer(update)
    return await _ask_confirmation(update, context, replace(
        draft, action=bulk.HAND_OVER, owner_id=owner_id, owner_name=name))


async def _ask_confirmation(update: Update, context: session.Context, draft: Draft) -> object:
    """The question with a button naming the count; only that button runs the action."""
    draft = replace(draft, nonce=secrets.token_hex(4))
    context.user_data[DRAFT] = draft
    question = session.text(context, f"bulk.confirm_{draft.action}", count=f"{draft.count:,}",
                            tag=draft.tag, owner=draft.owner_name)
    locale = session.locale(context)
    label = t(locale, f"bulk.confirm_{draft.action}", html_escape=False,
              count=f"{draft.count:,}", tag=draft.tag, owner=draft.owner_name)
    await say(update, question, keyboard([
        [(f"✅ {label}", data("bk", "y", draft.nonce))],
        _action_rows(locale, ())[1]]))
    return CONFIRM


async def typed_at_confirmation(update: Update, context: session.Context) -> object:
    """Text while the question waits: a typed "yes" is not a confirmation."""
    await say(update, session.text(context, "bulk.press_to_confirm"))
    return CONFIRM


async def confirm(update: Update, context: session.Context) -> object:
    """bk:y:<nonce>: run it once, off the event loop, with its progress; then the counts."""
    draft = _draft(context)
    if draft is None or parse(update.callback_query.data)[2:] != [draft.nonce]:
        return await _expired(update, context)
    context.user_data.pop(DRAFT, None)  # spent: a second press finds nothing to run
    await answer(update)
    await update.callback_query.edit_message_reply_markup(None)
    target = draft.owner_id if draft.action == bulk.HAND_OVER else draft.tag
    count = f"{draft.count:,}"
    try:
        async with progress_steps(update, context, session.text(context, "bulk.running",
                                                                count=count),
                                  session.text(context, "bulk.finished", count=count)) as steps:
            result = await steps.run(0, 100, RUN[draft.action], session.actor(context),
                                     draft.filters, target, expected=draft.count, writes=True)
    except Conflict as error:  # the set changed since it was counted: nothing was done
        await say(update, describe_error(session.locale(context), error))
        return END
    await say(update, result_text(session.locale(context), result))
    return END


def result_text(locale: str, result: bulk.BulkResult, *, html_escape: bool = True) -> str:
    """What was done, and how many were already as asked (plain with ``html_escape=False``)."""
    params: dict[str, Any] = {"tag": result.tag, "owner": result.owner_name,
                              **result.work.params()}
    lines = [t(locale, f"bulk.done_{result.action}", html_escape=html_escape,
               count=f"{result.changed:,}", **params)]
    if result.matched > result.changed:
        lines.append(t(locale, f"bulk.unchanged_{result.action}", html_escape=html_escape,
                       count=f"{result.matched - result.changed:,}", **params))
    return "\n".join(lines)


async def cancel(update: Update, context: session.Context) -> object:
    """bk:x or /cancel: nothing is changed."""
    context.user_data.pop(DRAFT, None)
    await answer(update)
    await say(update, session.text(context, "bulk.cancelled"))
    return END


async def timed_out(update: Update, context: session.Context) -> None:
    """No answer for a while: drop the draft and say so, so a tag typed later is not taken for
    a search without a word."""
    draft = context.user_data.pop(DRAFT, None) if context.user_data is not None else None
    if draft is not None and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id,
                                       session.text(context, "bulk.timed_out"))


def _conversation() -> Any:
    text = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[CommandHandler("bulk", bulk_command)],
        states={
            CHOOSE: [CallbackQueryHandler(choose_tag, pattern=r"^bk:[tr]$"),
                     CallbackQueryHandler(choose_owner, pattern=r"^bk:h$"),
                     CallbackQueryHandler(chosen_owner, pattern=r"^bk:o:\d{1,12}$")],
            TAG: [MessageHandler(text, stops_search(typed_tag))],
            CONFIRM: [CallbackQueryHandler(confirm, pattern=r"^bk:y:\w{1,16}$"),
                      MessageHandler(text, stops_search(typed_at_confirmation))],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel),
                   CallbackQueryHandler(cancel, pattern=r"^bk:x$")],
        name="bulk", drafts=(DRAFT,))


async def stale_button(update: Update, context: session.Context) -> None:
    """A button of a finished /bulk: said to be spent, and nothing runs."""
    await update.callback_query.answer(session.text(context, "bulk.expired"), show_alert=True)
    raise ApplicationHandlerStop


def register(application: Application) -> None:
    """/bulk, then a polite answer to its spent buttons."""
    application.add_handler(_conversation())
    application.add_handler(CallbackQueryHandler(stale_button, pattern=r"^bk:"))
