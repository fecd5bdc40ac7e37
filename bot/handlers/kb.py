"""The knowledge base for staff: ``/kb [words]`` finds articles (drafts too); managers and
admins write one as a single message — the first line is the title, the rest the text,
``#words`` are tags — and edit it by sending a new version, publish, unpublish or delete it.

An article as long as Telegram cuts a paste at (4096 characters a message) is held until the
rest comes or ✅ Save is pressed, and saved whole.

Callback data: ba:<id> open · bn new · be:<id> edit · bp:<id>:<draft|published> · bd:<id> /
bD:<id> delete (asks first) · bs save a held article.
"""

from __future__ import annotations

import html
import re
from typing import NoReturn

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

from bot import session
from bot.handlers.log import conversation, crm_step
from bot.i18n import t
from bot.keyboards import Button, data, keyboard, parse
from bot.long_text import SPLIT_HINT, fits_one_message, reply_in_parts
from bot.render import clip
from crm import service
from crm.permissions import Action, allows, require
from crm.service.views import ArticleView

WRITING = 0
END = ConversationHandler.END
EDITING = "kb_editing"  # None for a new article, else the article's id
HELD = "kb_held"  # the parts of a long article received so far
ID = r"\d{1,9}"
TAG = re.compile(r"#(\S+)")


def split_article(text: str) -> tuple[str, str, tuple[str, ...]]:
    """One message → title (first line), text (the rest, tags taken out) and #tags."""
    tags = tuple(dict.fromkeys(TAG.findall(text)))
    lines = TAG.sub("", text).strip().splitlines()
    title = lines[0].strip() if lines else ""
    return title, "\n".join(lines[1:]).strip(), tags


def article_text(locale: str, article: ArticleView) -> str:
    e = html.escape
    state = t(locale, f"kb.status.{article.status}")
    tags = " ".join(f"#{e(tag)}" for tag in article.tags)
    return f"📘 <b>{e(article.title)}</b> · {state}\n\n{e(article.body)}\n{tags}"


def article_keyboard(locale: str, article: ArticleView, editor: bool) -> InlineKeyboardMarkup:
    if not editor:
        return keyboard([])
    flip = "draft" if article.status == "published" else "published"
    return keyboard([[(t(locale, "kb.button_edit"), data("be", article.id)),
                      (t(locale, f"kb.button_{flip}"), data("bp", article.id, flip))],
                     [(t(locale, "kb.button_delete"), data("bd", article.id))]])


async def kb_command(update: Update, context: session.Context) -> None:
    """/kb alone lists articles; /kb <words> searches them."""
    actor, locale = session.actor(context), session.locale(context)
    words = " ".join(context.args or []).strip()
    if words:
        found = await session.db(context, service.search_articles, words, include_drafts=True,
                                 limit=8)
    else:
        found = await session.db(context, service.list_articles, actor, limit=8)
    rows: list[list[Button]] = [[(("📝 " if a.status == "draft" else "") + clip(a.title, 50),
                                  data("ba", a.id))] for a in found]
    if allows(actor, Action.MANAGE_KB):
        rows.append([(t(locale, "kb.button_new"), data("bn"))])
    key = "kb.found" if found else ("kb.nothing_found" if words else "kb.empty")
    await update.effective_message.reply_text(t(locale, key, count=len(found)),
                                              reply_markup=keyboard(rows))


async def open_article(update: Update, context: session.Context) -> None:
    """ba:<id>."""
    article = await session.db(context, service.get_article, session.actor(context),
                               int(parse(update.callback_query.data)[1]))
    locale = session.locale(context)
    await update.callback_query.answer()
    await reply_in_parts(update.callback_query.message, article_text(locale, article),
                         article_keyboard(locale, article,
                                          allows(session.actor(context), Action.MANAGE_KB)))


async def start_writing(update: Update, context: session.Context) -> int:
    """bn (new) or be:<id> (a new version): the next message is the article."""
    require(session.actor(context), Action.MANAGE_KB)
    parts = parse(update.callback_query.data)
    prompt = session.text(context, "kb.ask_article")
    if parts[0] == "be":  # a published article's new version goes live at once: say so
        article = await crm_step(update, context, END, service.get_article,
                                 session.actor(context), int(parts[1]))
        prompt = session.text(context, f"kb.ask_version_{article.status}", title=article.title)
    context.user_data[EDITING] = int(parts[1]) if parts[0] == "be" else None
    context.user_data.pop(HELD, None)
    await update.callback_query.answer()
    await update.callback_query.message.reply_text(prompt)
    return WRITING


