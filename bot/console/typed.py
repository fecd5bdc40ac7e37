"""What a person types, as a terminal lets them: one line, a line going on in the next after a
backslash, or everything pasted after ``/paste``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TextIO

PASTE, END_OF_PASTE, GOES_ON = "/paste", ".", "\\"
# A terminal keeps at most this many bytes of one typed or pasted line and drops the rest
# without a word (the kernel's line buffer, MAX_CANON - 1).
TERMINAL_LINE_BYTES = 4095


class Typed:
    """The lines a person types, each after its prompt."""

    def __init__(self, lines: TextIO, out: TextIO) -> None:
        self.lines, self.out = lines, out
        self.cut = False  # a line came through a terminal that had to cut it

    async def line(self, prompt: str = "> ") -> str | None:
        """The next line without its line break; None at the end of input."""
        print(prompt, end="", file=self.out, flush=True)
        line = await asyncio.to_thread(self.lines.readline)
        if not line:
            return None
        line = line.rstrip("\r\n")
        if len(line.encode()) >= TERMINAL_LINE_BYTES and self.lines.isatty():
            self.cut = True
        return line


async def read_message(typed: Typed, say: Callable[[str], None]) -> str | None:
    """One message, which may hold several lines, as a terminal lets one type them: lines
    ending in a backslash go on in the next line; after `/paste`, every line up to one with
    a single `.` (for pasting an article). None at the end of input."""
    line = await typed.line()
    if line is None:
        return None
    if line.strip() == PASTE:
        say("console.paste")
        pasted: list[str] = []
        while (more := await typed.line("")) is not None and more.strip() != END_OF_PASTE:
            pasted.append(more)
        return "\n".join(pasted)
    parts = [line]
    while parts[-1].endswith(GOES_ON):
        parts[-1] = parts[-1][:-1]
        more = await typed.line("… ")
        if more is None:
            break
        parts.append(more)
    return "\n".join(parts)
