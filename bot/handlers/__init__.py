"""Handlers, one module per area; each module registers its own."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers import (
    admin,
    backup,
    bulk,
    card,
    commands,
    create,
    duplicates,
    edit,
    exports,
    fallback,
    imports,
    inline,
    kb,
    log,
    more,
    remind,
    report,
    sales,
    search,
    settings,
    start,
    tickets,
)


def register_all(application: Application) -> None:
    """Add every handler; conversations first, so their steps win over plain-text search
    (which sits in a later group)."""
    for module in (create, edit, log, remind, tickets, kb, sales, settings, admin, backup, more,
                   duplicates, bulk,
                   inline, imports, exports, commands, start, card, report, search):
        module.register(application)
    fallback.register(application)  # last: only what nothing above took
