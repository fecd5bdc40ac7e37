"""`crm backup`, `crm backup list|verify` and `crm restore` as an operator uses them: exit codes,
the confirmation, and what ends up in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from crm import scheduling
from crm.clock import utcnow
from storage import backup as store
from storage.database import bind, open_database
from tests.conftest import (
    POSTGRES_SKIP,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
    without_outside_settings,
)


@pytest.fixture(autouse=True, params=["sqlite", "postgres"])
def installation(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An initialised installation in a fresh folder, English output, on each engine."""
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "en")
    monkeypatch.chdir(tmp_path)
    url = None
    if request.param == "postgres":
        if not POSTGRES_URL:
            pytest.skip(POSTGRES_SKIP)
        url = create_postgres_database("crm_cli_backup")
        monkeypatch.setenv("CRM_DATABASE_URL", url)
    assert main(["init"]) == 0
    assert main(["user", "add", "100", "--role", "admin", "--name", "Boss"]) == 0
    yield request.param
    if url:
        drop_postgres_database(url)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def make_backup(capsys) -> Path:
    code, out, _ = run(capsys, "backup")
    assert code == 0 and out.startswith("backup written and verified: "), out
    return Path(out.split(": ", 1)[1].split(" (")[0])


def staff_names(capsys) -> str:
    return run(capsys, "user", "list")[1]


def test_init_makes_the_backup_key_with_mode_600(tmp_path: Path) -> None:
    key = tmp_path / "data" / "backup.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_backup_then_list_shows_a_verified_file(capsys, tmp_path: Path) -> None:
    path = make_backup(capsys)
    assert path.parent == tmp_path / "data" / "backups" and path.is_file()
    code, out, _ = run(capsys, "backup", "list")
    [line] = out.splitlines()
    assert code == 0 and line.startswith(path.name)
    assert line.endswith("on demand  verified") and "schema" in line


def test_an_empty_backup_folder_says_so(capsys) -> None:
    code, out, _ = run(capsys, "backup", "list")
    assert code == 0 and out.startswith("no backups in ")


def test_verify_passes_a_good_file_and_fails_a_damaged_one(capsys) -> None:
    path = make_backup(capsys)
    code, out, _ = run(capsys, "backup", "verify", str(path))
    assert code == 0 and f"{path.name} is good" in out
    code, out, _ = run(capsys, "backup", "verify", path.name)  # by name in the folder
    assert code == 0
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))
    code, out, err = run(capsys, "backup", "verify", str(path))
    assert code == 1 and out == "" and err == f"error: {path} is damaged or was altered\n"


def test_a_damaged_backup_is_reported_wholly_in_chinese(capsys, monkeypatch) -> None:
    path = make_backup(capsys)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, _, err = run(capsys, "backup", "verify", str(path))
    assert code == 1 and err == f"错误：{path} 已损坏或被篡改\n"


def test_verify_fails_a_truncated_file_and_a_wrong_key(capsys, monkeypatch) -> None:
    path = make_backup(capsys)
    cut = path.with_name("cut.crmbak")
    cut.write_bytes(path.read_bytes()[:-100])
    code, _, err = run(capsys, "backup", "verify", str(cut))
    assert code == 1 and "is incomplete" in err
    monkeypatch.setenv("CRM_BACKUP_KEY", "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI=")
    code, _, err = run(capsys, "backup", "verify", str(path))
    assert code == 1 and "was written with another backup key" in err
    code, _, err = run(capsys, "backup", "verify", "nowhere.crmbak")
    assert code == 1 and "no backup file nowhere.crmbak" in err


def test_restore_asks_first_and_no_keeps_everything(capsys, monkeypatch) -> None:
    path = make_backup(capsys)
    run(capsys, "user", "add", "200", "--role", "agent", "--name", "Newcomer")
    asked: list[str] = []
    monkeypatch.setattr("bot.terminal.read_answer", lambda prompt="": asked.append(prompt) or "no")
    code, out, _ = run(capsys, "restore", str(path))
    assert code == 1 and out.strip() == "nothing restored"
    assert "Stop the bot first" in asked[0] and path.name in asked[0]
    assert "Newcomer" in staff_names(capsys)


