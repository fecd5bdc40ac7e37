"""Expected failures of the domain: a stable code, parameters and an English default.

Interfaces translate ``code`` with ``params``; ``str(error)`` is the English fallback. Amounts
of money are Decimal params beside a ``currency`` param, so an interface can format them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from storage.errors import CodedError

_DEFAULTS: dict[str, str] = {
    "config.invalid": "{key} = {value} (from {source}) is not allowed; expected {allowed}",
    "config.unknown_key": "unknown key {key} in {path}; known keys: {allowed}",
    "config.file_missing": "config file {path} does not exist",
    "config.unreadable": "config file {path} cannot be read: {reason}",
    "user.exists": "a staff user with Telegram id {telegram_id} already exists",
    "user.not_found": "no staff user with Telegram id {telegram_id}",
    "user.not_named": "no staff member is called {name}",
    "user.ambiguous": "{name} could be any of {names}; give their Telegram id",
    "user.with_id": "{name} ({telegram_id})",
    "user.last_admin": "the last active admin cannot lose the admin role",
    "user.last_admin_deactivate": "the last active admin cannot be deactivated; make someone"
                                  " else admin first",
    "team.exists": "a team named {name} already exists",
    "team.not_found": "no such team",
    "team.not_named": "no team is called {name}",
    "invite.invalid": "this invite code is not valid",
    "invite.used": "this invite has already been used",
    "invite.expired": "this invite has expired; ask for a new one",
    "invite.already_staff": "you are already a member of the staff",
    "invite.ttl": "an invite lasts from a minute to 30 days",
    "validation.telegram_id": "Telegram id must be a positive whole number",
    "validation.role": "role must be one of {allowed}",
    "validation.name": "name must be 1 to {max} characters",
    "validation.locale": "language must be one of {allowed}",
    "validation.timezone": "time zone {value} is not known",
    "permission.denied": "you are not allowed to do this",
    "permission.only": "only these roles may {action}: {roles}",
    "money.other_currency": "{value} is in {typed}, but this order is in {currency}: an order"
                            " has one currency, so type the amount in {currency}",
    "customer.duplicate": "this phone or e-mail is already on file",
    "customer.similar": "a customer with a similar name at the same company is already on file",
    "customer.not_found": "customer not found",
    "privacy.erased": "customer {id} was erased on {at}: no personal data is left to export",
    "customer.field": "the field {name} cannot be edited",
    "customer.channel_not_found": "that contact detail is not on this customer",
    "customer.address_not_found": "that address is not on this customer",
    "customer.secret_missing": "no {name} is on file for this customer",
    "customer.merge_self": "a customer cannot be merged with itself",
    "customer.already_merged": "{name} #{id} was already merged into {into_name} #{into_id}",
    "customer.not_deleted": "this customer is not deleted",
    "customer.no_company": "this customer has no company yet",
    "company.duplicate_credit_code": "another company already has the credit code {value}",
    "validation.phone": "{value} is not a valid phone number",
    "validation.phone_extension": "{value} has an extension, which a phone number cannot keep",
    "validation.email": "{value} is not a valid e-mail address",
    "validation.date": "{value} is not a date; write it like 1990-03-07",
    "validation.date_short_year": "in {value} the year has two digits, so which number is the"
                                  " year is not clear; write the year in full, e.g. 1990-03-05",
    "validation.birthday_future": "{value} is in the future",
    "validation.birthday_too_old": "{value} is before 1900",
    "validation.birthday_age": "{value} looks like an age, not a birthday",
    "validation.id_card_length": (
        "must be 18 characters (or 15 digits for an old card), not {length}"),
    "validation.id_card_format": "must be digits only, with X allowed as the last character",
    "validation.id_card_checksum": "check digit does not match; please check the number",
    "validation.id_card_birthdate": "contains a birth date that is impossible or in the future",
    "validation.required": "is required",
    "validation.too_long": "must be at most {max} characters",
    "validation.gender": "{value} is not understood; use male, female or other",
    "validation.wechat": "{value} is not a WeChat ID or a phone number",
    "validation.qq": "{value} is not a QQ number (5-12 digits, not starting with 0)",
    "validation.handle": "{value} is not a valid account name (1-{max} characters, no spaces)",
    "validation.credit_code": "{value} is not a valid unified social credit code",
    "validation.website": "{value} is not a valid website address",
    "validation.choice": "{value} is not one of {allowed}",
    "validation.coordinates": "the location is not a valid latitude and longitude",
    "not_found": "not found",
    "money.invalid": "{value} is not an amount of money",
    "money.negative": "the amount cannot be negative",
    "money.precision": "{value} has more decimals than {currency} allows",
    "money.zero": "the amount must be more than 0",
    "pipeline.not_found": "pipeline not found",
    "stage.not_found": "stage not found",
    "stage.no_new_name": "give the stage a new Chinese name, a new English name or both",
    "stage.probability": "win probability must be a whole number from 0 to 100",
    "stage.order": "list every active stage of the pipeline exactly once",
    "stage.not_empty": "{count} deals are still in this stage; move them first",
    "stage.last_of_kind": "a pipeline needs at least one {kind} stage",
    "deal.not_found": "deal not found",
    "deal.field": "the field {name} of a deal cannot be edited",
    "deal.initial_stage": "a new deal starts in an open stage of its pipeline",
    "deal.stage_other_pipeline": "that stage belongs to another pipeline",
    "deal.stage_archived": "that stage is archived",
    "deal.lost_reason_required": "say why the deal was lost: one of {allowed}",
    "deal.lost_note_required": "for the reason \"other\", add a few words",
    "deal.moved_meanwhile": "someone else moved this deal meanwhile; open it again",
    "deal.already_won": "{title} was already won on {day}; nothing changed",
    "deal.already_lost": "{title} was already lost on {day}; nothing changed",
    "deal.moved_since": "{title} has moved to another stage since; nothing changed",
    "product.not_found": "product not found",
    "product.sku": "{value} is not a valid SKU (no spaces)",
    "product.sku_taken": "another product already has the SKU {sku}",
    "product.inactive": "{name} is no longer sold",
    "order.not_found": "order not found",
    "order.quantity": "{value} is not a quantity (more than 0, at most 3 decimals)",
    "order.discount_percent": "{value} is not a discount (0 to 100 percent, 2 decimals at most)",
    "order.discount_both": "give a discount as a percent or as an amount, not both",
    "order.discount_too_big": "the discount {discount} is more than the line amount {amount}",
    "order.currency_mismatch": "{product} is priced in {product_currency}, the order is in "
                               "{currency}; give a price",
    "order.deal_customer": "that deal belongs to another customer",
    "order.not_draft": "only a draft order's lines can change (this one is {status})",
    "order.total_below_paid": "the new total {total} is less than the {paid} already paid",
    "order.transition": "an order that is {current} cannot become {status}",
    "order.already": "the order is already {status}; nothing changed",
    "order.empty": "an order needs at least one line",
    "order.has_payments": "{paid} has been paid on this order; void the payments first",
    "payment.not_found": "payment not found",
    "payment.overpayment": "{amount} is more than the {outstanding} still outstanding",
    "payment.order_cancelled": "this order is cancelled and takes no payments",
    "payment.paid_in_full": "{number} is paid in full; nothing is outstanding",
    "payment.voided": "this payment is already void",
    "lead.not_lead": "only customers with status lead are assigned by the rules",
    "lead.same_owner": "{owner} already owns {customer_name}; nothing changed",
    "import.empty": "the file is empty",
    "import.not_spreadsheet": "{name} is not a spreadsheet; send a CSV or Excel file",
    "import.encoding": "{name} cannot be read as {encoding}",
    "import.no_rows": "the file has a header but no customers under it",
    "import.no_header": "no header row found in the first rows; name the columns, e.g. {expected}",
    "import.no_name_column": "no column for the customer's name; call it one of {expected}",
    "import.too_many_rows": "the file has {rows} rows; at most {max} can be imported at once",
    "import.too_large": "{name} is {size_mb} MB; files up to {max_mb} MB can be imported",
    "import.number_rounded": "{value} was stored as a number and Excel rounded it",
    "import.date_ambiguous": "{value} could be {day_first_iso} (day first) or {month_first_iso}"
                             " (month first), and no other row of the column tells which;"
                             " write it as {day_first_iso} or {month_first_iso}",
    "import.date_orders_mixed": "{value} could be {day_first_iso} (day first) or"
                                " {month_first_iso} (month first), and the column writes"
                                " dates both ways ({day_first_example} in row {day_first_row},"
                                " {month_first_example} in row {month_first_row}); write it"
                                " as {day_first_iso} or {month_first_iso}",
    "import.duplicate_in_file": "the same phone or e-mail as row {row} of the file",
    "import.birth_month_noted": "{value} has no day: the birthday is left empty and the new"
                                " customer's notes keep the year and month",
    "import.birth_month_kept": "{value} has no day: the birthday on file is left as it is",
    "import.birth_month_unsure": "{value} has no day, and it is a number: Excel stores a typed"
                                 " {october} as {value} too, so the month is January or"
                                 " October; the birthday is left empty",
    "import.matches_several": "its phone and e-mail belong to {count} different customers",
    "import.not_visible": "its phone or e-mail belongs to a customer you cannot see",
    "import.not_found": "this import was not found; send the file again",
    "import.finished": "this import was already confirmed or cancelled",
    "import.expired": "this preview has expired; send the file again",
    "import.file_missing": "the file of this import is gone; send {name} again",
    "export.dates": "the period starts on {since}, after its end on {until}",
    "export.no_match": "no {kind} match these filters: nothing was exported",
    "export.none": "there are no {kind} to export yet",
    "assignment.rule_not_found": "assignment rule not found",
    "validation.agenda_hour": "the agenda hour is a whole hour from 0 to 23",
    "ticket.not_found": "ticket not found",
    "ticket.closed": "this ticket is closed; reopen it first",
    "ticket.closed_by": "{number} was closed by {by} at {at}; reopen it first",
    "ticket.changed_since": "{number} was moved to {status} by {by} at {at}; nothing changed",
    "ticket.now_status": "{number} is {status} now; nothing changed",
    "ticket.assigned_since": "{number} has been handed to {assignee} since; nothing changed",
    "ticket.unassigned_since": "{number} has been put back among nobody's tickets since;"
                               " nothing changed",
    "ticket.transition": "a ticket that is {current} cannot become {status}",
    "ticket.rating": "a rating is 1 to 5 stars",
    "ticket.not_resolved": "only a resolved ticket can be rated",
    "ticket.already_rated": "{number} was already rated {stars}; nothing changed",
    "ticket.reply_kept": "{number} has moved on since these words were added to it, so they"
                         " stay there",
    "ticket.reply_already_taken_back": "these words were already taken off {number};"
                                       " nothing changed",
    "portal.already_undone": "that was already undone; the marketing choices stay as they are",
    # Parts of the refusals above: a status, who moved the ticket.
    "ticket.status.new": "new",
    "ticket.status.open": "open",
    "ticket.status.waiting": "waiting for the customer",
    "ticket.status.resolved": "resolved",
    "ticket.status.closed": "closed",
    "ticket.status.reopened": "reopened",
    "ticket.by_you": "you",
    "ticket.by_customer": "the customer",
    "ticket.by_system": "the system",
    "service.too_many": "too many messages; please wait a minute (at most {limit} a minute)",
    "kb.not_found": "article not found",
    "reminder.when_unclear": "no time found in \"{text}\"; try e.g. tomorrow 15:00, in 2 hours",
    "reminder.when_invalid": "that date does not exist",
    "reminder.when_dotted_invalid": "{text} where the time goes is no time of day",
    "reminder.when_past": "that time has already passed",
    "reminder.when_too_far": "that is more than five years ahead",
    "reminder.text_required": "say what to be reminded of",
    "reminder.repeat_invalid": "repeat must be daily, weekly or monthly",
    "reminder.subject_mismatch": "that deal belongs to another customer",
    "reminder.not_found": "reminder not found",
    "reminder.cancelled": "that reminder was stopped",
    "reminder.needs_staff": "a reminder needs a staff member to remind",
    "report.unknown": "{value} is not a report; choose one of {allowed}",
    "report.period_order": "the period starts on {since}, after its end on {until}",
    "report.period_too_long": "a report covers at most {max} days, not {days}",
}


class CrmError(CodedError):
    """Base of every expected failure of the domain."""

    defaults: ClassVar[dict[str, str]] = _DEFAULTS


class ConfigError(CrmError):
    """A configuration value that is missing, unknown or not allowed."""


class ValidationError(CrmError):
    """Input that breaks a rule; ``field`` names the offending field."""

    def __init__(self, code: str, field: str = "", **params: Any) -> None:
        self.field = field
        super().__init__(code, field=field, **params)


class NotFound(CrmError):
    """The record does not exist, or the actor may not see it (existence does not leak)."""


class PermissionDenied(CrmError):
    """The record is visible but the action is not allowed to this actor."""


class Conflict(CrmError):
    """The action clashes with existing data (a duplicate, a stale edit)."""


class ChangedSince(Conflict):
    """The action was chosen on a view of the record that is out of date (it was won, paid,
    closed or done since): nothing changed, and the record should be shown again as it is."""


class Duplicate(Conflict):
    """The record looks like one already on file; ``matches`` lists them."""

    def __init__(self, code: str, matches: list[Any], **params: Any) -> None:
        self.matches = matches
        super().__init__(code, **params)


class AlreadyMerged(Conflict):
    """A customer asked to be merged is already merged into another, ``into_id``."""

    def __init__(self, code: str, into_id: int, **params: Any) -> None:
        self.into_id = into_id
        super().__init__(code, into_id=into_id, **params)
