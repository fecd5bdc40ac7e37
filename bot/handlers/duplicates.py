"""/duplicates: likely duplicate customers (same phone, e-mail or account, or a similar name
at the same company), compared side by side and merged into the one chosen to keep.

Callback data: du:p:<offset> (a page of groups) · du:g:<ids> (compare) · du:k:<keep>:<ids>
(confirm) · du:y:<keep>:<ids> (merge) · du:n:<ids> (not duplicates: people with similar names
told apart, no longer listed for their names); <ids> are the group's customer ids joined by
dots.
"""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import session
from bot.i18n import describe_error, listed, t
from bot.keyboards import Button, data, int_part, keyboard, parse
from bot.render import phone_text, when
from crm import customers
from crm.customers.duplicates import MAX_GROUP, DuplicateGroup
from crm.customers.views import CustomerCard
from crm.errors import AlreadyMerged

PAGE = 8
SCAN_LIMIT = 200
IDS = r"\d{1,9}(\.\d{1,9}){1,4}"
CONTACT_KINDS = ("phone", "email", "wechat", "qq", "whatsapp")


def _ids_part(ids: tuple[int, ...] | list[int]) -> str:
    return ".".join(str(i) for i in ids[:MAX_GROUP])


def _ids_of(part: str) -> list[int]:
    return [int(i) for i in part.split(".")]


# rendering ------------------------------------------------------------------------------------
def _reason(locale: str, group: DuplicateGroup) -> str:
    """What the group shares, in words (plain: the line's template escapes it)."""
    if group.reason in CONTACT_KINDS:
        value = phone_text(group.value) if group.reason == "phone" else group.value
        return t(locale, "duplicates.same_contact", html_escape=False, value=value,
                 what=t(locale, f"field.{group.reason}", html_escape=False))
    return t(locale, "duplicates.similar_name", html_escape=False, company=group.value)


def _names(locale: str, group: DuplicateGroup) -> str:
    return _listed(locale, tuple(zip(group.customer_ids, group.names, strict=True)))


def groups_text(locale: str, groups: list[DuplicateGroup], offset: int) -> str:
    """A page of groups, numbered across pages."""
    if not groups:
        return t(locale, "duplicates.none")
    lines = [t(locale, "duplicates.title", count=len(groups))]
    for number, group in enumerate(groups[offset:offset + PAGE], start=offset + 1):
        lines.append(t(locale, "duplicates.group", number=number, reason=_reason(locale, group),
                       names=_names(locale, group)))
    return "\n".join(lines)


def groups_keyboard(locale: str, groups: list[DuplicateGroup],
                    offset: int) -> list[list[Button]]:
    """A button per group of the page, and ◀ ▶ where there is more."""
    rows: list[list[Button]] = [
        [(f"{number}. {_names(locale, group)}"[:60],
          data("du", "g", _ids_part(group.customer_ids)))]
        for number, group in enumerate(groups[offset:offset + PAGE], start=offset + 1)]
    pages: list[Button] = []
    if offset:
        pages.append(("◀", data("du", "p", max(offset - PAGE, 0))))
    if offset + PAGE < len(groups):
        pages.append(("▶", data("du", "p", offset + PAGE)))
    return [*rows, pages]


def compare_text(locale: str, cards: list[CustomerCard], timezone: str) -> str:
    """Each record's facts that tell duplicates apart, numbered for the keep buttons."""
    lines = [t(locale, "duplicates.compare_title", count=len(cards))]
    for number, card in enumerate(cards, start=1):
        lines.append("")
        lines.append(t(locale, "duplicates.member", number=number, name=card.name, id=card.id,
                       company=card.company.name if card.company else "—"))
        contacts = [phone_text(c.value) if c.kind == "phone" else c.value
                    for c in card.channels]
        if contacts:
            lines.append("📇 " + html.escape(" · ".join(contacts)))
        if card.tags:
            lines.append("🏷 " + html.escape(" · ".join(card.tags)))
        lines.append(t(locale, "duplicates.member_facts", owner=card.owner_name or "—",
                       status=t(locale, f"status.{card.status}"),
                       created=when(locale, card.created_at, timezone)[:10],
                       contacted=when(locale, card.last_interaction_at, timezone)))
    return "\n".join(lines)


def compare_keyboard(locale: str, cards: list[CustomerCard], *,
                     may_tell_apart: bool = False) -> list[list[Button]]:
    """A keep button per record; "not duplicates" for people grouped by their names."""
    ids = _ids_part([card.id for card in cards])
    rows: list[list[Button]] = [
        [(t(locale, "duplicates.keep", number=number, name=card.name, html_escape=False)[:60],
          data("du", "k", card.id, ids))] for number, card in enumerate(cards, start=1)]
    if may_tell_apart:
        rows.append([(t(locale, "duplicates.not_duplicates"), data("du", "n", ids))])
    return [*rows, [(t(locale, "duplicates.back_to_list"), data("du", "p", 0))]]


