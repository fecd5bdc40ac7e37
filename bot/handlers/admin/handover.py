"""Handing every customer of one member to another: who may take them, asked, then done."""

from __future__ import annotations

from telegram import Update

from bot import session
from bot.i18n import t
from bot.keyboards import data, int_part, keyboard, parse
from crm import users
from crm.actors import Actor, Role
from crm.users import StaffView


# Database trips: each runs on the database thread as one awaited call.
def _handover_choices(actor: Actor, telegram_id: int) -> tuple[StaffView, int, list[StaffView]]:
    """A member, how many customers they own, and the active staff who could take them."""
    member = users.get_user(actor, telegram_id)
    others = [m for m in users.list_users(actor, include_inactive=False)
              if m.telegram_id != telegram_id and m.role is not Role.VIEWER]
    return member, users.owned_customers(actor, telegram_id), others


def _hand_over(actor: Actor, source: int, target: int) -> tuple[users.Reassigned, StaffView]:
    """Hand every customer of one member to another: what moved, and who took it."""
    return users.reassign_customers(actor, source, target), users.get_user(actor, target)


async def handover(update: Update, context: session.Context) -> None:
    """ah:<tg> lists who may take the member's customers; ah:<tg>:<to> asks; ah:<tg>:<to>:y
    hands them over (crm checks the permission and that the new owner is active)."""
    callback, parts = update.callback_query, parse(update.callback_query.data)
    source, target = int_part(parts, 1), int_part(parts, 2)
    if source is None or (len(parts) > 2 and target is None):
        await callback.answer()
        return
    actor, locale = session.actor(context), session.locale(context)
    back = (t(locale, "admin.handover_back", html_escape=False), data("au", source))
    if len(parts) > 3 and parts[3] == "y":
        moved, taker = await session.db(context, _hand_over, actor, source, target)
        await callback.answer()
        done = t(locale, "admin.handover_done", count=moved.customers, to=taker.name)
        if moved.work:
            done += "\n" + t(locale, "admin.handover_work", **moved.work.params())
        await callback.edit_message_text(done, reply_markup=keyboard([[back]]))
        return
    member, owned, others = await session.db(context, _handover_choices, actor, source)
    await callback.answer()
    if target is None:
        rows = [[(m.name[:40], data("ah", source, m.telegram_id))] for m in others]
        await callback.edit_message_text(
            t(locale, "admin.handover_choose", count=owned, name=member.name),
            reply_markup=keyboard([*rows, [back]]))
        return
    taker = next((m for m in others if m.telegram_id == target), None)
    if taker is None:  # gone meanwhile, or a forged button
        await callback.edit_message_text(t(locale, "admin.handover_gone"),
                                         reply_markup=keyboard([[back]]))
        return
    await callback.edit_message_text(
        t(locale, "admin.handover_confirm", count=owned, name=member.name, to=taker.name),
        reply_markup=keyboard([[(t(locale, "admin.handover_yes", html_escape=False),
                                 data("ah", source, target, "y"))], [back]]))
