"""Tickets as staff work them: open, read, reply (relayed to the customer), note, assign,
change status and priority. A ticket is visible to whoever sees its customer, to its assignee,
and to all staff while it waits in the open queue (nobody's ticket of nobody's customer)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from crm import audit, runtime
from crm.actors import Actor
from crm.clock import as_datetime, utcnow
from crm.customers import inputs
from crm.customers.interactions import merged_from
from crm.customers.load import load_card, require_visible
from crm.customers.views import CustomerCard
from crm.errors import NotFound, ValidationError
from crm.localtime import installation_today, local_today
from crm.numbering import next_number
from crm.paging import Page
from crm.permissions import Action, allows, denied, require
from crm.sales.outbox import moment, notify
from crm.service import changed
from crm.service.sla import OPEN_STATUSES, PRIORITIES, STATUSES, due_times, resumed_due
from crm.service.views import (
    CUSTOMER_CARD,
    CUSTOMER_READ,
    TicketMessageView,
    TicketSummary,
    TicketView,
)
from crm.users import check_can_own, staff_actor
from crm.visibility import can_see, scope_of
from storage.database import database, fetch_all, fetch_one, insert, sql

SUBJECT_MAX = 200
BODY_MAX = 4000
REPLY_NOTICE_MAX = 300  # of a colleague's answer, in the assignee's notice
NUMBER_PREFIX = "T"
VIEWS = ("mine", "unassigned", "breaching", "open")
# A ticket number as typed: T-, the year (or a demo's D), the count.
_TYPED_NUMBER = re.compile(rf"^{NUMBER_PREFIX}-(\d{{4}}|D)-(\d{{1,9}})$", re.IGNORECASE)

_TICKET_SQL = (
    "select t.id, t.number, t.customer_id, c.name, t.subject, t.description, t.status,"
    " t.priority, t.channel, t.assignee_id, s.name, t.first_response_due_at,"
    " t.resolution_due_at, t.first_responded_at, t.resolved_at, t.rating, t.created_at,"
    " t.updated_at, c.owner_id, c.team_id, c.telegram_user_id, t.waiting_since,"
    " t.resolution_paused_seconds, t.merged_from_id, m.name, m.erased_at, t.closed_at,"
    " t.status_changed_at, t.status_changed_by_id, t.status_changed_author, b.name"
    " from ticket t join customer c on c.id = t.customer_id"
    " left join staff_user s on s.id = t.assignee_id"
    " left join customer m on m.id = t.merged_from_id"
    " left join staff_user b on b.id = t.status_changed_by_id")
_MESSAGES_SQL = (
    "select m.id, m.author, s.name, m.body, m.internal, m.file_id, m.file_kind, m.created_at,"
    " m.file_name from ticket_message m left join staff_user s on s.id = m.staff_id"
    " where m.ticket_id = ? order by m.created_at, m.id")
# Which moves a ticket may make; "waiting" means waiting for the customer.
TRANSITIONS = {
    "new": {"open", "waiting", "resolved", "closed"},
    "open": {"waiting", "resolved", "closed"},
    "waiting": {"open", "resolved", "closed"},
    "reopened": {"open", "waiting", "resolved", "closed"},
    "resolved": {"closed", "reopened"},
    "closed": {"reopened"},
}


def view_of(row: tuple, messages: tuple[TicketMessageView, ...] = ()) -> TicketView:
    """A ticket view from a _TICKET_SQL row."""
    return TicketView(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8],
                      row[9], row[10], as_datetime(row[11]), as_datetime(row[12]),
                      as_datetime(row[13]), as_datetime(row[14]), row[15],
                      as_datetime(row[16]), as_datetime(row[17]), messages,
                      customer_on_telegram=row[20] is not None,
                      waiting_since=as_datetime(row[21]),
                      resolution_paused=dt.timedelta(seconds=row[22] or 0),
                      merged_from=merged_from(*row[23:26]),
                      closed_at=as_datetime(row[26]))


def clock_moves(row: tuple, status: str, now: dt.datetime) -> tuple[str, tuple]:
    """The SQL assignments (", col = ?", params) that pause the resolution clock when a ticket
    starts waiting for the customer and restart it, the due time moved on by the wait, when
    it stops waiting (whatever the new status)."""
    if status == "waiting" and row[6] != "waiting":
        return ", waiting_since = ?", (now,)
    if row[6] == "waiting" and status != "waiting" and row[21] is not None:
        due, waited = resumed_due(as_datetime(row[12]), as_datetime(row[21]), now)
        # Due later than now again: a later breach deserves its own alert.
        rearm = ", resolution_breach_alerted_at = null" if due > now else ""
        return (", waiting_since = null, resolution_due_at = ?,"
                " resolution_paused_seconds = resolution_paused_seconds + ?" + rearm,
                (due, int(waited.total_seconds())))
    return "", ()


def messages_of(ticket_id: int, *, internal: bool) -> tuple[TicketMessageView, ...]:
    """A ticket's messages, oldest first; internal notes only when asked."""
    return tuple(TicketMessageView(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6],
                                   as_datetime(r[7]), r[8])
                 for r in fetch_all(_MESSAGES_SQL, (ticket_id,)) if internal or not r[4])


