"""Interfaces to people: the Telegram bot, the local console and the `crm` command line."""
