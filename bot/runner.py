"""`crm run`: the bot on long polling or a webhook; without a token, how to get one and the
local console."""

from __future__ import annotations

import logging
import secrets
import sys
from urllib.parse import urlsplit

from telegram import Update

from bot.app import build_application
from bot.console import run_console
from bot.i18n import t
from crm import system, updates
from crm.config import Config
from storage.executor import DatabaseExecutor

log = logging.getLogger(__name__)


def run_bot(config: Config, *, webhook: bool = False, url: str | None = None,
            listen: str | None = None, secret: str | None = None) -> int:
    """Run until interrupted; without a token, explain how to get one, then open the console."""
    db = system.open_database(config)
    say = lambda key, **params: print(t(config.locale, key, html_escape=False, **params))  # noqa: E731
    if not config.telegram_token:
        say("cli.no_token")
        if sys.stdin.isatty():
            return run_console(config)
        say("console.not_a_terminal")
        return 0
    updates.forget_old_updates()
    executor = DatabaseExecutor(db, pool_threads=config["database.pool_threads"])
    application = build_application(config, executor)
    try:
        if webhook:
            return _run_webhook(application, config, say, url, listen, secret)
        say("cli.run.starting")
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        executor.shutdown()
        say("cli.run.stopped")
    return 0


def _run_webhook(application, config: Config, say, url: str | None,
                 listen: str | None, secret: str | None) -> int:
    """Serve Telegram's webhook calls; the secret token is checked on every call."""
    public_url = url or config["telegram.webhook_url"]
    if not public_url:
        say("run.webhook_missing")
        return 2
    host, _, port = (listen or config["telegram.webhook_listen"]).rpartition(":")
    token = secret or config["telegram.webhook_secret"] or secrets.token_urlsafe(32)
    say("run.webhook", url=public_url, listen=f"{host}:{port}")
    application.run_webhook(listen=host.strip("[]"), port=int(port),
                            url_path=urlsplit(public_url).path.lstrip("/"),
                            webhook_url=public_url, secret_token=token,
                            allowed_updates=Update.ALL_TYPES)
    return 0
