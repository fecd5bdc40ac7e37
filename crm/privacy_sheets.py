"""The privacy export as a spreadsheet a person can read: one sheet per kind of data, sheet
titles, headings and coded values (statuses, kinds, reasons) in the reader's words. The JSON
file keeps the stable English keys and codes, for machines."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from crm.audit import CODES, Wording

Row = dict[str, Any]
# A column: its heading's key, the key of the value in the exported data, and the group its
# coded values are worded in (None: shown as it is; NAMES: a name kept in every language).
Column = tuple[str, str, str | None]
NAMES = "names"
YES_NO = "yes_no"


@dataclass(frozen=True)
class SheetWords:
    """The reader's words (an interface fills them from its catalogues); by default the codes."""

    header: Callable[[str], str] = str
    value: Callable[[str, str], str] = lambda group, code: code
    locale: str = "en"
    audit: Wording = field(default=CODES)


def _col(name: str, group: str | None = None, key: str | None = None) -> Column:
    return name, key or name, group


CUSTOMER_FIELDS: tuple[Column, ...] = (
    _col("id"), _col("name"), _col("gender", "gender"), _col("birthday"), _col("occupation"),
    _col("notes"), _col("status", "status"), _col("source"), _col("owner"), _col("company"),
    _col("created_at"))
CHANNELS = (_col("kind", "channel"), _col("value"), _col("label"), _col("primary", YES_NO))
ADDRESSES = (_col("kind", "address"), _col("country"), _col("province"), _col("city"),
             _col("district"), _col("street"), _col("postal_code"))
INTERACTIONS = (_col("at"), _col("kind", "interaction"), _col("direction", "direction"),
                _col("by"), _col("summary"), _col("outcome"), _col("latitude"),
                _col("longitude"))
DEALS = (_col("id"), _col("title"), _col("pipeline", NAMES), _col("stage", NAMES),
         _col("deal_status", "deal_status", "status"), _col("amount"), _col("currency"),
         _col("expected_close"), _col("source"), _col("notes"),
         _col("lost_reason", "lost_reason"), _col("lost_note"), _col("owner"),
         _col("created_at"), _col("closed_at"))
STAGE_MOVES = (_col("deal", key="deal_id"), _col("at"), _col("from_stage", NAMES),
               _col("to_stage", NAMES), _col("by"), _col("lost_reason", "lost_reason"),
               _col("lost_note"))
ORDERS = (_col("number"), _col("order_status", "order_status", "status"), _col("ordered_on"),
          _col("currency"), _col("subtotal"), _col("discount"), _col("total"), _col("paid"),
          _col("notes"), _col("owner"), _col("created_at"))
ORDER_LINES = (_col("number"), _col("position"), _col("description"), _col("quantity"),
               _col("unit_price"), _col("discount"), _col("total"))
PAYMENTS = (_col("number"), _col("paid_on"), _col("amount"), _col("currency"),
            _col("method", "payment_method"), _col("note"), _col("by"), _col("voided_at"),
            _col("void_reason"))
TICKETS = (_col("ticket_number", key="number"), _col("subject"), _col("description"),
           _col("ticket_status", "ticket_status", "status"), _col("priority", "priority"),
           _col("channel", "ticket_channel"), _col("assignee"), _col("created_at"),
           _col("first_answered"), _col("resolved"), _col("closed_at"), _col("rating"))
TICKET_MESSAGES = (_col("ticket_number", key="number"), _col("at"), _col("author", "author"),
                   _col("by"), _col("body"), _col("internal", YES_NO), _col("file_name"))
REMINDERS = (_col("created_at"), _col("due_at"), _col("text"),
             _col("reminder_status", "reminder_status", "status"), _col("repeat", "repeat"),
             _col("staff"))
ASSIGNMENTS = (_col("at"), _col("from_owner"), _col("to_owner"),
               _col("reason", "assignment_reason"), _col("note"), _col("by"))
