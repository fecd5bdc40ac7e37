"""`crm --help` and every command's --help speak the installation's language."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot
from bot.cli import build_parser, main
from bot.cli_args import CommandParser, columns
from crm.config import LOCALES
from tests.conftest import without_outside_settings

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _no_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(tmp_path)


def helped(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What `crm ARGV --help` prints; it must end well."""
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    out, err = capsys.readouterr()
    assert not err
    return out


def commands(parser: CommandParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and sub-command, as typed after `crm`."""
    yield path
    for name, sub in parser.sub_commands.items():
        yield from commands(sub, (*path, name))


def test_crm_help_in_a_chinese_installation_is_chinese(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    said = helped(capsys)
    assert said.startswith("用法：crm [-h] [--config FILE] COMMAND ...")
    assert "以 Telegram 机器人为入口的聊天式 CRM。" in said
    assert "\n参数：\n" in said and "\n选项：\n" in said
    assert "-h, --help     显示本帮助并退出" in said
    assert "init         创建数据目录、密钥文件和数据库" in said
    assert "--config FILE  TOML 配置文件（默认：$CRM_CONFIG，否则为 ./config.toml）" in said
    assert "每项设置也可以用环境变量设置：CRM_DATA_DIR、CRM_TIMEZONE、" in said
    for english in ("usage:", "positional arguments", "options:", "show this help", "Create"):
        assert english not in said


def test_crm_help_in_an_english_installation_is_english(capsys, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('locale = "en"\n', encoding="utf-8")
    said = helped(capsys)
    assert said.startswith("usage: crm [-h] [--config FILE] COMMAND ...")
    assert "A chat-first CRM run from a Telegram bot." in said
    assert "positional arguments:" in said and "options:" in said
    assert "-h, --help     show this help message and exit" in said
    assert "Every setting can also be set from the environment: CRM_DATA_DIR, CRM_TIMEZONE," in said
    assert not CHINESE.search(said)


def test_a_command_help_is_in_the_installation_language(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    said = helped(capsys, "user", "add")
    assert said.startswith("用法：crm user add [-h] --role ROLE --name NAME")
    assert "按 Telegram 用户 ID 添加员工。" in said
    assert "--role ROLE          admin、manager、agent、viewer，或机器人里的叫法（业务员）" in said
    assert "--locale {zh-CN,en}  语言（默认：配置中的语言）" in said
    monkeypatch.setenv("CRM_LOCALE", "en")
    said = helped(capsys, "user", "add")
    assert said.startswith("usage: crm user add [-h] --role ROLE --name NAME")
    assert "Add a staff user by Telegram user id." in said
    assert "--role ROLE          admin, manager, agent, viewer, or as the bot names it" in said


def test_a_bare_command_group_prints_its_help_in_the_installation_language(capsys,
                                                                           monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    assert main(["pipeline"]) == 2
    said = capsys.readouterr().out
    assert said.startswith("用法：crm pipeline [-h] ACTION ...")
    assert "add-stage    添加阶段。" in said


@pytest.mark.parametrize("locale", LOCALES)
def test_every_command_help_runs_and_is_wholly_in_the_language(capsys, monkeypatch,
                                                               locale: str) -> None:
    monkeypatch.setenv("CRM_LOCALE", locale)
    every = list(commands(build_parser(locale)))
    assert len(every) > 50 and ("pipeline", "add-stage") in every
    usage = "用法：" if locale == "zh-CN" else "usage: "
    for path in every:
        said = helped(capsys, *path)
        assert said.startswith(f"{usage}crm {' '.join(path)}".rstrip()), path
        assert "cli_help." not in said and "cli_args." not in said, path
        if locale == "en":
            assert not re.search(r"用法|参数|选项|显示本帮助", said), path


@pytest.mark.parametrize("locale", LOCALES)
def test_help_headings_end_with_the_colon_of_their_language(capsys, monkeypatch,
                                                            locale: str) -> None:
    """参数：and 选项：(Chinese takes the full-width colon); positional arguments: and options:."""
    monkeypatch.setenv("CRM_LOCALE", locale)
    headings = {"zh-CN": ("参数：", "选项："), "en": ("positional arguments:", "options:")}
    for path in commands(build_parser(locale)):
        said = helped(capsys, *path)
        assert not re.search(r"(?m)^ *\S*[\u4e00-\u9fff]:$", said), path
        assert "\n" + headings[locale][1] + "\n" in said, path


def command_at(parser: CommandParser, path: tuple[str, ...]) -> CommandParser:
    """The parser of the command typed as ``path`` after `crm`."""
    for name in path:
        parser = parser.sub_commands[name]
    return parser


def unexplained(command: CommandParser) -> list[str]:
    """The arguments of ``command`` its --help leaves blank (a sub-command choice counts as
    one: the list of sub-commands shows each one's help, not the COMMAND line's own)."""
    blank = []
    for action in command._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            blank += [choice.dest for choice in action._choices_actions if not choice.help]
        elif not action.help or action.help == argparse.SUPPRESS:
            blank.append("/".join(action.option_strings) or action.metavar or action.dest)
    return blank


@pytest.mark.parametrize("locale", LOCALES)
def test_every_argument_of_every_command_is_explained(locale: str) -> None:
    parser = build_parser(locale)
    blank = {path: unexplained(command_at(parser, path)) for path in commands(parser)}
    assert {path: names for path, names in blank.items() if names} == {}


def test_add_stage_help_explains_its_names_kind_and_pipeline(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    said = helped(capsys, "pipeline", "add-stage")
    assert "  name_zh               阶段的中文名称\n" in said
    assert "--pipeline ID         销售管道在 crm pipeline show 中 # 后的编号" in said
    monkeypatch.setenv("CRM_LOCALE", "en")
    said = helped(capsys, "pipeline", "add-stage")
    assert "  name_en               the stage's name in English\n" in said
    assert "--kind {open,won,lost}\n                        open for a stage deals move" in said


def test_every_chinese_help_text_is_chinese() -> None:
    """No text falls back to English: a description and every argument's help."""
    parser = build_parser("zh-CN")
    for path in commands(parser):
        command = command_at(parser, path)
        texts = [command.description, *(action.help for action in command._actions)]
        for text in filter(None, texts):
            assert CHINESE.search(text), (path, text)


def test_chinese_help_is_wrapped_to_the_terminal_width(capsys, monkeypatch) -> None:
    """A Chinese character takes two columns: no line may run past the terminal's edge."""
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    monkeypatch.setenv("COLUMNS", "60")
    for path in (("export",), ("report",), ("keys", "rotate"), ()):
        said = helped(capsys, *path)
        widest = max(said.splitlines(), key=columns)
        assert columns(widest) <= 60, widest


def test_help_from_a_fresh_process_follows_the_config(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('locale = "zh-CN"\n', encoding="utf-8")
    source = Path(bot.__file__).parent.parent
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CRM_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "report", "--help"], capture_output=True, text=True,
        check=False, cwd=tmp_path, env={**environment, "PYTHONPATH": str(source)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("用法：crm report")
    assert "把报表写成带图表的 XLSX 工作簿（KIND：funnel、pipeline、" in result.stdout
