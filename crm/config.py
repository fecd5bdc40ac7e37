"""Configuration: defaults, a TOML file, then environment variables, validated once at start-up.

Every key has an environment variable: ``CRM_`` + section + key, upper-cased
(``[telegram] token`` → ``CRM_TELEGRAM_TOKEN``, top-level ``timezone`` → ``CRM_TIMEZONE``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers

from crm.errors import ConfigError
from crm.timezones import is_zone

LOCALES = ("zh-CN", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
SENSITIVE_FIELD_CHOICES = ("id_card", "passport", "bank_account", "tax_id", "social_security")
DEFAULT_CONFIG_NAME = "config.toml"
_TOKEN_RE = re.compile(r"^\d{5,}:[A-Za-z0-9_-]{30,}$")


@dataclass(frozen=True)
class Setting:
    """One configuration key: where it lives, its type, default and what is allowed."""

    section: str  # "" for top-level keys
    key: str
    kind: type
    default: Any
    help: str
    allowed: str = ""
    check: Callable[[Any], bool] | None = None
    secret: bool = False

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}" if self.section else self.key

    @property
    def env_var(self) -> str:
        parts = [self.section, self.key] if self.section else [self.key]
        return "CRM_" + "_".join(parts).upper()


def _is_timezone(value: str) -> bool:
    return is_zone(value)


def _is_http_url(value: str) -> bool:
    return value == "" or re.match(r"^https?://[^\s/]+", value) is not None


def _is_database_url(value: str) -> bool:
    return value == "" or re.match(r"^(sqlite:///.+|postgres(ql)?://.+)$", value) is not None


def _is_region(value: str) -> bool:
    return value in phonenumbers.SUPPORTED_REGIONS


def _sla_targets(value: str) -> bool:
    from crm.service.sla import is_targets

    return is_targets(value)


def _is_cron(value: str) -> bool:
    """Five crontab fields, as APScheduler reads them (``30 2 * * *``)."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value)
    except ValueError:
        return False
    return True


