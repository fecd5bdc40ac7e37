"""One conversation at a time per user: starting a flow (new customer, log a visit, settings)
ends any other the user left unfinished, so what they type next goes where they expect."""

from __future__ import annotations

import weakref
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

_flows: weakref.WeakSet[OneFlowPerUser] = weakref.WeakSet()


class OneFlowPerUser(ConversationHandler):
    """A ConversationHandler that, when it starts for a user, ends that user's others."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _flows.add(self)

    def _active(self, update: Update) -> bool:
        try:
            return self._conversations.get(self._get_key(update)) is not None
        except RuntimeError:  # no key for this kind of update
            return False

    async def handle_update(self, update: Update, application: Any, check_result: Any,
                            context: Any) -> object:
        starting = not self._active(update)
        result = await super().handle_update(update, application, check_result, context)
        if starting and self._active(update):
            for other in list(_flows):
                if other is not self:
                    await other.end_for(update)
        return result

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
