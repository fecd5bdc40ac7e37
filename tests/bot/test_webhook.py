"""The webhook transport: the same Application behind PTB's webhook server on loopback; a call
without Telegram's secret token is refused."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx
import peewee

from crm import users
from crm.actors import Actor

SECRET = "s3cret_token-123"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_updates_arrive_by_webhook_and_strangers_without_the_secret_are_refused(
        chat, db: peewee.Database) -> None:
    users.add_user(Actor.system(), 9301, "agent", "Webhook Agent")
    port = _free_port()
    update = {"update_id": 555001, "message": {
        "message_id": 1, "date": int(time.time()), "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "chat": {"id": 9301, "type": "private"},
        "from": {"id": 9301, "is_bot": False, "first_name": "W", "language_code": "en"}}}

    async def scenario() -> tuple[int, int]:
        app = chat.app
        await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram",
                                        secret_token=SECRET,
                                        webhook_url="https://crm.example.com/telegram")
        await app.start()
        try:
            async with httpx.AsyncClient() as client:
                url = f"http://127.0.0.1:{port}/telegram"
                forged = await client.post(url, content=json.dumps(update),
                                           headers={"content-type": "application/json"})
                real = await client.post(url, content=json.dumps(update), headers={
                    "content-type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": SECRET})
            for _ in range(100):  # the update is handled from the queue
                if chat.stub.sent():
                    break
                await asyncio.sleep(0.02)
        finally:
            await app.updater.stop()
            await app.stop()
        return forged.status_code, real.status_code

    forged, real = chat.loop.run_until_complete(scenario())
    assert forged == 403 and real == 200
    [hook] = chat.stub.sent("setWebhook")
    assert hook.params["secret_token"] == SECRET
    [reply] = chat.stub.sent()
    assert "Webhook Agent" in reply.params["text"]
