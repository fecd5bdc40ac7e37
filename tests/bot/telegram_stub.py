"""The only fake: Telegram's servers. Records Bot API calls and answers like Telegram."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Chat, Message, Update, User
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "CRM", "username": "crm_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": True}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class TelegramStub(BaseRequest):
    """Records every Bot API call; answers sendMessage and friends with plausible results."""

    calls: list[Call] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

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
        params = request_data.parameters if request_data else {}
        self.calls.append(Call(api_method, dict(params)))
        return 200, json.dumps({"ok": True, "result": self._answer(api_method, params)}).encode()

    def _answer(self, api_method: str, params: dict[str, Any]) -> Any:
        if api_method == "getMe":
            return BOT_USER
        if api_method in {"sendMessage", "editMessageText", "sendDocument", "sendPhoto"}:
            return {"message_id": next(self._ids), "date": int(time.time()),
                    "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                    "from": BOT_USER, "text": params.get("text", "")}
        if api_method == "getUpdates":
            return []
        return True

    def sent_texts(self) -> list[str]:
        return [c.params["text"] for c in self.calls if c.method == "sendMessage"]


_update_ids = itertools.count(1)


def text_update(bot: Any, user_id: int, text: str, *, language: str = "en",
                first_name: str = "Tester") -> Update:
    """A private-chat message as Telegram delivers it (commands carry their entity)."""
    user = User(id=user_id, first_name=first_name, is_bot=False, language_code=language)
    chat = Chat(id=user_id, type=Chat.PRIVATE)
    entities = []
    if text.startswith("/"):
        command = text.split()[0]
        entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    data = {"message_id": next(_update_ids), "date": int(time.time()), "chat": chat.to_dict(),
            "from": user.to_dict(), "text": text, "entities": entities}
    message = Message.de_json(data, bot)
    return Update(update_id=next(_update_ids), message=message)
