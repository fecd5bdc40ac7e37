"""argparse's own messages — a missing argument, an unknown option, a bad choice or value — in
the installation's language.

argparse words them through gettext's ``_`` as it writes them, and ships no Chinese; while the
command line is read, that look-up is pointed at the catalogue (section ``cli_args``). Only what
an operator gets wrong is translated: the help pages' headings stay with their English texts.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from bot.i18n import t

# argparse's message templates (Python 3.11) and their keys in the catalogue
MESSAGES = {
    "%(prog)s: error: %(message)s\n": "error",
    "the following arguments are required: %s": "required",
    "unrecognized arguments: %s": "unrecognized",
    "argument %(argument_name)s: %(message)s": "argument",
    "invalid choice: %(value)r (choose from %(choices)s)": "invalid_choice",
    "invalid %(type)s value: %(value)r": "invalid_value",
    "expected one argument": "expected_one",
    "expected at least one argument": "expected_at_least_one",
    "expected at most one argument": "expected_at_most_one",
    "one of the arguments %s is required": "one_of_required",
    "not allowed with argument %s": "not_allowed_with",
    "ambiguous option: %(option)s could match %(matches)s": "ambiguous",
    "ignored explicit argument %r": "ignored_explicit",
    "can't open '%(filename)s': %(error)s": "cannot_open",
}


@contextlib.contextmanager
def argparse_speaking(locale: str) -> Iterator[None]:
    """argparse's messages in ``locale`` inside the block (the command line's own process
    reads one command line: nothing else parses meanwhile)."""
    original = argparse._  # type: ignore[attr-defined]

    def translated(message: str) -> str:
        key = MESSAGES.get(message)
        return t(locale, f"cli_args.{key}", html_escape=False) if key else original(message)

    argparse._ = translated  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]
