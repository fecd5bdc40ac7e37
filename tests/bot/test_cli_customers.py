"""`crm customers bulk-tag` and `crm customers hand-over` from the shell: the count asked
about before anything changes (or --yes), the same filters as crm export, in the
installation's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from storage.database import fetch_all
from tests.conftest import without_outside_settings


@pytest.fixture(autouse=True)
def _installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A fresh installation with a manager, two agents and three of their customers."""
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    for telegram_id, role, name in ((100, "manager", "王经理"), (200, "agent", "李娜"),
                                    (300, "agent", "张伟")):
        assert main(["user", "add", str(telegram_id), "--role", role, "--name", name]) == 0
    source = tmp_path / "客户.csv"
    source.write_text("姓名,手机,标签,负责人,状态\n王小明,13800138000,潜在,李娜,线索\n"
                      "刘洋,13900139000,潜在,李娜,线索\n陈静,13700137000,潜在,张伟,线索\n",
                      encoding="utf-8")
    assert main(["import", str(source), "--yes"]) == 0
    capsys.readouterr()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def tagged(tag: str) -> list[str]:
    return sorted(row[0] for row in fetch_all(
        "select c.name from customer c join customer_tag ct on ct.customer_id = c.id"
        " join tag t on t.id = ct.tag_id where t.name = ?", (tag,)))


def owners() -> dict[str, str]:
    return dict(fetch_all("select c.name, s.name from customer c"
                          " join staff_user s on s.id = c.owner_id"))


def test_bulk_tag_asks_with_the_count_and_a_no_changes_nothing(capsys, monkeypatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr("bot.terminal.read_answer", lambda prompt: asked.append(prompt) or "n")
    code, out, _ = run(capsys, "customers", "bulk-tag", "--add", "华东", "--owner", "李娜")
    assert code == 1 and asked == ["给 2 位客户加标签「华东」？ 输入 y 确认："]
    assert "未确认，未做任何更改。" in out and tagged("华东") == []
    monkeypatch.setattr("bot.terminal.read_answer", lambda prompt: "y")
    code, out, _ = run(capsys, "customers", "bulk-tag", "--add", "华东", "--owner", "李娜",
                       "--status", "线索")
    assert code == 0 and "✅ 已给 2 位客户加上标签「华东」。" in out
    assert tagged("华东") == ["刘洋", "王小明"]
    code, out, _ = run(capsys, "customers", "bulk-tag", "--remove", "潜在", "--yes")
    assert code == 0 and "✅ 已从 3 位客户去掉标签「潜在」。" in out and tagged("潜在") == []


def test_hand_over_moves_the_chosen_customers_to_the_named_member(capsys) -> None:
    code, out, _ = run(capsys, "customers", "hand-over", "--to", "张伟", "--tag", "潜在", "--yes")
    assert code == 0 and "✅ 已把 2 位客户移交给 张伟" in out
    assert "另有 1 位本来就由 张伟 负责。" in out
    assert set(owners().values()) == {"张伟"}
    assert fetch_all("select reason from lead_assignment where reason = 'bulk'") == \
        [("bulk",), ("bulk",)]


def test_wrong_input_is_said_in_the_operators_language_and_changes_nothing(capsys) -> None:
    before = owners()
    code, _, err = run(capsys, "customers", "hand-over", "--to", "没有这个人", "--yes")
    assert code == 1 and "没有名为“没有这个人”的员工" in err
    code, _, err = run(capsys, "customers", "bulk-tag", "--add", "华东", "--status", "大客户",
                       "--yes")
    assert code == 1 and "大客户" in err
    code, _, err = run(capsys, "customers", "hand-over", "--to", "李娜", "--as", "200", "--yes")
    assert code == 1 and "只有经理和管理员可以把工作交给他人。" in err  # an agent hands none over
    assert owners() == before and tagged("华东") == []


def test_nobody_to_answer_changes_nothing(capsys, monkeypatch) -> None:
    def closed(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("bot.terminal.read_answer", closed)
    code, _, err = run(capsys, "customers", "bulk-tag", "--add", "华东")
    assert code == 1 and "--yes" in err and tagged("华东") == []
