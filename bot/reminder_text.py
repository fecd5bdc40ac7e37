"""Reminders and agendas as chat messages (HTML; every user value escaped by ``t``)."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup

from bot.i18n import spaced, t
from bot.keyboards import Button, data, keyboard
from bot.render import WEEKDAYS, clip, moment_text
from crm.reminders.agenda import Agenda
from crm.reminders.views import ReminderDraft, ReminderView

TEXT_IN_LIST = 80


def subject(locale: str, reminder: ReminderView) -> str:
    """What the reminder says, as plain text (a message parameter, escaped where it is put):
    the user's words, or what the rule that made it means."""
    if reminder.source in ("new_lead", "stale_deal", "birthday", "sla_answer", "sla_resolve"):
        return t(locale, f"reminder.rule.{reminder.source}", html_escape=False,
                 name=reminder.customer_name or "—", title=reminder.deal_title or reminder.text)
    if reminder.source == "follow_up":
        return t(locale, "reminder.follow_up", html_escape=False, text=reminder.text or "—")
    if not reminder.text and (reminder.deal_title or reminder.customer_name):
        # set from a card with a time alone: it is about that deal or customer
        key = "reminder.about_deal" if reminder.deal_title else "reminder.about"
        return t(locale, key, html_escape=False, name=reminder.customer_name,
                 title=reminder.deal_title)
    return t(locale, "reminder.text", html_escape=False, text=reminder.text or "—")


def _names_its_customer(reminder: ReminderView) -> bool:
    """Whether the subject already says whom it is about (a list adds the name otherwise)."""
    return not reminder.text and reminder.source == "manual" and not reminder.deal_title


def reminder_message(locale: str, reminder: ReminderView, timezone: str) -> str:
    """The reminder as delivered: what, about whom, when (and whether late)."""
    lines = [spaced(t(locale, "reminder.title")) + html.escape(subject(locale, reminder))]
    lines.extend(_about(locale, reminder))
    lines.append(t(locale, "reminder.at", when=moment_text(locale, reminder.due_at, timezone)))
    if reminder.repeat:
        lines.append(t(locale, f"reminder.repeat.{reminder.repeat}"))
    if reminder.late:
        lines.append(t(locale, "reminder.late"))
    return "\n".join(lines)


def _about(locale: str, reminder: ReminderView) -> list[str]:
    lines = []
    if reminder.customer_name and reminder.source not in ("new_lead", "birthday"):
        lines.append(t(locale, "reminder.customer", name=reminder.customer_name))
    if reminder.deal_title and reminder.source != "stale_deal":
        lines.append(t(locale, "reminder.deal", title=reminder.deal_title))
    return lines


def reminder_keyboard(locale: str, reminder: ReminderView) -> InlineKeyboardMarkup:
    """Done, Snooze 1 h, Snooze until tomorrow 9:00, Open (and Stop for a series)."""
    rows: list[list[Button]] = [
        [(t(locale, "button.reminder_done"), data("rd", reminder.id))],
        [(t(locale, "button.snooze_hour"), data("rs", reminder.id, "h")),
         (t(locale, "button.snooze_tomorrow"), data("rs", reminder.id, "t"))],
    ]
    opener = _open_button(locale, reminder)
    if opener:
        rows.append([opener])
    if reminder.repeat:
        rows.append([(t(locale, "button.reminder_stop"), data("rx", reminder.id))])
    return keyboard(rows)


def _open_button(locale: str, reminder: ReminderView) -> Button | None:
    if reminder.ticket_id:
        return t(locale, "button.open_ticket"), data("k", reminder.ticket_id)
    if reminder.deal_id and reminder.deal_title:
        return t(locale, "button.open_deal"), data("d", reminder.deal_id)
    if reminder.customer_id and reminder.customer_name:
        return t(locale, "button.open_customer"), data("c", reminder.customer_id)
    return None


