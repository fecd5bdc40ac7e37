"""`crm run`: start the bot on long polling, or explain how to get a token."""

from __future__ import annotations

import logging

from bot.app import build_application
from bot.i18n import t
from crm import system
from crm.config import Config
from storage.executor import DatabaseExecutor

log = logging.getLogger(__name__)


def run_bot(config: Config) -> int:
    """Run until interrupted; without a token, say how to get one and exit cleanly."""
    db = system.open_database(config)
    if not config.telegram_token:
        print(t(config.locale, "cli.no_token", html_escape=False))
        return 0
    executor = DatabaseExecutor(db, pool_threads=config["database.pool_threads"])
    application = build_application(config, executor)
    print(t(config.locale, "cli.run.starting", html_escape=False))
    try:
        application.run_polling(allowed_updates=None, drop_pending_updates=False)
    finally:
        executor.shutdown()
        print(t(config.locale, "cli.run.stopped", html_escape=False))
    return 0
