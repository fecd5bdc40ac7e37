"""Who is acting: a staff user, or the system itself (the operator's command line, a job)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    AGENT = "agent"
    VIEWER = "viewer"


class Channel(StrEnum):
    BOT = "bot"
    CLI = "cli"
    API = "api"
    JOB = "job"


@dataclass(frozen=True)
class Actor:
    """The acting party passed first to every service."""

    channel: Channel
    user_id: int | None = None
    telegram_id: int | None = None
    role: Role | None = None
    name: str = ""
    locale: str | None = None
    timezone: str | None = None
    team_id: int | None = None

    @property
    def is_system(self) -> bool:
        """The operator at the server's shell or a scheduled job: trusted like an admin."""
        return self.user_id is None

    @classmethod
    def system(cls, channel: Channel = Channel.CLI) -> Actor:
        return cls(channel=channel, name="system")
