"""The chat in the terminal: typed lines turned into updates (a number presses a button), and
what the bot sends printed as text, numbered choices and saved files."""

from __future__ import annotations

import html
import itertools
import re
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from telegram import Update

from bot.app import build_application
from bot.console.api import FILES, SENT, LocalBotApi, reply_markup
from bot.console.people import Person
from bot.i18n import t
from bot.typed_commands import command_entity_length
from crm import users
from crm.actors import Actor, Channel
from crm.config import Config
from crm.users import StaffView
from storage.executor import DatabaseExecutor

_TAGS = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)


def plain(text: str) -> str:
    """HTML message text as a terminal shows it; a link keeps its address, to open from here."""
    return html.unescape(_TAGS.sub("", _LINK.sub(r"\2 (\1)", text)))


def console_update_ids() -> Iterator[int]:
    """Update ids of a console session. Handled ids are remembered for two days (a redelivery
    is dropped), so each session needs its own: negative (Telegram's are positive) and counting
    down from minus the start time in microseconds, below every earlier session's."""
    return itertools.count(-time.time_ns() // 1_000, -1)


class Console:
    """Turns typed lines into updates and prints what the bot answers."""

    def __init__(self, config: Config, staff: Person | StaffView, executor: DatabaseExecutor,
                 out: TextIO = sys.stdout, *, customer: bool = False) -> None:
        self.staff, self.out = staff, out
        # A customer shares their own number (the bot asks for it with a button); staff share
        # other people's cards, to add them as customers.
        self.customer = customer
        self.locale = config.locale  # a member without a language of their own gets this
        # The console is one member's chat; what jobs send to others is shown apart.
        self.names = {member.telegram_id: member.name
                      for member in users.list_users(Actor.system(Channel.CLI))}
        self.files = config.data_dir / "console"  # what the bot sends, to open from here
        self.buttons: list[str] = []  # the callback data of the numbered choices
        self.buttons_on: dict[str, Any] | None = None  # the message they are under
        # or, after a reply keyboard (⏭ Skip, 📍 share the location), its buttons
        self.keyboard: list[dict[str, Any]] = []
        self.update_ids = console_update_ids()
        self.ids = itertools.count(1)  # messages' and button presses' own ids
        self.app = build_application(config, executor, request=LocalBotApi(self.show))

    def show(self, method: str, params: dict[str, Any]) -> None:
        """Print a message, an edit, an alert or a file the bot sends."""
        text = params.get("text") or params.get("caption") or ""
        chat = params.get("chat_id")
        if chat is not None and int(chat) != self.staff.telegram_id:
            files = [name for name, _, _ in (params.get(FILES) or {}).values()]
            self._show_elsewhere(int(chat), str(text), files)
            return
        if method == "answerCallbackQuery" and text:  # an alert to dismiss, or a passing note
            print(f"  {'⚠' if params.get('show_alert') else 'ℹ'} {text}", file=self.out)
        for name, content, _ in (params.get(FILES) or {}).values():
            print(f"  📎 {self._keep(name, content)}", file=self.out)
        for kind in ("photo", "document"):
            again = params.get(kind)
            if isinstance(again, str):  # one sent before, sent again by its id: where it is
                print(f"  📎 {again.removeprefix('local:')}", file=self.out)
        message = params.get(SENT)
        if method.startswith("edit") and message is not None:
            self._show_edit(method, message)
        elif method.startswith("send") and text:
            print(plain(str(text)), file=self.out)
            self._show_buttons(message)
            self._show_keyboard(params.get("reply_markup"))

    def _show_elsewhere(self, chat: int, text: str, files: list[str]) -> None:
        """A message a job sent to another member (reminders, alerts, reports): shown
        indented under their name (their files are not saved here), and this member's
        buttons stay as they were."""
        body = "\n     ".join([*plain(text).splitlines(), *(f"📎 {name}" for name in files)])
        if body:
            print(f"  → {self.names.get(chat, chat)}: {body}", file=self.out)

    def _keep(self, name: str, content: bytes) -> Path:
        """Save a file the bot sent (readable by this user only: it holds customer data)."""
        self.files.mkdir(mode=0o700, parents=True, exist_ok=True)
        first = target = self.files / Path(name or "file").name
        for number in itertools.count(2):
            if not target.exists():
                break
            target = first.with_stem(f"{first.stem} ({number})")
        target.touch(mode=0o600)
        target.write_bytes(content)
        return target

    def _show_edit(self, method: str, message: dict[str, Any]) -> None:
        """An edited message is shown again as it now is, its buttons becoming the numbered
        choices; buttons only taken away are just no longer offered."""
        spent = self.buttons_on is not None and \
            self.buttons_on["message_id"] == message["message_id"]
        if method == "editMessageReplyMarkup" and not message.get("reply_markup"):
            if spent:
                self.buttons, self.buttons_on = [], None
            return
        print(plain(str(message.get("text") or message.get("caption") or "")), file=self.out)
        if not self._show_buttons(message) and spent:
            self.buttons, self.buttons_on = [], None

    def _show_keyboard(self, markup: Any) -> None:
        """A reply keyboard's buttons as numbered choices, which replace the earlier ones: a
        plain button sends its text, one that shares a place or a number says what to type
        instead. A keyboard taken away is no longer offered."""
        shown = reply_markup(markup)
        if shown.get("remove_keyboard"):
            self.keyboard = []
        rows = shown.get("keyboard", [])
        buttons = [b if isinstance(b, dict) else {"text": str(b)} for row in rows for b in row]
        if not buttons:
            return
        self.keyboard, self.buttons, self.buttons_on = buttons, [], None
        labels = [self._keyboard_label(i, b) for i, b in enumerate(buttons, start=1)]
        print("  " + "   ".join(labels), file=self.out)

    def _keyboard_label(self, number: int, button: dict[str, Any]) -> str:
        key = ("console.share_location" if button.get("request_location") else
               "console.share_contact" if button.get("request_contact") else None)
        if key is None:
            return f"[{number}] {button.get('text', '')}"
        language = self.staff.locale or self.locale
        return t(language, key, html_escape=False, number=number, button=button.get("text", ""))

    def _press_key(self, button: dict[str, Any]) -> dict[str, Any] | None:
        """A reply-keyboard button: its text is sent; a terminal has no place or number to
        share, so those say what to type."""
        if button.get("request_location"):
            self.say("console.location_usage_ask")
            return None
        if button.get("request_contact"):
            self.say("console.contact_usage_ask")
            return None
        return self._message(text=str(button.get("text", "")))

    def _show_buttons(self, message: dict[str, Any] | None) -> bool:
        """Number the message's buttons, which replace the earlier choices; False if none."""
        rows = ((message or {}).get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [b for row in rows for b in row if b.get("callback_data")]
        if not buttons:
            return False
        self.buttons, self.buttons_on = [b["callback_data"] for b in buttons], message
        self.keyboard = []
        labels = [f"[{i}] {b['text']}" for i, b in enumerate(buttons, start=1)]
        print("  " + "   ".join(labels), file=self.out)
        return True

    async def handle(self, line: str) -> None:
        """One typed line: a button number, a share command, or a message."""
        payload = self._payload(line.strip())
        if payload is not None:
            data = {"update_id": next(self.update_ids)} | payload
            await self.app.process_update(Update.de_json(data, self.app.bot))

    def _user(self) -> dict[str, Any]:
        return {"id": self.staff.telegram_id, "is_bot": False, "first_name": self.staff.name,
                "language_code": self.staff.locale or self.locale}

    def _message(self, **content: Any) -> dict[str, Any]:
        return {"message": {"message_id": next(self.ids), "date": int(time.time()),
                            "chat": {"id": self.staff.telegram_id, "type": "private"},
                            "from": self._user()} | content}

    def say(self, key: str, **params: Any) -> None:
        """A note from the console itself, not from the bot."""
        language = self.staff.locale or self.locale
        print(t(language, key, html_escape=False, **params), file=self.out)

    def _document(self, path: Path) -> dict[str, Any] | None:
        """A file to send; a path with no file is refused here (a phone would not offer it)."""
        if not path.is_file():
            self.say("console.no_file", path=str(path))
            return None
        return self._message(document={"file_id": f"local:{path}", "file_unique_id": "l",
                                       "file_name": path.name, "file_size": path.stat().st_size})

    def _contact(self, phone: str, name: str) -> dict[str, Any]:
        """A shared contact: a customer's own number (Telegram marks it with their user id,
        as its "share my number" button does), or the card of someone else from staff."""
        if self.customer:
            return {"phone_number": phone, "first_name": name or self.staff.name,
                    "user_id": self.staff.telegram_id}
        return {"phone_number": phone, "first_name": name or phone}

    def _location(self, typed: str) -> dict[str, Any] | None:
        """A place from ``LAT LON``; anything else is explained here, not sent."""
        place = coordinates(typed)
        if place is None:
            self.say("console.location_usage")
            return None
        return self._message(location={"latitude": place[0], "longitude": place[1]})

    def _payload(self, line: str) -> dict[str, Any] | None:
        if line.isdigit() and 1 <= int(line) <= len(self.keyboard):
            return self._press_key(self.keyboard[int(line) - 1])
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            return {"callback_query": {
                "id": str(next(self.ids)), "from": self._user(), "chat_instance": "console",
                "data": self.buttons[int(line) - 1], "message": self.buttons_on}}
        command, _, rest = line.partition(" ")
        if command == "/contact" and rest:
            phone, _, name = rest.partition(" ")
            return self._message(contact=self._contact(phone, name.strip()))
        if command == "/location" and rest:
            return self._location(rest)
        if command == "/file" and rest:
            return self._document(local_path(rest))
        if not line:
            return None
        length = command_entity_length(line)  # as Telegram marks it: not /remind明天
        entities = [{"type": "bot_command", "offset": 0, "length": length}] if length else []
        return self._message(text=line, entities=entities)


def coordinates(typed: str) -> tuple[float, float] | None:
    """Latitude and longitude in degrees, if ``typed`` is two numbers on the globe."""
    try:
        latitude, longitude = (float(word) for word in typed.split())
    except ValueError:  # not two numbers
        return None
    return (latitude, longitude) if abs(latitude) <= 90 and abs(longitude) <= 180 else None


def local_path(typed: str) -> Path:
    """The path of ``/file PATH``, also when quoted or escaped as a terminal pastes a dragged
    file (``'/a b/c.xlsx'``, ``/a\\ b/c.xlsx``)."""
    path = Path(typed).expanduser()
    if path.exists():
        return path
    try:
        words = shlex.split(typed)
    except ValueError:  # an unbalanced quote: the path as typed
        return path
    return Path(words[0]).expanduser() if len(words) == 1 else path
