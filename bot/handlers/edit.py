"""Editing a customer from the card (ed:<id>) and their tags (tg:<id>).

Adding a customer (``bot.handlers.create``) and editing share one conversation, so a person is
in one flow at a time: pressing ✏️ while adding ends the adding, and /new ends an edit."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
)
from telegram.warnings import PTBUserWarning

from bot import session
from bot.flows import OneFlowPerUser
from bot.handlers import create
from bot.handlers.card import send_card
from bot.handlers.create import answer, button, label, say, stops_search
from bot.i18n import catalogue, describe_error
from bot.keyboards import Button, data, int_part, keyboard, parse
from bot.render import address_text, phone_text
from crm import customers, sales
from crm.customers.one_line import split_tags
from crm.customers.views import GENDERS, STATUSES, CustomerCard
from crm.errors import Duplicate, NotFound, PermissionDenied, ValidationError
from crm.permissions import Action, allows, require

END = ConversationHandler.END
MENU, VALUE, REMOVE, TAGS = "edit.menu", "edit.value", "edit.remove", "edit.tags"
TARGET = create.EDIT_TARGET  # {"id", "field", "pending"} in user_data
TAG_NAMES = create.EDIT_TAGS  # {"id", "names"}: button indexes stay valid while tags change
TIMEOUT_SECONDS = 600
RECORD_FIELDS = ("name", "gender", "birthday", "occupation", "notes", "status", "source",
                 "company")
CHANNEL_FIELDS = ("phone", "email", "wechat")
ADDED_FIELDS = (*CHANNEL_FIELDS, "address")  # typed values that are added, not replaced
CHOICES = {"gender": GENDERS, "status": STATUSES}
REQUIRED = ("name", "status")
FIELD_PATTERN = "|".join((*RECORD_FIELDS, *ADDED_FIELDS, "owner", "rm"))
VALUE_PATTERN = "|".join(f for f in RECORD_FIELDS if f != "name")  # choices and "clear"
STALE_PATTERN = r"^(nw|ed|ef|ev|er|eq|eo|ea|tg|tr|td|ex):"


def _customer_id(update: Update) -> int | None:
    return int_part(parse(update.callback_query.data), 1)


# the field menu ----------------------------------------------------------------------------
def _menu_keyboard(context: session.Context, customer_id: int) -> InlineKeyboardMarkup:
    fields: list[Button] = [(label(context, f"field.{f}"), data("ef", customer_id, f))
                            for f in RECORD_FIELDS]
    rows = [fields[i:i + 2] for i in range(0, len(fields), 2)]
    rows.append([button(context, f"edit.add_{f}", "ef", customer_id, f) for f in CHANNEL_FIELDS])
    rows.append([button(context, "edit.add_address", "ef", customer_id, "address")])
    if allows(session.actor(context), Action.REASSIGN):  # crm checks again when it is pressed
        rows[-1].append(button(context, "edit.owner", "ef", customer_id, "owner"))
    rows.append([button(context, "edit.remove", "ef", customer_id, "rm")])
    rows.append([button(context, "create.cancel", "ex", customer_id)])
    return keyboard(rows)


async def open_menu(update: Update, context: session.Context) -> str:
    """ed:<id>: what to change (crm checks the customer is visible: a button is not a grant;
    a role that may not edit is told at once, not after typing the new value)."""
    require(session.actor(context), Action.EDIT)
    card = await session.db(context, customers.get_customer, session.actor(context),
                            _customer_id(update))
    create.forget(context)
    context.user_data[TARGET] = {"id": card.id}
    await answer(update)
    await say(update, session.text(context, "edit.menu", name=card.name),
              _menu_keyboard(context, card.id))
    return MENU


def _current(context: session.Context, card: CustomerCard, field: str) -> str:
    value: Any = card.company.name if field == "company" and card.company else getattr(
        card, field, None)
    if field in CHOICES and value:
        return label(context, f"{'status' if field == 'status' else 'edit.gender'}.{value}")
    return str(value) if value else "—"


def _value_keyboard(context: session.Context, customer_id: int | None,
                    field: str) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = []
    if field in CHOICES:
        key = "status" if field == "status" else "edit.gender"
        rows.append([(label(context, f"{key}.{v}"), data("ev", customer_id, field, v))
                     for v in CHOICES[field]])
    if field not in (*REQUIRED, *ADDED_FIELDS):
        rows.append([button(context, "edit.clear", "ev", customer_id, field, "-")])
    rows.append([button(context, "create.back", "ed", customer_id),
                 button(context, "create.cancel", "ex", customer_id)])
    return keyboard(rows)


def _prompt(context: session.Context, card: CustomerCard, field: str) -> str:
    name = label(context, f"field.{field}")
    if field in ADDED_FIELDS:
        return session.text(context, "edit.prompt_add", field=name, name=card.name)
    key = "edit.choose" if field in CHOICES else "edit.prompt"
    return session.text(context, key, field=name, name=card.name,
                        current=_current(context, card, field))


async def choose_field(update: Update, context: session.Context) -> str:
    """ef:<id>:<field>: ask for the new value (buttons for gender and status)."""
    field = parse(update.callback_query.data)[2]
    if field == "rm":
        return await ask_remove(update, context)
    if field == "owner":
        return await ask_owner(update, context)
    card = await session.db(context, customers.get_customer, session.actor(context),
                            _customer_id(update))
    context.user_data[TARGET] = {"id": card.id, "field": field}
    await answer(update)
    await say(update, _prompt(context, card, field), _value_keyboard(context, card.id, field))
    return VALUE


# changing a value --------------------------------------------------------------------------
async def typed_value(update: Update, context: session.Context) -> object:
    """The new value, typed."""
    target = context.user_data.get(TARGET) or {}
    if "field" not in target:
        return None
    return await apply(update, context, target["id"], target["field"],
                       update.effective_message.text.strip())


async def chosen_value(update: Update, context: session.Context) -> object:
    """ev:<id>:<field>:<value>: a value from the buttons ('-' clears the field)."""
    await answer(update)
    parts = parse(update.callback_query.data)
    value = parts[3] if len(parts) > 3 else "-"
    return await apply(update, context, _customer_id(update), parts[2],
                       None if value == "-" else value)


async def add_anyway(update: Update, context: session.Context) -> object:
    """ea:<id>: add the phone or e-mail although another record has it."""
    await answer(update)
    target = context.user_data.get(TARGET) or {}
    if target.get("pending") is None or target.get("id") != _customer_id(update):
        return None
    return await apply(update, context, target["id"], target["field"], target["pending"],
                       allow_duplicate=True)


async def apply(update: Update, context: session.Context, customer_id: int | None, field: str,
                value: str | None, *, allow_duplicate: bool = False) -> object:
    """One crm call; a rejected value is explained and the step stays open."""
    try:
        card = await _save_change(context, customer_id, field, value, allow_duplicate)
    except ValidationError as error:  # the step's buttons stay: one tap leaves it
        await say(update, describe_error(session.locale(context), error),
                  _value_keyboard(context, customer_id, field))
        return None
    except Duplicate as error:
        context.user_data[TARGET] = {"id": customer_id, "field": field, "pending": value}
        await _offer_add_anyway(update, context, error, customer_id)
        return None
    except PermissionDenied as error:  # e.g. a viewer: no point staying at this step
        await say(update, describe_error(session.locale(context), error))
        create.forget(context)
        return END
    context.user_data.pop(TARGET, None)
    await create.reply_card(update, context, card)
    return END


async def _save_change(context: session.Context, customer_id: int | None, field: str,
                       value: str | None, allow_duplicate: bool) -> CustomerCard:
    """A phone, e-mail, WeChat id or address is added; any other field is replaced."""
    actor = session.actor(context)
    if field in CHANNEL_FIELDS:
        return await session.db(context, customers.add_channel, actor, customer_id, field,
                                value, allow_duplicate=allow_duplicate)
    if field == "address":  # one line, as people write it
        return await session.db(context, customers.add_address, actor, customer_id,
                                customers.AddressInput(street=value))
    return await session.db(context, customers.update_customer, actor, customer_id, field, value)


async def _offer_add_anyway(update: Update, context: session.Context, error: Duplicate,
                            customer_id: int | None) -> None:
    rows = create.open_buttons(context, error)
    rows.append([button(context, "dup.add_anyway", "ea", customer_id),
                 button(context, "create.cancel", "ex", customer_id)])
    text = (create.duplicate_text(context, error) + "\n\n"
            + create.duplicate_question(context, error, "dup.retry"))
    await say(update, text, keyboard(rows))


# handing the customer to another owner -----------------------------------------------------
async def ask_owner(update: Update, context: session.Context) -> object:
    """ef:<id>:owner: the staff this member may hand the customer to, one button each."""
    actor = session.actor(context)
    card = await session.db(context, customers.get_customer, actor, _customer_id(update))
    choices = await session.db(context, sales.owner_choices, actor)
    await answer(update)
    rows = [[(("✓ " if staff_id == card.owner_id else "") + name,
              data("eo", card.id, staff_id))] for staff_id, name in choices]
    rows.append([button(context, "create.back", "ed", card.id),
                 button(context, "create.cancel", "ex", card.id)])
    await say(update, session.text(context, "edit.owner_prompt", name=card.name,
                                   current=card.owner_name or "—"), keyboard(rows))
    return MENU


async def choose_owner(update: Update, context: session.Context) -> object:
    """eo:<id>:<staff id>: hand the customer over (the new owner is told) and show the card."""
    parts = parse(update.callback_query.data)
    customer_id, owner_id = int_part(parts, 1), int_part(parts, 2)
    actor = session.actor(context)
    try:
        await session.db(context, sales.reassign_lead, actor, customer_id, owner_id)
    except (ValidationError, PermissionDenied, NotFound) as error:  # e.g. the current owner
        await update.callback_query.answer(  # an alert is plain text: names go in unescaped
            describe_error(session.locale(context), error, html_escape=False)[:200],
            show_alert=True)
        return None
    await answer(update)
    context.user_data.pop(TARGET, None)
    await send_card(update, context, customer_id, saved=True)  # managers and admins see all
    return END


# removing a contact detail or an address ---------------------------------------------------
def _channel_label(context: session.Context, kind: str, value: str) -> str:
    known = f"field.{kind}" in catalogue(session.locale(context))
    shown = phone_text(value) if kind in ("phone", "whatsapp") else value
    return label(context, "edit.remove_one", kind=label(
        context, f"field.{kind}" if known else "field.channel"), value=shown)


async def ask_remove(update: Update, context: session.Context) -> object:
    """ef:<id>:rm: the contact details and addresses, one button each."""
    card = await session.db(context, customers.get_customer, session.actor(context),
                            _customer_id(update))
    await answer(update)
    if not card.channels and not card.addresses:
        await say(update, session.text(context, "edit.no_channels", name=card.name))
        return None
    rows = [[(_channel_label(context, c.kind, c.value), data("er", card.id, c.id))]
            for c in card.channels]
    rows += [[(label(context, "edit.remove_one", kind=label(context, "field.address"),
                     value=address_text(a)), data("eq", card.id, a.id))]
             for a in card.addresses]
    rows.append([button(context, "create.back", "ed", card.id),
                 button(context, "create.cancel", "ex", card.id)])
    await say(update, session.text(context, "edit.remove_prompt", name=card.name),
              keyboard(rows))
    return REMOVE


async def remove_channel(update: Update, context: session.Context) -> int:
    """er:<id>:<channel id> or eq:<id>:<address id>: take it off and show the card."""
    await answer(update)
    parts = parse(update.callback_query.data)
    remove = customers.remove_address if parts[0] == "eq" else customers.remove_channel
    card = await session.db(context, remove, session.actor(context), int_part(parts, 1),
                            int_part(parts, 2))
    context.user_data.pop(TARGET, None)
    await create.reply_card(update, context, card)
    return END


# tags --------------------------------------------------------------------------------------
def _tags_view(context: session.Context, card: CustomerCard) -> tuple[str, InlineKeyboardMarkup]:
    state = context.user_data.setdefault(TAG_NAMES, {"id": card.id, "names": []})
    if state["id"] != card.id:
        state.update(id=card.id, names=[])
    names: list[str] = state["names"]
    names += [tag for tag in card.tags if tag not in names]
    shown = " · ".join(card.tags) or label(context, "tags.none")
    text = session.text(context, "tags.title", name=card.name, tags=shown)
    text += "\n" + session.text(context, "tags.help")
    buttons = [(label(context, "tags.remove", tag=tag), data("tr", card.id, names.index(tag)))
               for tag in card.tags]
    rows = [buttons[i:i + 3] for i in range(0, len(buttons), 3)]
    rows.append([button(context, "tags.done", "td", card.id)])
    return text, keyboard(rows)


async def open_tags(update: Update, context: session.Context) -> str:
    """tg:<id>: the tags, each a button that removes it; typed words add tags (for a role
    that may edit)."""
    require(session.actor(context), Action.EDIT)
    card = await session.db(context, customers.get_customer, session.actor(context),
                            _customer_id(update))
    create.forget(context)
    context.user_data[TAG_NAMES] = {"id": card.id, "names": []}
    await answer(update)
    await say(update, *_tags_view(context, card))
    return TAGS


async def typed_tags(update: Update, context: session.Context) -> object:
    """Tags typed (commas or spaces, '#' optional) are added."""
    customer_id = (context.user_data.get(TAG_NAMES) or {}).get("id")
    try:
        card = await session.db(context, customers.add_tags, session.actor(context), customer_id,
                                split_tags(update.effective_message.text))
    except ValidationError as error:
        await say(update, describe_error(session.locale(context), error))
        return None
    await say(update, *_tags_view(context, card))
    return None


async def remove_tag(update: Update, context: session.Context) -> object:
    """tr:<id>:<index>: take that tag off, and redraw the list in place."""
    parts = parse(update.callback_query.data)
    state = context.user_data.get(TAG_NAMES) or {}
    index = int_part(parts, 2)
    if state.get("id") != int_part(parts, 1) or index is None or index >= len(state["names"]):
        await update.callback_query.answer(session.text(context, "create.expired"),
                                           show_alert=True)
        return None
    card = await session.db(context, customers.remove_tag, session.actor(context), state["id"],
                            state["names"][index])
    await answer(update)
    text, markup = _tags_view(context, card)
    await update.callback_query.edit_message_text(text, reply_markup=markup)
    return None


async def tags_done(update: Update, context: session.Context) -> int:
    """td:<id>: back to the card."""
    context.user_data.pop(TAG_NAMES, None)
    await answer(update)
    await send_card(update, context, _customer_id(update))
    return END


async def stale_button(update: Update, context: session.Context) -> None:
    """A button of a finished or timed-out conversation."""
    await update.callback_query.answer(session.text(context, "create.expired"), show_alert=True)


# wiring ------------------------------------------------------------------------------------
def _states() -> dict[object, list[BaseHandler]]:
    return {
        MENU: [CallbackQueryHandler(choose_field, pattern=rf"^ef:\d+:({FIELD_PATTERN})$"),
               CallbackQueryHandler(choose_owner, pattern=r"^eo:\d+:\d+$")],
        VALUE: [MessageHandler(create.TEXT_INPUT, stops_search(typed_value)),
                CallbackQueryHandler(chosen_value, pattern=rf"^ev:\d+:({VALUE_PATTERN}):[\w-]+$"),
                CallbackQueryHandler(add_anyway, pattern=r"^ea:\d+$")],
        REMOVE: [CallbackQueryHandler(remove_channel, pattern=r"^e[rq]:\d+:\d+$")],
        TAGS: [MessageHandler(create.TEXT_INPUT, stops_search(typed_tags)),
               CallbackQueryHandler(remove_tag, pattern=r"^tr:\d+:\d+$"),
               CallbackQueryHandler(tags_done, pattern=r"^td:\d+$")],
        ConversationHandler.TIMEOUT: [TypeHandler(Update, create.timed_out)],
    }


def conversation() -> ConversationHandler:
    """Adding and editing customers, one flow per user at a time, ending after 10 idle minutes."""
    entry_points = [*create.entry_points(),
                    CallbackQueryHandler(open_menu, pattern=r"^ed:\d+$"),
                    CallbackQueryHandler(open_tags, pattern=r"^tg:\d+$")]
    with warnings.catch_warnings():
        # Buttons are tracked per user on purpose: the flows mix typed text and buttons.
        warnings.filterwarnings("ignore", message=".*per_message=False.*",
                                category=PTBUserWarning)
        return OneFlowPerUser(
            entry_points=entry_points, states={**create.states(), **_states()},
            fallbacks=create.fallbacks(), allow_reentry=True, name="customer",
            conversation_timeout=TIMEOUT_SECONDS, unsaved=create.unsaved,
            drafts=(create.DRAFT, create.EDIT_TARGET, create.EDIT_TAGS))


def register(application: Application) -> None:
    """The customer conversation, then a polite answer to buttons of finished ones."""
    application.add_handler(conversation())
    application.add_handler(CallbackQueryHandler(stale_button, pattern=STALE_PATTERN))