def load_row(ticket_id: int) -> tuple | None:
    return fetch_one(_TICKET_SQL + " where t.id = ?", (ticket_id,))


def _visible_row(actor: Actor, ticket_id: int) -> tuple:
    """The ticket's row when the actor sees its customer, is its assignee, or it is in the
    open queue (nobody's ticket of nobody's customer, e.g. a newcomer who wrote to the bot);
    else NotFound."""
    require(actor, Action.READ)
    row = load_row(ticket_id)
    if row is None or not _may_open(actor, row):
        raise NotFound("ticket.not_found")
    return row


def _may_open(actor: Actor, row: tuple) -> bool:
    """Whether the actor sees the ticket of ``row`` (see ``_visible_row``)."""
    queue = row[9] is None and row[18] is None
    return queue or can_see(actor, row[18], row[19]) or row[9] == actor.user_id


def get_ticket(actor: Actor, ticket_id: int) -> TicketView:
    """A ticket with its whole conversation, internal notes included, and how the actor may
    open its customer."""
    row = _visible_row(actor, ticket_id)
    return replace(view_of(row, messages_of(ticket_id, internal=True)),
                   customer_access=_customer_access(actor, row))


def ticket_as_seen(actor: Actor, ticket_id: int, seen_status: str | None,
                   seen_assignee: int | None = None) -> TicketView:
    """The ticket, for a menu opened from a card that showed it ``seen_status`` (and, for the
    assignee menu, ``seen_assignee``; 0: nobody's): ChangedSince when it has moved on since, so
    no menu is offered for a ticket that is no longer as the card says."""
    row = _visible_row(actor, ticket_id)
    changed.check_unchanged(actor, row, seen_status, seen_assignee)
    return replace(view_of(row), customer_access=_customer_access(actor, row))


def _customer_access(actor: Actor, row: tuple) -> str | None:
    """The whole card for whoever sees the customer; for the assignee who does not (support
    working the ticket of a customer sales own), the card to read, so they can call the
    customer back; for anyone else (the open queue), nothing."""
    if can_see(actor, row[18], row[19]):
        return CUSTOMER_CARD
    return CUSTOMER_READ if row[9] is not None and row[9] == actor.user_id else None


def ticket_customer(actor: Actor, ticket_id: int) -> CustomerCard:
    """The card of a ticket's customer, to read, for whoever may open it from the ticket (see
    ``_customer_access``); NotFound for anyone else."""
    row = _visible_row(actor, ticket_id)
    if _customer_access(actor, row) is None:
        raise NotFound("customer.not_found")
    return load_card(row[2], today=local_today(actor, utcnow()))


def is_ticket_number(text: str) -> bool:
    """Whether ``text`` is written like a ticket number (T-2026-000123, t-2026-123)."""
    return _TYPED_NUMBER.match(text.strip()) is not None


