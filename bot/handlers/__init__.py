"""Handlers, one module per area; each module registers its own."""

from __future__ import annotations

from telegram.ext import Application

from bot.handlers import card, search, start


def register_all(application: Application) -> None:
    """Add every handler; conversations first, so their steps win over plain-text search."""
    for module in (start, card, search):
        module.register(application)
