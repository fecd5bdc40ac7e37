"""`crm console`: a local terminal chat with the same handlers, no token and no network.

You type as a staff member (or, with ``--customer``, as someone who is not staff); the bot's
answers are printed as text, its buttons as numbered choices (type the number to press one),
a reply keyboard's too (Skip sends its text; sharing a place or a number says what to type).
`/contact PHONE NAME`, `/location LAT LON` and `/file PATH` share a contact, a location or a
document; a line ending in a backslash goes on in the next one, and `/paste` takes every line
up to one with a single `.` as one message (an article, a long description); `/quit` leaves.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot import scheduler
from bot.app import build_application
from bot.i18n import spaced, t
from bot.typed_commands import command_entity_length
from crm import service, system, users
from crm.actors import Actor, Channel, Role
from crm.config import Config
from crm.errors import NotFound
from crm.users import StaffView
from storage.errors import CodedError
from storage.executor import DatabaseExecutor

CONSOLE_BOT = {"id": 1, "is_bot": True, "first_name": "CRM", "username": "local_console_bot",
               "can_join_groups": False, "can_read_all_group_messages": False,
               "supports_inline_queries": True}
_TAGS = re.compile(r"<[^>]+>")
_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)


FILES = "_files"  # in the parameters handed to ``show``: {field: (file name, bytes, type)}
SENT = "_sent"  # in them too: the message as the chat now holds it (after an edit, all of it)
KEPT_MESSAGES = 1000  # messages remembered for later edits; older ones are edited blind


def uploaded_files(request_data: RequestData) -> dict[str, tuple[str, bytes, str]]:
    """The files a call uploads, by form field."""
    return {name: (value[0], value[1], value[2])
            for name, value in (request_data.multipart_data or {}).items()}


class LocalBotApi(BaseRequest):
    """Answers the Bot API in-process, as Telegram would, and hands every call to ``show``."""

    def __init__(self, show: Callable[[str, dict[str, Any]], None], *,
                 bot_user: dict[str, Any] = CONSOLE_BOT, first_message_id: int = 1) -> None:
        self.show = show
        self.bot_user = bot_user
        self._ids = itertools.count(first_message_id)
        # What each chat holds, so an edit of only the buttons returns (and shows) the text too.
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None,
                         connect_timeout: Any = None, pool_timeout: Any = None,
                         ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            params[FILES] = uploaded_files(request_data)
        result = self.answer(api_method, params)
        if isinstance(result, dict) and "message_id" in result:
            params[SENT] = result
        self.show(api_method, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def answer(self, api_method: str, params: dict[str, Any]) -> Any:
        """The result Telegram would give for this call."""
        if api_method == "getMe":
            return self.bot_user
        if api_method.startswith("edit"):
            return self._edited(api_method, params)
        if api_method.startswith("send"):
            return self._keep(self._message(params))
        if api_method == "getUpdates":
            return []
        if api_method == "getFile":
            file_id = str(params.get("file_id"))
            local = Path(file_id.removeprefix("local:")).expanduser().resolve()
            if file_id.startswith("local:") and local.is_file():  # `/file PATH`: read in place
                return {"file_id": file_id, "file_unique_id": "l",
                        "file_size": local.stat().st_size, "file_path": str(local)}
            return {"file_id": file_id, "file_unique_id": "u",
                    "file_size": 10, "file_path": "documents/file.bin"}
        return True

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        result = {"message_id": int(params.get("message_id") or next(self._ids)),
                  "date": int(time.time()), "text": params.get("text", ""),
                  "chat": {"id": int(params.get("chat_id") or 0), "type": "private"},
                  "from": self.bot_user}
        if params.get("caption"):
            result["caption"] = params["caption"]
        markup = inline_keyboard(params.get("reply_markup"))
        if markup:  # Telegram echoes these only
            result["reply_markup"] = markup
        return result

    def _keep(self, message: dict[str, Any]) -> dict[str, Any]:
        self._messages[message["chat"]["id"], message["message_id"]] = message
        if len(self._messages) > KEPT_MESSAGES:
            del self._messages[next(iter(self._messages))]
        return message

    def _edited(self, api_method: str, params: dict[str, Any]) -> dict[str, Any] | bool:
        """The message after the edit, whole. Like Telegram, an edit without buttons leaves
        the message without any."""
        if params.get("inline_message_id"):
            return True  # sent by someone else through inline mode: Telegram says only "done"
        key = (int(params.get("chat_id") or 0), int(params.get("message_id") or 0))
        before = self._messages.get(key)
        if before is None:
            return self._keep(self._message(params))
        message = {k: v for k, v in before.items() if k != "reply_markup"}
        message["edit_date"] = int(time.time())
        if api_method == "editMessageText":
            message["text"] = params.get("text", "")
        elif api_method == "editMessageCaption":
            message["caption"] = params.get("caption", "")
        markup = inline_keyboard(params.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        return self._keep(message)


def reply_markup(markup: Any) -> dict[str, Any]:
    """A ``reply_markup`` parameter as a dict, whether it came as JSON or parsed ({}: none)."""
    markup = json.loads(markup) if isinstance(markup, str) else markup
    return markup if isinstance(markup, dict) else {}


def inline_keyboard(markup: Any) -> dict[str, Any] | None:
    """The inline keyboard of a ``reply_markup`` parameter, if it is one."""
    markup = reply_markup(markup)
    return markup if "inline_keyboard" in markup else None


def plain(text: str) -> str:
    """HTML message text as a terminal shows it; a link keeps its address, to open from here."""
    return html.unescape(_TAGS.sub("", _LINK.sub(r"\2 (\1)", text)))


def console_update_ids() -> Iterator[int]:
    """Update ids of a console session. Handled ids are remembered for two days (a redelivery
    is dropped), so each session needs its own: negative (Telegram's are positive) and counting
    down from minus the start time in microseconds, below every earlier session's."""
    return itertools.count(-time.time_ns() // 1_000, -1)


@dataclass(frozen=True)
class Person:
    """Who types at the console: a staff member, or someone who is not staff (a customer)."""

    telegram_id: int
    name: str
    locale: str | None = None


DEFAULT_CUSTOMER_ID = 1_000_000_001  # a Telegram id for trying the customer's side


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


def _any_staff() -> bool:
    return bool(users.list_users(Actor.system(Channel.CLI)))


def choose_staff(config: Config, telegram_id: int | None) -> StaffView | None:
    """The staff member to act as: the one asked for, else the first active admin (else the
    member with the widest role: sample data alone has no admin)."""
    system_actor = Actor.system(Channel.CLI)
    staff = users.list_users(system_actor, include_inactive=False)
    if telegram_id is not None:
        return next((u for u in staff if u.telegram_id == telegram_id), None)
    ranks = list(Role)  # admin, manager, agent, viewer
    return min(staff, key=lambda u: ranks.index(u.role), default=None)


def _staff_member(config: Config, telegram_id: int | None, lines: TextIO, out: TextIO,
                  interactive: bool | None) -> StaffView | None:
    """The staff member to act as (on a brand-new installation, the person at the terminal
    becomes its first admin); welcomed."""
    staff = choose_staff(config, telegram_id)
    interactive = lines.isatty() if interactive is None else interactive
    if staff is None and telegram_id is None and interactive and not _any_staff():
        staff = first_admin(config, lines, out)
    if staff is not None:
        language = staff.locale or config.locale
        print(t(language, "console.welcome", html_escape=False, name=staff.name,
                role=t(language, f"role.{staff.role.value}", html_escape=False)), file=out)
    return staff


def guest_name(config: Config, telegram_id: int) -> str:
    """The name the console gives someone who is not staff and has not said theirs (Telegram
    always tells the bot a name): "Guest 5001", in the installation's language."""
    return t(config.locale, "console.customer_name", html_escape=False, telegram_id=telegram_id)


def _customer(config: Config, telegram_id: int, out: TextIO) -> Person | None:
    """Someone who is not staff, to try the customer's side of the bot; welcomed. Telegram
    tells the bot their name, which a new lead is named after: a linked customer's own, else a
    neutral one in the installation's language."""
    if users.identify(telegram_id) is not None:
        print(t(config.locale, "console.is_staff", html_escape=False, telegram_id=telegram_id),
              file=out)
        return None
    linked = service.linked_customer(telegram_id)
    name = linked.name if linked else guest_name(config, telegram_id)
    locale = (linked.locale if linked else None) or config.locale
    print(t(locale, "console.welcome_customer", html_escape=False, name=name,
            telegram_id=telegram_id), file=out)
    return Person(telegram_id, name, locale)


def _newcomer(config: Config, telegram_id: int, lines: TextIO, out: TextIO,
              interactive: bool | None) -> Person | None:
    """Someone not (or no longer) staff, as Telegram would see them: a deactivated member is
    told how to come back; anyone else may join with an invite (/start CODE), under the name
    they typed, or without a terminal to type it at, the console's guest name."""
    system_actor = Actor.system(Channel.CLI)
    try:
        former: StaffView | None = users.get_user(system_actor, telegram_id)
    except NotFound:
        former = None
    if former is not None:
        print(t(config.locale, "console.inactive", html_escape=False, name=former.name,
                telegram_id=telegram_id), file=out)
        return None
    name = ""
    if lines.isatty() if interactive is None else interactive:
        # Telegram tells the bot a newcomer's name; here the person at the terminal does.
        print(spaced(t(config.locale, "console.ask_name", html_escape=False)), end="",
              file=out, flush=True)
        name = lines.readline().strip()
    print(t(config.locale, "console.welcome_newcomer", html_escape=False,
            telegram_id=telegram_id), file=out)
    return Person(telegram_id, name or guest_name(config, telegram_id), config.locale)


def first_admin(config: Config, lines: TextIO, out: TextIO) -> StaffView | None:
    """On a brand-new installation, make the person at the terminal its first admin."""
    say = lambda key: print(spaced(t(config.locale, key, html_escape=False)),  # noqa: E731
                            end="", file=out, flush=True)
    say("console.first_admin")
    say("console.ask_id")
    answer = lines.readline().strip()
    say("console.ask_name")
    name = lines.readline().strip()
    try:
        return users.add_user(Actor.system(Channel.CLI), int(answer), "admin", name or "Admin",
                              locale=config.locale)
    except (ValueError, CodedError) as error:
        message = t(config.locale, error.code, html_escape=False, **error.params) \
            if isinstance(error, CodedError) else answer
        print(t(config.locale, "cli.error", html_escape=False, message=message), file=out)
        return None


def run_console(config: Config, telegram_id: int | None = None, *,
                lines: TextIO = sys.stdin, out: TextIO = sys.stdout,
                interactive: bool | None = None, customer: bool = False) -> int:
    """Chat with the bot in the terminal until /quit or end of input, as a staff member or
    (``customer``) as someone who is not staff."""
    db = system.open_database(config)
    if customer:
        person = _customer(config, telegram_id or DEFAULT_CUSTOMER_ID, out)
        if person is None:
            return 1
    else:
        person = _staff_member(config, telegram_id, lines, out, interactive)
        if person is None and telegram_id is not None and _any_staff():
            person = _newcomer(config, telegram_id, lines, out, interactive)
            if person is None:
                return 1
            customer = True  # not staff (yet): a shared contact is their own, as a customer's
        elif person is None:
            print(t(config.locale, "console.no_staff", html_escape=False), file=out)
            return 1
    executor = DatabaseExecutor(db, pool_threads=config["database.pool_threads"])
    console = Console(config, person, executor, out, customer=customer)
    language = person.locale or config.locale
    jobs = not config.telegram_token
    if not jobs:
        print(t(language, "console.jobs_elsewhere", html_escape=False), file=out)
    try:
        asyncio.run(_loop(console, lines, out, jobs=jobs))
    finally:
        executor.shutdown()
    return 0


async def _loop(console: Console, lines: TextIO, out: TextIO, *, jobs: bool) -> None:
    """``jobs``: run the scheduled jobs here, as the bot would (an installation without a
    token, whose console is its bot). With a token the bot runs elsewhere and does them:
    reminders sent here would reach nobody, yet count as delivered."""
    await console.app.initialize()
    await console.app.job_queue.start()  # conversation timeouts
    if jobs:
        await scheduler.schedule(console.app)
    try:
        await console.handle("/start")
        while True:
            typed = Typed(lines, out)
            message = await read_message(typed, console.say)
            if message is None or message.strip() in ("/quit", "/exit"):
                break
            if typed.cut:  # sending what is left would save half a note as if it were whole
                console.say("console.line_cut", limit=TERMINAL_LINE_BYTES)
                continue
            await console.handle(message)
    finally:
        await console.app.job_queue.stop(wait=False)
        await console.app.shutdown()


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