def find_ticket(actor: Actor, number: str) -> TicketView:
    """A ticket by its number as people type it: any case, the year's count with or without
    its leading zeros (t-2026-123 is T-2026-000123); NotFound when not there or not
    visible."""
    typed = number.strip().upper()
    match = _TYPED_NUMBER.match(typed)
    padded = f"{NUMBER_PREFIX}-{match[1]}-{int(match[2]):06d}" if match and match[1].isdigit() \
        else typed
    row = fetch_one("select id from ticket where number in (?, ?) order by id limit 1",
                    (typed, padded))
    if row is None:
        raise NotFound("ticket.not_found")
    return get_ticket(actor, row[0])


def checked_subject(subject: str | None) -> str:
    checked = inputs.optional_text(subject, field="subject", max_length=SUBJECT_MAX)
    if not checked:
        raise ValidationError("validation.required", field="subject")
    return checked


def checked_body(body: str | None, *, required: bool = True) -> str:
    checked = inputs.optional_text(body, field="message", max_length=BODY_MAX)
    if not checked and required:
        raise ValidationError("validation.required", field="message")
    return checked or ""


def checked_priority(priority: str) -> str:
    return inputs.choice(priority, PRIORITIES, field="priority")


def insert_ticket(customer_id: int, subject: str, description: str, priority: str,
                  channel: str, assignee_id: int | None, created_by: int | None,
                  now: dt.datetime) -> int:
    """Store a checked ticket with its SLA clocks (inside the caller's transaction)."""
    settings = runtime.config()
    first_due, resolution_due = due_times(priority, now, settings["service.first_response"],
                                          settings["service.resolution"])
    year = installation_today(now).year  # a ticket at 05:00 on 1 January is the new year's
    return insert("ticket", {
        "number": next_number(NUMBER_PREFIX, year), "customer_id": customer_id,
        "subject": subject, "description": description, "status": "new", "priority": priority,
        "channel": channel, "assignee_id": assignee_id, "created_by_id": created_by,
        "first_response_due_at": first_due, "resolution_due_at": resolution_due,
        "created_at": now, "updated_at": now})


def open_ticket(actor: Actor, customer_id: int, subject: str, description: str = "", *,
                priority: str = "normal", now: dt.datetime | None = None) -> TicketView:
    """A ticket opened by staff for a customer they see; it is theirs to work."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    checked = (checked_subject(subject), checked_body(description, required=False),
               checked_priority(priority))
    with database.atomic():
        require_visible(actor, customer_id)
        ticket_id = insert_ticket(customer_id, *checked, "staff", actor.user_id,
                                  actor.user_id, now)
        audit.record(actor, "ticket.create", "ticket", ticket_id, customer_id=customer_id,
                     changes={"subject": [None, checked[0]]}, now=now)
    return get_ticket(actor, ticket_id)


def list_tickets(actor: Actor, view: str = "mine", *, now: dt.datetime | None = None,
                 offset: int = 0, limit: int = 10) -> Page[TicketSummary]:
    """Open tickets: assigned to me, nobody's, or breaching a service level (or all open)."""
    require(actor, Action.READ)
    now = now or utcnow()
    view = inputs.choice(view, VIEWS, field="view")
    condition, params = _view_condition(actor, view, now)
    marks = ", ".join("?" * len(OPEN_STATUSES))
    rows = fetch_all(
        _TICKET_SQL + f" where t.status in ({marks}) {condition}"
        " order by t.resolution_due_at, t.id limit ? offset ?",
        (*OPEN_STATUSES, *params, limit + 1, offset))
    items = [view_of(r) for r in rows[:limit]]
    return Page(tuple(TicketSummary(t.id, t.number, t.subject, t.status, t.priority,
                                    t.customer_name, t.assignee_name, t.breaching(now))
                      for t in items), offset, len(rows) > limit)


def _view_condition(actor: Actor, view: str, now: dt.datetime) -> tuple[str, tuple]:
    if view == "mine":
        return "and t.assignee_id = ?", (actor.user_id,)
    visible, params = visible_tickets_clause(actor)
    if view == "unassigned":
        return f"and t.assignee_id is null {visible}", params
    if view == "breaching":
        return (f"and ((t.first_responded_at is null and t.first_response_due_at < ?)"
                f" or (t.resolution_due_at < ? and t.status <> 'waiting')) {visible}",
                (now, now, *params))
    return visible, params


