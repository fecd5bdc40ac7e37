"""The only fake: Telegram's servers. Records Bot API calls and answers like Telegram."""

from __future__ import annotations

import html
import json
import re
from collections import deque
from dataclasses import dataclass
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.console import FILES, LocalBotApi, uploaded_files

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "CRM", "username": "crm_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": True}


_TAG = re.compile(r"<[^>]*>")
TEXT_LIMITS = {"text": 4096, "caption": 1024}  # characters after the HTML is parsed


def _refusal(method: str, params: dict[str, Any]) -> str | None:
    """What Telegram says to a message it will not take: too long, or buttons whose callback
    data is over 64 bytes."""
    for field, limit in TEXT_LIMITS.items():
        value = params.get(field)
        if isinstance(value, str) and method.startswith(("send", "edit")):
            shown = html.unescape(_TAG.sub("", value))
            if len(shown.encode("utf-16-le")) // 2 > limit:
                return f"Bad Request: message {field} is too long"
    markup = params.get("reply_markup")
    markup = json.loads(markup) if isinstance(markup, str) else markup
    rows = (markup or {}).get("inline_keyboard", []) if isinstance(markup, dict) else []
    if any(len(b.get("callback_data", "").encode()) > 64 for row in rows for b in row):
        return "Bad Request: BUTTON_DATA_INVALID"
    return None


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


class TelegramStub(LocalBotApi):
    """Records every call; ``script`` queues failures (method, status, description, extra)."""

    def __init__(self) -> None:
        super().__init__(lambda method, params: None, bot_user=BOT_USER, first_message_id=1000)
        self.calls: list[Call] = []
        self.script: deque = deque()
        self.documents: dict[str, bytes] = {}  # what users sent, by file id, to download
        self.answered: set[str] = set()  # callback queries: Telegram takes one answer each

    def answer(self, api_method: str, params: dict[str, Any]) -> Any:
        if api_method == "getFile" and params.get("file_id") in self.documents:
            file_id = params["file_id"]
            return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                    "file_size": len(self.documents[file_id]), "file_path": f"documents/{file_id}"}
        return super().answer(api_method, params)

    def drop_next(self, method: str, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail to connect at all."""
        for _ in range(times):
            self.script.append((method, None, "connection refused", None))

    def time_out_next(self, method: str) -> None:
        """Make the next call of ``method`` time out waiting for Telegram's answer (it may have
        arrived)."""
        self.script.append((method, None, "timed out", None))

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
        if "/file/bot" in url:  # a download of a file a user sent
            self.calls.append(Call("downloadFile", {"file_id": api_method}))
            return (200, self.documents[api_method]) if api_method in self.documents else (
                404, b'{"ok": false, "error_code": 404, "description": "Not Found"}')
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            params[FILES] = uploaded_files(request_data)
        if self.script and self.script[0][0] == api_method:
            _, status, description, parameters = self.script.popleft()
            self.calls.append(Call(api_method + "!failed", dict(params)))
            if status is None:
                raise TimedOut(description) if description == "timed out" \
                    else NetworkError(description)
            body = {"ok": False, "error_code": status, "description": description}
            if parameters:
                body["parameters"] = parameters
            return status, json.dumps(body).encode()
        refusal = _refusal(api_method, params) or self._answered_before(api_method, params)
        if refusal is not None:  # as Telegram refuses it: nothing is sent
            self.calls.append(Call(api_method + "!failed", dict(params)))
            return 400, json.dumps({"ok": False, "error_code": 400,
                                    "description": refusal}).encode()
        self.calls.append(Call(api_method, dict(params)))
        return 200, json.dumps({"ok": True, "result": self.answer(api_method, params)}).encode()

    def _answered_before(self, method: str, params: dict[str, Any]) -> str | None:
        if method != "answerCallbackQuery":
            return None
        if params.get("callback_query_id") in self.answered:
            return ("Bad Request: query is too old and response timeout expired or "
                    "query ID is invalid")
        self.answered.add(str(params.get("callback_query_id")))
        return None

    def sent(self, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent_texts(self) -> list[str]:
        return [c.params["text"] for c in self.sent()]
