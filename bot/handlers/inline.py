"""Handlers for this area (being written)."""

from __future__ import annotations

from telegram.ext import Application


def register(application: Application) -> None:
    """Add this module's handlers."""
