"""HTML messages longer than Telegram takes (4096 characters) sent as several messages: cut at
line breaks where possible, never inside a tag or an entity, with the tags open at a cut closed
before it and opened again after it, so each part parses on its own."""

from __future__ import annotations

import re

from telegram import (
    ForceReply,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

MAX_MESSAGE = 4096
MAX_CAPTION = 1024
# A text this long may be the first of the parts a Telegram app cut a longer paste into
# (messages of up to 4096 characters): a step taking it waits for the rest, or a ✅ press.
SPLIT_HINT = 3500
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)([^>]*)>")
_ROOM_FOR_TAGS = 200  # closing and reopening the tags open at a cut
_MIN_FILL = 500  # a long line fills what is left of a part only when that is worth a cut


def units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units); of the HTML, so an upper bound of the
    text shown."""
    return len(text.encode("utf-16-le")) // 2


def fits_one_message(text: str) -> bool:
    """Whether ``text`` goes in one message (it can then replace a message in place)."""
    return units(text) <= MAX_MESSAGE


def split_html(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """``text`` in parts of at most ``limit`` units, each valid HTML. Whole lines go where
    they fit; a line longer than a part fills the current one first."""
    if units(text) <= limit:
        return [text]
    budget = limit - _ROOM_FOR_TAGS
    parts: list[str] = []
    current, open_tags = "", []
    for line in text.splitlines(keepends=True):
        while line:
            room = budget - units(current)
            fresh = current == _opening(open_tags)  # nothing of its own yet
            if units(line) <= room:
                piece, line = line, ""
            elif not fresh and (units(line) <= budget or room < _MIN_FILL):
                parts.append(current + _closing(open_tags))  # the line starts the next part
                current = _opening(open_tags)
                continue
            else:
                cut = _cut(line, room)
                piece, line = line[:cut], line[cut:]
            current += piece
            open_tags = _still_open(piece, open_tags)
            if line:
                parts.append(current + _closing(open_tags))
                current = _opening(open_tags)
    parts.append(current)
    return [part for part in parts if _TAG.sub("", part).strip()]


def _cut(line: str, budget: int) -> int:
    cut = budget
    while units(line[:cut]) > budget:  # characters outside the BMP count twice
        cut -= 1
    space = line.rfind(" ", cut // 2, cut)
    cut = space + 1 if space > 0 else cut
    for opener, closer in (("<", ">"), ("&", ";")):
        start = line.rfind(opener, 0, cut)
        if start >= 0 and line.find(closer, start, cut) < 0:
            cut = start  # the tag or entity goes whole into the next part
    return max(cut, 1)


def _still_open(piece: str, open_tags: list[tuple[str, str]]) -> list[tuple[str, str]]:
    tags = list(open_tags)
    for closing, name, attributes in _TAG.findall(piece):
        if not closing:
            tags.append((name.lower(), attributes))
        elif tags and tags[-1][0] == name.lower():
            tags.pop()
    return tags


def _closing(tags: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(tags))


def _opening(tags: list[tuple[str, str]]) -> str:
    return "".join(f"<{name}{attributes}>" for name, attributes in tags)


async def reply_in_parts(message: Message, text: str,
                         reply_markup: Markup | None = None, *, previews: bool = True) -> None:
    """Answer with ``text`` in as many messages as it needs; buttons go under the last.
    ``previews=False`` keeps links (a visit's map) from unfolding into previews."""
    options = None if previews else LinkPreviewOptions(is_disabled=True)
    parts = split_html(text)
    for part in parts[:-1]:
        await message.reply_text(part, link_preview_options=options)
    await message.reply_text(parts[-1], reply_markup=reply_markup, link_preview_options=options)

