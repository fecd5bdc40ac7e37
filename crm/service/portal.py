"""The customer's side of the service desk, in the same bot: who they are (their Telegram
account linked to their customer record), their own tickets and nothing else, and a limit on
how fast one customer may write."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm import consent, runtime
from crm.actors import Actor, Channel
from crm.clock import utcnow
from crm.errors import Conflict, NotFound, ValidationError
from crm.paging import Page
from crm.sales.outbox import notify
from crm.service import changed
from crm.service.acknowledgements import is_acknowledgement
from crm.service.sla import OPEN_STATUSES
from crm.service.tickets import (
    _TICKET_SQL,
    add_message,
    checked_body,
    checked_subject,
    clock_moves,
    insert_ticket,
    load_row,
    messages_of,
    status_stamps,
    view_of,
)
from crm.service.views import TicketSummary, TicketView
from crm.validation import normalise_phone
from storage.database import database, fetch_all, fetch_one, sql

CUSTOMER_REPLIED = "ticket.customer_replied"  # the staff notice of a customer's words

RATE_WINDOW = dt.timedelta(minutes=1)
RESOLVED_STATUSES = ("resolved", "closed")


class RateLimited(ValidationError):
    """The customer writes faster than the service allows; nothing was stored."""


@dataclass(frozen=True)
class PortalUser:
    """A Telegram user who is not staff, as the bot sees them."""

    telegram_id: int
    name: str
    locale: str | None = None


def find_customer(user: PortalUser) -> int | None:
    """The customer record linked to this Telegram account, if any."""
    row = fetch_one("select id from customer where telegram_user_id = ? and deleted_at is null"
                    " and merged_into_id is null", (user.telegram_id,))
    return row[0] if row else None


@dataclass(frozen=True)
class LinkedCustomer:
    """The customer record a Telegram account is linked to, as that person is known."""

    customer_id: int
    name: str
    locale: str | None


def linked_customer(telegram_id: int) -> LinkedCustomer | None:
    """Who this Telegram account is as a customer (their name, the language they wrote in),
    if it is linked to a record."""
    row = fetch_one("select id, name, telegram_locale from customer where telegram_user_id = ?"
                    " and deleted_at is null and merged_into_id is null", (telegram_id,))
    return LinkedCustomer(*row) if row else None


def _remember_locale(customer_id: int, user: PortalUser) -> None:
    if user.locale:
        database.execute_sql(sql("update customer set telegram_locale = ? where id = ?"),
                             (user.locale, customer_id))


def ensure_customer(user: PortalUser, now: dt.datetime) -> int:
    """The linked record, or a new lead named after the Telegram account (lead assignment
    rules apply, as to any new lead)."""
    found = find_customer(user)
    if found is not None:
        _remember_locale(found, user)
        return found
    from crm import customers  # the customer package builds on this one's neighbours

    card = customers.create_customer(
        Actor.system(Channel.BOT), customers.CustomerDraft(name=user.name[:100] or "Telegram",
                                                           source="Telegram"),
        allow_duplicate=True, now=now)
    database.execute_sql(sql("update customer set telegram_user_id = ? where id = ?"),
                         (user.telegram_id, card.id))
    _remember_locale(card.id, user)
    return card.id


def link_by_phone(user: PortalUser, phone: str, *, now: dt.datetime | None = None) -> int:
    """The customer's own number, shared from Telegram (the bot has checked it is theirs):
    linked to the record with that number, else a new lead with it."""
    now = now or utcnow()
    number = normalise_phone(phone, runtime.config()["phone_region"], field="phone")
    with database.atomic():
        current = find_customer(user)
        if current is not None:
            return current
        row = fetch_one(
            "select c.id from contact_channel ch join customer c on c.id = ch.customer_id"
            " where ch.kind = 'phone' and ch.value = ? and c.deleted_at is null"
            " and c.merged_into_id is null and c.telegram_user_id is null order by c.id limit 1",
            (number,))
        if row is not None:
            database.execute_sql(sql("update customer set telegram_user_id = ? where id = ?"),
                                 (user.telegram_id, row[0]))
            _remember_locale(row[0], user)
            return row[0]
        from crm import customers

        card = customers.create_customer(
            Actor.system(Channel.BOT), customers.CustomerDraft(
                name=user.name[:100] or number, phones=(number,), source="Telegram"),
            allow_duplicate=True, now=now)
        database.execute_sql(sql("update customer set telegram_user_id = ?, telegram_locale = ?"
                                 " where id = ?"), (user.telegram_id, user.locale, card.id))
        return card.id


def check_rate(customer_id: int | None, telegram_id: int, now: dt.datetime) -> None:
    """Refuse when this customer has written too much in the last minute."""
    limit = runtime.config()["service.customer_messages_per_minute"]
    if customer_id is None:
        return
    since = now - RATE_WINDOW
    written = fetch_one(
        "select (select count(*) from ticket_message m join ticket t on t.id = m.ticket_id"
        " where t.customer_id = ? and m.author = 'customer' and m.created_at > ?)"
        " + (select count(*) from ticket where customer_id = ? and created_at > ?"
        " and channel = 'telegram')", (customer_id, since, customer_id, since))[0]
    if written >= limit:
        raise RateLimited("service.too_many", field="message", limit=limit)


def _notify_staff(row: tuple, code: str, params: dict, now: dt.datetime) -> None:
    """The assignee, or else the support team (else every manager), is told."""
    if row[9] is not None:
        recipients = [row[9]]
    else:
        team = runtime.config()["service.support_team"]
        where, args = ("t.name = ?", (team,)) if team else ("s.role = 'manager'", ())
        recipients = [r[0] for r in fetch_all(
            "select s.id from staff_user s left join team t on t.id = s.team_id"
            f" where s.active = ? and {where} order by s.id", (True, *args))]
        if not recipients:
            recipients = [r[0] for r in fetch_all(
                "select id from staff_user where active = ? and role = 'admin' order by id",
                (True,))]
    for staff_id in recipients:
        notify(staff_id, code, params, now, customer_id=row[2])


def open_customer_ticket(user: PortalUser, subject: str, description: str = "", *,
                         file: tuple[str, str, str | None] | None = None,
                         now: dt.datetime | None = None) -> TicketView:
    """A ticket the customer opens from the chat; the customer's owner works it if they are
    staff, else the support team is told."""
    now = now or utcnow()
    checked_subject_ = checked_subject(subject)
    text = checked_body(description, required=False)
    with database.atomic():
        customer_id = ensure_customer(user, now)
        check_rate(customer_id, user.telegram_id, now)
        owner = fetch_one("select s.id from customer c join staff_user s on s.id = c.owner_id"
                          " where c.id = ? and s.active = ? and s.role in ('agent', 'manager')",
                          (customer_id, True))
        ticket_id = insert_ticket(customer_id, checked_subject_, text, "normal", "telegram",
                                  owner[0] if owner else None, None, now)
        if file is not None:
            add_message(ticket_id, "customer", "", now, file=file)
        row = load_row(ticket_id)
        _notify_staff(row, "ticket.new", {"number": row[1], "subject": row[4],
                                          "customer": row[3], "ticket_id": row[0]}, now)
    return get_own_ticket(user, ticket_id)


def _own_row(user: PortalUser, ticket_id: int) -> tuple:
    """The ticket when it is this customer's; anything else is NotFound (a guessed number or
    forged button learns nothing)."""
    customer_id = find_customer(user)
    row = load_row(ticket_id) if customer_id is not None else None
    if row is None or row[2] != customer_id:
        raise NotFound("ticket.not_found")
    return row


def get_own_ticket(user: PortalUser, ticket_id: int) -> TicketView:
    """One of the customer's tickets with the conversation they may see (no internal notes,
    no staff data beyond the first name of who answered)."""
    row = _own_row(user, ticket_id)
    return view_of(row, messages_of(ticket_id, internal=False))


def list_own_tickets(user: PortalUser, *, offset: int = 0, limit: int = 10,
                     open_only: bool = False) -> Page[TicketSummary]:
    """The customer's tickets (``open_only``: those not resolved or closed), newest first."""
    customer_id = find_customer(user)
    if customer_id is None:
        return Page((), offset, False)
    marks = ", ".join("?" * len(OPEN_STATUSES))
    still_open = f" and t.status in ({marks})" if open_only else ""
    rows = fetch_all(_TICKET_SQL + f" where t.customer_id = ?{still_open}"
                     " order by t.created_at desc, t.id desc limit ? offset ?",
                     (customer_id, *(OPEN_STATUSES if open_only else ()), limit + 1, offset))
    items = [view_of(r) for r in rows[:limit]]
    return Page(tuple(TicketSummary(t.id, t.number, t.subject, t.status, t.priority, "", None,
                                    False) for t in items), offset, len(rows) > limit)