async def got_article(update: Update, context: session.Context) -> NoReturn:
    """The article in one message (or in the parts Telegram cut a long paste into); it stays
    a draft until published."""
    if EDITING not in context.user_data:
        raise ApplicationHandlerStop(END)
    typed, held = update.effective_message.text, context.user_data.pop(HELD, None)
    text = f"{held}\n{typed}" if held else typed
    if len(typed) >= SPLIT_HINT:
        context.user_data[HELD] = text
        locale = session.locale(context)
        await update.effective_message.reply_text(
            t(locale, "kb.long_held", count=f"{len(text):,}"),
            reply_markup=keyboard([[(t(locale, "kb.button_save"), data("bs"))]]))
        raise ApplicationHandlerStop(WRITING)
    await _save(update, context, text)


async def save_held(update: Update, context: session.Context) -> NoReturn:
    """bs: ✅ under a long article: it was all there is."""
    await update.callback_query.answer()
    text = context.user_data.pop(HELD, None)
    if text is None or EDITING not in context.user_data:
        raise ApplicationHandlerStop(END)
    await update.callback_query.edit_message_reply_markup(None)
    await _save(update, context, text)


async def _save(update: Update, context: session.Context, text: str) -> NoReturn:
    """One crm call; a refused article (crm_step says why) is sent again whole."""
    title, body, tags = split_article(text)
    editing, actor = context.user_data[EDITING], session.actor(context)
    if editing is None:
        article = await crm_step(update, context, WRITING, service.write_article, actor, title,
                                 body, tags=tags)
    else:
        article = await crm_step(update, context, WRITING, service.edit_article, actor, editing,
                                 title=title, body=body, tags=tags)
    context.user_data.pop(EDITING, None)
    locale = session.locale(context)
    await reply_in_parts(update.effective_message, article_text(locale, article),
                         article_keyboard(locale, article, True))
    raise ApplicationHandlerStop(END)


async def set_status(update: Update, context: session.Context) -> None:
    """bp:<id>:<draft|published>."""
    parts = parse(update.callback_query.data)
    article = await session.db(context, service.edit_article, session.actor(context),
                               int(parts[1]), status=parts[2])
    locale = session.locale(context)
    await update.callback_query.answer(t(locale, f"kb.status.{article.status}",
                                         html_escape=False))
    text, markup = article_text(locale, article), article_keyboard(locale, article, True)
    if fits_one_message(text):
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:  # shown in several messages: show it again rather than edit one part
        await reply_in_parts(update.callback_query.message, text, markup)


async def ask_delete(update: Update, context: session.Context) -> None:
    """bd:<id>: deleting asks with a button."""
    require(session.actor(context), Action.MANAGE_KB)
    article_id = int(parse(update.callback_query.data)[1])
    locale = session.locale(context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(keyboard(
        [[(t(locale, "kb.confirm_delete"), data("bD", article_id)),
          (t(locale, "kb.keep"), data("ba", article_id))]]))


async def delete(update: Update, context: session.Context) -> None:
    """bD:<id>."""
    await session.db(context, service.delete_article, session.actor(context),
                     int(parse(update.callback_query.data)[1]))
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(session.text(context, "kb.deleted"))


async def cancel(update: Update, context: session.Context) -> int:
    context.user_data.pop(EDITING, None)
    context.user_data.pop(HELD, None)
    await update.effective_message.reply_text(session.text(context, "kb.cancelled"))
    return END


async def stale_save(update: Update, context: session.Context) -> None:
    """bs pressed after the article was saved, cancelled or timed out."""
    await update.callback_query.answer(session.text(context, "create.expired"), show_alert=True)


async def timed_out(update: Update, context: session.Context) -> None:
    if context.user_data is not None:
        context.user_data.pop(EDITING, None)
        context.user_data.pop(HELD, None)


def register(application: Application) -> None:
    application.add_handler(conversation(
        entry_points=[CallbackQueryHandler(start_writing, pattern=rf"^(bn|be:{ID})$")],
        states={WRITING: [MessageHandler(filters.TEXT & ~filters.COMMAND
                                         & filters.ChatType.PRIVATE, got_article),
                          CallbackQueryHandler(save_held, pattern=r"^bs$")],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)]},
        fallbacks=[CommandHandler("cancel", cancel)], name="kb"))
    application.add_handler(CommandHandler("kb", kb_command))
    for callback, pattern in ((open_article, rf"^ba:{ID}$"),
                              (set_status, rf"^bp:{ID}:(draft|published)$"),
                              (ask_delete, rf"^bd:{ID}$"), (delete, rf"^bD:{ID}$"),
                              (stale_save, r"^bs$")):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
