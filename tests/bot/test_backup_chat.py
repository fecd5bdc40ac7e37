"""/backup through the real Application: admins get a verified backup with progress shown in
one message, in their language; everyone else is refused and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from crm import backups, runtime, users
from crm.actors import Actor
from crm.config import load_config
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
    assert [r.text for r in replies if r.method == "editMessageText"][-1] == "✅ Backing up"
    [path] = backup_files(tmp_path)
    assert f"✅ Backup <b>{path.name}</b>" in result.text
    assert "Tables: " in result.text and "rows: " in result.text
    assert result.text.endswith("Verified: yes")
    view = backups.verify_backup(Actor.system(), path)  # the file is good, checked again
    assert view.row_counts["staff_user"] == 4


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
        ("sendMessage", "You are not allowed to do this.")]
    zh = chat.send(ROLES[role], "/backup", language="zh-CN")
    assert [r.text for r in zh] == ["您无权执行此操作。"]
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
