"""Turning crm views into chat messages and keyboards (HTML; every user value escaped)."""

from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, LinkPreviewOptions

from bot.i18n import job_name, t
from bot.keyboards import Button, data, keyboard
from crm.actors import Actor
from crm.customers.views import (
    CHANNEL_KINDS,
    AddressView,
    CustomerCard,
    CustomerSummary,
    MergedFrom,
    Page,
    TimelineEntry,
)
from crm.permissions import Action, allows
from crm.validation import format_phone

SUMMARY_IN_LIST = 300  # a page of 8 entries stays well under Telegram's 4096 characters
SUMMARY_INDENT = "    "  # a summary's lines stand under their entry's heading
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # a map link must not unfold into a preview
ICONS = {"call": "📞", "visit": "🚗", "meeting": "👥", "message": "💬", "email": "✉️",
         "note": "📝", "created": "✨", "merged": "🔗", "deleted": "🗑", "restored": "♻️"}
# An entry whose kind, not its subkind, has the icon: the icons of the deal, order, payment,
# owner and reminder buttons and cards, so a line reads as what it is at a glance.
KIND_ICONS = {"ticket": "🎫", "deal_stage": "💼", "order": "🧾", "payment": "💰",
              "assignment": "👤", "reminder": "⏰"}


def local_time(moment: dt.datetime, timezone: str) -> dt.datetime:
    """A stored (naive UTC) time in the user's time zone."""
    return moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(timezone))


def local_params(params: dict, timezone: str) -> dict:
    """Message parameters with every stored (naive UTC) moment as local text, minutes shown."""
    return {key: local_time(value, timezone).strftime("%Y-%m-%d %H:%M")
            if isinstance(value, dt.datetime) else value for key, value in params.items()}


def check_params(locale: str, params: dict, timezone: str) -> dict:
    """A check's parameters as shown: times local, a job by its name in ``locale``."""
    shown = local_params(params, timezone)
    if isinstance(shown.get("job"), str):
        shown["job"] = job_name(locale, shown["job"])
    return shown


WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
            "zh-CN": ("周一", "周二", "周三", "周四", "周五", "周六", "周日")}


def moment_text(locale: str, moment: dt.datetime, timezone: str) -> str:
    """A coming time as the user reads it, with its weekday: ``周五 2026-11-27 15:00``."""
    local = local_time(moment, timezone)
    weekday = WEEKDAYS.get(locale, WEEKDAYS["en"])[local.weekday()]
    return f"{weekday} {local:%Y-%m-%d %H:%M}"


def when(locale: str, moment: dt.datetime | None, timezone: str) -> str:
    if moment is None:
        return t(locale, "card.never")
    return local_time(moment, timezone).strftime("%Y-%m-%d %H:%M")


