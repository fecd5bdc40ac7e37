"""One conversation at a time per user: starting a flow (new customer, log a visit, settings)
ends any other the user left unfinished, so what they type next goes where they expect."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler


def _flows_of(application: Any) -> list[OneFlowPerUser]:
    """The application's own flows (another Application in the process keeps its own)."""
    return [handler for group in application.handlers.values() for handler in group
            if isinstance(handler, OneFlowPerUser)]


class OneFlowPerUser(ConversationHandler):
    """A ConversationHandler that, when it starts for a user, ends that user's others."""

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
            for other in _flows_of(application):
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