def visible_tickets_clause(actor: Actor) -> tuple[str, tuple]:
    """Tickets of customers the actor sees, or assigned to the actor."""
    scope = scope_of(actor)
    if scope is None:
        return "", ()
    customers, params = scope.sql("c")
    return (f"and ({customers.removeprefix(' and ')} or t.assignee_id = ?"
            " or (t.assignee_id is null and c.owner_id is null))", (*params, actor.user_id))


def _change(actor: Actor, ticket_id: int, action: str, changes: dict, assignments: str,
            params: tuple, now: dt.datetime) -> None:
    database.execute_sql(sql(f"update ticket set {assignments}, updated_at = ? where id = ?"),
                         (*params, now, ticket_id))
    row = load_row(ticket_id)
    audit.record(actor, action, "ticket", ticket_id, customer_id=row[2], changes=changes,
                 now=now)


def add_message(ticket_id: int, author: str, body: str, now: dt.datetime, *,
                staff_id: int | None = None, internal: bool = False,
                file: tuple[str, str, str | None] | None = None, relay: bool = False) -> int:
    """Store one message of a ticket's conversation (inside the caller's transaction)."""
    file_id, file_kind, file_name = file or (None, None, None)
    return insert("ticket_message", {
        "ticket_id": ticket_id, "author": author, "staff_id": staff_id, "body": body,
        "internal": internal, "file_id": file_id, "file_kind": file_kind,
        "file_name": file_name, "relay_status": "pending" if relay else None,
        "relay_attempts": 0, "created_at": now})


def reply_to_ticket(actor: Actor, ticket_id: int, body: str, *,
                    file: tuple[str, str, str | None] | None = None,
                    now: dt.datetime | None = None) -> TicketView:
    """A staff answer: relayed to the customer, the first-response clock stopped, and the
    ticket now waits for the customer. Answering a ticket nobody had makes it the answerer's
    (it leaves the unassigned queue: someone is on it). A customer who never wrote to the bot
    cannot be reached there: the answer is kept on the ticket, not queued for a chat that
    may link weeks later and receive it out of the blue."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    text = checked_body(body, required=file is None)
    with database.atomic():
        row = _visible_row(actor, ticket_id)
        _require_answerable(actor, row)
        add_message(ticket_id, "staff", text, now, staff_id=actor.user_id, file=file,
                    relay=row[20] is not None)
        status = "waiting" if row[6] in OPEN_STATUSES else row[6]
        take = row[9] is None and actor.user_id is not None
        clock, clock_params = clock_moves(row, status, now)
        moved, moved_params = changed.status_moved(actor, now) if status != row[6] \
            else ("", ())
        _change(actor, ticket_id, "ticket.reply",
                {"reply": [None, text]} | ({"assignee": [None, actor.user_id]} if take else {}),
                "status = ?, first_responded_at = coalesce(first_responded_at, ?)"
                + (", assignee_id = ?" if take else "") + clock + moved,
                (status, now, *((actor.user_id,) if take else ()), *clock_params,
                 *moved_params), now)
        _tell_assignee_of_reply(actor, row, text or "📎", status, now)
    return get_ticket(actor, ticket_id)


def _tell_assignee_of_reply(actor: Actor, row: tuple, text: str, status: str,
                            now: dt.datetime) -> None:
    """Whoever works the ticket hears when someone else answers its customer (a manager
    stepping in): what was said, and that the ticket now waits for the customer, so they
    neither answer twice nor wonder why it left their queue of things to answer."""
    if row[9] is None or row[9] == actor.user_id:
        return
    notify(row[9], "ticket.replied_by_other",
           {"number": row[1], "subject": row[4], "by": None if actor.is_system else actor.name,
            "text": text[:REPLY_NOTICE_MAX], "status": {"code": f"ticket.status.{status}"},
            "ticket_id": row[0]}, now, customer_id=row[2])


def ticket_to_answer(actor: Actor, ticket_id: int) -> TicketView:
    """The ticket a staff reply is about to be written for; a closed one takes none."""
    row = _visible_row(actor, ticket_id)
    _require_answerable(actor, row)
    return view_of(row)


def _require_answerable(actor: Actor, row: tuple) -> None:
    """A closed ticket must be reopened before it is answered: no retyping changes that, so
    it is a Conflict (the reply step ends) rather than a value to correct; it says who closed
    it and when (a colleague, perhaps, since the card was shown)."""
    if row[6] == "closed":
        raise changed.closed(actor, row)


def add_note(actor: Actor, ticket_id: int, body: str, *,
             now: dt.datetime | None = None) -> TicketView:
    """An internal note: staff see it, the customer never does."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    text = checked_body(body)
    with database.atomic():
        _visible_row(actor, ticket_id)
        add_message(ticket_id, "staff", text, now, staff_id=actor.user_id, internal=True)
        database.execute_sql(sql("update ticket set updated_at = ? where id = ?"),
                             (now, ticket_id))
    return get_ticket(actor, ticket_id)


