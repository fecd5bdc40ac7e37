"""The bot end to end: search-and-reply updates through the real Application (network layer
replaced by an in-process Bot API), on the large customer database, against a bare echo bot
measured in the same run."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters

from bench.bench_customers import prepared_sqlite
from bench.common import Figure, percentiles
from bot.app import build_application
from bot.console import LocalBotApi
from crm.config import load_config
from storage.database import fetch_all, sqlite_path
from storage.executor import DatabaseExecutor

UPDATES = 2_000


def _updates(app: Application, user_id: int, queries: list[str]) -> list[Update]:
    now = int(time.time())
    return [Update.de_json({"update_id": 10_000_000 + i, "message": {
        "message_id": i + 1, "date": now, "text": query,
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Bench",
                 "language_code": "zh-hans"}}}, app.bot) for i, query in enumerate(queries)]


async def _measure(app: Application, updates: list[Update]) -> tuple[float, float, float, float]:
    """p50 and p95 of one update at a time, then updates per second with many in flight."""
    await app.initialize()
    half = len(updates) // 2
    samples = []
    for update in updates[:half]:
        start = time.perf_counter()
        await app.process_update(update)
        samples.append(time.perf_counter() - start)
    p50, p95 = percentiles(samples)
    sequential = half / sum(samples)
    start = time.perf_counter()
    pending = set()
    for update in updates[half:]:  # 32 in flight, like a busy polling loop
        pending.add(asyncio.create_task(app.process_update(update)))
        if len(pending) >= 32:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    await asyncio.gather(*pending)
    concurrent = (len(updates) - half) / (time.perf_counter() - start)
    await app.shutdown()
    return p50, p95, sequential, concurrent


def _echo_app(*, with_keyboard: bool = False) -> Application:
    """A bare bot that answers every text; with a keyboard shaped like a page of results."""
    async def echo(update: Update, context) -> None:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(f"张伟{i} · 华为技术 · …1234", callback_data=f"c:{100_000 + i}")]
             for i in range(8)] + [[InlineKeyboardButton("▶", callback_data="sp:q1:8")]]
        ) if with_keyboard else None
        await update.effective_message.reply_text(update.effective_message.text,
                                                  reply_markup=markup)

    request = LocalBotApi(lambda method, params: None)
    app = (ApplicationBuilder().token("1:bench").request(request)
           .get_updates_request(request).build())
    app.add_handler(MessageHandler(filters.TEXT, echo))
    return app


def _queries(rnd: random.Random) -> list[str]:
    """Names and phone digits people really type, drawn from the data."""
    rows = fetch_all("select c.name, (select value from contact_channel where customer_id ="
                     " c.id and kind = 'phone' limit 1) from customer c"
                     " order by random() limit 1000")
    chinese = [name[-2:] for name, _ in rows if not name.isascii()]
    digits = [phone[-4:] for _, phone in rows if phone]
    return [rnd.choice(chinese) if i % 2 else rnd.choice(digits) for i in range(UPDATES)]


def run(db, label: str) -> list[Figure]:
    """Entry point of the runner (SQLite only: the 5 ms target is for the embedded setup)."""
    if label != "SQLite":
        return []
    folder = Path(sqlite_path("sqlite:///" + db.database)).parent
    big, _ = prepared_sqlite(folder)
    queries = _queries(random.Random(5))
    user = fetch_all("select telegram_id from staff_user where role = 'manager' limit 1")[0][0]
    config = load_config(environ={}, look_in_cwd=False)
    executor = DatabaseExecutor(big)
    # Without the flood-limit throttle (Telegram itself allows ~30 messages a second): this
    # measures how many updates the process can handle, which is what the target is about.
    app = build_application(config, executor, request=LocalBotApi(lambda m, p: None),
                            rate_limit=False)
    p50, p95, sequential, concurrent = asyncio.run(_measure(app, _updates(app, user, queries)))
    executor.shutdown()
    echo = _echo_app()
    e50, e95, e_seq, e_con = asyncio.run(_measure(echo, _updates(echo, 1, queries)))
    shaped = _echo_app(with_keyboard=True)
    k50, _, _, k_con = asyncio.run(_measure(shaped, _updates(shaped, 1, queries)))
    return [
        Figure("SQLite 1M: search-and-reply update p95", p95, "ms", f"p50 {p50:.2f}"),
        Figure("SQLite 1M: search-and-reply updates/s, one at a time", sequential, "/s"),
        Figure("SQLite 1M: search-and-reply updates/s, 32 in flight", concurrent, "/s"),
        Figure("bare echo handler update p95 (same run)", e95, "ms", f"p50 {e50:.2f}"),
        Figure("bare echo handler updates/s, one at a time", e_seq, "/s",
               f"search bot is {e_seq / sequential:.1f}x slower"),
        Figure("bare echo handler updates/s, 32 in flight", e_con, "/s",
               f"search bot is {e_con / concurrent:.1f}x slower"),
        Figure("echo with a 9-button results keyboard, 32 in flight", k_con, "/s",
               f"p50 {k50:.2f} ms; the reply alone, no database"),
    ]