def draft_message(locale: str, draft: ReminderDraft, about: str | None, repeat: str, *,
                  about_key: str = "reminder.customer") -> str:
    """What the bot understood, repeated back before saving (``about_key`` gives a deal its
    💼, a ticket its 🎫)."""
    lines = [t(locale, "remind.confirm", when=moment_text(locale, draft.due_at, draft.timezone),
               zone=draft.timezone)]
    if draft.text:
        lines.append(t(locale, "reminder.text", text=draft.text))
    if about:
        lines.append(t(locale, about_key, name=about, title=about))
    lines.append(t(locale, f"reminder.repeat.{repeat or 'none'}"))
    return "\n".join(lines)


def reminder_line(locale: str, reminder: ReminderView, timezone: str) -> str:
    """One reminder in a list."""
    line = f"• {moment_text(locale, reminder.due_at, timezone)} " + \
        html.escape(clip(subject(locale, reminder), TEXT_IN_LIST))
    if reminder.customer_name and reminder.source in ("manual", "follow_up") \
            and not _names_its_customer(reminder):
        line += " · " + t(locale, "reminder.customer_short", name=reminder.customer_name)
    if reminder.repeat:
        line += " · " + t(locale, f"reminder.repeat.{reminder.repeat}")
    return line


def agenda_message(locale: str, agenda: Agenda) -> str:
    """The day's agenda, section by section; empty sections are left out."""
    from bot.handlers.sales.view import money  # the handlers package imports this module

    day = agenda.day
    weekday = WEEKDAYS.get(locale, WEEKDAYS["en"])[day.weekday()]
    lines = [t(locale, "agenda.title", day=f"{weekday} {day:%Y-%m-%d}")]
    if agenda.empty:
        lines.append(t(locale, "agenda.nothing"))
    sections = (("agenda.reminders", agenda.reminders), ("agenda.overdue", agenda.overdue))
    for key, items in sections:
        if items:
            lines.append("\n" + t(locale, key, count=len(items)))
            lines.extend(reminder_line(locale, r, agenda.timezone) for r in items)
    if agenda.tickets:
        late = sum(ticket.breaching for ticket in agenda.tickets)
        lines.append("\n" + t(locale, "agenda.tickets", count=len(agenda.tickets), late=late))
        lines.extend(t(locale, "agenda.ticket_line", number=k.number,
                       subject=clip(k.subject, TEXT_IN_LIST), name=k.customer_name)
                     + (" · " + t(locale, "agenda.late") if k.breaching else "")
                     for k in agenda.tickets)
    # Overdue deals first, as their buttons are: what slipped wants action before what is due.
    for key, deals in (("agenda.late_deals", agenda.late_deals),
                       ("agenda.deals", agenda.closing_deals)):
        if deals:
            lines.append("\n" + t(locale, key, count=len(deals)))
            lines.extend(t(locale, "agenda.deal_line", title=d.title, name=d.customer_name,
                           day=f"{d.expected_close:%m-%d}" if d.expected_close else "—")
                         + (" · " + money(locale, d.amount, d.currency) if d.amount else "")
                         for d in deals)
    if agenda.birthdays:
        lines.append("\n" + t(locale, "agenda.birthdays", count=len(agenda.birthdays)))
        lines.extend(t(locale, "agenda.birthday_line", name=b.name, day=f"{b.date:%m-%d}")
                     for b in agenda.birthdays)
    return "\n".join(lines)


def agenda_keyboard(locale: str, agenda: Agenda) -> InlineKeyboardMarkup | None:
    """A button per late ticket, per deal closing or slipped, and per customer with a
    birthday, to open them (a few of each)."""
    rows: list[list[Button]] = [[(f"🎫 {k.number} {clip(k.subject, 24)}", data("k", k.id))]
                                for k in agenda.tickets if k.breaching][:3]
    rows += [[(f"💼 {clip(d.title, 30)}", data("d", d.id))]
             for d in (*agenda.late_deals[:3], *agenda.closing_deals[:5])]
    rows += [[(f"🎂 {clip(b.name, 30)}", data("c", b.customer_id))]
             for b in agenda.birthdays[:5]]
    return keyboard(rows) if rows else None