SETTINGS: tuple[Setting, ...] = (
    Setting("", "data_dir", str, "data",
            "Folder for the database, key file and backups (relative to the working directory).",
            "a folder path"),
    Setting("", "timezone", str, "Asia/Shanghai",
            "Default time zone for people who have not chosen one.",
            "an IANA time zone such as Asia/Shanghai, UTC, Europe/Berlin", _is_timezone),
    Setting("", "locale", str, "zh-CN", "Default language of the bot and the command line.",
            " or ".join(LOCALES), lambda v: v in LOCALES),
    Setting("", "phone_region", str, "CN",
            "Region assumed for phone numbers typed without a country code.",
            "a two-letter region code such as CN, HK, SG, US", _is_region),
    Setting("telegram", "token", str, "", "Bot token from @BotFather; empty runs without Telegram.",
            "a token like 123456789:AAE... from @BotFather",
            lambda v: v == "" or _TOKEN_RE.match(v) is not None, secret=True),
    Setting("telegram", "base_url", str, "",
            "Bot API server, e.g. a self-hosted one; empty means Telegram's own.",
            "an http(s) URL such as http://localhost:8081/bot", _is_http_url),
    Setting("telegram", "base_file_url", str, "",
            "File download URL of that Bot API server; empty means Telegram's own.",
            "an http(s) URL such as http://localhost:8081/file/bot", _is_http_url),
    Setting("telegram", "webhook_url", str, "",
            "Public HTTPS address Telegram posts updates to (crm run --webhook).",
            "an https URL such as https://crm.example.com/telegram", _is_http_url),
    Setting("telegram", "webhook_listen", str, "127.0.0.1:8443",
            "Address and port the webhook server listens on (behind your reverse proxy).",
            "host:port such as 0.0.0.0:8443",
            lambda v: re.fullmatch(r"[\w.\-:\[\]]+:\d{1,5}", v) is not None),
    Setting("telegram", "webhook_secret", str, "",
            "Secret Telegram sends with every webhook call; other callers are refused.",
            "1-256 characters of A-Z a-z 0-9 _ -",
            lambda v: v == "" or re.fullmatch(r"[A-Za-z0-9_-]{1,256}", v) is not None,
            secret=True),
    Setting("database", "url", str, "",
            "Database URL; empty means sqlite:///<data_dir>/crm.db.",
            "sqlite:///path/to/crm.db or postgresql://user:password@host:5432/name",
            _is_database_url, secret=True),
    Setting("database", "busy_timeout_ms", int, 5000,
            "How long SQLite waits for a lock before giving up, in milliseconds.",
            "a whole number from 100 to 600000", lambda v: 100 <= v <= 600_000),
    Setting("database", "pool_threads", int, 4,
            "Database threads for PostgreSQL (SQLite always uses one writer thread).",
            "a whole number from 1 to 32", lambda v: 1 <= v <= 32),
    Setting("security", "key_file", str, "",
            "File holding the encryption keys; empty means <data_dir>/crm.key.", "a file path"),
    Setting("security", "key", str, "",
            "Encryption secret given directly instead of the key file.",
            "a base64 secret of 32 bytes, e.g. from `openssl rand -base64 32`", secret=True),
    Setting("security", "sensitive_fields", list, ["id_card"],
            "Identity fields kept encrypted and masked (id_card is always among them).",
            "a list of names from: " + ", ".join(SENSITIVE_FIELD_CHOICES),
            lambda v: set(v) <= set(SENSITIVE_FIELD_CHOICES)),
    Setting("security", "customer_visibility", str, "own",
            "Which customers an agent sees: own (theirs and those shared with their team),"
            " team (everything their team sees) or all.",
            "own, team or all", lambda v: v in ("own", "team", "all")),
    Setting("reminders", "poll_seconds", int, 5,
            "How often due reminders are looked for, in seconds (delivery within this).",
            "a whole number from 1 to 30", lambda v: 1 <= v <= 30),
    Setting("reminders", "agenda_hour", int, 8,
            "Local hour of the daily agenda for staff who have not chosen one.",
            "a whole number from 0 to 23", lambda v: 0 <= v <= 23),
    Setting("reminders", "agenda_schedule", str, "*/5 * * * *",
            "When to look for staff whose agenda hour has come (cron).",
            "five cron fields such as */5 * * * *", _is_cron),
    Setting("reminders", "rules_schedule", str, "*/30 * * * *",
            "When the automation rules below run (cron, server time zone).",
            "five cron fields such as */30 * * * *", _is_cron),
    Setting("reminders", "new_lead_days", int, 3,
            "Remind a lead's owner when nobody has contacted it this many days; 0 turns it off.",
            "a whole number from 0 to 365", lambda v: 0 <= v <= 365),
    Setting("reminders", "stale_deal_days", int, 14,
            "Alert a deal's owner when it has had no activity this many days; 0 turns it off.",
            "a whole number from 0 to 365", lambda v: 0 <= v <= 365),
    Setting("reminders", "birthdays", bool, True,
            "Remind owners of their customers' birthdays on the morning of the day.",
            "true or false"),
    Setting("backup", "dir", str, "",
            "Folder for backups; empty means <data_dir>/backups.", "a folder path"),
    Setting("backup", "key_file", str, "",
            "File holding the backup key; empty means <data_dir>/backup.key.", "a file path"),
    Setting("backup", "key", str, "",
            "Backup key given directly instead of the key file.",
            "a base64 secret of 32 bytes, e.g. from `openssl rand -base64 32`", secret=True),
    Setting("backup", "schedule", str, "30 2 * * *",
            "When the bot makes a verified backup (cron, in the installation's time zone).",
            "five cron fields such as 30 2 * * *", _is_cron),
    Setting("backup", "keep_daily", int, 7,
            "How many days back one backup a day is kept.",
            "a whole number from 0 to 1000", lambda v: 0 <= v <= 1000),
    Setting("backup", "keep_weekly", int, 4,
            "How many weeks back one backup a week is kept.",
            "a whole number from 0 to 1000", lambda v: 0 <= v <= 1000),
    Setting("backup", "keep_monthly", int, 12,
            "How many months back one backup a month is kept.",
            "a whole number from 0 to 1000", lambda v: 0 <= v <= 1000),
    Setting("reports", "weekly_schedule", str, "0 8 * * 1",
            "When each manager and admin gets the weekly report file (cron, in the"
            " installation's time zone); empty sends none.",
            "five cron fields such as 0 8 * * 1, or empty", lambda v: v == "" or _is_cron(v)),
    Setting("import", "max_file_mb", int, 20,
            "Largest file accepted for a bulk import, in MB (Telegram bots receive up to 20).",
            "a whole number from 1 to 2000", lambda v: 1 <= v <= 2000),
    Setting("import", "max_rows", int, 200_000,
            "Most data rows one import may hold.",
            "a whole number from 1 to 10000000", lambda v: 1 <= v <= 10_000_000),
    Setting("import", "keep_hours", int, 24,
            "How long a previewed import waits for its confirmation before its file is deleted.",
            "a whole number from 1 to 720", lambda v: 1 <= v <= 720),
    Setting("service", "first_response", str, "urgent 1h, high 4h, normal 8h, low 24h",
            "How soon a ticket must get its first answer, by priority (m, h or d).",
            "every priority with a time, e.g. urgent 1h, high 4h, normal 8h, low 24h",
            _sla_targets),
    Setting("service", "resolution", str, "urgent 8h, high 24h, normal 3d, low 7d",
            "How soon a ticket must be resolved, by priority (m, h or d).",
            "every priority with a time, e.g. urgent 8h, high 24h, normal 3d, low 7d",
            _sla_targets),
    Setting("service", "support_team", str, "",
            "Team told about new tickets nobody is assigned to; empty means every manager.",
            "a team name from `crm team list`, or empty"),
    Setting("service", "customer_messages_per_minute", int, 6,
            "How many messages one customer may send the bot in a minute.",
            "a whole number from 1 to 120", lambda v: 1 <= v <= 120),
    Setting("logging", "level", str, "INFO", "How much the program logs.",
            ", ".join(LOG_LEVELS), lambda v: v.upper() in LOG_LEVELS),
)