def test_restore_with_yes_brings_the_backup_back(capsys, monkeypatch, tmp_path) -> None:
    path = make_backup(capsys)
    run(capsys, "user", "add", "200", "--role", "agent", "--name", "Newcomer")
    monkeypatch.setattr("bot.terminal.read_answer", lambda prompt="": "yes")
    code, out, _ = run(capsys, "restore", str(path))
    assert code == 0 and f"restored {path.name}" in out, out
    assert "the database as it was is backed up in" in out
    names = staff_names(capsys)
    assert "Boss" in names and "Newcomer" not in names
    # the safety backup holds the newcomer, and --yes restores without asking
    monkeypatch.setattr("bot.terminal.read_answer", lambda prompt="": pytest.fail("asked"))
    [safety] = (tmp_path / "data" / "backups").glob("*-before-restore.crmbak")
    code, out, _ = run(capsys, "restore", str(safety), "--yes")
    assert code == 0 and "Newcomer" in staff_names(capsys)
    code, out, _ = run(capsys, "audit", "--limit", "1")
    assert "backup.restored" in out


def test_a_backup_folder_that_cannot_be_made_is_explained_without_a_traceback(
        capsys, tmp_path, monkeypatch) -> None:
    (tmp_path / "disk").write_text("a file where a folder should be")
    monkeypatch.setenv("CRM_BACKUP_DIR", str(tmp_path / "disk" / "backups"))
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, out, err = run(capsys, "backup")
    assert code == 1 and out == ""
    assert f"文件夹 {tmp_path / 'disk' / 'backups'} 不存在" in err
    assert "Traceback" not in err and "Errno" not in err


def test_restore_with_nobody_to_answer_restores_nothing(capsys, monkeypatch) -> None:
    path = make_backup(capsys)
    run(capsys, "user", "add", "101", "--role", "agent", "--name", "Newcomer")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # cron, a pipe, < /dev/null
    code, out, err = run(capsys, "restore", str(path))
    assert code == 1 and "nothing restored" in out
    assert "no answer" in err and "--yes" in err and "Traceback" not in err
    assert "Newcomer" in staff_names(capsys)


def test_a_damaged_backup_is_refused_before_anything_is_done(capsys, tmp_path) -> None:
    path = make_backup(capsys)
    damaged = tmp_path / "damaged.crmbak"
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF  # a bit flipped inside the data, the manifest intact
    damaged.write_bytes(bytes(data))
    run(capsys, "user", "add", "101", "--role", "agent", "--name", "Newcomer")
    code, _, err = run(capsys, "restore", str(damaged), "--yes")
    assert code == 1 and "is damaged or was altered" in err, err
    assert not list((tmp_path / "data" / "backups").glob("*-before-restore.crmbak"))
    assert "Newcomer" in staff_names(capsys)


def test_check_says_whether_backups_can_be_made(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "check")
    [line] = [x for x in out.splitlines() if " backup: " in x]
    assert code == 0 and line.startswith("  ok ") and "backup.key" in line
    (tmp_path / "data" / "backup.key").unlink()  # a new machine the key was not copied to
    code, out, _ = run(capsys, "check")
    [line] = [x for x in out.splitlines() if " backup: " in x]
    assert code == 0 and line.startswith("  warn") and "does not exist" in line


def test_a_backup_the_configured_key_cannot_open_is_refused_before_anything_is_done(
        capsys, tmp_path) -> None:
    from storage.keys import new_keyring, write_keyring

    path = make_backup(capsys)
    run(capsys, "user", "add", "101", "--role", "agent", "--name", "Newcomer")
    key_file = tmp_path / "data" / "crm.key"
    key_file.unlink()  # `crm init` on a new machine, the old key file not copied over
    write_keyring(key_file, new_keyring())
    code, _, err = run(capsys, "restore", str(path), "--yes")
    assert code == 1 and "does not open the data in" in err and "nothing was changed" in err
    assert not list((tmp_path / "data" / "backups").glob("*-before-restore.crmbak"))
    assert "Newcomer" in staff_names(capsys)


@pytest.mark.parametrize(("locale", "said"), [
    ("en", "error: the SQLite backup cannot move to PostgreSQL: in table staff_user, the record"
           " with id 1 has a name of 101 characters, and PostgreSQL holds at most 100 there;"
           " shorten it on the SQLite installation (in the bot or with the crm command), back"
           " up again and restore that backup here; nothing was changed\n"),
    ("zh-CN", "错误：SQLite 备份无法迁移到 PostgreSQL：数据表 staff_user 中 id 为 1 的记录，"
              "其 name 有 101 个字符，而 PostgreSQL 此处最多容纳 100 个；请您在原 SQLite 安装中"
              "（通过机器人或 crm 命令）将其缩短，重新备份，再在这里恢复新的备份；未做任何更改\n")])
