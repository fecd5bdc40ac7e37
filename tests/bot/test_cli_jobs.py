"""`crm check` shows how each scheduled job last ended, and undelivered reminders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.cli import main
from bot.render import local_time
from crm import scheduling
from crm.clock import utcnow
from crm.failures import Failure
from storage.database import bind, open_database
from tests.conftest import without_outside_settings


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "en")
    monkeypatch.chdir(tmp_path)


def test_check_reports_a_failed_job_a_late_one_and_a_healthy_one(capsys, tmp_path) -> None:
    assert main(["init"]) == 0
    assert "no scheduled job has run yet" in capsys.readouterr().out + _check(capsys)
    db = open_database(f"sqlite:///{tmp_path / 'data' / 'crm.db'}")
    bind(db)
    now = utcnow()
    scheduling.job_started("backup", now)
    scheduling.job_finished("backup", now, ok=False,
                            failure=Failure("failure.no_space", {"path": "/srv/backups"}))
    scheduling.job_started("reminders", now)
    scheduling.job_finished("reminders", now, ok=True, expected_by=now + dt.timedelta(hours=1))
    scheduling.expect_job("agenda", now - dt.timedelta(minutes=5))
    scheduling.expect_job("weekly_report", now + dt.timedelta(days=2))
    scheduling.expect_job("rules", None)
    db.close()
    out = _check(capsys)
    assert "job scheduled backup (backup) failed at" in out and "the disk is full" in out
    due = local_time(now - dt.timedelta(minutes=35), "Asia/Shanghai")  # minus its grace
    assert f"job daily agenda (agenda) has never run: it was due {due:%Y-%m-%d %H:%M}" in out
    assert "since -" not in out
    assert "job reminder delivery (reminders): last ran" in out
    assert "job weekly report (weekly_report): not run yet (due" in out  # a new installation's
    assert "job reminder rules (rules): off (no schedule in the config)" in out


def _check(capsys) -> str:
    main(["check"])
    return capsys.readouterr().out