CONSENT = (_col("channel", "consent_channel"), _col("granted", YES_NO), _col("at"),
           _col("method", "consent_method"), _col("note"))
AUDIT = ("at", "user", "via", "action", "code", "record", "id", "changes")

Sheet = tuple[str, list[str], Iterable[list[Any]]]


def privacy_sheets(data: dict[str, Any], words: SheetWords) -> list[Sheet]:
    """The sheets of one person's export (``crm.privacy.export_customer``'s data)."""
    person = data["customer"]
    deals, orders, tickets = (data.get(name, []) for name in ("deals", "orders", "tickets"))

    def sheet(title: str, columns: tuple[Column, ...], rows: Iterable[Row]) -> Sheet:
        return (words.header(title), [words.header(c[0]) for c in columns],
                [[_cell(row.get(key), group, words) for _, key, group in columns]
                 for row in rows])

    return [
        (words.header("customer"), [words.header("field"), words.header("value")],
         _customer_rows(data, words)),
        sheet("channels", CHANNELS, person["channels"]),
        sheet("addresses", ADDRESSES, person["addresses"]),
        sheet("interactions", INTERACTIONS, data["interactions"]),
        sheet("deals", DEALS, deals),
        sheet("stage_history", STAGE_MOVES,
              ({**move, "deal_id": d["id"]} for d in deals for move in d["stage_history"])),
        sheet("orders", ORDERS, orders),
        sheet("order_lines", ORDER_LINES,
              ({**line, "number": o["number"]} for o in orders for line in o["lines"])),
        sheet("payments", PAYMENTS,
              ({**pay, "number": o["number"]} for o in orders for pay in o["payments"])),
        sheet("tickets", TICKETS, tickets),
        sheet("ticket_messages", TICKET_MESSAGES,
              ({**m, "number": tk["number"]} for tk in tickets for m in tk["messages"])),
        sheet("reminders", REMINDERS, data.get("reminders", [])),
        sheet("assignments", ASSIGNMENTS, data.get("assignments", [])),
        sheet("consent", CONSENT, data["consent"]),
        (words.header("audit"), [words.header(name) for name in AUDIT],
         [_audit_row(entry, words.audit) for entry in data["audit"]]),
    ]


def _customer_rows(data: dict[str, Any], words: SheetWords) -> list[list[Any]]:
    """The record's own fields, its tags and identity numbers, one per row."""
    person, label = data["customer"], words.audit.field
    rows = [[words.header(name), _cell(person.get(name), group, words)]
            for name, _, group in CUSTOMER_FIELDS]
    rows.append([words.header("tags"), ", ".join(person["tags"])])
    rows += [[label(name, "customer"), value] for name, value in data["identity"].items()]
    rows += [[words.header("merged_from"), f"{r['id']} {r['name']}"]
             for r in data["merged_records"]]
    return rows


def _cell(value: Any, group: str | None, words: SheetWords) -> Any:
    """One value as the reader reads it: codes in words, a name in their language."""
    if value is None or group is None:
        return value
    if group == NAMES:
        return value.get(words.locale) or next(iter(value.values()), "")
    if group == YES_NO:
        return words.value(YES_NO, "yes" if value else "no")
    return words.value(group, str(value))


def _audit_row(entry: Row, words: Wording) -> list[Any]:
    """An audit entry as the audit log's own export words it (its changes and who acted are
    already worded, by ``audit.shown_changes`` and the entry's actor id: only that id tells
    the system from a person named "system")."""
    changes = "" if not entry["changes"] else json.dumps(
        words.fields(entry["changes"], entry["entity"] or "")
        if isinstance(entry["changes"], dict) else entry["changes"],
        ensure_ascii=False, default=str)
    return [entry["at"], entry["by"], words.channel(entry["via"]), words.action(entry["action"]),
            entry["action"], words.entity(entry["entity"]), entry["entity_id"],
            words.erased if entry["erased"] else changes]
