"""Long work (exports, reports, imports) off the event loop, with one progress message edited
in place while other users are served."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.error import TelegramError

from bot import session

T = TypeVar("T")
Progress = Callable[[int, int], None]  # (done, total), called from the worker thread
EDIT_EVERY = 1.5  # seconds between edits: Telegram allows about one message a second a chat


class ProgressMessage:
    """A message that shows "⏳ title 42%" and is edited as the work advances."""

    def __init__(self, message: Message, title: str, loop: asyncio.AbstractEventLoop) -> None:
        self.message, self.title, self.loop = message, title, loop
        self.last_edit = 0.0
        self.last_percent = -1
        # Edits one at a time, and none after the last: a step scheduled from the worker just
        # before the work ended must not land after "✅ done" and leave "⏳ 40%" on screen.
        self.editing = asyncio.Lock()
        self.finished = False

    def report(self, done: int, total: int) -> None:
        """Thread-safe: schedule an edit when enough time and progress have passed."""
        percent = 100 * done // total if total else 100
        now = time.monotonic()
        if percent == self.last_percent or now - self.last_edit < EDIT_EVERY:
            return
        self.last_edit, self.last_percent = now, percent
        asyncio.run_coroutine_threadsafe(self._step(f"⏳ {self.title} {percent}%"), self.loop)

    async def _step(self, text: str) -> None:
        async with self.editing:
            if not self.finished:
                await self._edit(text)

    async def _edit(self, text: str) -> None:
        with contextlib.suppress(TelegramError):  # a skipped progress step is harmless
            # In place only: a progress line the user deleted is not sent again at each step.
            await self.message.get_bot().edit_in_place(
                text, chat_id=self.message.chat_id, message_id=self.message.message_id)

    async def finish(self, text: str) -> None:
        self.finished = True
        async with self.editing:  # after a step already under way, never before it
            await self._edit(text)


async def with_progress(update: Update, context: session.Context, title: str,
                        work: Callable[..., T], *args: Any, done: str | None = None,
                        **kwargs: Any) -> T:
    """Run ``work(*args, progress=..., **kwargs)`` on the long-work thread, showing progress;
    ``done`` words the finished message where ``title`` says the work is under way ("正在导出"
    would read as still running under ✅)."""
    message = await update.effective_message.reply_text(f"⏳ {title} 0%")
    tracker = ProgressMessage(message, title, asyncio.get_running_loop())
    executor = context.bot_data[session.EXECUTOR]
    try:
        result = await executor.run_long(work, *args, progress=tracker.report, **kwargs)
    except Exception:
        await tracker.finish(f"❌ {title}")
        raise
    await tracker.finish(f"✅ {done or title}")
    return result


class Steps:
    """Several pieces of long work under one progress message, each its share of the bar."""

    def __init__(self, tracker: ProgressMessage, context: session.Context) -> None:
        self.tracker, self.context = tracker, context

    async def run(self, start: int, end: int, work: Callable[..., T], *args: Any,
                  writes: bool = False, **kwargs: Any) -> T:
        """``work(*args, progress=..., **kwargs)`` shown from ``start`` to ``end`` percent; on
        the database thread(s) when it ``writes`` (SQLite takes one writer), else on the
        long-work thread."""
        def share(done: int, total: int) -> None:
            self.tracker.report(start * total + (end - start) * done, 100 * total)

        executor = self.context.bot_data[session.EXECUTOR]
        runner = executor.run_long_write if writes else executor.run_long
        return await runner(work, *args, progress=share, **kwargs)


@contextlib.asynccontextmanager
async def progress_steps(update: Update, context: session.Context, title: str,
                         done: str | None = None):
    """``async with progress_steps(...) as steps: await steps.run(0, 50, ...)``: one message,
    ✅ (with ``done``, else ``title``) when every step succeeded, ❌ when one raised."""
    message = await update.effective_message.reply_text(f"⏳ {title} 0%")
    tracker = ProgressMessage(message, title, asyncio.get_running_loop())
    try:
        yield Steps(tracker, context)
    except Exception:
        await tracker.finish(f"❌ {title}")
        raise
    await tracker.finish(f"✅ {done or title}")
