"""Adding customers: the guided /new conversation, the one-line /new form and a shared contact.
A record already on file is offered to open, or the new one is created anyway.

The guided steps are wired into the one customer conversation built in ``bot.handlers.edit``
(so starting to add a customer ends an edit, and the other way round)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Contact, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import session
from bot.handlers.card import send_card
from bot.i18n import describe_error, listed, t
from bot.keyboards import Button, data, keyboard
from bot.long_text import reply_in_parts
from bot.render import phone_text
from crm import customers
from crm.customers.inputs import name_from_parts
from crm.customers.one_line import read_one_line, split_tags
from crm.customers.views import CustomerCard, DuplicateMatch
from crm.errors import Duplicate, ValidationError
from crm.permissions import Action, require

Callback = Callable[[Update, session.Context], Awaitable[Any]]
END = ConversationHandler.END
NAME, PHONE, EMAIL, COMPANY, TAGS, CONFIRM = ("new.name", "new.phone", "new.email",
                                              "new.company", "new.tags", "new.confirm")
STEPS = (NAME, PHONE, EMAIL, COMPANY, TAGS)
FIELD_OF = {NAME: "name", PHONE: "phone", EMAIL: "email", COMPANY: "company", TAGS: "tags"}
STEP_OF = {field: step for step, field in FIELD_OF.items()}
DRAFT = "new.draft"  # the customer being added, in user_data
PENDING = "new.pending"  # a draft held back by a duplicate, until "create anyway"
EDIT_TARGET, EDIT_TAGS = "edit.target", "edit.tags"  # the edit flow's state (bot.handlers.edit)
TEXT_INPUT = filters.TEXT & ~filters.COMMAND
CANCEL_PATTERN = r"^(nw:x|ex:\d+)$"
MAX_MATCHES = 5


# shared by the create and edit flows -------------------------------------------------------
def label(context: session.Context, key: str, /, **params: Any) -> str:
    """Button text in the user's language (plain text: buttons do not parse HTML)."""
    return t(session.locale(context), key, html_escape=False, **params)


def button(context: session.Context, key: str, *parts: object) -> Button:
    """A (label, callback data) pair."""
    return label(context, key), data(*parts)


def timezone(context: session.Context) -> str:
    """The acting user's time zone, else the installation's."""
    return session.actor(context).timezone or session.config(context).timezone


async def answer(update: Update) -> None:
    """Stop the spinner of a pressed button (nothing for a typed message)."""
    if update.callback_query:
        await update.callback_query.answer()


