"""Reminders, follow-ups, the daily agenda and the automation rules that create reminders."""

from crm.reminders import hooks
from crm.reminders.delivery import (
    claim_due_reminders,
    mark_reminder_failed,
    mark_reminder_sent,
)
from crm.reminders.service import (
    cancel_reminder,
    complete_reminder,
    count_failed_reminders,
    create_reminder,
    follow_up_interaction,
    get_reminder,
    list_failed_reminders,
    list_reminders,
    next_customer_reminder,
    snooze_reminder,
    understand_reminder,
    understand_time,
)
from crm.reminders.views import (
    FailedReminder,
    FollowUp,
    ReminderDelivery,
    ReminderDraft,
    ReminderView,
)
from crm.reminders.when import (
    REPEATS,
    FollowUpChoices,
    follow_up_choices,
    next_occurrence,
    parse_when,
)

__all__ = [
    "REPEATS", "FailedReminder", "FollowUp", "FollowUpChoices", "ReminderDelivery",
    "ReminderDraft", "ReminderView",
    "cancel_reminder", "claim_due_reminders", "complete_reminder", "count_failed_reminders",
    "create_reminder", "follow_up_choices", "follow_up_interaction", "get_reminder",
    "list_failed_reminders", "list_reminders",
    "mark_reminder_failed", "mark_reminder_sent", "next_customer_reminder", "next_occurrence",
    "parse_when", "snooze_reminder", "understand_reminder", "understand_time",
]

hooks.register()
