"""Every action the log records, and the warning for an entry written with one missing."""

from __future__ import annotations

import warnings

# Every action the log records. Admins read each in their own language (the interfaces'
# catalogues have words for all of them: a test checks), so a new action is added here first.
ACTIONS = frozenset({
    "assignment.configure", "assignment.rule_add", "assignment.rule_move",
    "assignment.rule_remove",
    "audit.export",
    "backup.created", "backup.failed", "backup.pruned", "backup.restored",
    "company.update",
    "consent.record",
    "customer.address_add", "customer.address_remove", "customer.bulk_hand_over",
    "customer.bulk_tag", "customer.bulk_untag", "customer.channel_add",
    "customer.channel_remove", "customer.create", "customer.delete", "customer.merge",
    "customer.merged_into", "customer.not_duplicates", "customer.restore", "customer.reveal",
    "customer.secret_set",
    "customer.tags", "customer.update",
    "deal.create", "deal.delete", "deal.move", "deal.restore", "deal.update",
    "import.apply", "import.cancel", "import.preview",
    "interaction.create",
    "invite.create",
    "kb.create", "kb.delete", "kb.edit",
    "keys.rotate_started", "keys.rotated",
    "lead.assign",
    "order.create", "order.lines", "order.status", "order.update",
    "payment.record", "payment.void",
    "pipeline.create",
    "privacy.erase", "privacy.export",
    "product.create", "product.update",
    "reminder.cancel", "reminder.create", "reminder.update",
    "report.run",
    "stage.add", "stage.archive", "stage.probability", "stage.rename", "stage.reorder",
    "stage.restore",
    "team.create",
    "ticket.assign", "ticket.create", "ticket.priority", "ticket.reply",
    "ticket.reply_taken_back", "ticket.status",
    "user.add", "user.deactivate", "user.join_by_invite", "user.reactivate", "user.reassign",
    "user.role", "user.team",
})


EXPORT_ACTION = "export."  # + the kind: kinds of export are pluggable, their actions too


class UnknownAction(UserWarning):
    """An entry was written with an action missing from ``ACTIONS``: admins would read its
    code instead of words (the test suite turns this warning into a failure)."""


def _known(action: str) -> str:
    if action not in ACTIONS and not action.startswith(EXPORT_ACTION):
        warnings.warn(f"audit action {action!r} is not in crm.audit.ACTIONS", UnknownAction,
                      stacklevel=3)
    return action