def _listed(locale: str, people: list[tuple[int, str]] | tuple[tuple[int, str], ...]) -> str:
    """Records named with their numbers: 刘洋 #207、刘洋 #209 (plain: the template escapes)."""
    return listed(locale, (f"{name} #{customer_id}" for customer_id, name in people))


# handlers -------------------------------------------------------------------------------------
async def duplicates_command(update: Update, context: session.Context) -> None:
    """/duplicates: the first page of groups (crm decides who may look)."""
    groups = await session.db(context, customers.scan_duplicates, session.actor(context),
                              limit=SCAN_LIMIT)
    locale = session.locale(context)
    await update.effective_message.reply_text(
        groups_text(locale, groups, 0), reply_markup=keyboard(groups_keyboard(locale, groups, 0)))


async def groups_page(update: Update, context: session.Context) -> None:
    """du:p:<offset>: another page of groups, scanned afresh (merges change the list)."""
    offset = int_part(parse(update.callback_query.data), 2) or 0
    groups = await session.db(context, customers.scan_duplicates, session.actor(context),
                              limit=SCAN_LIMIT)
    offset = min(offset, max(len(groups) - 1, 0) // PAGE * PAGE)
    locale = session.locale(context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        groups_text(locale, groups, offset),
        reply_markup=keyboard(groups_keyboard(locale, groups, offset)))


async def compare(update: Update, context: session.Context) -> None:
    """du:g:<ids>: the group's records side by side, a keep button each."""
    ids = _ids_of(parse(update.callback_query.data)[2])
    try:
        group = await session.db(context, customers.compare_group, session.actor(context), ids)
    except AlreadyMerged as error:
        return await _already_merged(update, context, error)
    locale = session.locale(context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        compare_text(locale, group.cards, session.timezone(context)),
        reply_markup=keyboard(compare_keyboard(locale, group.cards,
                                               may_tell_apart=group.may_tell_apart)))


async def ask_merge(update: Update, context: session.Context) -> None:
    """du:k:<keep>:<ids>: what the merge will do, confirmed by one more press."""
    parts = parse(update.callback_query.data)
    keep_id = int(parts[2])
    try:
        cards = await session.db(context, customers.compare_duplicates, session.actor(context),
                                 [keep_id, *_ids_of(parts[3])])
    except AlreadyMerged as error:
        return await _already_merged(update, context, error)
    keep, others = cards[0], [(card.id, card.name) for card in cards[1:]]
    locale = session.locale(context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        t(locale, "duplicates.confirm", others=_listed(locale, others), name=keep.name,
          id=keep.id),
        reply_markup=keyboard([[(t(locale, "duplicates.merge"), data("du", "y", keep_id, parts[3])),
                                (t(locale, "duplicates.back"), data("du", "g", parts[3]))]]))


async def merge(update: Update, context: session.Context) -> None:
    """du:y:<keep>:<ids>: merge the others into the kept record, then offer it and the list."""
    parts = parse(update.callback_query.data)
    try:
        done = await session.db(context, customers.merge_duplicates, session.actor(context),
                                int(parts[2]), _ids_of(parts[3]))
    except AlreadyMerged as error:  # pressed again, or merged meanwhile by someone else
        return await _already_merged(update, context, error)
    locale = session.locale(context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        t(locale, "duplicates.merged", others=_listed(locale, done.merged), name=done.keep_name,
          id=done.keep_id), reply_markup=_after_merge(locale, done.keep_id, done.keep_name))


async def _already_merged(update: Update, context: session.Context,
                          error: AlreadyMerged) -> None:
    """A record of the group went into another already: say where, and offer to open it."""
    locale = session.locale(context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        describe_error(locale, error),
        reply_markup=_after_merge(locale, error.into_id, error.params["into_name"]))


def _after_merge(locale: str, keep_id: int, keep_name: str) -> InlineKeyboardMarkup:
    return keyboard([[(t(locale, "duplicates.open", name=keep_name, html_escape=False),
                       data("c", keep_id))],
                     [(t(locale, "duplicates.next"), data("du", "p", 0))]])


async def not_duplicates(update: Update, context: session.Context) -> None:
    """du:n:<ids>: the group's people are different people; remembered, then the list."""
    try:
        people = await session.db(context, customers.tell_apart, session.actor(context),
                                  _ids_of(parse(update.callback_query.data)[2]))
    except AlreadyMerged as error:  # merged meanwhile: nothing left to tell apart
        return await _already_merged(update, context, error)
    locale = session.locale(context)
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(
        t(locale, "duplicates.told_apart", names=_listed(locale, people)),
        reply_markup=keyboard([[(t(locale, "duplicates.next"), data("du", "p", 0))]]))


def register(application: Application) -> None:
    """/duplicates and its buttons."""
    application.add_handler(CommandHandler("duplicates", duplicates_command))
    for callback, pattern in ((groups_page, r"^du:p:\d{1,4}$"), (compare, rf"^du:g:{IDS}$"),
                              (ask_merge, rf"^du:k:\d{{1,9}}:{IDS}$"),
                              (merge, rf"^du:y:\d{{1,9}}:{IDS}$"),
                              (not_duplicates, rf"^du:n:{IDS}$")):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