def span(locale: str, length: dt.timedelta) -> str:
    """A length of time in words: "35 min", "2 h 5 min", "3 d 4 h"."""
    minutes = max(int(length.total_seconds()) // 60, 0)
    days, hours = minutes // 1440, minutes // 60 % 24
    if days:
        return t(locale, "ticket.span.days", html_escape=False, days=days, hours=hours)
    if hours:
        return t(locale, "ticket.span.hours", html_escape=False, hours=hours,
                 minutes=minutes % 60)
    return t(locale, "ticket.span.minutes", html_escape=False, minutes=minutes)


def phone_text(value: str) -> str:
    """A phone number in international form (+86 138 0013 8000): Telegram makes it tappable."""
    return format_phone(value, "ZZ")


def customer_card(locale: str, card: CustomerCard, *, timezone: str,
                  open_deals: str | None = "—", next_reminder: str | None = "—") -> str:
    """The customer card as an HTML message (``open_deals`` and ``next_reminder`` are already
    rendered lines' values; None leaves the line out, for a reader not shown them)."""
    e = html.escape
    lines = [f"<b>{e(card.name)}</b>" + (f" · {e(card.company.name)}" if card.company else "")]
    phone, email = card.primary("phone"), card.primary("email")
    if phone:
        lines.append(f"📱 {e(phone_text(phone))}")
    if email:
        lines.append(f"✉️ {e(email)}")
    wechat = card.primary("wechat")
    if wechat:
        lines.append(t(locale, "card.wechat", value=wechat))
    address = next((a for a in card.addresses if a.is_primary), None)
    if address is not None:
        lines.append(f"📍 {e(address_text(address))}")
    if card.tags:
        lines.append("🏷 " + " · ".join(e(tag) for tag in card.tags))
    lines.append(t(locale, "card.owner_status", owner=card.owner_name or "—",
                   status=t(locale, f"status.{card.status}")))
    lines.append(t(locale, "card.last_contact",
                   when=when(locale, card.last_interaction_at, timezone)))
    if open_deals is not None:
        lines.append(t(locale, "card.open_deals", deals=open_deals))
    if next_reminder is not None:
        lines.append(t(locale, "card.next_reminder", reminder=next_reminder))
    return "\n".join(lines)


def details_text(locale: str, card: CustomerCard, *, timezone: str) -> str:
    """Everything on the record, as the card's 📄 Details shows it (HTML; may be long: the
    notes can fill a message of their own)."""
    def noted(text: str, note: str) -> str:
        return t(locale, "details.with_note", text=text, note=note, html_escape=False) \
            if note else text

    def pair(label: str, value: str, note: str = "") -> str:
        return noted(_pair(locale, label, value), note)

    e = html.escape
    lines = [t(locale, "details.title", name=card.name)]
    channels = sorted(card.channels, key=lambda c: (CHANNEL_KINDS.index(c.kind)
                                                    if c.kind in CHANNEL_KINDS else 99,
                                                    not c.is_primary))
    several = {c.kind for c in channels if sum(o.kind == c.kind for o in channels) > 1}
    for channel in channels:
        value = phone_text(channel.value) if channel.kind in ("phone", "whatsapp") \
            else channel.value
        notes = [e(channel.label)] if channel.label else []
        if channel.is_primary and channel.kind in several:
            notes.append(t(locale, "details.primary"))
        lines.append(pair(t(locale, f"details.channel.{channel.kind}"), e(value),
                          " · ".join(notes)))
    for address in card.addresses:
        notes = [t(locale, f"details.address.{address.kind}")]
        if address.is_primary and len(card.addresses) > 1:
            notes.append(t(locale, "details.primary"))
        lines.append(noted(f"📍 {e(address_text(address))}", " · ".join(notes)))
    if card.gender:
        lines.append(pair(t(locale, "field.gender"), t(locale, f"edit.gender.{card.gender}")))
    if card.birthday:
        lines.append(pair(t(locale, "field.birthday"), card.birthday.isoformat(),
                          t(locale, "details.age", age=card.age) if card.age is not None
                          else ""))
    for secret in card.secrets:
        lines.append(pair(t(locale, f"field.{secret.name}"), e(secret.masked)))
    if card.occupation:
        lines.append(pair(t(locale, "field.occupation"), e(card.occupation)))
    lines += _company_lines(locale, card)
    if card.tags:
        lines.append("🏷 " + " · ".join(e(tag) for tag in card.tags))
    lines.append(t(locale, "card.owner_status", owner=card.owner_name or "—",
                   status=t(locale, f"status.{card.status}")))
    if card.source:
        lines.append(pair(t(locale, "field.source"), e(card.source)))
    lines.append(t(locale, "details.dates", created=when(locale, card.created_at, timezone),
                   updated=when(locale, card.updated_at, timezone)))
    if card.notes:
        lines += ["", t(locale, "details.notes"), e(card.notes)]
    return "\n".join(lines)


def _company_lines(locale: str, card: CustomerCard) -> list[str]:
    company = card.company
    if company is None:
        return []
    facts = [f"🏢 {html.escape(company.name)}"]
    for key in ("industry", "size", "website", "credit_code", "legal_representative",
                "registered_address"):
        value = getattr(company, key)
        if value:
            facts.append("   " + _pair(locale, t(locale, f"details.company.{key}"),
                                       html.escape(value)))
    return facts


def _pair(locale: str, label: str, value: str) -> str:
    """``label: value`` as the language writes it (both already HTML)."""
    return t(locale, "details.pair", label=label, value=value, html_escape=False)


def address_text(address: AddressView) -> str:
    """An address on one line, largest place first (as written in China), plain text."""
    parts = [p for p in (address.province, address.city, address.district, address.street,
                         address.postal_code) if p]
    if address.country and address.country.upper() not in ("CN", "中国"):
        parts.append(address.country)
    return " ".join(parts)


def card_keyboard(locale: str, customer_id: int, actor: Actor) -> InlineKeyboardMarkup:
    """Buttons under a customer card: only those the actor's role may use (a viewer reads,
    reminds themself, looks at deals and tickets); crm checks every press again."""
    def b(key: str, *parts: object) -> Button:
        return t(locale, f"button.{key}"), data(*parts)

    edits = allows(actor, Action.EDIT)  # logging, tags and edits change the record
    return keyboard([
        [b("log_call", "lg", customer_id, "call"), b("log_visit", "lg", customer_id, "visit"),
         b("note", "lg", customer_id, "note")] if edits else [],
        [b("remind", "rm", customer_id), b("deal", "dl", customer_id),
         b("ticket", "tk", customer_id)],
        [*([b("edit", "ed", customer_id), b("tags", "tg", customer_id)] if edits else []),
         b("timeline", "tl", customer_id, 0), b("more", "mo", customer_id)],
    ])


def summary_label(item: CustomerSummary) -> str:
    """One search result as a button label (plain text: buttons do not parse HTML)."""
    parts = [item.name]
    if item.company:
        parts.append(item.company)
    if item.phone:
        parts.append("…" + item.phone[-4:])
    return " · ".join(parts)[:60]


def results_keyboard(page: Page[CustomerSummary], query_key: str,
                     limit: int) -> InlineKeyboardMarkup:
    """Search results as buttons, with ◀ ▶ when there are more pages."""
    rows: list[list[Button]] = [[(summary_label(item), data("c", item.id))]
                                for item in page.items]
    rows.append(pager(page, limit, "sp", query_key))
    return keyboard(rows)


def pager(page: Page, limit: int, *prefix: object) -> list[Button]:
    """◀ ▶ buttons for a page (only the ones that lead somewhere)."""
    buttons: list[Button] = []
    if page.offset > 0:
        buttons.append(("◀", data(*prefix, max(0, page.offset - limit))))
    if page.has_more:
        buttons.append(("▶", data(*prefix, page.offset + limit)))
    return buttons


def timeline_text(locale: str, name: str, page: Page[TimelineEntry], timezone: str) -> str:
    """One page of a customer's timeline; a summary too long for the list is cut and
    numbered 📖 N (``timeline_cut`` lists them: each gets a button to read it whole)."""
    lines = [t(locale, "timeline.title", name=name)]
    if not page.items:
        lines.append(t(locale, "timeline.empty"))
    for number, entry in enumerate(page.items, start=1):
        line = _entry_heading(locale, entry, timezone)
        summary = _indented(html.escape(clip(entry.summary or "", SUMMARY_IN_LIST)))
        if summary:
            line += "\n" + summary
            if is_cut(entry):
                line += f" 📖{number}"
        lines.append(line)
    return "\n".join(lines)


def _indented(summary: str) -> str:
    """Every line of a summary under its entry's heading, blank ones left out: a pasted chat
    (张伟 10:01 / 你好 / 我 10:02 ...) reads as one entry, not as several."""
    lines = (line.strip() for line in summary.splitlines())
    return "\n".join(f"{SUMMARY_INDENT}{line}" for line in lines if line)


def timeline_cut(page: Page[TimelineEntry]) -> list[int]:
    """Positions (from 1) of the page's entries whose summary the list cuts."""
    return [number for number, entry in enumerate(page.items, start=1) if is_cut(entry)]


def is_cut(entry: TimelineEntry) -> bool:
    """Whether the timeline's list shows this entry's summary cut short."""
    return len(entry.summary or "") > SUMMARY_IN_LIST


def timeline_entry_text(locale: str, name: str, entry: TimelineEntry, timezone: str) -> str:
    """One timeline entry, its summary whole, indented line by line as the timeline shows it."""
    lines = [t(locale, "timeline.title", name=name), _entry_heading(locale, entry, timezone)]
    summary = _indented(html.escape(entry.summary or ""))
    return "\n".join([*lines, summary] if summary else lines)


def _entry_heading(locale: str, entry: TimelineEntry, timezone: str) -> str:
    icon = ICONS.get(entry.subkind) or KIND_ICONS.get(entry.kind, "•")
    if entry.kind == "deal_stage":
        what = _stage_move(locale, entry)
    elif entry.kind == "reminder":
        what = _reminder_set(locale, entry, timezone)
    else:
        what = t(locale, f"timeline.{entry.kind}.{entry.subkind}")
    line = f"{icon} {when(locale, entry.at, timezone)} {what}"
    if entry.staff_name:
        line += f" · {html.escape(entry.staff_name)}"
    elif entry.data.get("by_customer"):  # a ticket the customer opened in the chat
        line += " · " + t(locale, "timeline.by_customer")
    latitude, longitude = entry.data.get("latitude"), entry.data.get("longitude")
    if latitude is not None and longitude is not None:
        line += f" · {map_link(locale, latitude, longitude)}"
    if entry.merged_from is not None:
        line += " · " + merged_from_text(locale, entry.merged_from)
    if entry.data.get("follows"):
        line += "\n    " + t(locale, "timeline.follows", when=when(
            locale, entry.data["follows_at"], timezone),
            kind=t(locale, f"timeline.interaction.{entry.data['follows']}"))
    return line


def _reminder_set(locale: str, entry: TimelineEntry, timezone: str) -> str:
    """"Follow-up set for Thu 2026-12-10 09:00": when it is due, on the reader's clock."""
    return t(locale, f"timeline.reminder.{entry.subkind}",
             due=moment_text(locale, entry.data["due_at"], timezone))


def merged_from_text(locale: str, origin: MergedFrom, *, section: str = "timeline") -> str:
    """Which merged record an entry came from (its name only while it is not erased); the
    ``card`` section words it as a line of a deal, order or ticket card."""
    if origin.name is None:
        return t(locale, f"{section}.merged_from_erased", id=origin.id)
    return t(locale, f"{section}.merged_from", name=origin.name, id=origin.id)


def merged_from_lines(locale: str, origin: MergedFrom | None) -> list[str]:
    """A card's line saying it came with a merged record; none for its own work."""
    return [] if origin is None else [merged_from_text(locale, origin, section="card")]


def map_link(locale: str, latitude: float, longitude: float) -> str:
    """📍 as a link that opens the place on a map, from a map service that suits the language
    (the catalogue names it). Messages carrying it turn link previews off."""
    return t(locale, "timeline.map_link", latitude=round(latitude, 6),
             longitude=round(longitude, 6))


def _stage_move(locale: str, entry: TimelineEntry) -> str:
    """"Deal moved: Lead → Contacted" (a new deal: where it started), the stages named in the
    reader's language."""
    language = "en" if locale.startswith("en") else "zh"  # as crm's StageView.name reads it
    target = entry.data.get(f"to_{language}") or ""
    source = entry.data.get(f"from_{language}")
    if source is None:  # the deal's first row: where it was opened
        return t(locale, "timeline.deal_stage_created", target=target)
    what = t(locale, f"timeline.deal_stage.{entry.subkind}")
    return what + t(locale, "timeline.deal_stage_path", source=source, target=target)


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def human_size(size: int) -> str:
    """Bytes as people read them: 812 B, 4.2 kB, 380.5 MB, 1.4 GB."""
    units = ("B", "kB", "MB", "GB")
    value, step = float(size), 0
    while value >= 1000 and step < len(units) - 1:
        value, step = value / 1000, step + 1
    return f"{size} B" if step == 0 else f"{value:.1f} {units[step]}"
