"""The Bot API answered in-process, as Telegram would, without a token or a network: every
call is handed to whoever shows it (the console, or a test)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from telegram.request import BaseRequest, RequestData

CONSOLE_BOT = {"id": 1, "is_bot": True, "first_name": "CRM", "username": "local_console_bot",
               "can_join_groups": False, "can_read_all_group_messages": False,
               "supports_inline_queries": True}

FILES = "_files"  # in the parameters handed to ``show``: {field: (file name, bytes, type)}
SENT = "_sent"  # in them too: the message as the chat now holds it (after an edit, all of it)
KEPT_MESSAGES = 1000  # messages remembered for later edits; older ones are edited blind


def uploaded_files(request_data: RequestData) -> dict[str, tuple[str, bytes, str]]:
    """The files a call uploads, by form field."""
    return {name: (value[0], value[1], value[2])
            for name, value in (request_data.multipart_data or {}).items()}


class LocalBotApi(BaseRequest):
    """Answers the Bot API in-process, as Telegram would, and hands every call to ``show``."""

    def __init__(self, show: Callable[[str, dict[str, Any]], None], *,
                 bot_user: dict[str, Any] = CONSOLE_BOT, first_message_id: int = 1) -> None:
        self.show = show
        self.bot_user = bot_user
        self._ids = itertools.count(first_message_id)
        # What each chat holds, so an edit of only the buttons returns (and shows) the text too.
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            params[FILES] = uploaded_files(request_data)
        result = self.answer(api_method, params)
        if isinstance(result, dict) and "message_id" in result:
            params[SENT] = result
        self.show(api_method, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def answer(self, api_method: str, params: dict[str, Any]) -> Any:
        """The result Telegram would give for this call."""
        if api_method == "getMe":
            return self.bot_user
        if api_method.startswith("edit"):
            return self._edited(api_method, params)
        if api_method.startswith("send"):
            return self._keep(self._message(params))
        if api_method == "getUpdates":
            return []
        if api_method == "getFile":
            file_id = str(params.get("file_id"))
            local = Path(file_id.removeprefix("local:")).expanduser().resolve()
            if file_id.startswith("local:") and local.is_file():  # `/file PATH`: read in place
                return {"file_id": file_id, "file_unique_id": "l",
                        "file_size": local.stat().st_size, "file_path": str(local)}
            return {"file_id": file_id, "file_unique_id": "u",
                    "file_size": 10, "file_path": "documents/file.bin"}
        return True

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        result = {"message_id": int(params.get("message_id") or next(self._ids)),
                  "date": int(time.time()), "text": params.get("text", ""),
                  "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
                  "from": self.bot_user}
        if params.get("caption"):
            result["caption"] = params["caption"]
        markup = inline_keyboard(params.get("reply_markup"))
        if markup:  # Telegram echoes these only
            result["reply_markup"] = markup
        return result

    def _keep(self, message: dict[str, Any]) -> dict[str, Any]:
        self._messages[message["chat"]["id"], message["message_id"]] = message
        if len(self._messages) > KEPT_MESSAGES:
            del self._messages[next(iter(self._messages))]
        return message

    def _edited(self, api_method: str, params: dict[str, Any]) -> dict[str, Any] | bool:
        """The message after the edit, whole. Like Telegram, an edit without buttons leaves
        the message without any."""
        if params.get("inline_message_id"):
            return True  # sent by someone else through inline mode: Telegram says only "done"
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        before = self._messages.get(key)
        if before is None:
            return self._keep(self._message(params))
        message = {k: v for k, v in before.items() if k != "reply_markup"}
        message["edit_date"] = int(time.time())
        if api_method == "editMessageText":
            message["text"] = params.get("text", "")
        elif api_method == "editMessageCaption":
            message["caption"] = params.get("caption", "")
        markup = inline_keyboard(params.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        return self._keep(message)


def reply_markup(markup: Any) -> dict[str, Any]:
    """A ``reply_markup`` parameter as a dict, whether it came as JSON or parsed ({}: none)."""
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return markup if isinstance(markup, dict) else {}


def inline_keyboard(markup: Any) -> dict[str, Any] | None:
    """The inline keyboard of a ``reply_markup`` parameter, if it is one."""
    markup = reply_markup(markup)
    return markup if "inline_keyboard" in markup else None
