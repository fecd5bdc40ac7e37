"""Handlers, one module per area; each module registers its own."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers import (
    admin,
    card,
    commands,
    create,
    edit,
    inline,
    log,
    more,
    sales,
    search,
    settings,
    start,
)


def register_all(application: Application) -> None:
    """Add every handler; conversations first, so their steps win over plain-text search
    (which sits in a later group)."""
    for module in (create, edit, log, sales, settings, admin, more, inline, commands, start,
                   card, search):
        module.register(application)