async def say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A new message in the chat the update came from (several when it is that long: a
    customer's notes may hold 4,000 characters)."""
    await reply_in_parts(update.effective_message, text, markup)


async def reply_card(update: Update, context: session.Context, card: CustomerCard) -> None:
    """A saved customer's card, with its buttons, open deals and next reminder."""
    await send_card(update, context, card.id, saved=True)


def stops_search(callback: Callback) -> Callback:
    """Typed input taken by a conversation step must not also run the search (a later group)."""
    async def wrapped(update: Update, context: session.Context) -> Any:
        raise ApplicationHandlerStop(await callback(update, context))
    wrapped.__name__ = callback.__name__
    return wrapped


def duplicate_text(context: session.Context, error: Duplicate) -> str:
    """What is already on file: names the user may see, "with a colleague" otherwise."""
    locale = session.locale(context)
    lines = [describe_error(locale, error)]
    lines += [_match_line(locale, match) for match in error.matches[:MAX_MATCHES]]
    return "\n".join(lines)


def duplicate_question(context: session.Context, error: Duplicate, key: str) -> str:
    """What to do next: "open the existing record" only when there is one the user may open
    (a colleague's record they may not see gets no open button)."""
    openable = any(m.customer_id is not None for m in error.matches[:MAX_MATCHES])
    return session.text(context, key if openable else f"{key}_hidden")


def _match_line(locale: str, match: DuplicateMatch) -> str:
    if match.customer_id is None:
        return t(locale, "dup.hidden")
    field = "company" if match.reason == "similar_name" else match.reason
    # A phone is stored in E.164; shown as the card shows it (+86 139 1111 2222).
    value = phone_text(match.value) if match.reason == "phone" else match.value
    return t(locale, "dup.visible", name=match.name, value=value,
             what=t(locale, f"field.{field}"))


def open_buttons(context: session.Context, error: Duplicate) -> list[list[Button]]:
    """One "open" button per match the user may see."""
    return [[(label(context, "dup.open", name=m.name), data("c", m.customer_id))]
            for m in error.matches[:MAX_MATCHES] if m.customer_id is not None]


def forget(context: session.Context) -> None:
    """Drop whatever the customer conversation was holding (one flow at a time)."""
    for key in (DRAFT, EDIT_TARGET, EDIT_TAGS):
        context.user_data.pop(key, None)


def unsaved(locale: str, user_data: dict[Any, Any]) -> str | None:
    """The customer being added, once an answer was typed (an edit saves as it goes)."""
    values = user_data.get(DRAFT) or {}
    if not any(values.get(field) for field in FIELD_OF.values()):
        return None
    return t(locale, "flow.new_customer", html_escape=False, name=values.get("name") or "…")


async def cancel(update: Update, context: session.Context) -> int:
    """/cancel or ✖: leave the conversation; nothing more is saved."""
    forget(context)
    await answer(update)
    await say(update, session.text(context, "create.cancelled"))
    return END


async def timed_out(update: Update, context: session.Context) -> None:
    """The conversation was left alone too long: say so, and forget the draft."""
    key = "create.timeout" if DRAFT in context.user_data else "edit.timeout"
    forget(context)
    if update.effective_chat:
        await context.bot.send_message(update.effective_chat.id, session.text(context, key))


# the draft ---------------------------------------------------------------------------------
def to_draft(values: dict[str, Any]) -> customers.CustomerDraft:
    """The crm draft from what the user gave."""
    phone, email = values.get("phone"), values.get("email")
    return customers.CustomerDraft(name=values.get("name") or "",
                                   phones=(phone,) if phone else (),
                                   emails=(email,) if email else (),
                                   company=values.get("company") or None,
                                   tags=tuple(values.get("tags") or ()),
                                   channels=tuple(values.get("channels") or ()))


def contact_name(contact: Contact) -> str:
    """张 + 伟 → 张伟, Emily + Chen → Emily Chen (crm's rule for a name in two parts)."""
    return name_from_parts(contact.last_name or "", contact.first_name or "")


# the guided steps --------------------------------------------------------------------------
def _draft(context: session.Context) -> dict[str, Any]:
    return context.user_data.setdefault(DRAFT, {})


def _shown(locale: str, values: dict[str, Any], field: str) -> str:
    value = values.get(field)
    return listed(locale, value) if isinstance(value, list) else (value or "")


def _step_keyboard(context: session.Context, step: str) -> InlineKeyboardMarkup:
    cancel_row = [button(context, "create.cancel", "nw", "x")]
    if step == NAME:
        return keyboard([cancel_row])
    if step == CONFIRM:
        return keyboard([[button(context, "create.save", "nw", "save")],
                         [button(context, "create.back", "nw", "back"), *cancel_row]])
    return keyboard([[button(context, "create.skip", "nw", "skip"),
                      button(context, "create.back", "nw", "back")], cancel_row])


async def ask(update: Update, context: session.Context, step: str) -> str:
    """The question of one step, with what the draft holds for it so far."""
    values = _draft(context)
    if step == CONFIRM:
        return await confirm(update, context)
    field = FIELD_OF[step]
    text = session.text(context, f"create.ask_{field}", name=values.get("name") or "")
    shown = _shown(session.locale(context), values, field)
    if shown:
        text += "\n" + session.text(context, "create.now", value=shown)
    await say(update, text, _step_keyboard(context, step))
    return step


async def confirm(update: Update, context: session.Context) -> str:
    """Everything gathered, with Save, Back and Cancel."""
    values = _draft(context)
    values["review"] = True  # a corrected step comes straight back here
    locale = session.locale(context)
    lines = [t(locale, "create.confirm")]
    for field in FIELD_OF.values():
        lines.append(t(locale, "create.line", field=t(locale, f"field.{field}"),
                       value=_shown(locale, values, field) or "—"))
    for item in values.get("channels") or ():  # from the one-line form
        lines.append(t(locale, "create.line", field=t(locale, f"field.{item.kind}"),
                       value=item.value))
    await say(update, "\n".join(lines), _step_keyboard(context, CONFIRM))
    return CONFIRM


async def ask_next(update: Update, context: session.Context, step: str) -> str:
    """The following step; after a correction, the summary."""
    if _draft(context).get("review") or step == TAGS:
        return await confirm(update, context)
    return await ask(update, context, STEPS[STEPS.index(step) + 1])


def typed(step: str) -> Callback:
    """The handler of text typed at ``step``."""
    async def on_text(update: Update, context: session.Context) -> str:
        text = update.effective_message.text.strip()
        value = split_tags(text) if step == TAGS else text
        try:
            customers.draft_field(FIELD_OF[step], value)
        except ValidationError as error:  # said at once; the question stays
            await say(update, describe_error(session.locale(context), error))
            return await ask(update, context, step)
        _draft(context)[FIELD_OF[step]] = value
        return await ask_next(update, context, step)
    return stops_search(on_text)


def skipped(step: str) -> Callback:
    """The handler of ⏭ at ``step``."""
    async def on_skip(update: Update, context: session.Context) -> str:
        await answer(update)
        _draft(context)[FIELD_OF[step]] = [] if step == TAGS else None
        return await ask_next(update, context, step)
    return on_skip


def went_back(step: str) -> Callback:
    """The handler of ◀ at ``step``."""
    async def on_back(update: Update, context: session.Context) -> str:
        await answer(update)
        earlier = TAGS if step == CONFIRM else STEPS[max(0, STEPS.index(step) - 1)]
        return await ask(update, context, earlier)
    return on_back


async def start_new(update: Update, context: session.Context) -> object:
    """/new asks step by step; /new 张伟 13800138000 华为 saves at once. Someone who may not
    add customers (a viewer) is told before any question, and no draft is left behind."""
    forget(context)
    require(session.actor(context), Action.CREATE)
    if context.args:
        context.user_data[DRAFT] = read_one_line(" ".join(context.args))
        return await save(update, context)
    return await ask(update, context, NAME)


async def on_save(update: Update, context: session.Context) -> object:
    """✅ on the summary."""
    await answer(update)
    return await save(update, context)


async def save(update: Update, context: session.Context) -> object:
    """One crm call; a bad value sends the user back to its step, a look-alike is offered."""
    values = _draft(context)
    try:
        card = await session.db(context, customers.create_customer, session.actor(context),
                                to_draft(values))
    except ValidationError as error:
        await say(update, describe_error(session.locale(context), error))
        values["review"] = True
        return await ask(update, context, STEP_OF.get(error.field, CONFIRM))
    except Duplicate as error:
        await offer_existing(update, context, error, context.user_data.pop(DRAFT))
        return END
    context.user_data.pop(DRAFT, None)
    await reply_card(update, context, card)
    return END


async def offer_existing(update: Update, context: session.Context, error: Duplicate,
                         values: dict[str, Any]) -> None:
    """Show what is on file; keep the draft for "create anyway"."""
    context.user_data[PENDING] = values
    rows = open_buttons(context, error)
    rows.append([button(context, "dup.create_anyway", "nw", "force"),
                 button(context, "create.cancel", "nw", "drop")])
    text = duplicate_text(context, error) + "\n\n" + duplicate_question(context, error,
                                                                         "dup.question")
    await say(update, text, keyboard(rows))


async def create_anyway(update: Update, context: session.Context) -> None:
    """nw:force: the user has seen the look-alikes and wants a new record all the same."""
    values = context.user_data.pop(PENDING, None)
    if values is None:
        await update.callback_query.answer(session.text(context, "create.expired"),
                                           show_alert=True)
        return
    card = await session.db(context, customers.create_customer, session.actor(context),
                            to_draft(values), allow_duplicate=True)
    await answer(update)
    await reply_card(update, context, card)


async def drop_pending(update: Update, context: session.Context) -> None:
    """nw:drop: forget the held-back draft."""
    context.user_data.pop(PENDING, None)
    await answer(update)
    await say(update, session.text(context, "create.cancelled"))


# a shared contact --------------------------------------------------------------------------
async def from_contact(update: Update, context: session.Context) -> None:
    """A shared contact opens the customer with that phone, or adds them."""
    contact = update.effective_message.contact
    values = {"name": contact_name(contact), "phone": contact.phone_number, "tags": []}
    try:
        card = await _create_from_contact(context, values)
    except Duplicate as error:
        visible = [m.customer_id for m in error.matches if m.customer_id is not None]
        if visible:
            await send_card(update, context, visible[0])
        else:
            await offer_existing(update, context, error, values)
        return
    await reply_card(update, context, card)


async def _create_from_contact(context: session.Context, values: dict[str, Any]) -> CustomerCard:
    # Telegram often gives an international number without its '+': try it as is, then with.
    # A number read neither way is refused as it was sent: the user never typed our '+'.
    raw = values["phone"]
    first: ValidationError | None = None
    for candidate in [raw] if raw.startswith("+") else [raw, "+" + raw]:
        values["phone"] = candidate
        try:
            return await session.db(context, customers.create_customer, session.actor(context),
                                    to_draft(values))
        except ValidationError as error:
            if error.field != "phone":
                raise
            first = first or error
    assert first is not None
    raise first


# wiring ------------------------------------------------------------------------------------
def entry_points() -> list[BaseHandler]:
    """How the guided conversation starts."""
    return [CommandHandler("new", start_new)]


def states() -> dict[object, list[BaseHandler]]:
    """The guided steps: typed text, ⏭ Skip, ◀ Back, ✅ Save."""
    found: dict[object, list[BaseHandler]] = {
        step: [MessageHandler(TEXT_INPUT, typed(step)),
               CallbackQueryHandler(skipped(step), pattern=r"^nw:skip$"),
               CallbackQueryHandler(went_back(step), pattern=r"^nw:back$")]
        for step in STEPS}
    found[CONFIRM] = [CallbackQueryHandler(on_save, pattern=r"^nw:save$"),
                      CallbackQueryHandler(went_back(CONFIRM), pattern=r"^nw:back$")]
    return found


def fallbacks() -> list[BaseHandler]:
    """/cancel and ✖ end whichever step the user is at."""
    return [CommandHandler("cancel", cancel), CallbackQueryHandler(cancel, pattern=CANCEL_PATTERN)]


def register(application: Application) -> None:
    """Shared contacts and the answers to a duplicate (the conversation is added by edit)."""
    application.add_handler(MessageHandler(filters.CONTACT & filters.ChatType.PRIVATE,
                                           from_contact))
    application.add_handler(CallbackQueryHandler(create_anyway, pattern=r"^nw:force$"))
    application.add_handler(CallbackQueryHandler(drop_pending, pattern=r"^nw:drop$"))
