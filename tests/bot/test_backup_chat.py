"""/backup through the real Application: admins get a verified backup with progress shown in
one message, in their language; everyone else is refused and nothing is written."""

from __future__ import annotations

import datetime as dt
import errno
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import peewee
import pytest

from bot import scheduler
from bot.jobs import deliver_notifications
from crm import audit, backups, runtime, users
from crm.actors import Actor
from crm.config import load_config
from storage.backup import sqlite as backup_sqlite
from tests.bot.harness import ChatHarness
from tests.conftest import TEST_SECRET

ADMIN, MANAGER, AGENT, VIEWER = 7001, 7002, 7003, 7004
ROLES = {"admin": ADMIN, "manager": MANAGER, "agent": AGENT, "viewer": VIEWER}


def environ(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"CRM_SECURITY_KEY": TEST_SECRET, "CRM_DATA_DIR": str(tmp_path / "data"), **extra}


@pytest.fixture
def chat(db: peewee.Database, tmp_path: Path) -> Iterator[ChatHarness]:
    """The bot and the domain configured alike, with this test's own backup folder."""
    runtime.configure(load_config(environ=environ(tmp_path), look_in_cwd=False))
    harness = ChatHarness(db, environ(tmp_path))
    for role, telegram_id in ROLES.items():
        users.add_user(Actor.system(), telegram_id, role, f"Staff {role}")
    yield harness
    harness.close()


def backup_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "data" / "backups").glob("*.crmbak*"))


def test_an_admin_gets_a_verified_backup_with_progress_in_english(chat, tmp_path) -> None:
    replies = chat.send(ADMIN, "/backup")
    progress, result = [r for r in replies if r.method == "sendMessage"]
    assert progress.text == "⏳ Backing up 0%"
    assert [r.text for r in replies if r.method == "editMessageText"][-1] == "✅ Backed up"
    [path] = backup_files(tmp_path)
    assert f"✅ Backup <b>{path.name}</b>" in result.text
    assert "Tables: " in result.text and "rows: " in result.text
    assert result.text.endswith("Verified: yes")
    view = backups.verify_backup(Actor.system(), path)  # the file is good, checked again
    assert view.row_counts["staff_user"] == 4


def test_the_backup_reply_says_when_it_was_taken_on_the_admins_clock(chat, tmp_path) -> None:
    users.set_preferences(users.identify(ADMIN).as_actor(), timezone="America/New_York")
    [result] = [r for r in chat.send(ADMIN, "/backup") if r.method == "sendMessage"][1:]
    [path] = backup_files(tmp_path)
    stamp = re.search(r"crm-(\d{8}-\d{6})", path.name).group(1)  # the name keeps UTC
    taken = dt.datetime.strptime(stamp, "%Y%m%d-%H%M%S").replace(tzinfo=dt.UTC)
    local = taken.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
    assert f"Taken: {local} (America/New_York)" in result.text
    users.set_preferences(users.identify(ADMIN).as_actor(), locale="zh-CN",
                          timezone="Asia/Shanghai")
    [result] = [r for r in chat.send(ADMIN, "/backup") if r.method == "sendMessage"][1:]
    assert "备份时间：" in result.text and "（Asia/Shanghai）" in result.text


def test_the_backup_reply_is_in_chinese_for_a_chinese_admin(chat, tmp_path) -> None:
    replies = chat.send(ADMIN, "/backup", language="zh-CN")
    progress, result = [r for r in replies if r.method == "sendMessage"]
    assert progress.text == "⏳ 正在备份 0%"
    assert "大小：" in result.text and "已校验：是" in result.text
    assert len(backup_files(tmp_path)) == 1


@pytest.mark.parametrize("role", ["manager", "agent", "viewer"])
def test_everyone_but_admins_is_refused_and_nothing_is_written(chat, tmp_path, role) -> None:
    replies = chat.send(ROLES[role], "/backup")
    assert [(r.method, r.text) for r in replies] == [
        ("sendMessage", "Only admins can back up and restore.")]
    zh = chat.send(ROLES[role], "/backup", language="zh-CN")
    assert [r.text for r in zh] == ["只有管理员可以备份和恢复。"]
    assert backup_files(tmp_path) == []


def test_a_backup_that_cannot_be_made_is_explained(db, tmp_path) -> None:
    """A broken backup key: the admin reads why, in their language, and no file appears."""
    env = environ(tmp_path, CRM_BACKUP_KEY="bm90LWEta2V5")
    runtime.configure(load_config(environ=env, look_in_cwd=False))
    harness = ChatHarness(db, env)
    try:
        users.add_user(Actor.system(), ADMIN, "admin", "Boss")
        replies = harness.send(ADMIN, "/backup", language="zh-CN")
        texts = [r.text for r in replies]
        assert "❌ 正在备份" in texts
        assert any("CRM_BACKUP_KEY 中的备份密钥无效" in text for text in texts)
        assert backup_files(tmp_path) == []
    finally:
        harness.close()


# A scheduled backup that fails: each admin reads why in their own language. ---------------

ZH_ADMIN, EN_ADMIN = 7005, 7006
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def admins(db: peewee.Database, db_url: str, tmp_path: Path) -> Iterator[ChatHarness]:
    """A Chinese and an English admin; the backup folder is set per test, the database is
    named so /status checks the one in use."""
    harness: list[ChatHarness] = []

    def start(**extra: str) -> ChatHarness:
        env = environ(tmp_path, CRM_DATABASE_URL=db_url, **extra)
        runtime.configure(load_config(environ=env, look_in_cwd=False))
        harness.append(ChatHarness(db, env))
        users.add_user(Actor.system(), ZH_ADMIN, "admin", "陈静", locale="zh-CN")
        users.add_user(Actor.system(), EN_ADMIN, "admin", "Boss", locale="en")
        return harness[0]

    yield start
    if harness:
        harness[0].close()


