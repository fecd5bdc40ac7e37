"""The card's "More" menu (mo:<id>): the whole record, reveal the ID card number, delete
(confirmed), share, marketing consent; and /deleted with restore (rs:<id>, confirmed).

Callback data: mo:<id> · mo:<id>:dt · mo:<id>:id · mo:<id>:del · mo:<id>:del:yes · mo:<id>:cs ·
mo:<id>:cs:<channel>:<1|0> · rs:<id> · rs:<id>:yes · rs:p:<offset>
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import session
from bot.i18n import t
from bot.keyboards import Button, data, int_part, keyboard, parse
from bot.long_text import reply_in_parts
from bot.render import details_text, pager, summary_label, when
from crm import consent, customers
from crm.actors import Actor
from crm.consent import CONSENT_CHANNELS, ConsentView
from crm.customers.views import CustomerCard, CustomerSummary, Page
from crm.permissions import Action, allows

ID = r"\d{1,9}"
SECRET = "id_card"
DELETED_PAGE = 8
NAMES = "more_names"  # id → name from the last list or menu, for confirmations


def _customer_id(update: Update) -> int:
    return int(parse(update.callback_query.data)[1])


def _name(context: session.Context, customer_id: int) -> str:
    """A name remembered from a list or menu (the record may be hidden by now)."""
    return context.user_data.get(NAMES, {}).get(customer_id) or session.text(
        context, "more.this_customer")


def _back(locale: str, customer_id: int) -> Button:
    return t(locale, "button.back_to_card"), data("c", customer_id)


# rendering ------------------------------------------------------------------------------------
def more_keyboard(locale: str, card: CustomerCard, actor: Actor) -> InlineKeyboardMarkup:
    """What the user may do with this customer; crm checks again on every press."""
    rows: list[list[InlineKeyboardButton]] = [[_button(t(locale, "more.details"), "mo", card.id,
                                                       "dt")]]
    if allows(actor, Action.REVEAL) and any(s.name == SECRET for s in card.secrets):
        rows.append([_button(t(locale, "more.reveal"), "mo", card.id, "id")])
    rows.append([_button(t(locale, "deal.card.orders"), "co", card.id)])  # repeat buyers too
    rows.append([_button(t(locale, "more.consent"), "mo", card.id, "cs")])
    rows.append([InlineKeyboardButton(t(locale, "more.share"),
                                      switch_inline_query=share_query(card))])
    if allows(actor, Action.DELETE):
        rows.append([_button(t(locale, "more.delete"), "mo", card.id, "del")])
    rows.append([_button(*_back(locale, card.id))])
    return InlineKeyboardMarkup(rows)


def share_query(card: CustomerCard) -> str:
    """What 📤 Share types after @bot: the name and the record's number (张伟 #42), which inline
    search reads as this one customer, so a namesake is never offered in its place."""
    return f"{card.name} #{card.id}"  # a name is at most 100 characters, a query 256


def _button(label: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data(*parts))


def consent_text(locale: str, current: dict[str, ConsentView], timezone: str) -> str:
    """The latest word per channel."""
    lines = [t(locale, "more.consent_title")]
    for channel in CONSENT_CHANNELS:
        label = t(locale, f"more.channel.{channel}")
        view = current.get(channel)
        if view is None:
            lines.append(t(locale, "more.consent_unknown", channel=label))
            continue
        key = "more.consent_granted" if view.granted else "more.consent_withdrawn"
        lines.append(t(locale, key, channel=label, when=when(locale, view.at, timezone),
                       by=_recorded_by(locale, view)))
    return "\n".join(lines)


def _recorded_by(locale: str, view: ConsentView) -> str:
    """Who gave the word: the staff member who noted it, or the customer who said it in the
    chat themselves (no staff member: 退订 and its undo)."""
    if view.recorded_by:
        return view.recorded_by
    return t(locale, "more.consent_by_customer") if view.method == "chat" else "—"


def consent_keyboard(locale: str, customer_id: int, current: dict[str, ConsentView],
                     actor: Actor) -> InlineKeyboardMarkup:
    """One toggle per channel, two a row, for those who may change the record; the way
    back."""
    buttons: list[Button] = []
    for channel in CONSENT_CHANNELS if allows(actor, Action.EDIT) else ():
        granted = bool(current.get(channel) and current[channel].granted)
        key = "more.withdraw" if granted else "more.grant"
        buttons.append((t(locale, key, channel=t(locale, f"more.channel.{channel}")),
                        data("mo", customer_id, "cs", channel, 0 if granted else 1)))
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    return keyboard([*rows, [_back(locale, customer_id)]])


def deleted_keyboard(locale: str, page: Page[CustomerSummary]) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [[("♻️ " + summary_label(item), data("rs", item.id))]
                                for item in page.items]
    return keyboard([*rows, pager(page, DELETED_PAGE, "rs", "p")])


# the More menu --------------------------------------------------------------------------------
async def show_more(update: Update, context: session.Context) -> None:
    """mo:<id>: the menu as a new message."""
    callback, actor = update.callback_query, session.actor(context)
    card = await session.db(context, customers.get_customer, actor, _customer_id(update))
    locale = session.locale(context)
    await callback.answer()
    await callback.message.reply_text(t(locale, "more.title", name=card.name),
                                      reply_markup=more_keyboard(locale, card, actor))


async def show_details(update: Update, context: session.Context) -> None:
    """mo:<id>:dt: every field of the record (all channels and addresses, birthday, notes...)
    as new messages, the card's way back under the last."""
    card = await session.db(context, customers.get_customer, session.actor(context),
                            _customer_id(update))
    locale = session.locale(context)
    await update.callback_query.answer()
    await reply_in_parts(update.callback_query.message,
                         details_text(locale, card, timezone=session.timezone(context)),
                         keyboard([[_back(locale, card.id)]]))


