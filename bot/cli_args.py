"""The command line's parser in the installation's language: its help texts come from the
catalogue (section ``cli_help``), and argparse's own words — "usage:", the headings, a missing
argument, an unknown option, a bad choice or value — from section ``cli_args``.

argparse words its own texts through gettext's ``_`` as it writes them, and ships no Chinese.
While a ``CommandParser`` builds itself, reads a command line or formats its help, that look-up
answers in the parser's language; every other parser (and every other thread) gets argparse's
own words as before.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gettext
import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from bot.i18n import FALLBACK, t
from crm.config import Config
from crm.spreadsheets import columns

# argparse's message templates (Python 3.11) and their keys in the catalogue
MESSAGES = {
    "usage: ": "usage",
    "positional arguments": "positional_arguments",
    "options": "options",
    "show this help message and exit": "help",
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

_speaking_in: ContextVar[str | None] = ContextVar("cli_args_locale", default=None)


def _said(message: str) -> str:
    """argparse's ``message`` in the language of the CommandParser at work, else its own."""
    locale, key = _speaking_in.get(), MESSAGES.get(message)
    if locale is None or key is None:
        return gettext.gettext(message)  # what argparse itself looks it up with
    return t(locale, f"cli_args.{key}", html_escape=False)


# argparse looks its words up through this; outside a CommandParser's work it answers as
# argparse's own look-up does.
argparse._ = _said  # type: ignore[attr-defined]


@contextlib.contextmanager
def _speaking(locale: str) -> Iterator[None]:
    """argparse's words in ``locale`` inside the block, for this thread's work only."""
    token = _speaking_in.set(locale)
    try:
        yield
    finally:
        _speaking_in.reset(token)


def type_error(key: str) -> argparse.ArgumentTypeError:
    """An argument's type check refusing a value (argparse calls it while a CommandParser
    reads the command line), worded by ``cli_args.KEY`` in that parser's language."""
    locale = _speaking_in.get() or FALLBACK
    return argparse.ArgumentTypeError(t(locale, f"cli_args.{key}", html_escape=False))


def positive(text: str) -> int:
    """An argument's value as a whole number of at least 1 (a count, a size, a limit)."""
    try:
        value = int(text)
    except ValueError as exc:
        raise type_error("whole_number") from exc
    if value < 1:
        raise type_error("at_least_one")
    return value


P = ParamSpec("P")
R = TypeVar("R")


def _in_its_language(method: Callable[P, R]) -> Callable[P, R]:
    """A CommandParser method that words argparse's texts in the parser's language."""

    @functools.wraps(method)
    def speaking(*args: P.args, **kwargs: P.kwargs) -> R:
        parser = args[0]
        assert isinstance(parser, CommandParser)
        with _speaking(parser.locale):
            return method(*args, **kwargs)

    return speaking


Handler = Callable[[argparse.Namespace, Config], int]  # runs a command, says its exit code


class CommandParser(argparse.ArgumentParser):
    """An argument parser that speaks ``locale``; its sub-commands are CommandParsers too."""

    def __init__(self, *, locale: str, **kwargs: Any) -> None:
        self.locale = locale
        self._commands: argparse._SubParsersAction | None = None
        kwargs.setdefault("formatter_class", ColumnsFormatter)
        with _speaking(locale):
            super().__init__(**kwargs)

    def text(self, key: str, /, **params: Any) -> str:
        """A help text of the catalogue, in this parser's language."""
        return t(self.locale, key, html_escape=False, **params)

    def commands(self, dest: str, *, metavar: str = "ACTION", required: bool = False) -> None:
        """Let this parser take a sub-command, stored as ``dest``."""
        self._commands = self.add_subparsers(
            dest=dest, metavar=metavar, required=required,
            parser_class=functools.partial(CommandParser, locale=self.locale))

    @property
    def sub_commands(self) -> dict[str, CommandParser]:
        """This command's sub-commands by name (none when it takes none)."""
        return dict(self._commands.choices) if self._commands else {}

    def command(self, name: str, handler: Handler, key: str, /, *,
                description: str | None = None, **params: Any) -> CommandParser:
        """Add the sub-command ``name`` run by ``handler``; ``key`` is its one-line help (and
        its description, unless ``description`` names a longer one)."""
        assert self._commands is not None, "call commands() first"
        summary = self.text(key, **params)
        sub = self._commands.add_parser(
            name, help=summary,
            description=self.text(description, **params) if description else summary)
        sub.set_defaults(handler=handler)
        return sub

    parse_args = _in_its_language(argparse.ArgumentParser.parse_args)
    parse_known_args = _in_its_language(argparse.ArgumentParser.parse_known_args)
    format_usage = _in_its_language(argparse.ArgumentParser.format_usage)
    format_help = _in_its_language(argparse.ArgumentParser.format_help)
    error = _in_its_language(argparse.ArgumentParser.error)


# Characters a terminal shows two columns wide (Chinese, Japanese, Korean, full-width forms);
# a line may break before any of them but never before closing punctuation.
_WIDE = ("\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
         "\uff00-\uff60\uffe0-\uffe6")
_OPENING = r"（《「『【〔“‘(\["
_CLOSING = r"，。、；：？！）》」』】〕”’…),.;:!?\]"
_PIECES = re.compile(rf"\s+|[{_OPENING}]*(?:[^\s{_WIDE}]+|[{_WIDE}])[{_CLOSING}]*")


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines at most ``width`` columns wide, broken at spaces or between Chinese
    characters (textwrap counts characters, so a Chinese line would run twice too wide)."""
    lines: list[str] = []
    line, spaced = "", False
    for piece in _PIECES.findall(" ".join(text.split())):
        if piece.isspace():
            spaced = bool(line)
            continue
        joined = f"{line} {piece}" if spaced else line + piece
        spaced = False
        if columns(joined) <= width or not line:
            line = joined
        else:
            lines.append(line)
            line = piece
        while columns(line) > width and len(line) > 1:  # a word longer than a whole line
            cut = _fitting(line, width)
            lines.append(line[:cut])
            line = line[cut:]
    return [*lines, line] if line else lines


def _fitting(text: str, width: int) -> int:
    """How many leading characters of ``text`` fit in ``width`` columns (at least one)."""
    used = 0
    for count, char in enumerate(text):
        used += columns(char)
        if used > width:
            return max(count, 1)
    return len(text)


class ColumnsFormatter(argparse.HelpFormatter):
    """argparse's help layout, wrapped by the columns a terminal shows (Chinese is two wide)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wide_headings: set[str] = set()

    def start_section(self, heading: str | None) -> None:
        if heading and columns(heading[-1]) == 2:
            self._wide_headings.add(heading)
        super().start_section(heading)

    def format_help(self) -> str:
        # argparse ends every heading with an ASCII colon; after Chinese words it is "："
        text = super().format_help()
        for heading in self._wide_headings:
            text = re.sub(rf"(?m)^( *){re.escape(heading)}:$", rf"\g<1>{heading}：", text)
        return text

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))

    def _format_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                      groups: Iterable[argparse._MutuallyExclusiveGroup],
                      prefix: str | None) -> str:
        if prefix is not None:
            return super()._format_usage(usage, actions, groups, prefix)
        # argparse indents the usage's next lines by the prefix's length in characters: hand it
        # as many spaces as the prefix takes columns, then put the prefix in their place
        prefix = argparse._("usage: ")  # type: ignore[attr-defined]
        blank = " " * columns(prefix)
        return prefix + super()._format_usage(usage, actions, groups, blank)[len(blank):]
