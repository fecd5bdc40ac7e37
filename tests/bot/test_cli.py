"""The `crm` command line as an operator uses it, on a real data folder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from tests.conftest import (
    POSTGRES_SKIP,
    POSTGRES_URL,
    create_postgres_database,
    drop_postgres_database,
    postgres_admin,
    without_outside_settings,
)


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh working folder and no CRM_* settings from the outside, English output."""
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "en")
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_then_check_reports_a_healthy_sqlite_install(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "init")
    assert code == 0
    assert "created encryption key file" in out and "Next steps" in out
    key = tmp_path / "data" / "crm.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert "SQLite" in out and "healthy" in out and "no Telegram bot token" in out


def test_init_is_idempotent_and_never_replaces_the_key(capsys, tmp_path: Path) -> None:
    run(capsys, "init")
    key = (tmp_path / "data" / "crm.key").read_bytes()
    run(capsys, "user", "add", "100", "--role", "admin", "--name", "Boss")
    code, out, _ = run(capsys, "init")
    assert code == 0 and "kept as it is" in out
    assert "already has an admin" in out and "add the first admin" not in out
    assert (tmp_path / "data" / "crm.key").read_bytes() == key
    _, out, _ = run(capsys, "user", "list")
    assert "Boss" in out


def test_chinese_is_the_default_language(capsys, monkeypatch) -> None:
    monkeypatch.delenv("CRM_LOCALE")
    _, out, _ = run(capsys, "init")
    assert "下一步" in out


def test_a_wrong_config_value_is_one_clear_line(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_TIMEZONE", "Atlantis/Capital")
    code, out, err = run(capsys, "check")
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert "timezone" in err and "CRM_TIMEZONE" in err and "Asia/Shanghai" in err


def test_a_missing_key_file_is_one_clear_line(capsys, tmp_path: Path) -> None:
    run(capsys, "init")
    (tmp_path / "data" / "crm.key").unlink()
    code, out, _ = run(capsys, "check")
    assert code == 1
    [line] = [x for x in out.splitlines() if x.startswith("  FAIL")]
    assert "crm.key" in line and "does not exist" in line
    code, _, err = run(capsys, "init")
    assert code == 1 and "crm.key" in err  # never a fresh key for a database that has data
    assert not (tmp_path / "data" / "crm.key").exists()


def test_a_wrong_key_is_detected(capsys, tmp_path: Path, monkeypatch) -> None:
    run(capsys, "init")
    import base64

    monkeypatch.setenv("CRM_SECURITY_KEY", base64.b64encode(b"w" * 32).decode())
    code, out, _ = run(capsys, "check")
    assert code == 1
    assert "does not match" in out


def test_a_database_from_the_future_is_one_clear_line(capsys, tmp_path: Path) -> None:
    run(capsys, "init")
    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "crm.db") as raw:
        raw.execute("insert into schema_migrations values (999, 'future', '2030-01-01')")
    code, _, err = run(capsys, "migrate")
    assert code == 1
    assert err.count("\n") == 1 and "999" in err and "upgrade the program" in err
    code, out, _ = run(capsys, "check")
    assert code == 1 and "999" in out


def test_user_add_list_deactivate(capsys) -> None:
    run(capsys, "init")
    code, out, _ = run(capsys, "user", "add", "123456789", "--role", "admin", "--name", "陈静")
    assert code == 0 and "陈静" in out and "admin" in out
    code, _, err = run(capsys, "user", "add", "123456789", "--role", "agent", "--name", "X")
    assert code == 1 and "already exists" in err
    code, _, err = run(capsys, "user", "deactivate", "123456789")
    assert code == 1 and "last active admin" in err
    run(capsys, "user", "add", "555", "--role", "agent", "--name", "Li")
    code, out, _ = run(capsys, "user", "deactivate", "555")
    assert code == 0 and "access cut" in out
    _, out, _ = run(capsys, "user", "list")
    assert "inactive" in out


def test_migrate_on_an_up_to_date_database_says_so(capsys) -> None:
    run(capsys, "init")
    code, out, _ = run(capsys, "migrate")
    assert code == 0 and "up to date" in out


