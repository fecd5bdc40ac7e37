"""Sales in the chat: /deals, the deal card, a new deal from the customer card, /forecast,
orders and payments.

Callback data (every press is checked again by crm):
``dp`` pipeline · ``ds:<stage>:<offset>`` a stage's deals · ``d:<deal>[:e]`` the deal card
(``e``: in place) · ``dm:<deal>:<stage>:<seen>`` move (won asks about an order, lost asks why) ·
``dq:<deal>:<stage>:<seen>`` lost: why, pressed or typed ·
``dr:<deal>:<stage>:<reason>:<seen>`` lost for a reason · ``dw:<deal>:<stage>:<1|0>:<seen>`` won
with or without an order (``<seen>``: the stage the card showed; a deal moved since is not
moved, its card is redrawn) · ``dh:<deal>`` history · ``de:<deal>`` edit menu ·
``df:<deal>:<field>`` edit a field · ``dl:<customer>`` the customer's deals (a new one when
none) · ``cd:<customer>:<offset>`` their pages · ``dn:<customer>`` new deal ·
``co:<customer>`` / ``cp:<customer>:<offset>`` orders ·
``o:<order>`` an order (``ov:<order>`` in place) · ``os:<order>:<status>`` ship, complete or
cancel it (``ox:<order>`` asks before cancelling) · ``on:<customer>[:<deal>]`` new order ·
``oe:<order>`` / ``og:<order>:<offset>`` add lines · ``op:<order>:<product>`` add a product ·
``ou:<order>`` remove the last line · ``oc:<order>`` confirm · ``pa:<order>`` record a payment ·
``pm:<method>`` its method · ``sx:skip|back|save|clear|x`` conversation controls.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers.log import conversation
from bot.handlers.sales import deals, flows, orders
from bot.handlers.sales.deals import SEEN
from bot.handlers.sales.view import EDIT_FIELDS

TEXT = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
ID = r"\d{1,9}"
STALE = r"^(dp|ds|d|dm|dq|dr|dw|dh|de|df|dn|co|cp|o|on|oe|og|op|ou|oc|pa|pm|sx)(:|$)"


def _entry_points() -> list[BaseHandler]:
    fields = "|".join(EDIT_FIELDS)
    return [CallbackQueryHandler(flows.start_new, pattern=rf"^d[ln]:{ID}$"),
            CallbackQueryHandler(flows.start_edit, pattern=rf"^df:{ID}:({fields})$"),
            CallbackQueryHandler(flows.ask_lost_reason, pattern=rf"^dq:{ID}:{ID}{SEEN}$"),
            CallbackQueryHandler(flows.start_lost_note, pattern=rf"^dr:{ID}:{ID}:other{SEEN}$"),
            *orders.entry_points()]


def _new_deal_states() -> dict[object, list[BaseHandler]]:
    typed = {flows.TITLE: flows.typed_title, flows.AMOUNT: flows.typed_amount,
             flows.CLOSE: flows.typed_close}
    found: dict[object, list[BaseHandler]] = {
        step: [MessageHandler(TEXT, typed[step]),
               CallbackQueryHandler(flows.skipped(step), pattern=r"^sx:skip$"),
               CallbackQueryHandler(flows.went_back(step), pattern=r"^sx:back$")]
        for step in flows.STEPS}
    found[flows.CLOSE].append(CallbackQueryHandler(flows.kept_past_close, pattern=r"^sx:keep$"))
    found[flows.CONFIRM] = [CallbackQueryHandler(flows.save_deal, pattern=r"^sx:save$"),
                            CallbackQueryHandler(flows.went_back(flows.CONFIRM),
                                                 pattern=r"^sx:back$")]
    return found


def _states() -> dict[object, list[BaseHandler]]:
    return {**_new_deal_states(),
            flows.EDIT: [MessageHandler(TEXT, flows.typed_edit),
                         CallbackQueryHandler(flows.cleared, pattern=r"^sx:clear$")],
            flows.LOST_NOTE: [MessageHandler(TEXT, flows.typed_lost_note),
                              CallbackQueryHandler(flows.picked_reason,
                                                   pattern=rf"^dr:{ID}:{ID}:\w{{1,20}}{SEEN}$"),
                              CallbackQueryHandler(flows.left_question, pattern=rf"^d:{ID}$")],
            **orders.states(TEXT),
            ConversationHandler.TIMEOUT: [TypeHandler(Update, flows.timed_out)]}


async def stale(update: Update, context: object) -> None:
    """A forged, old or out-of-flow sales button does nothing."""
    await update.callback_query.answer()


def register(application: Application) -> None:
    """The sales conversation first, then the screens, then a catch-all for stale buttons."""
    application.add_handler(conversation(
        entry_points=_entry_points(), states=_states(),
        fallbacks=[CommandHandler("cancel", flows.cancel),
                   CallbackQueryHandler(flows.cancel, pattern=r"^sx:x$")], name="sales",
        unsaved=flows.unsaved, drafts=(flows.DRAFT,)))
    deals.register(application)
    for handler in orders.stateless():
        application.add_handler(handler)
    application.add_handler(CallbackQueryHandler(stale, pattern=STALE))
