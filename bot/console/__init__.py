"""`crm console`: a local terminal chat with the same handlers, no token and no network.

You type as a staff member (or, with ``--customer``, as someone who is not staff); the bot's
answers are printed as text, its buttons as numbered choices (type the number to press one),
a reply keyboard's too (Skip sends its text; sharing a place or a number says what to type).
`/contact PHONE NAME`, `/location LAT LON` and `/file PATH` share a contact, a location or a
document; a line ending in a backslash goes on in the next one, and `/paste` takes every line
up to one with a single `.` as one message (an article, a long description); `/quit` leaves.

What is where:
  api     the Bot API answered in-process
  chat    typed lines turned into updates, the bot's answers printed
  people  who types: a staff member, a customer, a newcomer, the first admin
  typed   one message as a terminal lets one type it
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot import scheduler
from bot.console.api import CONSOLE_BOT, FILES, SENT, LocalBotApi, uploaded_files
from bot.console.chat import Console, plain
from bot.console.people import (
    DEFAULT_CUSTOMER_ID,
    Person,
    _any_staff,
    _customer,
    _newcomer,
    _staff_member,
    choose_staff,
    first_admin,
    guest_name,
)
from bot.console.typed import TERMINAL_LINE_BYTES, Typed, read_message
from bot.i18n import t
from crm import system
from crm.config import Config
from storage.executor import DatabaseExecutor

__all__ = [
    "CONSOLE_BOT", "DEFAULT_CUSTOMER_ID", "FILES", "SENT", "TERMINAL_LINE_BYTES", "Console",
    "LocalBotApi", "Person", "Typed", "choose_staff", "first_admin", "guest_name", "plain",
    "read_message", "run_console", "uploaded_files",
]


def run_console(config: Config, telegram_id: int | None = None, *,
                lines: TextIO = sys.stdin, out: TextIO = sys.stdout,
                interactive: bool | None = None, customer: bool = False) -> int:
    """Chat with the bot in the terminal until /quit or end of input, as a staff member or
    (``customer``) as someone who is not staff."""
    db = system.open_database(config)
    if customer:
        person = _customer(config, telegram_id or DEFAULT_CUSTOMER_ID, out)
        if person is None:
            return 1
    else:
        person = _staff_member(config, telegram_id, lines, out, interactive)
        if person is None and telegram_id is not None and _any_staff():
            person = _newcomer(config, telegram_id, lines, out, interactive)
            if person is None:
                return 1
            customer = True  # not staff (yet): a shared contact is their own, as a customer's
        elif person is None:
            print(t(config.locale, "console.no_staff", html_escape=False), file=out)
            return 1
    executor = DatabaseExecutor(db, pool_threads=config["database.pool_threads"])
    console = Console(config, person, executor, out, customer=customer)
    language = person.locale or config.locale
    jobs = not config.telegram_token
    if not jobs:
        print(t(language, "console.jobs_elsewhere", html_escape=False), file=out)
    try:
        asyncio.run(_loop(console, lines, out, jobs=jobs))
    finally:
        executor.shutdown()
    return 0


async def _loop(console: Console, lines: TextIO, out: TextIO, *, jobs: bool) -> None:
    """``jobs``: run the scheduled jobs here, as the bot would (an installation without a
    token, whose console is its bot). With a token the bot runs elsewhere and does them:
    reminders sent here would reach nobody, yet count as delivered."""
    await console.app.initialize()
    await console.app.job_queue.start()  # conversation timeouts
    if jobs:
        await scheduler.schedule(console.app)
    try:
        await console.handle("/start")
        while True:
            typed = Typed(lines, out)
            message = await read_message(typed, console.say)
            if message is None or message.strip() in ("/quit", "/exit"):
                break
            if typed.cut:  # sending what is left would save half a note as if it were whole
                console.say("console.line_cut", limit=TERMINAL_LINE_BYTES)
                continue
            await console.handle(message)
    finally:
        await console.app.job_queue.stop(wait=False)
        await console.app.shutdown()