def test_run_without_a_token_explains_botfather(capsys) -> None:
    code, out, _ = run(capsys, "run")
    assert code == 0
    assert "@BotFather" in out and "CRM_TELEGRAM_TOKEN" in out


def test_config_shows_sources_and_hides_secrets(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_TELEGRAM_TOKEN", "123456:" + "T" * 35)
    _, out, _ = run(capsys, "config")
    assert "telegram.token = ***   (CRM_TELEGRAM_TOKEN)" in out
    assert "T" * 35 not in out


def test_every_command_has_help() -> None:
    for name, sub in build_parser("en").sub_commands.items():
        assert sub.format_help().strip(), name
    for argv in (["--help"], ["init", "--help"], ["user", "add", "--help"]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0


def test_the_console_script_is_installed() -> None:
    result = subprocess.run([sys.executable, "-m", "bot.cli", "version"], capture_output=True,
                            text=True, check=False, env={**os.environ, "CRM_LOCALE": "en"})
    assert result.returncode == 0 and result.stdout.startswith("crm "), result.stderr


def test_init_on_postgresql_works_the_same(capsys, monkeypatch) -> None:
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    url = create_postgres_database("crm_cli")
    try:
        monkeypatch.setenv("CRM_DATABASE_URL", url)
        code, out, _ = run(capsys, "init")
        assert code == 0
        code, out, _ = run(capsys, "check")
        assert code == 0 and "PostgreSQL" in out and "healthy" in out
    finally:
        drop_postgres_database(url)


def test_demo_data_says_what_it_made_in_words_in_the_operators_language(capsys,
                                                                       monkeypatch) -> None:
    run(capsys, "init")
    code, out, _ = run(capsys, "demo-data", "--customers", "20")
    assert code == 0 and out.startswith("demo data is in the database:")
    assert "  20 customers" in out and "staff members" in out and "service ticket" in out
    assert "staff_user" not in out and "customer_secret" not in out and ":" not in out[29:]
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, out, _ = run(capsys, "demo-data", "--customers", "5")
    assert code == 0 and "演示数据已写入数据库" in out and "客户 25 位" in out
    assert "staff_user" not in out and "sales_order" not in out


@pytest.fixture
def postgres_role_without_createdb() -> Iterator[str]:
    """A database owned by a login role that may not create databases (as a DBA sets one up
    for an application); yields its URL with that role."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    role = f"crm_app_{uuid.uuid4().hex[:8]}"
    admin = postgres_admin()
    admin.execute_sql(f'create role "{role}" login')
    url = create_postgres_database("crm_cli_role")
    name = url.rpartition("/")[2]
    admin.execute_sql(f'alter database "{name}" owner to "{role}"')
    scheme, _, rest = url.partition("://")
    yield f"{scheme}://{role}@{rest.partition('@')[2] or rest}", role
    drop_postgres_database(url)
    admin.execute_sql(f'drop role if exists "{role}"')
    admin.close()


def backup_line(out: str) -> str:
    [line] = [x for x in out.splitlines() if " backup: " in x or " backup：" in x]
    return line


def test_check_fails_when_the_postgresql_role_cannot_verify_backups(
        capsys, monkeypatch, postgres_role_without_createdb) -> None:
    url, role = postgres_role_without_createdb
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "check")
    assert code == 1 and "not healthy" in out
    line = backup_line(out)
    assert line.startswith("  FAIL") and f'ALTER ROLE "{role}" CREATEDB' in line
    admin = postgres_admin()
    admin.execute_sql(f'alter role "{role}" createdb')
    admin.close()
    code, out, _ = run(capsys, "check")
    assert code == 0 and backup_line(out).startswith("  ok ") and "pg_dump" in out


def test_check_fails_when_pg_dump_is_older_than_the_server(capsys, monkeypatch,
                                                          tmp_path: Path) -> None:
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    old = tmp_path / "old-client"
    old.mkdir()
    (old / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    (old / "pg_dump").chmod(0o755)
    url = create_postgres_database("crm_cli")
    try:
        monkeypatch.setenv("CRM_DATABASE_URL", url)
        run(capsys, "init")
        monkeypatch.setenv("PATH", f"{old}:{os.environ['PATH']}")
        monkeypatch.setenv("CRM_LOCALE", "zh-CN")
        code, out, _ = run(capsys, "check")
        assert code == 1
        line = backup_line(out)
        assert "pg_dump 9 无法备份 PostgreSQL" in line and "客户端程序" in line
    finally:
        drop_postgres_database(url)


def test_init_creates_a_missing_postgresql_database_as_it_creates_a_sqlite_file(
        capsys, monkeypatch) -> None:
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    name = f"crm_cli_new_{uuid.uuid4().hex[:8]}"
    url = f"{POSTGRES_URL.rpartition('/')[0]}/{name}"
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    try:
        code, out, _ = run(capsys, "init")
        assert code == 0 and f"created the PostgreSQL database {name}\n" in out
        code, out, _ = run(capsys, "check")
        assert code == 0 and "schema is at version" in out
        code, out, _ = run(capsys, "init")  # run again: the database is there
        assert code == 0 and "created the PostgreSQL database" not in out
    finally:
        drop_postgres_database(url)


def test_init_without_the_right_to_create_the_database_says_how_to_make_it(
        capsys, monkeypatch, postgres_role_without_createdb) -> None:
    url, _ = postgres_role_without_createdb
    missing = f"{url.rpartition('/')[0]}/crm_cli_absent_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CRM_DATABASE_URL", missing)
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, _, err = run(capsys, "init")
    assert code == 1 and "不存在，也无法创建" in err and "createdb --owner" in err
    assert "Traceback" not in err


def test_output_piped_into_a_reader_that_stops_early_ends_without_a_traceback(
        capsys, tmp_path: Path) -> None:
    run(capsys, "init")
    for number in range(30):
        run(capsys, "user", "add", str(1000 + number), "--role", "agent", "--name", f"A{number}")
    env = {**os.environ, "CRM_DATA_DIR": str(tmp_path / "data"), "CRM_LOCALE": "en",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}  # this checkout's code
    # `crm user list | head -1`: the reader is gone before anything is written
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "user", "list"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait() == 0  # as `crm export -o - | head` ends
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors


def test_a_sqlite_backup_moves_the_whole_installation_to_postgresql(capsys, monkeypatch,
                                                                    tmp_path: Path) -> None:
    import json

    from crm import users
    from crm.validation import id_card_check_char
    from tests.crm.cast import customer

    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    run(capsys, "init")
    run(capsys, "user", "add", "100", "--role", "admin", "--name", "Boss")
    run(capsys, "demo-data", "--customers", "29")
    card = "11010519900307001"
    secretive = customer(users.identify(100).as_actor(), "欧阳娜娜", phones=("13812345678",),
                         secrets={"id_card": card + id_card_check_char(card)}).id
    run(capsys, "privacy", "export", str(secretive), "-o", str(tmp_path / "before.json"))
    code, out, _ = run(capsys, "backup")
    backup = out.split(": ", 1)[1].split(" (")[0]
    staff = run(capsys, "user", "list")[1]
    url = create_postgres_database("crm_cli_move")  # empty: restore makes the tables
    try:
        monkeypatch.setenv("CRM_DATABASE_URL", url)
        code, out, err = run(capsys, "restore", backup, "--yes")
        assert code == 0 and "restored" in out, err
        code, out, _ = run(capsys, "check")
        assert code == 0 and "PostgreSQL" in out and "the key opens" in out
        assert run(capsys, "user", "list")[1] == staff
        run(capsys, "privacy", "export", str(secretive), "-o", str(tmp_path / "after.json"))
        before, after = (json.loads((tmp_path / f"{name}.json").read_text())
                         for name in ("before", "after"))
        assert before["identity"] and after["identity"] == before["identity"]
        assert after["customer"] == before["customer"]
        # new rows take ids after the copied ones
        code, out, _ = run(capsys, "team", "add", "华东组")
        assert code == 0 and run(capsys, "team", "list")[1].count("\n") >= 1
        code, out, _ = run(capsys, "export", "customers", "--format", "csv", "-o",
                           str(tmp_path / "moved.csv"))
        assert code == 0 and "30 rows" in out
    finally:
        drop_postgres_database(url)
