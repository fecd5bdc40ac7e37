"""The append-only audit log: who did what, when, through which interface, to which record.

Details about a customer (before and after values) are sealed with a key of that customer's own,
so erasing the customer destroys the key and the details with it, while the log itself stays
append-only (the database refuses updates and deletes of its rows).

What is where:
  actions    every action the log records (``ACTIONS``) and the warning for one missing
  kinds      what the values in an entry's changes are, so interfaces can word them
  sealing    each customer's own key: sealing, unsealing, forgetting it on erasure
  recording  appending entries, one at a time or in bulk
  entries    an entry as read back: unsealed, referred records named, currencies found
  reading    pages of entries for admins, every entry for exports, one record's history
  wording    an entry in the reader's words and time zone
  export     file exports of the log (recorded first) and the spreadsheet
"""

from crm.audit.actions import ACTIONS, EXPORT_ACTION, UnknownAction
from crm.audit.entries import ERASED, MERGED_SNAPSHOT, AuditEntry, is_erased_snapshot
from crm.audit.export import AUDIT_HEADERS, export_audit, export_audit_xlsx, export_rows
from crm.audit.kinds import (
    ACTION_VALUE_KINDS,
    FAILURE,
    MONEY,
    MONEY_MINOR,
    REFERENCES,
    VALUE_KINDS,
    Name,
    register_value_kind,
    value_kind,
)
from crm.audit.reading import changes_of, iter_audit, list_audit, require_reader
from crm.audit.recording import (
    CHANGED,
    SYSTEM_NAME,
    diff,
    record,
    record_for_customers,
    record_new_customers,
)
from crm.audit.sealing import _unseal, forget_customer_key, seal_new_customers
from crm.audit.wording import (
    CODES,
    ITEM_LISTS,
    TYPED_INSTEAD,
    Wording,
    changes_json,
    local_changes,
    record_words,
    shown_changes,
    stored_moment,
)
from storage.database import database  # some callers reach the database through the log

__all__ = [
    "ACTIONS", "ACTION_VALUE_KINDS", "AUDIT_HEADERS", "CHANGED", "CODES", "ERASED",
    "EXPORT_ACTION", "FAILURE", "ITEM_LISTS", "MERGED_SNAPSHOT", "MONEY", "MONEY_MINOR",
    "REFERENCES", "SYSTEM_NAME", "TYPED_INSTEAD", "VALUE_KINDS", "AuditEntry", "Name",
    "UnknownAction", "Wording", "_unseal", "changes_json", "changes_of", "database", "diff",
    "export_audit", "export_audit_xlsx", "export_rows", "forget_customer_key",
    "is_erased_snapshot", "iter_audit", "list_audit", "local_changes", "record",
    "record_for_customers", "record_new_customers", "record_words", "register_value_kind",
    "require_reader", "seal_new_customers", "shown_changes", "stored_moment", "value_kind",
]
