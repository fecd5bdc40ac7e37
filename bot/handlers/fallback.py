"""What no other handler took: an unknown command, or a location, photo, voice note, sticker
or video outside the flow that uses it, gets a short pointer instead of silence.

Registered last in group 0, so any conversation step or command that wants the message takes
it first; plain text is the search's (a later group) and never reaches this."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot import session

UNTAKEN = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & (
    filters.COMMAND | filters.LOCATION | filters.VENUE | filters.PHOTO | filters.VOICE
    | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE | filters.Sticker.ALL
    | filters.ANIMATION)


async def untaken(update: Update, context: session.Context) -> None:
    """Say what would work instead."""
    message = update.effective_message
    if message.text and message.text.startswith("/"):
        command = message.text.split()[0].split("@")[0]
        await message.reply_text(session.text(context, "fallback.unknown_command",
                                              command=command[:40]))
    elif message.location or message.venue:
        await message.reply_text(session.text(context, "fallback.location"))
    else:
        await message.reply_text(session.text(context, "fallback.other"))


def register(application: Application) -> None:
    application.add_handler(MessageHandler(UNTAKEN, untaken))
