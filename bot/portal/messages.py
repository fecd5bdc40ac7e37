"""Every message a customer sends, to the part that takes it: a command, their phone number,
an unsubscribe, the words a step asked for, a file, words for a waiting ticket, a question."""

from __future__ import annotations

from telegram import Message, ReplyKeyboardRemove, Update

from bot import session
from bot.i18n import resolve_locale, t
from bot.keyboards import data, keyboard
from bot.portal.asking import _search
from bot.portal.common import STEP, _asked_step, file_of, portal_user
from bot.portal.placing import _acknowledged, _place_file, _step, _to_waiting
from bot.portal.views import menu
from crm import service, users


async def _received(update: Update, context: session.Context) -> None:
    message = update.effective_message
    text = (message.text or message.caption or "").strip()
    if message.text and service.is_unsubscribe(text):  # never a question, whatever the step
        context.user_data.pop(STEP, None)
        await _unsubscribe(update, context)
        return
    if message.text and text.split()[0].split("@")[0] in ("/start", "/help", "/cancel"):
        context.user_data.pop(STEP, None)
        await _welcome(update, context)
        return
    if message.contact:
        await _contact(update, context, message)
        return
    step = _asked_step(context, message)
    if step is not None and (text or message.photo or message.document):
        await _step(update, context, step, text, file_of(message))
        return
    file = file_of(message)
    if file is not None:
        await _place_file(update, context, text, file)
        return
    if text and not text.startswith("/"):
        if not (message.text and (await _to_waiting(update, context, text)
                                  or await _acknowledged(update, context, text))):
            await _search(update, context, text)
        return
    await _welcome(update, context)


async def _welcome(update: Update, context: session.Context) -> None:
    """The customer's greeting; a deactivated staff member is told instead, in their language,
    that their access was removed and who can give it back."""
    user = update.effective_user
    former = await session.db(context, users.former_staff, user.id)
    if former is not None:
        locale = resolve_locale(former.locale, user.language_code, session.config(context).locale)
        await update.effective_message.reply_text(
            t(locale, "access.deactivated", name=former.name, id=user.id))
        return
    locale = session.locale(context)
    await update.effective_message.reply_text(t(locale, "portal.welcome", id=user.id),
                                              reply_markup=menu(locale))


async def _contact(update: Update, context: session.Context, message: Message) -> None:
    """Only the customer's own number counts (Telegram marks it with their user id)."""
    locale = session.locale(context)
    if message.contact.user_id != update.effective_user.id:
        await message.reply_text(t(locale, "portal.not_your_contact"),
                                 reply_markup=ReplyKeyboardRemove())
        return
    await session.db(context, service.link_by_phone, portal_user(update, context),
                     message.contact.phone_number)
    await message.reply_text(t(locale, "portal.linked"), reply_markup=ReplyKeyboardRemove())
    await message.reply_text(t(locale, "portal.menu"), reply_markup=menu(locale))


async def _unsubscribe(update: Update, context: session.Context) -> None:
    """Marketing consent withdrawn, said in the customer's language, with ↩ to undo."""
    locale = session.locale(context)
    agreed = await session.db(context, service.unsubscribe, portal_user(update, context))
    if agreed is None:
        await update.effective_message.reply_text(t(locale, "portal.nothing_to_unsubscribe"))
        return
    # ↩ gives back what they had agreed to: with nothing, it would have nothing to undo.
    undo = [[(t(locale, "portal.button_resubscribe"), data("qU", *agreed))]] if agreed else []
    await update.effective_message.reply_text(t(locale, "portal.unsubscribed"),
                                              reply_markup=keyboard(undo) if undo else None)
