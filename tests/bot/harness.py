"""Drive the real Application like a person in a chat: send text, press buttons, share a
contact or a location, type an inline query; read back what the bot said."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from peewee import SqliteDatabase
from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler

from bot.app import build_application
from bot.typed_commands import command_entity_length
from crm.config import Config, load_config
from storage.executor import DatabaseExecutor
from tests.bot.telegram_stub import Call, TelegramStub
from tests.conftest import TEST_SECRET

_ids = itertools.count(1)
CATCH_ALLS = {"stale", "stale_button", "ignore"}  # they only say a button is spent


def _working_patterns(app: Any) -> list[Any]:
    """The patterns of every button handler, conversations' steps included, but catch-alls."""
    found: list[Any] = []

    def walk(handlers: Any) -> None:
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                walk(handler.entry_points)
                walk(handler.fallbacks)
                for step in handler.states.values():
                    walk(step)
            elif isinstance(handler, CallbackQueryHandler) and handler.pattern is not None \
                    and handler.callback.__name__ not in CATCH_ALLS:
                found.append(handler.pattern)

    for group in app.handlers.values():
        walk(group)
    return found


def _matches(pattern: Any, value: str) -> bool:
    if isinstance(pattern, re.Pattern):
        return pattern.match(value) is not None
    return bool(pattern(value)) if callable(pattern) else False


@dataclass
class Reply:
    """One thing the bot did in answer: a message, an edit, an alert, inline results."""

    method: str
    text: str
    buttons: list[tuple[str, str]]
    params: dict[str, Any]

    def button(self, label_part: str) -> str:
        """The callback data of the first button whose label contains ``label_part``."""
        for label, value in self.buttons:
            if label_part in label:
                return value
        raise AssertionError(f"no button with {label_part!r} in {self.buttons}")


def _reply(call: Call) -> Reply:
    text = call.params.get("text") or call.params.get("caption") or ""
    return Reply(call.method, str(text), call.buttons(), call.params)


def database_url(db: Any) -> str:
    """The URL of the test's database, as the settings name one."""
    if isinstance(db, SqliteDatabase):
        return f"sqlite:///{db.database}"
    params = db.connect_params
    secret = f":{params['password']}" if params.get("password") else ""
    return (f"postgresql://{params.get('user') or ''}{secret}@{params.get('host') or 'localhost'}"
            f":{params.get('port') or 5432}/{db.database}")