def test_a_move_to_postgresql_names_a_value_too_long_for_it_and_changes_nothing(
        capsys, monkeypatch, installation, tmp_path, locale: str, said: str) -> None:
    if installation != "sqlite":
        pytest.skip("a move from SQLite")
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    lite = open_database(f"sqlite:///{tmp_path / 'data' / 'crm.db'}")
    lite.execute_sql("update staff_user set name = ? where telegram_id = 100", ("B" * 101,))
    lite.close()  # SQLite keeps it, whatever length the column declares
    path = make_backup(capsys)
    url = create_postgres_database("crm_cli_move")
    try:
        monkeypatch.setenv("CRM_DATABASE_URL", url)
        assert main(["init"]) == 0
        run(capsys, "user", "add", "101", "--role", "agent", "--name", "Newcomer")
        monkeypatch.setenv("CRM_LOCALE", locale)
        code, _, err = run(capsys, "restore", str(path), "--yes")
        assert code == 1 and err == said
        assert "Newcomer" in staff_names(capsys)
        assert not list((tmp_path / "data" / "backups").glob("*-before-restore.crmbak"))
    finally:
        drop_postgres_database(url)


# A backup made by hand counts as the last backup. ------------------------------------------


def job_line(capsys, name: str = "job:backup") -> str:
    [line] = [x for x in run(capsys, "check")[1].splitlines()
              if f" {name}: " in x or f" {name}：" in x]
    return line


def installation_database(tmp_path: Path):
    """The installation's database, bound to the models (as the bot's process has it)."""
    url = os.environ.get("CRM_DATABASE_URL") or f"sqlite:///{tmp_path / 'data' / 'crm.db'}"
    db = open_database(url)
    db.connect()
    return bind(db)


def miss_the_scheduled_backup(tmp_path: Path) -> dt.datetime:
    """The bot was stopped over night: the scheduled backup was due hours ago (longer than
    it may start late) and did not run. Returns when it was due."""
    db = installation_database(tmp_path)
    due = utcnow().replace(microsecond=0) - scheduling.GRACE["backup"] - dt.timedelta(hours=1)
    scheduling.expect_job("backup", due + scheduling.GRACE["backup"])
    db.close()
    return due


def missed_jobs_told(tmp_path: Path) -> list[str]:
    """What the bot's watchdog would tell the admins about now."""
    db = installation_database(tmp_path)
    try:
        return scheduling.check_overdue_jobs(utcnow())
    finally:
        db.close()


def test_a_backup_made_by_hand_is_the_last_backup_check_reports(capsys, tmp_path) -> None:
    assert "job:backup" not in run(capsys, "check")[1]  # the bot has never run
    make_backup(capsys)
    line = job_line(capsys)
    assert line.startswith("  ok ") and "last backup " in line and line.endswith(
        "(made by hand)"), line


def test_a_backup_made_by_hand_makes_up_for_a_missed_scheduled_one(capsys, tmp_path,
                                                                     monkeypatch) -> None:
    miss_the_scheduled_backup(tmp_path)
    line = job_line(capsys)
    assert line.startswith("  warn") and "has never run" in line, line
    path = make_backup(capsys)
    line = job_line(capsys)
    taken = dt.datetime.strptime(path.name[4:19], "%Y%m%d-%H%M%S").replace(tzinfo=dt.UTC)
    shown = taken.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    assert line == ("  ok    job:backup: job scheduled backup (backup): last backup "
                    f"{shown} (made by hand)"), line
    assert missed_jobs_told(tmp_path) == []  # the watchdog does not call it missed
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    assert job_line(capsys) == (
        f"  正常  job:backup：任务 备份（backup）：最近一次备份于 {shown}（手动）")


def test_a_backup_made_by_hand_that_failed_verification_does_not_count(
        capsys, tmp_path, monkeypatch) -> None:
    miss_the_scheduled_backup(tmp_path)

    def damaged(path: Path, *args, **kwargs):
        raise store.BackupError("backup.corrupt", path=str(path))

    monkeypatch.setattr(store, "verify", damaged)
    code, out, _ = run(capsys, "backup")
    assert code == 1 and "FAILED verification" in out
    assert list((tmp_path / "data" / "backups").glob("*.crmbak.failed"))
    line = job_line(capsys)
    assert line.startswith("  warn") and "has never run" in line, line
    assert missed_jobs_told(tmp_path) == ["backup"]


def test_a_backup_made_by_hand_before_the_missed_one_was_due_does_not_make_up_for_it(
        capsys, tmp_path) -> None:
    make_backup(capsys)
    db = installation_database(tmp_path)
    scheduling.expect_job("backup", utcnow() + dt.timedelta(minutes=1)
                          + scheduling.GRACE["backup"])  # due after the backup was made
    db.close()
    assert missed_jobs_told(tmp_path) == []  # not due yet
    later = utcnow() + dt.timedelta(hours=3)
    db = installation_database(tmp_path)
    try:
        assert scheduling.check_overdue_jobs(later) == ["backup"]
    finally:
        db.close()