def customer_reply(user: PortalUser, ticket_id: int, body: str, *,
                   file: tuple[str, str, str | None] | None = None,
                   now: dt.datetime | None = None) -> TicketView:
    """The customer writes on their ticket: waiting → open, resolved or closed → reopened; the
    assignee (or the support team) is told. A mere thank-you on a resolved or closed ticket
    is kept on it and reopens nothing: nobody needs to answer it."""
    now = now or utcnow()
    text = checked_body(body, required=file is None)
    with database.atomic():
        row = _own_row(user, ticket_id)
        check_rate(row[2], user.telegram_id, now)
        message_id = add_message(ticket_id, "customer", text, now, file=file)
        if row[6] in RESOLVED_STATUSES and file is None and is_acknowledgement(text):
            _touch(ticket_id, now)
        else:
            _continue(row, text, message_id, now)
    return get_own_ticket(user, ticket_id)


def _continue(row: tuple, text: str, message_id: int, now: dt.datetime) -> None:
    """The customer's words (ticket message ``message_id``) need an answer: the ticket is open
    (again) and staff are told."""
    status = {"waiting": "open", "resolved": "reopened", "closed": "reopened"}.get(
        row[6], row[6])
    stamps, stamp_params = status_stamps(status, now) if status != row[6] else ("", ())
    clock, clock_params = clock_moves(row, status, now)
    moved, moved_params = changed.status_moved(None, now) if status != row[6] else ("", ())
    database.execute_sql(sql(f"update ticket set status = ?, updated_at = ?{stamps}{clock}"
                             f"{moved} where id = ?"),
                         (status, now, *stamp_params, *clock_params, *moved_params, row[0]))
    _notify_staff(row, CUSTOMER_REPLIED,
                  {"number": row[1], "subject": row[4], "text": text[:300] or "📎",
                   "ticket_id": row[0], "message_id": message_id}, now)


