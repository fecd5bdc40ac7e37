"""What the chat tests share: a chat with the real Application on the test database (a file
wanting other settings defines its own ``chat``)."""

from __future__ import annotations

from collections.abc import Iterator

import peewee
import pytest

from tests.bot.harness import ChatHarness


@pytest.fixture
def chat(db: peewee.Database) -> Iterator[ChatHarness]:
    harness = ChatHarness(db)
    yield harness
    harness.close()
