"""One conversation at a time per user: starting a flow (new customer, log a visit, settings)
ends any other the user left unfinished, so what they type next goes where they expect.

A flow ended that way with typed answers not yet saved says so once, naming what was dropped
("新客户「李雷」未保存，已放弃。") before the new flow's first question; one with nothing typed,
or already saved, ends silently, unless its step showed a reply keyboard (🚗 a visit's 📍
share-location button): only a message can take that off the screen, so it says the flow ended
("王小明的拜访记录已取消。")."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CallbackContext, ConversationHandler

# PTB keeps no timeout across a restart; its own record of one is rebuilt from what was stored.
from telegram.ext._handlers.conversationhandler import _ConversationTimeoutContext

from bot import session
from bot.i18n import t

# What the user typed into the flow and would lose, named in their language as plain text
# (None: nothing typed yet, or all of it saved).
Unsaved = Callable[[str, dict[Any, Any]], str | None]
# user_data: flow name → (epoch seconds, the update) of the user's last step, so that a flow
# restored after a restart still ends when its time is up, with its message.
LAST_STEP = "flow_last_step"


def _flows_of(application: Any) -> list[OneFlowPerUser]:
    """The application's own flows (another Application in the process keeps its own)."""
    return [handler for group in application.handlers.values() for handler in group
            if isinstance(handler, OneFlowPerUser)]


class OneFlowPerUser(ConversationHandler):
    """A ConversationHandler that, when it starts for a user, ends that user's others.

    ``unsaved`` names what a half-filled draft holds; ``drafts`` are the user_data keys the
    flow keeps its draft under, dropped when another flow ends it. ``keyboard_states`` are the
    steps that show a reply keyboard, and ``named`` names the flow's draft even with nothing
    typed, for the message that takes that keyboard away."""

    def __init__(self, *args: Any, unsaved: Unsaved | None = None,
                 drafts: Collection[str] = (), keyboard_states: Collection[object] = (),
                 named: Unsaved | None = None, **kwargs: Any) -> None:
        super().__init__(*args, persistent=True, **kwargs)
        self.unsaved = unsaved
        self.drafts = tuple(drafts)
        self.keyboard_states = frozenset(keyboard_states)
        self.named = named

    def _state(self, update: Update) -> object:
        """The user's current step in this flow, None when it is not running for them."""
        try:
            return self._conversations.get(self._get_key(update))
        except RuntimeError:  # no key for this kind of update
            return None

    def _active(self, update: Update) -> bool:
        return self._state(update) is not None

    async def handle_update(self, update: Update, application: Any, check_result: Any,
                            context: Any) -> object:
        # Not running yet, so one of its entry points took the update: the user has moved on.
        # The others end first, so what they dropped is said above this flow's first question.
        if not self._active(update):
            for other in _flows_of(application):
                if other is not self:
                    await other.abandon(update, context)
        try:
            return await super().handle_update(update, application, check_result, context)
        finally:
            self._note_step(update, context)

    def _note_step(self, update: Update, context: Any) -> None:
        """Remember the user's last step while the flow runs (its timeout's start)."""
        if context.user_data is None:
            return
        if self._active(update):  # one flow at a time: the others' steps are history
            context.user_data[LAST_STEP] = {self.name: (time.time(), update.to_dict())}
        else:
            context.user_data.get(LAST_STEP, {}).pop(self.name, None)

    async def _initialize_persistence(self, application: Any) -> Any:
        """The stored flows back after a restart, each with the rest of its time to answer."""
        found = await super()._initialize_persistence(application)
        if self.conversation_timeout and application.job_queue is not None:
            for key in list(self._conversations):
                self._restore_timeout(key, application)
        return found

    def _restore_timeout(self, key: tuple[Any, ...], application: Any) -> None:
        user_data = application.user_data.get(key[-1], {})
        last = user_data.get(LAST_STEP, {}).get(self.name)
        if last is None:  # nothing to end it with: it just ends
            self._update_state(self.END, key)
            return
        at, update_data = last
        update = Update.de_json(update_data, application.bot)
        context = CallbackContext.from_update(update, application)
        timeout = self.conversation_timeout
        if isinstance(timeout, dt.timedelta):
            timeout = timeout.total_seconds()
        delay = max(0.0, at + timeout - time.time())
        self.timeout_jobs[key] = application.job_queue.run_once(
            self._trigger_timeout, delay,
            data=_ConversationTimeoutContext(key, update, application, context),
            job_kwargs={"misfire_grace_time": None})  # a late start still ends it

    async def abandon(self, update: Update, context: Any) -> None:
        """End this flow for the update's user because another began; say what was lost."""
        if not self._active(update):
            return
        user_data = context.user_data if context.user_data is not None else {}
        locale = session.locale(context, update)
        notice = self._notice(locale, user_data, self._state(update) in self.keyboard_states)
        await self.end_for(update)
        for key in self.drafts:
            user_data.pop(key, None)
        if notice is not None and update.effective_chat is not None:
            text, markup = notice
            await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)

    def _notice(self, locale: str, user_data: dict[Any, Any], keyboard_shown: bool
                ) -> tuple[str, ReplyKeyboardRemove | None] | None:
        """What to say as the flow ends: what was dropped, else (a reply keyboard to take off)
        that it ended; None to end silently."""
        markup = ReplyKeyboardRemove() if keyboard_shown else None
        lost = self.unsaved(locale, user_data) if self.unsaved else None
        if lost:
            return t(locale, "flow.abandoned", what=lost), markup
        named = self.named(locale, user_data) if keyboard_shown and self.named else None
        if named:
            return t(locale, "flow.ended", what=named), markup
        return None

    async def end_for(self, update: Update) -> None:
        """Drop this conversation for the update's user, with its pending timeout."""
        if not self._active(update):
            return
        key = self._get_key(update)
        async with self._timeout_jobs_lock:
            job = self.timeout_jobs.pop(key, None)
            if job is not None:
                job.schedule_removal()
        self._update_state(self.END, key)

