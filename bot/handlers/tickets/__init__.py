"""Tickets for staff: ``/tickets`` (mine, unassigned, breaching, all open), the ticket card
with Reply, Note, Assign, Status and Priority, and a new ticket from the customer card.

Callback data: k:<id> card · kv:<view>:<offset> lists · kr:<id> reply · kn:<id> note ·
ko open the new ticket held · kx cancel the question ·
kc:<id> the customer to read · ka:<id>:<seen> / kA:<id>:<staff or 0>:<seen> assign ·
ks:<id>:<seen status> / kS:<id>:<status>:<seen status> · kp:<id>:<seen status> /
kP:<id>:<prio>:<seen status> · kk:<id> back from those pickers to the card. <seen> is what the
card showed: its status (and, for assigning, its assignee, 0 for nobody); a ticket moved on
since is not changed, its card is redrawn. Buttons drawn before they carried it have none.

What is where:
  card      the card's text and buttons, and showing it
  lists     /tickets, its lists, and what opens from them
  changes   assign, status and priority pickers; cards redrawn when the ticket moved on
  opening   a new ticket from the customer card, the text held while more may follow
  writing   the reply / note, and how the conversation ends
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers.log import conversation
from bot.handlers.tickets.card import card_keyboard, card_text, show_card
from bot.handlers.tickets.changes import (
    assign,
    assign_menu,
    picker_back,
    priority_menu,
    set_priority,
    set_status,
    status_menu,
)
from bot.handlers.tickets.lists import (
    customer_to_read,
    list_view,
    open_card,
    send_file,
    tickets_command,
)
from bot.handlers.tickets.opening import NEW, SUBJECT, got_subject, open_held, start_new, unsaved
from bot.handlers.tickets.writing import (
    PENDING,
    TEXT,
    cancel,
    got_text,
    stale_cancel,
    start_text,
    timed_out,
)

__all__ = ["card_keyboard", "card_text", "register", "show_card"]

ID = r"\d{1,9}"
SEEN = r"(:[a-z]{1,10})?"  # the status the card showed (absent on older buttons)
SEEN_HANDS = rf"(:[a-z]{{1,10}}:{ID})?"  # the status and the assignee (0: nobody) it showed
PRIVATE = filters.ChatType.PRIVATE
INPUT = (filters.TEXT & ~filters.COMMAND | filters.PHOTO | filters.Document.ALL) & PRIVATE


def register(application: Application) -> None:
    """/tickets, the card and its buttons, and the reply / note / new conversation."""
    application.add_handler(conversation(
        entry_points=[CallbackQueryHandler(start_text, pattern=rf"^k[rn]:{ID}$"),
                      CallbackQueryHandler(start_new, pattern=rf"^t[kn]:{ID}$")],
        states={TEXT: [MessageHandler(INPUT, got_text)],
                SUBJECT: [MessageHandler(filters.TEXT & ~filters.COMMAND & PRIVATE,
                                         got_subject),
                          CallbackQueryHandler(open_held, pattern=r"^ko$")],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)]},
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(cancel, pattern=r"^kx$")],
        name="tickets", unsaved=unsaved, drafts=(PENDING, NEW)))
    application.add_handler(CommandHandler("tickets", tickets_command))
    for callback, pattern in (
            (open_card, rf"^k:{ID}$"), (send_file, rf"^kf:{ID}:{ID}$"),
            (customer_to_read, rf"^kc:{ID}$"),
            (list_view, r"^kv:(mine|unassigned|breaching|open):\d+$"),
            (assign_menu, rf"^ka:{ID}{SEEN_HANDS}$"), (assign, rf"^kA:{ID}:{ID}{SEEN_HANDS}$"),
            (status_menu, rf"^ks:{ID}{SEEN}$"), (set_status, rf"^kS:{ID}:[a-z]+{SEEN}$"),
            (priority_menu, rf"^kp:{ID}{SEEN}$"), (set_priority, rf"^kP:{ID}:[a-z]+{SEEN}$"),
            (picker_back, rf"^kk:{ID}$"), (stale_cancel, r"^k[ox]$")):
        application.add_handler(CallbackQueryHandler(callback, pattern=pattern))
