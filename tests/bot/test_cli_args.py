"""A mistyped command line is answered in the installation's language, and changes nothing."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import without_outside_settings


@pytest.fixture(autouse=True)
def _no_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    without_outside_settings(monkeypatch)
    monkeypatch.chdir(tmp_path)


def mistyped(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    assert stopped.value.code == 2
    return capsys.readouterr().err


def test_a_chinese_installation_says_what_is_wrong_in_chinese(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    said = mistyped(capsys, "assignment", "move-rule")
    assert "crm assignment move-rule：命令有误：缺少参数 rule_id, position" in said
    assert "用 crm assignment move-rule --help 查看用法。" in said
    assert "error" not in said and "required" not in said
    said = mistyped(capsys, "export", "customers", "-o", "x.pdf", "--format", "pdf")
    assert "参数 --format：没有 'pdf' 这一项（可选：'xlsx', 'csv'）" in said
    assert "参数 --customers：'x' 不是有效的值" in mistyped(capsys, "demo-data", "--customers", "x")
    assert "无法识别的参数 --colour" in mistyped(capsys, "version", "--colour")
    assert not Path("data").exists()  # nothing was set up on the way


def test_the_language_of_the_config_file_given_is_used(capsys, tmp_path: Path) -> None:
    chosen = tmp_path / "english.toml"
    chosen.write_text('locale = "en"\n', encoding="utf-8")
    said = mistyped(capsys, "--config", str(chosen), "assignment", "move-rule")
    assert "error: the following arguments are required: rule_id, position" in said
    assert "命令有误" not in said


def test_a_broken_config_still_gets_a_worded_mistake_and_argparse_is_left_as_it_was(
        capsys, monkeypatch, tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("locale = [\n", encoding="utf-8")
    said = mistyped(capsys, "--config", str(broken), "bogus")
    assert "crm：命令有误：参数 COMMAND：没有 'bogus' 这一项" in said  # the default language
    with pytest.raises(SystemExit), pytest.MonkeyPatch.context():
        argparse.ArgumentParser(prog="other").parse_args(["--nope"])
    assert "other: error: unrecognized arguments: --nope" in capsys.readouterr().err


def test_config_without_its_file_is_answered_in_the_installation_language(capsys,
                                                                           monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    said = mistyped(capsys, "--config")
    assert "crm：命令有误：参数 --config：后面需要跟一个值" in said
    assert "cli.py" not in said and "error" not in said


def test_a_value_an_argument_refuses_is_explained_in_the_installation_language(
        capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    assert "参数 --batch-size：至少为 1" in mistyped(capsys, "keys", "rotate", "--batch-size", "0")
    assert "参数 --batch-size：应为整数" in mistyped(capsys, "keys", "rotate", "--batch-size", "x")
    said = mistyped(capsys, "audit", "--since", "2026-13-01")
    assert "参数 --since：应为 2026-03-31 这样的日期" in said
    monkeypatch.setenv("CRM_LOCALE", "en")
    said = mistyped(capsys, "audit", "--until", "tomorrow")
    assert "argument --until: a date like 2026-03-31" in said
    for limit in ("0", "-3"):  # not "the audit log is empty"
        assert "argument --limit: at least 1" in mistyped(capsys, "audit", "--limit", limit)
    assert not Path("data").exists()