def assign_ticket(actor: Actor, ticket_id: int, assignee_id: int | None, *,
                  seen_status: str | None = None, seen_assignee: int | None = None,
                  now: dt.datetime | None = None) -> TicketView:
    """Take a ticket (anyone who may work it), or hand it to someone else (REASSIGN). With
    ``seen_status`` and ``seen_assignee`` (0: nobody's), what the actor's card showed, a
    ticket moved on or changed hands since is left alone: ChangedSince says what happened."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    if assignee_id not in (None, actor.user_id) and not allows(actor, Action.REASSIGN):
        raise denied(Action.REASSIGN)
    with database.atomic():
        row = _visible_row(actor, ticket_id)
        changed.check_unchanged(actor, row, seen_status, seen_assignee)
        if assignee_id is not None:
            check_can_own(assignee_id, field="assignee")
        _change(actor, ticket_id, "ticket.assign", {"assignee": [row[9], assignee_id]},
                "assignee_id = ?", (assignee_id,), now)
        if assignee_id != row[9]:  # the same hands again: nobody's work changed
            _tell_of_hand_over(actor, row, assignee_id, now)
    return get_ticket(actor, ticket_id)


def _tell_of_hand_over(actor: Actor, row: tuple, assignee_id: int | None,
                       now: dt.datetime) -> None:
    """The new assignee hears the ticket is theirs, and the previous one that it left them
    (to whom), unless either made the change: each is told once, in their own words."""
    by = None if actor.is_system else actor.name
    about = {"number": row[1], "subject": row[4], "by": by}
    if assignee_id is not None and assignee_id != actor.user_id:
        notify(assignee_id, "ticket.assigned_to_you", about | {"ticket_id": row[0]}, now,
               customer_id=row[2])
    previous = row[9]
    if previous is None or previous == actor.user_id:
        return
    if assignee_id is None:
        code, to = "ticket.unassigned_from_you", {}
    elif assignee_id == actor.user_id:
        code, to = "ticket.taken_over", {}
    else:
        code, to = "ticket.handed_over", {"to": fetch_one(
            "select name from staff_user where id = ?", (assignee_id,))[0]}
    notify(previous, code, about | to | _ticket_button(previous, row[0]), now,
           customer_id=row[2])


def _ticket_button(staff_id: int, ticket_id: int) -> dict[str, int]:
    """``ticket_id`` for a notice's button to the ticket, when the member may still open it
    (handed to someone else, support may no longer see a customer sales own): a button that
    answers "not there" is worse than none."""
    member = staff_actor(staff_id)
    return {"ticket_id": ticket_id} if member and _may_open(member, load_row(ticket_id)) \
        else {}


def set_ticket_status(actor: Actor, ticket_id: int, status: str, *,
                      seen_status: str | None = None,
                      now: dt.datetime | None = None) -> TicketView:
    """Move a ticket along; resolving asks the customer to rate it, closing one that was not
    resolved tells them it is closed (and asks too). With ``seen_status`` (the status the
    actor's menu was drawn for), a ticket moved since is left alone: ChangedSince says by
    whom and when."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    status = inputs.choice(status, STATUSES, field="status")
    with database.atomic():
        row = _visible_row(actor, ticket_id)
        changed.check_unchanged(actor, row, seen_status)
        if status not in TRANSITIONS.get(row[6], set()):
            raise ValidationError("ticket.transition", field="status", current=row[6],
                                  status=status)  # worded for the reader by bot.i18n
        stamps = {"resolved": ", resolved_at = ?", "closed": ", closed_at = ?"}.get(status, "")
        clock, clock_params = clock_moves(row, status, now)
        moved, moved_params = changed.status_moved(actor, now)
        _change(actor, ticket_id, "ticket.status", {"status": [row[6], status]},
                "status = ?" + stamps + clock + moved,
                ((status, now) if stamps else (status,)) + clock_params + moved_params, now)
        if _customer_hears(row[6], status):
            add_message(ticket_id, "system", status, now, relay=row[20] is not None)
        _tell_assignee_of_status(actor, row, status, now)
    return get_ticket(actor, ticket_id)


def _tell_assignee_of_status(actor: Actor, row: tuple, status: str, now: dt.datetime) -> None:
    """Whoever works the ticket hears when someone else moves it (a manager resolving,
    closing or reopening it): it left, or came back to, their list."""
    if row[9] is None or row[9] == actor.user_id:
        return
    notify(row[9], "ticket.status_changed",
           {"number": row[1], "subject": row[4], "by": None if actor.is_system else actor.name,
            "previous": {"code": f"ticket.status.{row[6]}"},
            "status": {"code": f"ticket.status.{status}"}, "ticket_id": row[0]}, now,
           customer_id=row[2])


def _customer_hears(current: str, status: str) -> bool:
    """Whether the customer is told of a staff move from ``current`` to ``status``: resolved
    (asked to rate), reopened, and closed unless it was resolved first (they heard then, and
    a second word about the same ending would only confuse)."""
    return status in ("resolved", "reopened") or (status == "closed" and current != "resolved")


def set_ticket_priority(actor: Actor, ticket_id: int, priority: str, *,
                        seen_status: str | None = None,
                        now: dt.datetime | None = None) -> TicketView:
    """A new priority resets the service-level clocks, counted from when the ticket opened
    (the time it has waited for the customer still does not count). With ``seen_status``, a
    ticket moved on since the actor's card was drawn is left alone (ChangedSince)."""
    require(actor, Action.EDIT)
    now = now or utcnow()
    priority = checked_priority(priority)
    settings = runtime.config()
    with database.atomic():
        row = _visible_row(actor, ticket_id)
        changed.check_unchanged(actor, row, seen_status)
        first_due, resolution_due = due_times(priority, as_datetime(row[16]),
                                              settings["service.first_response"],
                                              settings["service.resolution"],
                                              dt.timedelta(seconds=row[22] or 0))
        _change(actor, ticket_id, "ticket.priority", {"priority": [row[7], priority]},
                "priority = ?, first_response_due_at = ?, resolution_due_at = ?,"
                " first_breach_alerted_at = null, resolution_breach_alerted_at = null",
                (priority, first_due, resolution_due), now)
        if priority != row[7]:
            _tell_assignee_of_priority(actor, row, priority, resolution_due, now)
    return get_ticket(actor, ticket_id)


def _tell_assignee_of_priority(actor: Actor, row: tuple, priority: str,
                               resolution_due: dt.datetime, now: dt.datetime) -> None:
    """Whoever works the ticket hears when someone else changes its priority (a manager
    raising it to urgent), with the new resolution time: their plan for the day may change."""
    if row[9] is None or row[9] == actor.user_id:
        return
    notify(row[9], "ticket.priority_changed",
           {"number": row[1], "subject": row[4], "by": None if actor.is_system else actor.name,
            "previous": {"code": f"ticket.priority.{row[7]}"},
            "priority": {"code": f"ticket.priority.{priority}"},
            "due": moment(resolution_due), "ticket_id": row[0]}, now, customer_id=row[2])


def customer_tickets(actor: Actor, customer_id: int, *, limit: int = 10) -> list[TicketSummary]:
    """A customer's tickets, newest first (for the card)."""
    require_visible(actor, customer_id)
    rows = fetch_all(_TICKET_SQL + " where t.customer_id = ? order by t.created_at desc, t.id desc"
                     " limit ?", (customer_id, limit))
    now = utcnow()
    return [TicketSummary(t.id, t.number, t.subject, t.status, t.priority, t.customer_name,
                          t.assignee_name, t.breaching(now)) for t in map(view_of, rows)]
