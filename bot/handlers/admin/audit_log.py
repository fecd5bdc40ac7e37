"""/audit: pages of the audit log in the reader's words, and the whole log as a spreadsheet."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, InputFile, Update

from bot import session
from bot.audit_text import changes_line, wording
from bot.data_text import header_of
from bot.i18n import t
from bot.keyboards import data, int_part, keyboard, parse
from bot.progress import with_progress
from bot.render import clip, pager, when
from crm import audit, users
from crm.actors import Actor
from crm.audit import AuditEntry
from crm.paging import Page
from crm.users import StaffView

AUDIT_PAGE = 10
VALUE_MAX = 40  # characters of one audited value shown in the compact log
DETAILS_MAX = 160  # characters of one entry's changes: a page must fit in one message


def changes_text(locale: str, entry: AuditEntry, timezone: str = "UTC") -> str:
    """The changes of one audit entry in one compact line, fields by their labels and coded
    values and amounts in the reader's words (escaped; stored moments in ``timezone``)."""
    if entry.erased:
        return "🔒 " + t(locale, "admin.audit_erased")
    words = wording(locale, t(locale, "admin.audit_erased", html_escape=False))
    return html.escape(clip(changes_line(locale, entry, words, timezone,
                                          value_max=VALUE_MAX), DETAILS_MAX))


def audit_text(locale: str, page: Page[AuditEntry], timezone: str,
               member: StaffView | None = None) -> str:
    """One page of the audit log in the reader's words, each action's code beside them; with
    ``member``, their entries (what they did and what was done to them), named in the title."""
    if not page.items:
        return (t(locale, "admin.audit_empty_of", name=member.name) if member
                else t(locale, "admin.audit_empty"))
    lines = [t(locale, "admin.audit_title_of", name=member.name, first=page.offset + 1)
             if member else t(locale, "admin.audit_title", first=page.offset + 1)]
    words = wording(locale, t(locale, "admin.audit_erased", html_escape=False))
    for entry in page.items:
        lines.append(t(locale, "admin.audit_line", when=when(locale, entry.at, timezone),
                       actor=clip(words.actor(entry), 40), channel=words.channel(entry.channel),
                       action=words.action(entry.action), code=entry.action,
                       entity=clip(audit.record_words(entry, words), 60)))
        details = changes_text(locale, entry, timezone)
        if details:
            lines.append(f"    {details}")
    return "\n".join(lines)


def load_page(actor: Actor, offset: int, member: str | int | None
              ) -> tuple[Page[AuditEntry], StaffView | None]:
    """A page of the log; ``member`` (typed after /audit, or a Telegram id from a page
    button) narrows it to one staff member, found as everywhere else by id, @name or name."""
    audit.require_reader(actor)  # a non-admin hears "only admins", not about the name
    if member is None:
        return audit.list_audit(actor, offset=offset, limit=AUDIT_PAGE), None
    found = (users.get_user(actor, member) if isinstance(member, int)
             else users.find_staff(actor, member))
    return audit.list_audit(actor, user_id=found.id, offset=offset, limit=AUDIT_PAGE), found


async def audit_command(update: Update, context: session.Context) -> None:
    """/audit [STAFF]: the latest entries, or those of one staff member."""
    typed = " ".join(context.args or []) or None
    page, member = await session.db(context, load_page, session.actor(context), 0, typed)
    await update.effective_message.reply_text(
        audit_text(session.locale(context), page, session.timezone(context), member),
        reply_markup=audit_keyboard(session.locale(context), page, member))


def audit_keyboard(locale: str, page: Page[AuditEntry],
                   member: StaffView | None = None) -> InlineKeyboardMarkup:
    """◀ ▶ and the export button under a page of the log (both keep the member's filter)."""
    narrowed = (member.telegram_id,) if member else ()
    return keyboard([pager(page, AUDIT_PAGE, "ag", *narrowed),
                     [(t(locale, "admin.audit_export"), data("ae", *narrowed))]])


async def export_audit(update: Update, context: session.Context) -> None:
    """ae[:<tg>]: the log (or one member's entries) as a spreadsheet, built off the event
    loop with progress shown."""
    callback = update.callback_query
    tg = int_part(parse(callback.data), 1)
    _, member = await session.db(context, load_page, session.actor(context), 0, tg)
    await callback.answer()
    narrowed = {"user_id": member.id} if member else {}
    content = await with_progress(update, context, session.text(context, "admin.audit_export"),
                                  audit.export_audit_xlsx, session.actor(context), **narrowed,
                                  header=header_of(session.locale(context)),
                                  words=wording(session.locale(context), t(
                                      session.locale(context), "admin.audit_erased",
                                      html_escape=False)))
    await callback.message.reply_document(InputFile(content, filename="audit.xlsx"),
                                          caption=session.text(context, "admin.audit_file"))


async def audit_page(update: Update, context: session.Context) -> None:
    """ag:[<tg>:]<offset>: older or newer entries (of one member), in place."""
    callback = update.callback_query
    parts = parse(callback.data)
    offset, tg = int_part(parts, -1), int_part(parts, 1) if len(parts) == 3 else None
    if offset is None:
        await callback.answer()
        return
    page, member = await session.db(context, load_page, session.actor(context),
                                    max(0, offset), tg)
    await callback.answer()
    locale = session.locale(context)
    await callback.edit_message_text(
        audit_text(locale, page, session.timezone(context), member),
        reply_markup=audit_keyboard(locale, page, member))
