"""What the command-line modules share: translated output and argument helpers (arguments
are read after the config, so a refusal is said in the installation's language)."""

from __future__ import annotations

import argparse
import io
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

from bot.cli_args import CommandParser
from bot.data_text import named_in
from bot.i18n import catalogue, describe_error, spaced, t
from crm import users
from crm.actors import Actor, Channel
from crm.errors import ValidationError
from crm.failures import Failure
from crm.users import StaffView
from storage.errors import CodedError


class Unanswered(Exception):
    """Nobody answered a question: standard input is closed (cron, a pipe, < /dev/null), or
    Ctrl-C was pressed. ``exit_code`` is what the command should end with."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


class Terminal:
    """Prints translated lines for the operator (plain text, no HTML)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def text(self, key: str, /, **params: Any) -> str:
        return t(self.locale, key, html_escape=False, **params)

    def say(self, key: str, /, **params: Any) -> None:
        print(self.text(key, **params))

    def ask(self, key: str, /, *, no_answer: str = "cli.no_answer", **params: Any) -> str:
        """The operator's answer to a question; Unanswered when nobody can answer (said in
        their language by the message ``no_answer``: by default, nothing was changed) or on
        Ctrl-C, never a traceback."""
        try:
            return read_answer(spaced(self.text(key, **params)))
        except EOFError:
            print()  # end the question's line before the explanation
            self.warn(no_answer)
            raise Unanswered(1) from None
        except KeyboardInterrupt:
            print()
            raise Unanswered(130) from None

    def interrupted(self) -> int:
        """Ctrl-C during a command: said, with the exit code a shell expects (no traceback)."""
        print(file=sys.stderr)  # after the ^C the terminal echoed
        self.warn("cli.interrupted")
        return 130

    def warn(self, key: str, /, **params: Any) -> None:
        """A problem the operator must act on, on standard error like a failure."""
        print(self.text("cli.error", message=self.text(key, **params)), file=sys.stderr)

    def refuse(self, message: str) -> int:
        """Refuse a request with ``message`` (already in the operator's words)."""
        print(self.text("cli.error", message=message), file=sys.stderr)
        return 1

    def fail(self, error: CodedError) -> int:
        print(self.text("cli.error", message=describe_error(self.locale, error,
                                                              html_escape=False)),
              file=sys.stderr)
        return 1

    def fail_for(self, reason: Failure) -> int:
        """A failure of the machine (full disk, refused permission, locked database), told
        as a reason in the operator's language rather than a traceback."""
        print(self.text("cli.error", message=self.text(reason.code, **reason.params)),
              file=sys.stderr)
        return 1


def read_answer(prompt: str) -> str:
    """``input(prompt)``. From a pipe the line is read on a helper thread while this one waits
    in short steps: a Ctrl-C that arrives as the question is shown, before a read has begun,
    would otherwise go unnoticed until input came (Python only sees a signal between steps, and
    a read that starts after it blocks). At a terminal, ``input`` with its line editing."""
    if sys.stdin is None:
        raise EOFError
    if sys.stdin.isatty():
        return input(prompt)
    sys.stdout.write(prompt)
    sys.stdout.flush()
    outcome: list[str | BaseException] = []
    done = threading.Event()

    def read() -> None:
        try:
            outcome.append(sys.stdin.readline())
        except BaseException as error:  # handed to the asking thread
            outcome.append(error)
        finally:
            done.set()

    threading.Thread(target=read, name="crm-answer", daemon=True).start()
    while not done.wait(0.1):  # a signal is seen at once, or within this step at the latest
        pass
    line = outcome[0]
    if isinstance(line, BaseException):
        raise line
    if not line:
        raise EOFError
    return line[:-1] if line.endswith("\n") else line


STAFF_METAVAR = "STAFF"


def staff_member(written: str) -> StaffView:
    """The staff member a command-line argument names (Telegram id, @username or name), for
    every command that takes one; none or several is refused in the operator's language."""
    return users.find_staff(Actor.system(Channel.CLI), written)


def telegram_id(text: str) -> int:
    """A Telegram user id as typed (a new staff member's, a customer's in the console)."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if not users.is_telegram_id(value):  # no field label: the message names the Telegram ID
        raise ValidationError("validation.telegram_id")
    return value


def code_named(locale: str, groups: tuple[str, ...], word: str, codes: Sequence[str],
               field: str) -> str:
    """The code an argument names: the code itself, or its name in the operator's language,
    else in another (城市 → city), as the chat reads report and export kinds. Names nothing or
    several: refused, listing the names to choose from."""
    found = named_in(locale, groups, word, codes)
    if len(found) == 1:
        return found[0]
    words = catalogue(locale)
    names = tuple(next((words[key] for group in groups if (key := f"{group}.{code}") in words),
                       code) for code in found or codes)
    raise ValidationError("validation.choice", field=field, value=word, allowed=names)


def group(parent: CommandParser, name: str, key: str) -> CommandParser:
    """A command with sub-commands (``crm user add``); bare, it prints its help."""
    command = parent.command(name, lambda args, config: _help(command), key)
    command.commands(f"{name}_command")
    return command


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush meets no closed pipe (a
    reader such as ``| head`` went away)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (captured output): nothing is left to flush into a pipe
