"""`crm status`: the admin's /status at a terminal, through the real `crm` entry point, plain
text in the operator's language; exit 0 when healthy, 1 when a check fails."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.cli import main
from crm import reminders, users
from crm.clock import utcnow
from storage.database import bind, open_database
from storage.keys import new_keyring, write_keyring
from tests.conftest import without_outside_settings


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "en")
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def set_up(capsys) -> None:
    assert run(capsys, "init")[0] == 0
    assert run(capsys, "user", "add", "100", "--role", "admin", "--name", "Boss")[0] == 0
    assert run(capsys, "user", "add", "200", "--role", "agent", "--name", "Li & <Na>")[0] == 0


def test_status_shows_the_checks_and_counts_and_exits_0_when_healthy(capsys,
                                                                      monkeypatch) -> None:
    set_up(capsys)
    code, out, err = run(capsys, "status")
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0] == "System status" and lines[-1] == "healthy"
    assert "  ok    schema: schema is at version" in out
    assert "  warn  telegram: no Telegram bot token" in out
    assert ("👤 Staff: 2 active (1 admin, 0 managers, 1 agent, 0 viewers), 0 deactivated"
            in lines)
    assert "Customers: 0 (0 deleted, 0 merged into others, 0 erased)" in lines
    assert "<b>" not in out and "&lt;" not in out
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, out, _ = run(capsys, "status")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "系统状态" and lines[-1] == "状态良好"
    assert "  正常  schema：数据库结构版本" in out
    assert "客户：0（已删除 0，已合并 0，已清除 0）" in lines


def test_status_names_an_undelivered_reminder_as_typed(capsys, tmp_path) -> None:
    set_up(capsys)
    db = open_database(f"sqlite:///{tmp_path / 'data' / 'crm.db'}")
    db.connect()
    bind(db)
    agent = users.identify(200).as_actor()
    now = utcnow()
    saved = reminders.create_reminder(agent, now + dt.timedelta(minutes=1), "Call <Wang> & co",
                                      now=now)
    reminders.claim_due_reminders(10, now + dt.timedelta(minutes=2))
    reminders.mark_reminder_failed(saved.id, "Forbidden: bot was blocked by the user",
                                   now + dt.timedelta(minutes=2), permanent=True)
    db.close()
    code, out, _ = run(capsys, "status")
    assert code == 0
    [line] = [x for x in out.splitlines() if x.startswith("⚠️ Not delivered to")]
    assert line.startswith("⚠️ Not delivered to Li & <Na>: ") and "Call <Wang> & co" in line
    assert "  warn  reminders: 1 reminder could not be delivered" in out


def test_status_exits_1_when_a_check_fails(capsys, tmp_path) -> None:
    set_up(capsys)
    key_file = tmp_path / "data" / "crm.key"
    key_file.unlink()  # a key that does not open this database's data
    write_keyring(key_file, new_keyring())
    code, out, _ = run(capsys, "status")
    lines = out.splitlines()
    assert code == 1
    assert any(x.startswith("  FAIL  key_match: ") for x in lines)
    assert "👤 Staff: 2 active (1 admin, 0 managers, 1 agent, 0 viewers), 0 deactivated" in lines
    assert lines[-1] == "not healthy: fix the FAIL lines above"


@pytest.mark.parametrize("command", ["status", "check"])
def test_an_installation_not_set_up_is_told_so_and_left_as_it_was(capsys, tmp_path,
                                                                   command) -> None:
    code, out, err = run(capsys, command)
    lines = out.splitlines()
    assert code == 1 and "Traceback" not in err
    assert lines[0] == "System status" or command == "check"
    assert any(line.startswith("  FAIL  database: the database file ") and
               line.endswith("crm.db does not exist; run `crm init`") for line in lines), lines
    assert lines[-1] == "not healthy: fix the FAIL lines above"
    assert not any("Staff" in x for x in lines)
    assert list(tmp_path.iterdir()) == []  # looking made no folder and no empty database