def _touch(ticket_id: int, now: dt.datetime) -> None:
    database.execute_sql(sql("update ticket set updated_at = ? where id = ?"), (now, ticket_id))


def acknowledge_resolution(user: PortalUser, text: str, *,
                           now: dt.datetime | None = None) -> TicketView | None:
    """Words typed outside any ticket that only thank or agree ("谢谢", "好的", 👍), from a
    customer whose tickets are all resolved or closed: kept on the one resolved last, which
    stays as it is. None when the words say more or no such ticket is there (then they are
    a question, searched as usual)."""
    if not is_acknowledgement(text):
        return None
    now = now or utcnow()
    with database.atomic():
        customer_id = find_customer(user)
        if customer_id is None or open_ticket_count(user) > 0:
            return None
        marks = ", ".join("?" * len(RESOLVED_STATUSES))
        latest = fetch_one(
            f"select id from ticket where customer_id = ? and status in ({marks})"
            " order by coalesce(resolved_at, closed_at, created_at) desc, id desc limit 1",
            (customer_id, *RESOLVED_STATUSES))
        if latest is None:
            return None
        check_rate(customer_id, user.telegram_id, now)
        add_message(latest[0], "customer", checked_body(text), now)
        _touch(latest[0], now)
    return get_own_ticket(user, latest[0])


