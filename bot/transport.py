"""Reaching Telegram: retry a request that never arrived (connection refused, DNS hiccup),
with backoff; never repeat one that may have been delivered (a read timeout after sending).
Messages Telegram hands back for what the bot sent lose the parts the bot never reads."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

log = logging.getLogger(__name__)
ATTEMPTS = 4
FIRST_DELAY = 0.5  # seconds, doubled after each failure
# Echoed back in every message the bot sends or edits, and never read by it: turning a page of
# buttons back into python-telegram-bot objects costs more than building the reply did.
UNREAD_ECHOES = ("reply_markup", "entities")


class RetryingRequest(BaseRequest):
    """Wraps another request object; transient connection failures are tried again."""

    def __init__(self, inner: BaseRequest | None = None, *, attempts: int = ATTEMPTS,
                 first_delay: float = FIRST_DELAY) -> None:
        self.inner = inner or HTTPXRequest(connection_pool_size=64)
        self.attempts, self.first_delay = attempts, first_delay

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE,
                         write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                return await self.inner.do_request(
                    url, method, request_data, read_timeout=read_timeout,
                    write_timeout=write_timeout, connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout)
            except TimedOut:
                raise  # it may have arrived: sending it again could say everything twice
            except NetworkError as error:
                if attempt == self.attempts:
                    raise
                log.warning("Telegram unreachable (%s), attempt %d of %d", error, attempt,
                            self.attempts)
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Telegram's answer; a single message in it (what a send or an edit returns) without
        its keyboard and formatting entities, which the bot knows since it sent them."""
        try:
            answer = json.loads(payload.decode("utf-8", "replace"))
        except ValueError as error:
            raise TelegramError("Invalid server response") from error
        result = answer.get("result") if isinstance(answer, dict) else None
        if isinstance(result, dict) and "message_id" in result:
            for key in UNREAD_ECHOES:
                result.pop(key, None)
        return answer
