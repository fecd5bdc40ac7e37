"""Words a customer types outside any ticket while one of their tickets waits for their reply:
most often that reply ("好的，明天下午可以", "the code is 1234"), so it goes to the ticket
rather than to a knowledge-base search. With one ticket waiting the words are added to it, and
the customer may take them back as a new question; with several, they say which."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from crm import audit
from crm.clock import as_datetime, utcnow
from crm.errors import Conflict
from crm.service import changed
from crm.service.portal import (
    CUSTOMER_REPLIED,
    PortalUser,
    _customer_actor,
    _own_row,
    customer_reply,
    find_customer,
)
from crm.service.tickets import _TICKET_SQL, view_of
from crm.service.views import SentNotice, TicketSummary, TicketView
from storage.database import database, fetch_all, fetch_one, sql

# The audit entry of words taken back: the only trace they leave, deleted from the ticket.
TAKEN_BACK = "ticket.reply_taken_back"


@dataclass(frozen=True)
class FreeText:
    """Where words typed outside any ticket went: to the one ticket waiting for them (with
    the message's id and when it was stored, to take it back), or nowhere yet when several
    wait (``waiting``: the customer picks one); neither: no ticket waits, the words are a
    question as before."""

    ticket: TicketView | None = None
    message_id: int | None = None
    waiting: tuple[TicketSummary, ...] = ()
    written_at: dt.datetime | None = None


def reply_to_waiting(user: PortalUser, text: str, *,
                     now: dt.datetime | None = None) -> FreeText:
    """Add ``text`` to the customer's ticket waiting for their reply when exactly one waits;
    when several wait, list them and store nothing."""
    now = now or utcnow()
    with database.atomic():
        waiting = waiting_tickets(user)
        if len(waiting) != 1:
            return FreeText(waiting=waiting if len(waiting) > 1 else ())
        ticket = customer_reply(user, waiting[0].id, text, now=now)
    # the reply just added: the customer's newest message on the ticket it returns
    added = max((m for m in ticket.messages if m.author == "customer"), key=lambda m: m.id)
    return FreeText(ticket=ticket, message_id=added.id, written_at=added.created_at)


def waiting_tickets(user: PortalUser) -> tuple[TicketSummary, ...]:
    """The customer's tickets waiting for their reply, the longest waiting first."""
    customer_id = find_customer(user)
    if customer_id is None:
        return ()
    rows = fetch_all(_TICKET_SQL + " where t.customer_id = ? and t.status = 'waiting'"
                     " order by t.waiting_since, t.id", (customer_id,))
    return tuple(TicketSummary(v.id, v.number, v.subject, v.status, v.priority, "", None, False)
                 for v in map(view_of, rows))


def take_back_reply(user: PortalUser, ticket_id: int, message_id: int, text: str, *,
                    written_at: dt.datetime, now: dt.datetime | None = None
                    ) -> tuple[SentNotice, ...]:
    """The customer says ``text``, added to a waiting ticket as message ``message_id`` at
    ``written_at`` (FreeText's), was a new question: it leaves the ticket, which waits again
    as if it had never been written (its resolution clock paused from then on). Only while
    nothing happened on the ticket since; else it stays (Conflict), or was taken back already
    (a second press: Conflict, saying so). The words and the time are compared too: SQLite
    gives a message id again once its message is gone, to a later message that may well say
    the same. Staff notices of the words not sent yet are withdrawn; the ones sent are
    returned, for the bot to correct."""
    now = now or utcnow()
    with database.atomic():
        row = _own_row(user, ticket_id)
        last = fetch_one("select id, author, body, created_at from ticket_message"
                         " where ticket_id = ? order by created_at desc, id desc limit 1",
                         (ticket_id,))
        if last is None or row[6] != "open" or (last[0], last[1], last[2], as_datetime(
                last[3])) != (message_id, "customer", text, written_at):
            if _taken_back_before(row[2], ticket_id, message_id):
                raise Conflict("ticket.reply_already_taken_back", number=row[1])
            raise Conflict("ticket.reply_kept", number=row[1])
        database.execute_sql(sql("delete from ticket_message where id = ?"), (message_id,))
        audit.record(_customer_actor(user), TAKEN_BACK, "ticket", ticket_id,
                     customer_id=row[2], changes={"message_id": [message_id, None]}, now=now)
        # Waiting again from the moment it stopped: the wait until then already moved the
        # resolution due time, so the clock ends up as if the wait had never been broken.
        moved, moved_params = changed.status_moved(None, now)
        database.execute_sql(sql("update ticket set status = 'waiting', waiting_since = ?,"
                                 f" updated_at = ?{moved} where id = ?"),
                             (last[3], now, *moved_params, ticket_id))
        return _withdraw_notices(row[2], ticket_id, message_id, last[3])


def _taken_back_before(customer_id: int, ticket_id: int, message_id: int) -> bool:
    """Whether the customer already took message ``message_id`` back off this ticket."""
    return any(changes.get("message_id") == [message_id, None]
               for changes in audit.changes_of(TAKEN_BACK, "ticket", ticket_id,
                                               customer_id=customer_id))


def _withdraw_notices(customer_id: int, ticket_id: int, message_id: int,
                      written_at: object) -> tuple[SentNotice, ...]:
    """The staff notices of one customer message (queued with it, in its transaction): the
    unsent are dropped, so nobody reads the words as part of the ticket; the sent are
    returned. A notice being sent this very moment is neither: it goes out as it was."""
    rows = fetch_all(
        "select n.id, n.params, n.sent_at, n.claimed_at, n.telegram_message_id, s.telegram_id,"
        " s.locale, s.timezone from notification n join staff_user s on s.id = n.staff_id"
        " where n.customer_id = ? and n.code = ? and n.created_at = ? and n.failed_at is null",
        (customer_id, CUSTOMER_REPLIED, written_at))
    sent, unsent = [], []
    for notice_id, stored, sent_at, claimed_at, telegram_message_id, chat, locale, zone in rows:
        params = json.loads(stored)
        # notices queued before they named their message: the ticket and the moment tell
        if (params.get("ticket_id"), params.get("message_id", message_id)) != (
                ticket_id, message_id):
            continue
        if sent_at is not None:
            sent.append(SentNotice(chat, telegram_message_id, locale, zone, CUSTOMER_REPLIED,
                                   params))
        elif claimed_at is None:
            unsent.append(notice_id)
    if unsent:
        marks = ", ".join("?" * len(unsent))
        database.execute_sql(sql(f"delete from notification where id in ({marks})"
                                 " and claimed_at is null and sent_at is null"), tuple(unsent))
    return tuple(sent)