def rate_ticket(user: PortalUser, ticket_id: int, rating: int, *,
                now: dt.datetime | None = None) -> TicketView:
    """1-5 stars for a resolved ticket, kept (a second press changes nothing); rating closes
    it."""
    now = now or utcnow()
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError("ticket.rating", field="rating")
    with database.atomic():
        row = _own_row(user, ticket_id)
        if row[6] not in ("resolved", "closed"):
            raise ValidationError("ticket.not_resolved", field="rating")
        if row[15] is not None:  # the stars under the old message stay: the first word counts
            raise Conflict("ticket.already_rated", number=row[1], stars="⭐" * row[15])
        moved, moved_params = changed.status_moved(None, now) if row[6] != "closed" \
            else ("", ())
        # The rating closes a resolved ticket now; one closed already keeps when it was.
        database.execute_sql(sql(
            "update ticket set rating = ?, rated_at = ?, closed_at = case when status ="
            " 'closed' then coalesce(closed_at, ?) else ? end, status = 'closed',"
            f" updated_at = ?{moved} where id = ?"),
            (rating, now, now, now, now, *moved_params, ticket_id))
        # whoever worked it hears how it went (a 1-star rating was only seen on the card)
        _notify_staff(row, "ticket.rated", {"number": row[1], "subject": row[4],
                                            "rating": rating, "stars": "⭐" * rating,
                                            "ticket_id": ticket_id}, now)
    return get_own_ticket(user, ticket_id)


def open_ticket_count(user: PortalUser) -> int:
    """How many of the customer's tickets are still open."""
    customer_id = find_customer(user)
    if customer_id is None:
        return 0
    marks = ", ".join("?" * len(OPEN_STATUSES))
    return fetch_one(f"select count(*) from ticket where customer_id = ? and status in ({marks})",
                     (customer_id, *OPEN_STATUSES))[0]


# Words a customer types to stop marketing; never searched as a question.
UNSUBSCRIBE_WORDS = frozenset({"退订", "取消订阅", "unsubscribe", "/stop"})
_TRAILING = " \t\n。.!！~～"


def is_unsubscribe(text: str) -> bool:
    """Whether the customer's message asks to stop marketing ("退订", "unsubscribe", /stop)."""
    word = text.strip().rstrip(_TRAILING).lower()
    return word.split("@")[0] in UNSUBSCRIBE_WORDS


def _customer_actor(user: PortalUser) -> Actor:
    """The customer, as the audit log names whoever acted: through the bot, not staff."""
    return Actor(channel=Channel.BOT, telegram_id=user.telegram_id,
                 name=(user.name or str(user.telegram_id))[:100])


def unsubscribe(user: PortalUser, *, now: dt.datetime | None = None) -> tuple[str, ...] | None:
    """Withdraw the customer's marketing consent on every channel (Telegram always noted);
    returns the channels they had agreed to (what an undo gives back), or None when the chat
    is tied to no customer record (nothing to unsubscribe from)."""
    now = now or utcnow()
    with database.atomic():
        customer_id = find_customer(user)
        if customer_id is None:
            return None
        latest = consent.latest_by_channel(customer_id)
        agreed = tuple(c for c in consent.CONSENT_CHANNELS if latest.get(c, (False,))[0])
        # Telegram is where they asked: say "declined" there even if never asked before.
        noted = () if "telegram" in latest and not latest["telegram"][0] else ("telegram",)
        withdrawn = tuple(dict.fromkeys((*agreed, *noted)))
        consent.record_customer_choice(_customer_actor(user), customer_id, withdrawn, False,
                                       "unsubscribe", now)
    return agreed


def undo_unsubscribe(user: PortalUser, channels: tuple[str, ...], *,
                     now: dt.datetime | None = None) -> tuple[str, ...]:
    """Give back consent on ``channels`` the customer withdrew themselves in the chat (a
    forged button grants nothing they had not withdrawn); returns the channels restored.
    Nothing left to give back (a second press on ↩) is a Conflict: nothing changes, and the
    customer is not told it was undone again."""
    now = now or utcnow()
    with database.atomic():
        customer_id = find_customer(user)
        if customer_id is None:
            raise NotFound("customer.not_found")
        latest = consent.latest_by_channel(customer_id)
        restored = tuple(c for c in consent.CONSENT_CHANNELS if c in channels
                         and latest.get(c) == (False, "chat", None))
        if not restored:
            raise Conflict("portal.already_undone")
        consent.record_customer_choice(_customer_actor(user), customer_id, restored, True,
                                       "unsubscribe undone", now)
    return restored