@dataclass(frozen=True)
class Config:
    """Validated settings, with paths resolved."""

    values: Mapping[str, Any]
    sources: Mapping[str, str] = field(default_factory=dict)
    file: Path | None = None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def data_dir(self) -> Path:
        return Path(self.values["data_dir"]).expanduser().resolve()

    @property
    def database_url(self) -> str:
        return self.values["database.url"] or f"sqlite:///{self.data_dir / 'crm.db'}"

    @property
    def key_file(self) -> Path:
        path = self.values["security.key_file"]
        return Path(path).expanduser().resolve() if path else self.data_dir / "crm.key"

    @property
    def backup_dir(self) -> Path:
        path = self.values["backup.dir"]
        return Path(path).expanduser().resolve() if path else self.data_dir / "backups"

    @property
    def backup_key_file(self) -> Path:
        path = self.values["backup.key_file"]
        return Path(path).expanduser().resolve() if path else self.data_dir / "backup.key"

    @property
    def timezone(self) -> str:
        return self.values["timezone"]

    @property
    def locale(self) -> str:
        return self.values["locale"]

    @property
    def telegram_token(self) -> str:
        return self.values["telegram.token"]

    def describe(self) -> list[tuple[str, str, str]]:
        """Each key with a printable value (secrets hidden) and where it came from."""
        rows = []
        for setting in SETTINGS:
            value = self.values[setting.name]
            shown = ", ".join(value) if isinstance(value, list) else _redact(setting, value)
            rows.append((setting.name, shown, self.sources.get(setting.name, "default")))
        return rows


def _redact(setting: Setting, value: Any) -> str:
    if not setting.secret or value in ("", None):
        return str(value)
    if setting.name == "database.url":
        return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", str(value))
    return "***"


def find_config_file(explicit: str | None, environ: Mapping[str, str], *,
                     look_in_cwd: bool = True) -> Path | None:
    """The config file to read: --config, else CRM_CONFIG, else ./config.toml when present."""
    chosen = explicit or environ.get("CRM_CONFIG")
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise ConfigError("config.file_missing", path=str(path))
        return path
    default = Path(DEFAULT_CONFIG_NAME)
    return default if look_in_cwd and default.is_file() else None


def load_config(path: str | None = None, environ: Mapping[str, str] | None = None, *,
                look_in_cwd: bool = True) -> Config:
    """Read defaults, then the TOML file, then CRM_* variables; raise ConfigError on a bad value."""
    environ = os.environ if environ is None else environ
    config_file = find_config_file(path, environ, look_in_cwd=look_in_cwd)
    file_values = _read_toml(config_file) if config_file else {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        value, source = setting.default, "default"
        if setting.name in file_values:
            value, source = file_values[setting.name], str(config_file)
            value = _coerce(setting, value, source, from_text=False)
        if setting.env_var in environ:
            source = setting.env_var
            value = _coerce(setting, environ[setting.env_var], source, from_text=True)
        _validate(setting, value, source)
        values[setting.name] = value.upper() if setting.name == "logging.level" else value
        sources[setting.name] = source
    return Config(values=values, sources=sources, file=config_file)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError("config.unreadable", path=str(path), reason=str(exc)) from exc
    known = {s.name for s in SETTINGS}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            for sub_key, sub_value in value.items():
                flat[f"{key}.{sub_key}"] = sub_value
        else:
            flat[key] = value
    for name in flat:
        if name not in known:
            raise ConfigError("config.unknown_key", key=name, path=str(path),
                              allowed=tuple(sorted(known)))
    return flat


def _coerce(setting: Setting, value: Any, source: str, *, from_text: bool) -> Any:
    if setting.kind is bool:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower() if from_text else None
        if word in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return word in ("true", "yes", "on", "1")
        raise _invalid(setting, value, source)
    if setting.kind is int:
        if isinstance(value, bool):
            raise _invalid(setting, value, source)
        if isinstance(value, int):
            return value
        if from_text and re.fullmatch(r"\s*-?\d+\s*", str(value)):
            return int(value)
        raise _invalid(setting, value, source)
    if setting.kind is list:
        if from_text:
            return [part.strip() for part in str(value).split(",") if part.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid(setting, value, source)
        return [v.strip() for v in value]
    if not isinstance(value, str):
        raise _invalid(setting, value, source)
    return value.strip()


def _validate(setting: Setting, value: Any, source: str) -> None:
    if setting.check is not None and not setting.check(value):
        raise _invalid(setting, value, source)


def _invalid(setting: Setting, value: Any, source: str) -> ConfigError:
    shown = "(hidden)" if setting.secret else repr(value)
    return ConfigError("config.invalid", key=setting.name, env=setting.env_var, value=shown,
                       source=source, allowed=setting.allowed)
