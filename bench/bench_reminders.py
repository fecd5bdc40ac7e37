"""10,000 reminders due in the same minute, delivered through the real Application with its
rate limiter, to an in-process Bot API that enforces Telegram's flood limit (at most 30
messages in any second, else 429 Too Many Requests)."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import time
from typing import Any

from telegram.request import RequestData

from bench.__main__ import BENCH_KEY
from bench.common import Figure
from bot import reminder_jobs
from bot.app import build_application
from bot.console import LocalBotApi
from crm import users
from crm.actors import Actor
from crm.clock import utcnow
from crm.config import load_config
from crm.reminders.service import add_reminder
from storage.database import fetch_one
from storage.executor import DatabaseExecutor

REMINDERS = int(os.environ.get("CRM_BENCH_REMINDERS", "10000"))
STAFF = 200
TELEGRAM_LIMIT = 30  # messages a second, all chats together


class FloodLimitedApi(LocalBotApi):
    """Answers like Telegram, including 429 when more than 30 messages fall in one second."""

    def __init__(self) -> None:
        super().__init__(lambda method, params: None)
        self.window: collections.deque[float] = collections.deque()
        self.accepted: list[str] = []
        self.refused = 0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            now = time.monotonic()
            while self.window and self.window[0] <= now - 1:
                self.window.popleft()
            if len(self.window) >= TELEGRAM_LIMIT:
                self.refused += 1
                return 429, json.dumps({"ok": False, "error_code": 429,
                                        "description": "Too Many Requests: retry after 1",
                                        "parameters": {"retry_after": 1}}).encode()
            self.window.append(now)
            self.accepted.append(str(request_data.parameters.get("text")))
        return await super().do_request(url, method, request_data, read_timeout,
                                        write_timeout, connect_timeout, pool_timeout)


def _fill(db) -> None:
    """STAFF agents, REMINDERS reminders all due now, each text unique."""
    now = utcnow()
    with db.atomic():
        staff = [users.add_user(Actor.system(), 20_000 + i, "agent", f"员工 {i}").id
                 for i in range(STAFF)]
        for n in range(REMINDERS):
            add_reminder(staff[n % STAFF], now, f"提醒 #{n}", "Asia/Shanghai", now)


def run(db, label: str) -> list[Figure]:
    """Figures for one database."""
    _fill(db)
    api = FloodLimitedApi()
    config = load_config(environ={"CRM_SECURITY_KEY": BENCH_KEY}, look_in_cwd=False)
    executor = DatabaseExecutor(db)
    app = build_application(config, executor, request=api)  # with its rate limiter

    async def deliver() -> float:
        await app.initialize()
        start = time.perf_counter()
        while fetch_one("select count(*) from reminder where status = 'pending'")[0]:
            await reminder_jobs.deliver_reminders(app, utcnow())
        elapsed = time.perf_counter() - start
        await app.shutdown()
        return elapsed

    elapsed = asyncio.run(deliver())
    executor.shutdown()
    sent = fetch_one("select count(*) from reminder where status = 'sent'")[0]
    rate = len(api.accepted) / elapsed
    duplicates = len(api.accepted) - len(set(api.accepted))
    return [
        Figure(f"{label}: {REMINDERS:,} reminders due at once, delivered", sent, "",
               f"{duplicates} twice, {api.refused} refused with 429"),
        Figure(f"{label}: delivery rate", rate, "msg/s",
               f"{rate / TELEGRAM_LIMIT:.0%} of Telegram's {TELEGRAM_LIMIT}/s; {elapsed:.0f} s"),
    ]