def scheduled_backup(chat: ChatHarness) -> dict[int, str]:
    """Run the real backup job as the scheduler does, deliver the alerts: text per admin."""
    spec = next(job for job in scheduler.JOBS if job.name == "backup")
    chat.loop.run_until_complete(scheduler.run_job(chat.app, spec, None))
    chat.loop.run_until_complete(deliver_notifications(chat.app))
    return {int(c.params["chat_id"]): c.params["text"] for c in chat.stub.sent()}


def test_a_backup_folder_that_cannot_be_made_is_explained_to_each_admin(admins,
                                                                        tmp_path) -> None:
    (tmp_path / "disk").write_text("a file where a folder should be")
    chat = admins(CRM_BACKUP_DIR=str(tmp_path / "disk" / "backups"))
    texts = scheduled_backup(chat)
    assert texts[ZH_ADMIN].startswith("⚠️ <b>备份失败</b>")
    assert f"文件夹 {tmp_path / 'disk' / 'backups'} 不存在" in texts[ZH_ADMIN]
    assert "does not exist" in texts[EN_ADMIN]
    for text in texts.values():
        assert "Errno" not in text and "NotADirectoryError" not in text


@SQLITE_ONLY
@pytest.mark.parametrize(("fault", "chinese", "english"), [
    (OSError(errno.ENOSPC, "No space left on device", "/srv/crm/backups/x.tmp"),
     "磁盘已满（写入 /srv/crm/backups/x.tmp 时空间不足）", "the disk is full"),
    (PermissionError(errno.EACCES, "Permission denied", "/srv/crm/backups"),
     "没有 /srv/crm/backups 的访问权限", "permission denied for /srv/crm/backups"),
    (sqlite3.OperationalError("database is locked"), "数据库被其他工作锁定太久",
     "the database was locked by other work"),
])
def test_common_backup_failures_reach_admins_and_status_in_their_language(
        admins, monkeypatch, fault, chinese, english) -> None:
    chat = admins()

    def fail(*args, **kwargs) -> None:
        raise fault

    monkeypatch.setattr(backup_sqlite, "snapshot", fail)  # the disk or the lock, not our code
    texts = scheduled_backup(chat)
    assert chinese in texts[ZH_ADMIN] and english in texts[EN_ADMIN]
    assert str(fault) not in texts[ZH_ADMIN]
    [status] = chat.send(ZH_ADMIN, "/status")
    assert "任务 备份（backup） 于" in status.text and chinese in status.text
    assert "backup.failed" in [e.action for e in audit.list_audit(Actor.system()).items]
    [log] = chat.send(ZH_ADMIN, "/audit")  # why, in words, not as the failure's code
    assert f"错误: — → {chinese}" in log.text and "failure." not in log.text


@SQLITE_ONLY
def test_an_unknown_backup_failure_gives_an_id_that_is_in_the_log(admins, monkeypatch,
                                                                  caplog) -> None:
    chat = admins()

    def fail(*args, **kwargs) -> None:
        raise RuntimeError("zstd context 0x3f lost\n" + "stack detail " * 40)

    monkeypatch.setattr(backup_sqlite, "snapshot", fail)
    texts = scheduled_backup(chat)
    found = re.search(r"发生意外错误（错误编号 ([0-9a-f]{8})："
                      r"RuntimeError: zstd context 0x3f lost）", texts[ZH_ADMIN])
    assert found is not None and "stack detail" not in texts[ZH_ADMIN]
    error_id = found.group(1)
    assert f"error {error_id}: RuntimeError" in texts[EN_ADMIN]
    [logged] = [r for r in caplog.records if error_id in r.getMessage()]
    assert "stack detail" in str(logged.exc_info[1])  # the full text is kept for the operator
    [status] = chat.send(ZH_ADMIN, "/status")
    assert f"错误编号 {error_id}" in status.text


# /status counts a backup made with /backup. ------------------------------------------------


def test_status_names_a_backup_made_with_backup_as_the_last_one(admins) -> None:
    chat = admins()
    [before] = chat.send(EN_ADMIN, "/status")
    assert "last backup" not in before.text
    chat.send(EN_ADMIN, "/backup")
    [status] = chat.send(EN_ADMIN, "/status")
    [line] = [x for x in status.text.splitlines() if "(backup)" in x]
    assert line.startswith("✅ job scheduled backup (backup): last backup ")
    assert line.endswith(" (made by hand)")
    [status] = chat.send(ZH_ADMIN, "/status")
    assert "✅ 任务 备份（backup）：最近一次备份于 " in status.text and "（手动）" in status.text


@SQLITE_ONLY
def test_status_keeps_a_failed_scheduled_backup_in_sight_beside_a_good_one_made_by_hand(
        admins, monkeypatch) -> None:
    chat = admins()

    def fail(*args, **kwargs) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/crm/backups/x.tmp")

    monkeypatch.setattr(backup_sqlite, "snapshot", fail)
    scheduled_backup(chat)
    monkeypatch.undo()  # space was freed; the admin makes one by hand
    chat.send(EN_ADMIN, "/backup")
    [status] = chat.send(EN_ADMIN, "/status")
    [line] = [x for x in status.text.splitlines() if "(backup)" in x]
    assert line.startswith("⚠️ job scheduled backup (backup) failed at ")
    assert "the disk is full" in line and "a backup made by hand since, at " in line
    assert line.endswith(", is good")
