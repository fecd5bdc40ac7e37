"""The only fake: Telegram's servers. Records Bot API calls and answers like Telegram."""

from __future__ import annotations

import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "CRM", "username": "crm_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": True}
MESSAGE_METHODS = {"sendMessage", "editMessageText", "sendDocument", "sendPhoto",
                   "editMessageReplyMarkup", "sendLocation", "sendContact"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data or url) of every inline button, in order."""
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = (markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data") or b.get("url") or
                 b.get("switch_inline_query") or "") for row in rows for b in row]


@dataclass
class TelegramStub(BaseRequest):
    """Answers like the Bot API; ``script`` queues failures (status, description, extra)."""

    calls: list[Call] = field(default_factory=list)
    script: deque = field(default_factory=deque)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    def drop_next(self, method: str, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail to connect at all."""
        for _ in range(times):
            self.script.append((method, None, "connection refused", None))

    def fail_next(self, method: str, status: int, description: str,
                  parameters: dict | None = None, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail as Telegram would."""
        for _ in range(times):
            self.script.append((method, status, description, parameters))

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            # uploaded files: {field: (file name, bytes, mime type)}
            params["_files"] = {name: (value[0], value[1], value[2]) for name, value
                                in (request_data.multipart_data or {}).items()}
        if self.script and self.script[0][0] == api_method:
            _, status, description, parameters = self.script.popleft()
            self.calls.append(Call(api_method + "!failed", dict(params)))
            if status is None:
                raise NetworkError(description)
            body = {"ok": False, "error_code": status, "description": description}
            if parameters:
                body["parameters"] = parameters
            return status, json.dumps(body).encode()
        self.calls.append(Call(api_method, dict(params)))
        return 200, json.dumps({"ok": True, "result": self._answer(api_method, params)}).encode()

    def _answer(self, api_method: str, params: dict[str, Any]) -> Any:
        if api_method == "getMe":
            return BOT_USER
        if api_method in MESSAGE_METHODS:
            message_id = int(params.get("message_id") or next(self._ids))
            result = {"message_id": message_id, "date": int(time.time()),
                      "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                      "from": BOT_USER, "text": params.get("text", "")}
            markup = params.get("reply_markup")
            markup = json.loads(markup) if isinstance(markup, str) else markup
            if markup and "inline_keyboard" in markup:  # Telegram echoes inline keyboards only
                result["reply_markup"] = markup
            return result
        if api_method == "getUpdates":
            return []
        if api_method == "getFile":
            return {"file_id": params.get("file_id"), "file_unique_id": "u",
                    "file_size": 10, "file_path": "documents/file.bin"}
        return True

    def sent(self, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent_texts(self) -> list[str]:
        return [c.params["text"] for c in self.sent()]
