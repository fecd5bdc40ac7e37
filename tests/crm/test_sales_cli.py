"""The sales settings from the shell: `crm pipeline`, `crm assignment`, `crm product`."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from bot import cli, cli_sales
from crm import sales
from tests.conftest import without_outside_settings
from tests.crm.cast import SYSTEM


@pytest.fixture(autouse=True)
def _installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A fresh installation with the sales commands registered."""
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "en")
    monkeypatch.chdir(tmp_path)
    if not hasattr(cli, "cli_sales"):  # until bot/cli.py registers the sales commands
        original = cli.cli_keys.register

        def both(add) -> None:
            original(add)
            cli_sales.register(add)

        monkeypatch.setattr(cli.cli_keys, "register", both)
    assert cli.main(["init"]) == 0
    assert cli.main(["user", "add", "100", "--role", "admin", "--name", "Boss"]) == 0
    assert cli.main(["user", "add", "201", "--role", "agent", "--name", "Li Na"]) == 0
    capsys.readouterr()


def test_the_pipeline_is_changed_from_the_shell() -> None:
    assert cli.main(["pipeline", "show"]) == 0
    assert cli.main(["pipeline", "add-stage", "样品", "Trial", "--probability", "50"]) == 0
    stages = sales.get_pipeline(SYSTEM).stages
    assert [s.name_en for s in stages][5:] == ["Trial", "Won", "Lost"]
    assert cli.main(["pipeline", "probability", str(stages[0].id), "15"]) == 0
    assert cli.main(["pipeline", "rename-stage", str(stages[1].id), "--en", "Reached"]) == 0
    assert cli.main(["pipeline", "archive-stage", str(stages[5].id)]) == 0
    after = sales.get_pipeline(SYSTEM).stages
    assert (after[0].probability, after[1].name_en, len(after)) == (15, "Reached", 7)
    assert cli.main(["pipeline", "probability", str(stages[0].id), "150"]) == 1


def test_an_archived_stage_is_listed_with_the_number_that_brings_it_back(capsys) -> None:
    assert cli.main(["pipeline", "add-stage", "样品", "Trial", "--probability", "50"]) == 0
    trial = sales.get_pipeline(SYSTEM).stages[5]
    assert cli.main(["pipeline", "archive-stage", str(trial.id)]) == 0
    capsys.readouterr()
    assert cli.main(["pipeline", "show"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[-2:] == ["Archived (crm pipeline restore-stage takes the number after #):",
                          f"  #{trial.id}  样品 / Trial"]
    assert cli.main(["pipeline", "restore-stage", str(trial.id)]) == 0
    capsys.readouterr()
    assert cli.main(["pipeline", "show"]) == 0
    assert "Archived" not in capsys.readouterr().out


def test_assignment_and_products_are_set_from_the_shell() -> None:
    assert cli.main(["assignment", "mode", "rules", "--fallback", "201"]) == 0
    assert cli.main(["assignment", "add-rule", "city", "深圳", "201"]) == 0
    assert cli.main(["assignment", "show"]) == 0
    settings = sales.get_assignment_settings(SYSTEM)
    assert (settings.mode, [r.value for r in settings.rules]) == ("rules", ["深圳"])
    assert cli.main(["product", "add", "A4 纸", "paper-a4", "25.50"]) == 0
    assert cli.main(["product", "price", "PAPER-A4", "26"]) == 0
    assert cli.main(["product", "deactivate", "paper-a4"]) == 0
    assert cli.main(["product", "list", "--all"]) == 0
    [paper] = sales.list_products(SYSTEM, include_inactive=True)
    assert (paper.unit_price, paper.active) == (Decimal("26.00"), False)
    assert cli.main(["product", "add", "重复", "PAPER-A4", "1"]) == 1


def test_an_english_operator_types_the_words_the_help_gives_as_they_are(capsys,
                                                                       monkeypatch) -> None:
    """English help shows English samples (no 城市 or 深圳), and each works when typed."""
    monkeypatch.setenv("COLUMNS", "200")
    samples = {}
    for command in ("mode", "add-rule"):
        with pytest.raises(SystemExit):
            cli.main(["assignment", command, "--help"])
        said = capsys.readouterr().out
        assert not re.search(r"[\u4e00-\u9fff]", said)
        samples[command] = re.findall(r"as the bot names it \(([^)]+)\)|e\.g\. (\w+)", said)
    [(mode, _)] = samples["mode"]
    [(field, _), (_, value)] = samples["add-rule"]
    assert (mode, field, value) == ("by rules", "City", "Manchester")
    assert cli.main(["assignment", "mode", mode, "--fallback", "Li Na"]) == 0
    assert cli.main(["assignment", "add-rule", field, value, "Li Na"]) == 0
    settings = sales.get_assignment_settings(SYSTEM)
    assert settings.mode == "rules"
    assert [(r.field, r.value) for r in settings.rules] == [("city", "Manchester")]


def test_a_chinese_operator_reads_stage_kinds_and_the_assignment_mode_in_chinese(
        capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    assert cli.main(["pipeline", "show"]) == 0
    shown = capsys.readouterr().out
    assert "赢单" in shown and "输单" in shown and not {"open", "won", "lost"} & set(
        re.findall(r"[a-z]+", shown))
    assert cli.main(["assignment", "mode", "rules", "--fallback", "201"]) == 0
    assert cli.main(["assignment", "add-rule", "city", "深圳", "201"]) == 0
    capsys.readouterr()
    assert cli.main(["assignment", "show"]) == 0
    shown = capsys.readouterr().out
    assert "模式：按规则分配" in shown and "城市 = 深圳" in shown


def test_a_chinese_operator_adds_a_rule_in_chinese_words_for_a_named_agent(
        capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    assert cli.main(["assignment", "mode", "按规则分配", "--fallback", "Li Na"]) == 0
    assert cli.main(["assignment", "add-rule", "城市", "深圳", "li na"]) == 0
    settings = sales.get_assignment_settings(SYSTEM)
    assert settings.mode == "rules"
    assert [(r.field, r.value, r.assignee_name) for r in settings.rules] == [
        ("city", "深圳", "Li Na")]
    capsys.readouterr()
    assert cli.main(["assignment", "add-rule", "颜色", "红", "Li Na"]) == 1
    assert capsys.readouterr().err.strip() == \
        "错误：字段：颜色 不在可选范围内：城市、省份、行业、来源"
    assert cli.main(["assignment", "add-rule", "city", "广州", "王五"]) == 1
    assert capsys.readouterr().err.strip() == "错误：没有名为“王五”的员工。"
    assert len(sales.get_assignment_settings(SYSTEM).rules) == 1


def test_assignment_show_numbers_each_rule_once_with_the_number_move_and_remove_take(
        capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    for city in ("深圳", "广州"):
        assert cli.main(["assignment", "add-rule", "city", city, "201"]) == 0
    capsys.readouterr()
    assert cli.main(["assignment", "show"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "规则（自上而下依次尝试；move-rule、remove-rule 用 # 后的编号）："
    shenzhen, guangzhou = (r.id for r in sales.get_assignment_settings(SYSTEM).rules)
    assert lines[2:] == [f"  #{shenzhen}  城市 = 深圳 → Li Na",
                         f"  #{guangzhou}  城市 = 广州 → Li Na"]
    assert cli.main(["assignment", "remove-rule", str(guangzhou)]) == 0
    assert capsys.readouterr().out.splitlines()[2:] == [f"  #{shenzhen}  城市 = 深圳 → Li Na"]
