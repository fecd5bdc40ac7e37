"""Conversations survive a restart: python-telegram-bot's persistence, kept in the product's
database (sealed, see crm.conversations) rather than in a pickle file beside it.

Only what a flow needs is kept, and only while one runs: a user's flow states and their
user_data (where the flows keep their drafts), one row per user, deleted once their last flow
ends or expires. The acting staff member is left out: the identity pre-handler sets it afresh
on every update (the language stays: a flow that expires across a restart is told in it).
PTB writes every ``update_interval`` seconds and at a clean shutdown, so the hot path never
waits for the database; a crash loses at most the answers of that last interval.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot import session
from crm import conversations
from storage.executor import DatabaseExecutor

log = logging.getLogger(__name__)
UPDATE_INTERVAL = 15.0  # seconds between writes: what a crash can lose at most
TRANSIENT = (session.ACTOR,)  # user_data set afresh on every update, never stored


@dataclass
class _Entry:
    """One Telegram user as last written: their user_data and their running flows."""

    user_data: dict[Any, Any] = field(default_factory=dict)
    flows: dict[str, dict[ConversationKey, object]] = field(default_factory=dict)

    def running(self) -> bool:
        return any(self.flows.values())


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """User data and conversation states of users in a flow, stored through crm."""

    def __init__(self, executor: DatabaseExecutor,
                 update_interval: float = UPDATE_INTERVAL) -> None:
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=False,
                                                     user_data=True, callback_data=False),
                         update_interval=update_interval)
        self._executor = executor
        self._entries: dict[int, _Entry] | None = None
        self._dirty: set[int] = set()
        self._stored: set[int] = set()  # users with a row, as far as this process knows
        self._names: set[str] = set()  # the flows this program has (PTB asks for each)
        self._writing = asyncio.Lock()

    # loading ---------------------------------------------------------------------------------
    async def _loaded(self) -> dict[int, _Entry]:
        if self._entries is None:
            stored = await self._executor.run(conversations.load_conversation_states)
            self._entries, self._stored = {}, set(stored)
            for user_id, payload in stored.items():
                # None: written by an older program, dropped at the first write
                self._entries[user_id] = _unpickled(payload) or _Entry()
            # The first write drops them too if they hold only flows this program lacks.
            self._dirty.update(stored)
        return self._entries

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {user_id: dict(entry.user_data)
                for user_id, entry in (await self._loaded()).items() if entry.running()}

    async def get_conversations(self, name: str) -> ConversationDict:
        self._names.add(name)
        found: ConversationDict = {}
        for entry in (await self._loaded()).values():
            found.update(entry.flows.get(name, {}))
        return found

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    # writing ---------------------------------------------------------------------------------
    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        entry = (await self._loaded()).setdefault(user_id, _Entry())
        entry.user_data = {k: v for k, v in data.items() if k not in TRANSIENT}
        await self._write(user_id)

    async def update_conversation(self, name: str, key: ConversationKey,
                                  new_state: object | None) -> None:
        user_id = int(key[-1])  # every flow is per user: the user's id ends its key
        flows = (await self._loaded()).setdefault(user_id, _Entry()).flows
        if new_state is None:
            flows.get(name, {}).pop(key, None)
        else:
            flows.setdefault(name, {})[key] = new_state
        await self._write(user_id)

    async def drop_user_data(self, user_id: int) -> None:
        (await self._loaded()).pop(user_id, None)
        await self._write(user_id)

    async def flush(self) -> None:
        await self._write()

    async def _write(self, user_id: int | None = None) -> None:
        """Write the users changed since the last write, in one transaction."""
        if user_id is not None:
            self._dirty.add(user_id)
        # The other updates of this round (PTB gathers them) change their users first.
        await asyncio.sleep(0)
        async with self._writing:
            if not self._dirty:
                return
            entries = await self._loaded()
            changed, self._dirty = self._dirty, set()
            states = self._states(entries, changed)
            try:
                if states:
                    await self._executor.run(conversations.save_conversation_states, states)
            except Exception:
                self._dirty |= changed  # tried again at the next write
                raise
            self._stored.update(uid for uid, state in states.items() if state is not None)
            self._stored.difference_update(uid for uid, state in states.items() if state is None)
            for uid in changed:  # only users in a flow are mirrored
                if uid in entries and not entries[uid].running():
                    del entries[uid]

    def _states(self, entries: dict[int, _Entry], changed: set[int]) -> dict[int, bytes | None]:
        """What to store (None: delete) for the changed users; one who was in no flow and
        still is needs no write (most updates)."""
        for uid in changed & entries.keys():
            entries[uid].flows = {name: states for name, states in entries[uid].flows.items()
                                  if name in self._names}
        states = {uid: _pickled(uid, entries.get(uid)) for uid in changed}
        return {uid: state for uid, state in states.items()
                if state is not None or uid in self._stored}

    # unused: nothing per chat or bot-wide is kept ---------------------------------------------
    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None


def _pickled(user_id: int, entry: _Entry | None) -> bytes | None:
    """What is stored for a user: None once no flow of theirs runs. A value that cannot be
    pickled is left out (and logged) rather than losing the rest."""
    if entry is None or not entry.running():
        return None
    user_data = {}
    for key, value in entry.user_data.items():
        try:
            pickle.dumps(value)
        except Exception:
            log.warning("user_data %r of user %s cannot be kept across a restart", key, user_id)
            continue
        user_data[key] = value
    flows = {name: states for name, states in entry.flows.items() if states}
    return pickle.dumps({"user_data": user_data, "flows": flows})


def _unpickled(payload: bytes) -> _Entry | None:
    """A stored user back (sealed by crm: only this installation wrote it); None when it no
    longer loads (a class renamed by an upgrade)."""
    try:
        data = pickle.loads(payload)
        return _Entry(user_data=data["user_data"], flows=data["flows"])
    except Exception:
        log.warning("a stored conversation could not be read back; it was dropped")
        return None