async def reveal(update: Update, context: session.Context) -> None:
    """mo:<id>:id: the plain number in an alert (not kept in the chat); crm decides who may."""
    callback = update.callback_query
    value = await session.db(context, customers.reveal_secret, session.actor(context),
                             _customer_id(update), SECRET)
    await callback.answer(t(session.locale(context), "more.revealed", value=value,
                            html_escape=False), show_alert=True)


async def ask_delete(update: Update, context: session.Context) -> None:
    """mo:<id>:del: only the button below confirms (a typed "yes" is just a search)."""
    callback = update.callback_query
    card = await session.db(context, customers.get_customer, session.actor(context),
                            _customer_id(update))
    context.user_data.setdefault(NAMES, {})[card.id] = card.name
    locale = session.locale(context)
    await callback.answer()
    await callback.edit_message_text(
        t(locale, "more.ask_delete", name=card.name),
        reply_markup=keyboard([[(t(locale, "more.yes_delete"), data("mo", card.id, "del", "yes")),
                                _back(locale, card.id)]]))


async def delete(update: Update, context: session.Context) -> None:
    """mo:<id>:del:yes."""
    callback, customer_id = update.callback_query, _customer_id(update)
    await session.db(context, customers.delete_customer, session.actor(context), customer_id)
    await callback.answer()
    await callback.edit_message_text(session.text(context, "more.deleted",
                                                  name=_name(context, customer_id)))


async def show_consent(update: Update, context: session.Context) -> None:
    """mo:<id>:cs: the consent per channel with toggles."""
    customer_id = _customer_id(update)
    current = await session.db(context, consent.current_consent, session.actor(context),
                               customer_id)
    await _edit_consent(update, context, customer_id, current)


async def set_consent(update: Update, context: session.Context) -> None:
    """mo:<id>:cs:<channel>:<1|0>: record it (method "chat"), then show the new state."""
    parts = parse(update.callback_query.data)
    actor, customer_id = session.actor(context), int(parts[1])
    await session.db(context, consent.record_consent, actor, customer_id, parts[3],
                     parts[4] == "1", method="chat")
    current = await session.db(context, consent.current_consent, actor, customer_id)
    await _edit_consent(update, context, customer_id, current)


async def _edit_consent(update: Update, context: session.Context, customer_id: int,
                        current: dict[str, ConsentView]) -> None:
    locale = session.locale(context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        consent_text(locale, current, session.timezone(context)),
        reply_markup=consent_keyboard(locale, customer_id, current, session.actor(context)))


# /deleted and restore -------------------------------------------------------------------------
async def deleted_command(update: Update, context: session.Context) -> None:
    """/deleted: recently deleted customers, for those allowed to restore."""
    page = await _deleted_page(context, 0)
    text, markup = _deleted_message(context, page)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def deleted_page(update: Update, context: session.Context) -> None:
    """rs:p:<offset>: another page, or back from a confirmation."""
    offset = int_part(parse(update.callback_query.data), 2) or 0
    page = await _deleted_page(context, offset)
    text, markup = _deleted_message(context, page)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(text, reply_markup=markup)


async def _deleted_page(context: session.Context, offset: int) -> Page[CustomerSummary]:
    page = await session.db(context, customers.list_deleted, session.actor(context),
                            offset=offset, limit=DELETED_PAGE)
    names: dict[int, str] = context.user_data.setdefault(NAMES, {})
    names.update({item.id: item.name for item in page.items})
    return page


def _deleted_message(context: session.Context,
                     page: Page[CustomerSummary]) -> tuple[str, InlineKeyboardMarkup]:
    key = "more.deleted_title" if page.items or page.offset else "more.deleted_empty"
    locale = session.locale(context)
    return t(locale, key), deleted_keyboard(locale, page)


async def ask_restore(update: Update, context: session.Context) -> None:
    """rs:<id>: confirm first."""
    callback = update.callback_query
    customer_id = _customer_id(update)
    locale = session.locale(context)
    name = _name(context, customer_id)
    await callback.answer()
    await callback.edit_message_text(
        t(locale, "more.ask_restore", name=name),
        reply_markup=keyboard([[(t(locale, "more.yes_restore"), data("rs", customer_id, "yes")),
                                (t(locale, "more.back_to_list"), data("rs", "p", 0))]]))


async def restore(update: Update, context: session.Context) -> None:
    """rs:<id>:yes."""
    callback = update.callback_query
    card = await session.db(context, customers.restore_customer, session.actor(context),
                            _customer_id(update))
    locale = session.locale(context)
    await callback.answer()
    await callback.edit_message_text(t(locale, "more.restored", name=card.name),
                                     reply_markup=keyboard([[_back(locale, card.id)]]))


async def ignore(update: Update, context: session.Context) -> None:
    """Forged or stale mo:/rs: data does nothing."""
    await update.callback_query.answer()


def register(application: Application) -> None:
    """The More menu, consent, deletion and /deleted."""
    for callback, pattern in (
            (show_more, rf"^mo:{ID}$"), (show_details, rf"^mo:{ID}:dt$"),
            (reveal, rf"^mo:{ID}:id$"),
            (ask_delete, rf"^mo:{ID}:del$"), (delete, rf"^mo:{ID}:del:yes$"),
            (show_consent, rf"^mo:{ID}:cs$"), (set_consent, rf"^mo:{ID}:cs:[a-z]{{1,12}}:[01]$"),
            (deleted_page, r"^rs:p:\d{1,6}$"), (ask_restore, rf"^rs:{ID}$"),
            (restore, rf"^rs:{ID}:yes$"), (ignore, r"^(mo|rs):")):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    application.add_handler(CommandHandler("deleted", deleted_command))
