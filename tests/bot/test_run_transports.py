"""`crm run`, the whole program in its own process, against a self-hosted Bot API server
stand-in reached through CRM_TELEGRAM_BASE_URL and CRM_TELEGRAM_BASE_FILE_URL. On long polling:
updates are fetched over HTTP, answered over HTTP, a sent file is downloaded from the file URL.
On a webhook (`--webhook`): it registers its public URL with the secret, takes updates posted
with the secret and refuses the rest. Ctrl-C stops either cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx
import pytest

from crm import users
from crm.actors import Actor
from tests.conftest import TEST_SECRET

TOKEN = "123456789:AAE-test_token_for_a_local_bot_api_00000"
STAFF = 9401
FILE_PATH = "documents/file_7.csv"
CSV = "姓名,手机\n王小明,13800138000\n李娜,13900139000\n".encode("gbk")


class BotApi:
    """What the stand-in server was asked, and the updates it hands out."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.pending: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.next_id = 1000

    def sent_texts(self) -> list[str]:
        with self.lock:
            return [p.get("text", "") for m, p in self.calls if m == "sendMessage"]

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        with self.lock:
            self.calls.append((method, params))
            self.next_id += 1
            if method == "getMe":
                return {"id": 42, "is_bot": True, "first_name": "CRM", "username": "crm_bot",
                        "can_join_groups": False, "can_read_all_group_messages": False,
                        "supports_inline_queries": True}
            if method == "getUpdates":
                handed, self.pending = self.pending, []
                return handed
            if method == "getFile":
                return {"file_id": params["file_id"], "file_unique_id": "f7",
                        "file_size": len(CSV), "file_path": FILE_PATH}
            if method.startswith(("send", "edit")):
                message = {"message_id": self.next_id, "date": int(time.time()),
                           "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
                           "text": params.get("text", "")}
                if "reply_markup" in params:  # Telegram echoes inline keyboards
                    message["reply_markup"] = json.loads(params["reply_markup"])
                return message
            return True


def _handler(api: BotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return None

        def _reply(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # a file download from the file URL
            if unquote(self.path) == f"/file/bot{TOKEN}/{FILE_PATH}":
                self._reply(200, CSV, "application/octet-stream")
            else:
                self._reply(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            prefix, path = f"/bot{TOKEN}/", unquote(self.path)
            if not path.startswith(prefix):
                self._reply(404, b'{"ok": false, "error_code": 404, "description": "Not Found"}')
                return
            method = path[len(prefix):]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            params = dict(parse_qsl(body.decode())) if body else {}
            if method == "getUpdates" and not api.pending:
                time.sleep(0.1)  # a (short) long poll
            result = api.answer(method, params)
            self._reply(200, json.dumps({"ok": True, "result": result}).encode())

    return Handler


@pytest.fixture
def bot_api() -> Iterator[tuple[BotApi, int]]:
    api = BotApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield api, server.server_address[1]
    server.shutdown()
    server.server_close()


def _message(update_id: int, **content: Any) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()),
        "chat": {"id": STAFF, "type": "private"},
        "from": {"id": STAFF, "is_bot": False, "first_name": "Li", "language_code": "en"}}
        | content}


def _wait_for(found, what: str, seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _environment(tmp_path: Path, db_url: str, port: int) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("CRM_")}
    return env | {"CRM_DATA_DIR": str(tmp_path / "data"), "CRM_DATABASE_URL": db_url,
                  "CRM_SECURITY_KEY": TEST_SECRET, "CRM_LOCALE": "en",
                  "CRM_TELEGRAM_TOKEN": TOKEN,
                  "CRM_TELEGRAM_BASE_URL": f"http://127.0.0.1:{port}/bot",
                  "CRM_TELEGRAM_BASE_FILE_URL": f"http://127.0.0.1:{port}/file/bot"}


def _stop(process: subprocess.Popen) -> str:
    """Ctrl-C, and what the program printed."""
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0 and "stopped" in output, output
    return output


def test_crm_run_polls_answers_and_downloads_through_a_self_hosted_bot_api(
        db, db_url: str, tmp_path: Path, bot_api) -> None:
    api, port = bot_api
    users.add_user(Actor.system(), STAFF, "manager", "Polling Manager", locale="en")
    env = _environment(tmp_path, db_url, port)
    api.pending.append(_message(7001, text="/start", entities=[
        {"type": "bot_command", "offset": 0, "length": 6}]))
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        hello = _wait_for(lambda: [t for t in api.sent_texts() if "Hello" in t], "the welcome")
        with api.lock:
            api.pending.append(_message(7002, document={
                "file_id": "doc-7", "file_unique_id": "u7", "file_name": "客户.csv",
                "mime_type": "text/csv", "file_size": len(CSV)}))
        preview = _wait_for(lambda: [t for t in api.sent_texts() if "New customers: 2" in t],
                            "the import preview")
    except AssertionError as error:
        process.send_signal(signal.SIGINT)
        raise AssertionError(f"{error}; sent: {api.sent_texts()}; output: "
                             f"{process.communicate(timeout=60)[0]}") from None
    _stop(process)
    assert "Polling Manager" in hello[0] and "客户.csv" in preview[0]
    methods = [method for method, _ in api.calls]
    assert "getUpdates" in methods and "getFile" in methods
    assert methods.count("sendMessage") >= 2


def test_crm_run_webhook_registers_itself_and_takes_only_calls_with_the_secret(
        db, db_url: str, tmp_path: Path, bot_api) -> None:
    api, port = bot_api
    users.add_user(Actor.system(), STAFF, "agent", "Webhook Agent", locale="en")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        listen = probe.getsockname()[1]
    secret = "hook-secret_0123456789"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--webhook", "--url",
         "https://crm.example.com/telegram/hook", "--listen", f"127.0.0.1:{listen}",
         "--secret", secret], env=_environment(tmp_path, db_url, port),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for(lambda: [p for m, p in api.calls if m == "setWebhook"], "setWebhook")
        url = f"http://127.0.0.1:{listen}/telegram/hook"
        update = json.dumps(_message(7101, text="/start", entities=[
            {"type": "bot_command", "offset": 0, "length": 6}]))
        forged = _wait_for(lambda: _post(url, update, None), "the webhook server")
        real = _post(url, update, secret)
        hello = _wait_for(lambda: [t for t in api.sent_texts() if "Hello" in t], "the welcome")
    except AssertionError as error:
        process.send_signal(signal.SIGINT)
        raise AssertionError(f"{error}; output: {process.communicate(timeout=60)[0]}") from None
    _stop(process)
    [registered] = [p for m, p in api.calls if m == "setWebhook"]
    assert registered["url"] == "https://crm.example.com/telegram/hook"
    assert registered["secret_token"] == secret
    assert (forged.status_code, real.status_code) == (403, 200)
    assert "Webhook Agent" in hello[0] and len(hello) == 1  # the forged call did nothing


def _post(url: str, body: str, secret: str | None) -> httpx.Response | None:
    """POST an update as Telegram does; None while the server is not listening yet."""
    headers = {"content-type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    try:
        return httpx.post(url, content=body, headers=headers, timeout=10)
    except httpx.TransportError:
        return None
