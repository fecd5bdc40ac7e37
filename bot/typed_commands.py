"""Commands as Chinese keyboards type them: a full-width slash (／today) or Chinese written
straight after the command (/remind明天下午3点). Telegram marks neither as a command, so the
message would be searched for; read here, it is the command it was meant to be. A comma or
colon typed between the command and its words (/remind，明天下午3点) is dropped here too, once
for every command that takes text."""

from __future__ import annotations

import re
import unicodedata

from telegram import MessageEntity, Update
from telegram.ext import ContextTypes

# The command word as Telegram reads one (full-width letters, ｔｏｄａｙ, are folded first).
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_WORD_CHAR = re.compile(r"[A-Za-z0-9_@]")
# Separators people type between a command and its words, in either keyboard's width. Not
# "." or "-": they may begin the words themselves (.com, -5%).
_LEADING_SEPARATORS = re.compile(r"^\s*[,，、:：;；。!！?？][\s,，、:：;；。!！?？]*")


def command_entity_length(text: str) -> int | None:
    """The length of the bot_command entity Telegram gives ``text`` (``/help``, ``/remind 明天``),
    or None when it gives none: a letter written straight after the command, Chinese included,
    makes it no command to Telegram (``/remind明天``), nor is ``／today`` with its full-width
    slash one."""
    match = _COMMAND.match(text)
    if match is None:
        return None
    after = text[match.end():match.end() + 1]
    if after and (after.isalnum() or after in "/<>@"):
        return None
    return match.end()


def as_command(text: str) -> str | None:
    """``text`` written out as the command it means, the command word alone before a space
    (``／today`` → ``/today``, ``/remind明天`` → ``/remind 明天``); None when it is no command
    or already reads as one. Only the command word is folded: what follows stays as typed."""
    if not text.startswith(("/", "／")) or command_entity_length(text):
        return None
    end = 1
    while end < len(text) and _WORD_CHAR.fullmatch(unicodedata.normalize("NFKC", text[end])):
        end += 1
    match = _COMMAND.fullmatch("/" + unicodedata.normalize("NFKC", text[1:end]))
    rest = text[end:]
    if match is None or rest[:1] in ("/", "<", ">"):
        return None  # a path or a bare slash, not a command
    return f"{match[0]} {rest.lstrip()}".rstrip()


def without_leading_separators(text: str) -> str | None:
    """``text``, a command, with the separators before its words dropped (``/remind，明天`` →
    ``/remind 明天``); None when it is no command or has none to drop."""
    length = command_entity_length(text)
    if length is None:
        return None
    words = _LEADING_SEPARATORS.sub("", text[length:], count=1)
    if words == text[length:]:
        return None
    return f"{text[:length]} {words}".rstrip()


async def read_typed_command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before any handler: a command typed the Chinese way becomes the command itself, with the
    entity Telegram would have given it and no separator before its words, so every command
    handler and conversation takes it as its arguments."""
    message = update.message
    if message is None or not message.text:
        return
    command = as_command(message.text) or message.text
    command = without_leading_separators(command) or command
    if command == message.text:
        return
    length = command_entity_length(command)
    assert length is not None
    # Telegram's objects are read-only; this one is corrected once, before anyone reads it.
    with message._unfrozen():
        message.text = command
        message.entities = (MessageEntity(MessageEntity.BOT_COMMAND, 0, length),)