class ChatHarness:
    """The real Application over the stubbed network, on the test's database."""

    def __init__(self, db: Any, environ: dict[str, str] | None = None) -> None:
        # Files the bot keeps (uploads, backups, the console's) go to a folder of the test's
        # own, never to ./data of wherever the tests run, and what looks at the database
        # (/status, /backup) looks at the test's, unless the test says otherwise.
        self._data_dir = tempfile.TemporaryDirectory(prefix="crm-chat-")
        env = {"CRM_SECURITY_KEY": TEST_SECRET, "CRM_DATA_DIR": self._data_dir.name,
               "CRM_DATABASE_URL": database_url(db)} | (environ or {})
        self.config: Config = load_config(environ=env, look_in_cwd=False)
        self.stub = TelegramStub()
        self.executor = DatabaseExecutor(db)
        self.app = build_application(self.config, self.executor, request=self.stub)
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.app.initialize())
        self.loop.run_until_complete(self.app.job_queue.start())  # conversation timeouts
        self.languages: dict[int, str] = {}
        self.last_message_id: dict[int, int] = {}
        self._patterns: list[Any] | None = None

    def close(self) -> None:
        self.loop.run_until_complete(self.app.job_queue.stop(wait=False))
        self.loop.run_until_complete(self.app.shutdown())
        self.loop.close()
        self.executor.shutdown()
        self._data_dir.cleanup()

    # what a person does -------------------------------------------------------------
    def _user(self, user_id: int, language: str | None) -> dict[str, Any]:
        if language:
            self.languages[user_id] = language
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}",
                "language_code": self.languages.get(user_id, "en")}

    def _message(self, user_id: int, language: str | None, **content: Any) -> dict[str, Any]:
        return {"message_id": next(_ids), "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": self._user(user_id, language)} | content

    def send(self, user_id: int, text: str, *, language: str | None = None) -> list[Reply]:
        """A text message; a leading /command carries its bot_command entity where Telegram
        gives one (not to /remind明天, nor to ／today)."""
        content: dict[str, Any] = {"text": text}
        length = command_entity_length(text)
        if length:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.deliver({"message": self._message(user_id, language, **content)})

    def share_contact(self, user_id: int, phone: str, first_name: str,
                      last_name: str | None = None) -> list[Reply]:
        contact = {"phone_number": phone, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        return self.deliver({"message": self._message(user_id, None, contact=contact)})

    def share_location(self, user_id: int, latitude: float, longitude: float) -> list[Reply]:
        location = {"latitude": latitude, "longitude": longitude}
        return self.deliver({"message": self._message(user_id, None, location=location)})

    def send_document(self, user_id: int, file_name: str, *, size: int = 1000,
                      mime_type: str = "application/octet-stream",
                      content: bytes | None = None) -> list[Reply]:
        """A file; with ``content`` the bot can download it (its size is then the real one)."""
        file_id = f"doc-{next(_ids)}"
        if content is not None:
            self.stub.documents[file_id] = content
            size = len(content)
        document = {"file_id": file_id, "file_unique_id": f"u{next(_ids)}",
                    "file_name": file_name, "mime_type": mime_type, "file_size": size}
        return self.deliver({"message": self._message(user_id, None, document=document)})

    def press(self, user_id: int, data: str, *, message_text: str = "") -> list[Reply]:
        """Press an inline button carrying ``data`` (forged data is just another press)."""
        message = {"message_id": self.last_message_id.get(user_id, 1), "date": int(time.time()),
                   "chat": {"id": user_id, "type": "private"}, "text": message_text or "…",
                   "from": {"id": 777000111, "is_bot": True, "first_name": "CRM"}}
        query = {"id": str(next(_ids)), "from": self._user(user_id, None),
                 "chat_instance": "ci", "data": data, "message": message}
        return self.deliver({"callback_query": query})

    def inline(self, user_id: int, query: str) -> list[Reply]:
        inline_query = {"id": str(next(_ids)), "from": self._user(user_id, None),
                        "query": query, "offset": ""}
        return self.deliver({"inline_query": inline_query})

    def deliver(self, payload: dict[str, Any], *, update_id: int | None = None) -> list[Reply]:
        """Hand one update to the Application and return what the bot did in answer."""
        before = len(self.stub.calls)
        data = {"update_id": update_id or next(_ids)} | payload
        update = Update.de_json(data, self.app.bot)
        self.loop.run_until_complete(self.app.process_update(update))
        replies = [_reply(c) for c in self.stub.calls[before:]]
        self._check_buttons(replies)
        for reply in replies:
            if reply.method == "sendMessage":
                chat = int(reply.params.get("chat_id", 0))
                self.last_message_id[chat] = next(_ids)
        return replies

    def _check_buttons(self, replies: list[Reply]) -> None:
        """Every button the bot shows leads somewhere: its data matches a handler that does
        the work (not one that only says a button is stale). The customer side's buttons (q…)
        are read by bot.portal itself."""
        if self._patterns is None:
            self._patterns = _working_patterns(self.app)
        for reply in replies:
            markup = reply.params.get("reply_markup")
            markup = json.loads(markup) if isinstance(markup, str) else markup or {}
            for row in markup.get("inline_keyboard", []) if isinstance(markup, dict) else []:
                for button in row:
                    value = button.get("callback_data")
                    if value and not value.startswith("q") and \
                            not any(_matches(pattern, value) for pattern in self._patterns):
                        raise AssertionError(f"button {button['text']!r} ({value}) leads nowhere")

    # what the person reads ---------------------------------------------------------
    @staticmethod
    def texts(replies: list[Reply]) -> list[str]:
        return [r.text for r in replies if r.text]

    @staticmethod
    def alerts(replies: list[Reply]) -> list[str]:
        return [r.params.get("text", "") for r in replies if r.method == "answerCallbackQuery"
                and r.params.get("text")]


def said(replies: list[Reply]) -> list[Reply]:
    """The messages sent, without edits, pop-ups and the rest."""
    return [r for r in replies if r.method == "sendMessage"]
