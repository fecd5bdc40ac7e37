"""`crm import` and `crm export` from the shell: the dry run, the question, --yes with a mode,
the rejected rows beside the file, and exports written as XLSX or CSV."""

from __future__ import annotations

import csv
import io
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from crm import customers
from storage.database import fetch_all
from tests.conftest import without_outside_settings
from tests.crm.import_files import csv_file, read_sheet, xlsx_file

CHECKOUT = Path(__file__).resolve().parents[2]
ROWS = [["姓名", "手机", "生日", "标签"], ["王小明", "13800138000", "1990-03-07", "VIP"],
        ["李娜", "13900139000", "1990-13-45", ""], ["张伟", "13700137000", "", "VIP"]]


@pytest.fixture(autouse=True)
def _installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A fresh installation in a temporary folder, English output."""
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "en")
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert main(["user", "add", "100", "--role", "manager", "--name", "Boss"]) == 0
    assert main(["user", "add", "200", "--role", "agent", "--name", "Li"]) == 0
    capsys.readouterr()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def names() -> list[str]:
    return sorted(r[0] for r in fetch_all("select name from customer"))


def test_import_shows_the_dry_run_and_asks(capsys, tmp_path, monkeypatch) -> None:
    source = tmp_path / "客户.csv"
    source.write_bytes(csv_file(ROWS, encoding="gbk"))
    monkeypatch.setattr("bot.terminal.read_answer", lambda prompt: "n")
    code, out, _ = run(capsys, "import", str(source))
    assert code == 1 and "3 rows — 2 new, 0 already on file" in out
    assert "row 3: 生日: 1990-13-45 is not a date" in out and names() == []
    monkeypatch.setattr("bot.terminal.read_answer", lambda prompt: "y")
    code, out, _ = run(capsys, "import", str(source), "--as", "100")
    assert code == 0 and "2 created, 0 updated, 0 skipped, 1 not imported" in out
    assert names() == ["张伟", "王小明"]
    report = read_sheet((tmp_path / "客户.rejected.xlsx").read_bytes())
    assert report[1][0] == "李娜" and "not a date" in report[1][-1]
    owners = {r[0] for r in fetch_all("select owner_id from customer")}
    assert owners == {fetch_all("select id from staff_user where telegram_id = 100")[0][0]}


def test_import_with_yes_needs_a_mode_for_existing_customers(capsys, tmp_path) -> None:
    source = tmp_path / "list.csv"
    source.write_bytes(csv_file(ROWS[:2]))
    assert run(capsys, "import", str(source), "--yes")[0] == 0
    source.write_bytes(csv_file([ROWS[0], ["王小明", "13800138000", "", "老客户"]]))
    code, out, _ = run(capsys, "import", str(source), "--yes")
    assert code == 1 and "choose --update or --skip-existing" in out
    code, out, _ = run(capsys, "import", str(source), "--yes", "--update")
    assert code == 0 and "0 created, 1 updated" in out
    [row] = fetch_all("select id from customer")
    from crm.actors import Actor

    assert customers.get_customer(Actor.system(), row[0]).tags == ("VIP", "老客户")
    code, _, err = run(capsys, "import", str(source), "--as", "200", "--yes")
    assert code == 1 and "Only managers and admins can import." in err


def test_an_import_handing_customers_to_another_owner_tells_them_once(capsys, tmp_path) -> None:
    source = tmp_path / "owners.csv"
    source.write_bytes(csv_file([["姓名", "手机", "负责人"], ["王小明", "13800138000", "Boss"],
                                 ["张伟", "13700137000", "Boss"]]))
    assert run(capsys, "import", str(source), "--yes")[0] == 0
    source.write_bytes(csv_file([["姓名", "手机", "负责人"], ["王小明", "13800138000", "Li"],
                                 ["张伟", "13700137000", "Li"]]))
    code, out, _ = run(capsys, "import", str(source), "--yes", "--update", "--as", "100")
    assert code == 0 and "0 created, 2 updated" in out
    [(who, code, params)] = fetch_all(
        "select s.telegram_id, n.code, n.params from notification n"
        " join staff_user s on s.id = n.staff_id")
    assert (who, code) == (200, "handover.customers")
    assert '"count": 2' in params and '"by": "Boss"' in params


def _crm(*argv: str, stdin: int) -> subprocess.Popen:
    """The real `crm` command in a process of its own (so its standard input is real), run
    from this checkout whatever the installed copy."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, (str(CHECKOUT), os.environ.get("PYTHONPATH"))))}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", *argv], stdin=stdin, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_ctrl_c_as_at_a_terminal)


def _ctrl_c_as_at_a_terminal() -> None:
    """Ctrl-C reaches the command as it does at a terminal, even when these tests run in the
    background: a shell starts a background job with Ctrl-C ignored, the command would inherit
    that, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _until_asked(process: subprocess.Popen, question: bytes, timeout: float = 60) -> bytes:
    """What the process printed up to its question (which has no line end)."""
    shown, deadline = b"", time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while question not in shown:
            assert time.monotonic() < deadline and process.poll() is None, shown
            if selector.select(timeout=1):
                shown += os.read(process.stdout.fileno(), 4096)
    return shown


def _nothing_pending(tmp_path: Path) -> None:
    """The preview is cancelled: its job says so and its copy of the file is gone."""
    assert fetch_all("select status from import_job") == [("cancelled",)]
    kept = tmp_path / "data" / "imports"
    assert not kept.exists() or list(kept.iterdir()) == []


def test_import_with_nobody_to_answer_cancels_the_preview(tmp_path) -> None:
    source = tmp_path / "list.csv"
    source.write_bytes(csv_file(ROWS))
    process = _crm("import", str(source), "--rejects", str(tmp_path / "fix.xlsx"),
                   stdin=subprocess.DEVNULL)
    out, err = (stream.decode() for stream in process.communicate(timeout=120))
    assert process.returncode == 1 and "Traceback" not in err
    assert "error: no answer to the question" in err and "--yes" in err
    assert "--skip-existing" in err  # the import's own way round the question
    assert "nothing imported; the preview was cancelled" in out and names() == []
    report = read_sheet((tmp_path / "fix.xlsx").read_bytes())
    assert report[1][0] == "李娜" and "not a date" in report[1][-1]
    _nothing_pending(tmp_path)


def test_ctrl_c_at_the_question_cancels_the_preview(tmp_path) -> None:
    source = tmp_path / "list.csv"
    source.write_bytes(csv_file(ROWS))
    process = _crm("import", str(source), stdin=subprocess.PIPE)
    shown = _until_asked(process, b"[y/n]")
    # At once, as the question shows: a Ctrl-C before the answer is being read is seen too.
    process.send_signal(signal.SIGINT)
    # Its exit is awaited before its input is closed: on a busy machine the end of input could
    # otherwise reach the question first and be taken as no answer.
    process.wait(timeout=60)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and b"Traceback" not in err, err
    assert b"the preview was cancelled" in shown + out and names() == []
    assert (tmp_path / "list.rejected.xlsx").exists()
    _nothing_pending(tmp_path)


def _many_rows(count: int) -> bytes:
    """A file large enough to take a few seconds to check and to write."""
    return csv_file([["姓名", "手机", "公司"]] +
                    [[f"客户{i}", f"137{i:08d}", f"公司{i % 300}"] for i in range(count)])


def _until_error_output(process: subprocess.Popen, text: bytes, timeout: float = 120) -> bytes:
    """What the process wrote to standard error up to ``text``."""
    shown, deadline = b"", time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while text not in shown:
            assert time.monotonic() < deadline and process.poll() is None, shown
            if selector.select(timeout=1):
                shown += os.read(process.stderr.fileno(), 4096)
    return shown


def test_ctrl_c_while_the_file_is_checked_ends_cleanly_with_nothing_kept(tmp_path) -> None:
    source = tmp_path / "big.csv"
    source.write_bytes(_many_rows(60_000))
    process = _crm("import", str(source), "--yes", stdin=subprocess.DEVNULL)
    _until_error_output(process, b"%")  # checking the rows
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and b"Traceback" not in err, err
    assert b"interrupted (Ctrl-C)" in err and names() == []
    assert fetch_all("select count(*) from import_job") == [(0,)]


def test_ctrl_c_while_writing_imports_nothing_and_cancels_the_preview(tmp_path) -> None:
    source = tmp_path / "big.csv"
    source.write_bytes(_many_rows(40_000))
    process = _crm("import", str(source), "--yes", stdin=subprocess.DEVNULL)
    shown = _until_error_output(process, b"100%")  # the dry run has checked every row
    shown += _until_error_output(process, b"%")  # and the confirmation has begun
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and b"Traceback" not in shown + err, err
    assert b"the preview was cancelled" in out and names() == []
    _nothing_pending(tmp_path)


def test_import_refuses_what_is_not_a_spreadsheet(capsys, tmp_path) -> None:
    source = tmp_path / "photo.csv"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    code, _, err = run(capsys, "import", str(source), "--yes")
    assert code == 1 and "is not a spreadsheet" in err and names() == []


def test_export_writes_xlsx_and_csv_with_filters(capsys, tmp_path) -> None:
    source = tmp_path / "list.csv"
    source.write_bytes(csv_file(ROWS))
    run(capsys, "import", str(source), "--yes")
    code, out, _ = run(capsys, "export", "customers", "-o", str(tmp_path / "all.xlsx"))
    assert code == 0 and "customers: 2 rows written" in out
    rows = read_sheet((tmp_path / "all.xlsx").read_bytes())
    assert rows[0][:2] == ["id", "name"] and sorted(r[1] for r in rows[1:]) == ["张伟", "王小明"]
    code, out, _ = run(capsys, "export", "customers", "--tag", "VIP", "--since", "2000-01-01",
                       "-o", str(tmp_path / "vip.csv"))
    content = (tmp_path / "vip.csv").read_bytes()
    assert code == 0 and content.startswith(b"\xef\xbb\xbf")
    assert len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) == 3
    code, _, err = run(capsys, "export", "deals", "--status", "lead", "-o", str(tmp_path / "x"))
    assert code == 1 and "Filter deals by one of: open, won, lost" in err
    assert not (tmp_path / "x").exists()
    code, _, err = run(capsys, "export", "customers", "--as", "200", "-o", str(tmp_path / "y"))
    assert code == 1 and "Only managers and admins can export." in err
    assert not (tmp_path / "y").exists()


def test_an_export_that_matches_nothing_writes_no_file_and_says_why(capsys, tmp_path) -> None:
    source = tmp_path / "list.csv"
    source.write_bytes(csv_file(ROWS))
    run(capsys, "import", str(source), "--yes")
    code, out, err = run(capsys, "export", "customers", "--tag", "nobody-has-it",
                         "-o", str(tmp_path / "vip.xlsx"))
    assert code == 1 and "No customers match these filters: nothing was exported." in err
    assert "written" not in out and not (tmp_path / "vip.xlsx").exists()
    code, out, err = run(capsys, "export", "deals", "-o", "-")
    assert code == 1 and out == "" and "There are no deals you may see yet" in err


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_export_takes_kinds_and_statuses_as_the_files_write_them(capsys, tmp_path, monkeypatch,
                                                                 locale) -> None:
    monkeypatch.setenv("CRM_LOCALE", locale)  # Chinese words are read whatever the language
    source = tmp_path / "客户.csv"
    source.write_bytes(csv_file([["姓名", "手机", "状态"], ["王小明", "13800138000", "意向客户"],
                                 ["张伟", "13700137000", "线索"]]))
    run(capsys, "import", str(source), "--yes")
    code, _, err = run(capsys, "export", "客户", "--status", "潜在客户",
                       "-o", str(tmp_path / "prospects.csv"))
    content = (tmp_path / "prospects.csv").read_bytes().decode("utf-8-sig")
    assert code == 0, err
    assert [row[1] for row in csv.reader(io.StringIO(content))][1:] == ["王小明"]


@pytest.mark.parametrize("locale, words", [
    ("en", ["There is no export called “天气”. Choose one of: customers, interactions, deals"]),
    ("zh-CN", ["没有叫“天气”的导出内容。可以导出：客户、跟进记录、商机、订单"])])
def test_an_unknown_export_kind_lists_the_kinds_in_the_operators_words(capsys, tmp_path,
                                                                       monkeypatch, locale,
                                                                       words) -> None:
    monkeypatch.setenv("CRM_LOCALE", locale)
    code, _, err = run(capsys, "export", "天气", "-o", str(tmp_path / "x.xlsx"))
    assert code == 1 and all(word in err for word in words), err
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("locale, expected", [
    ("en", "error: No staff member is called “Maxx”."), ("zh-CN", "没有名为“Maxx”的员工")])
def test_an_unknown_owner_is_named_as_nobody_on_the_staff(capsys, tmp_path, monkeypatch,
                                                          locale, expected) -> None:
    monkeypatch.setenv("CRM_LOCALE", locale)
    code, _, err = run(capsys, "export", "customers", "--owner", "Maxx",
                       "-o", str(tmp_path / "x.xlsx"))
    assert code == 1 and expected in err and "staff" not in err.replace("staff member", "")
    assert not (tmp_path / "x.xlsx").exists()


def _two_staff_called_li(capsys) -> None:
    assert main(["user", "add", "301", "--role", "agent", "--name", "李娜",
                 "--username", "lina"]) == 0
    assert main(["user", "add", "302", "--role", "agent", "--name", "李雷"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("locale, expected", [
    ("en", "“李” could be any of 李娜 (301), 李雷 (302); give their Telegram id instead."),
    ("zh-CN", "“李”对应多位员工：李娜（301）、李雷（302）。请改用其 Telegram ID。")])
def test_an_export_owner_several_staff_share_lists_them_with_their_ids(capsys, tmp_path,
                                                                      monkeypatch, locale,
                                                                      expected) -> None:
    _two_staff_called_li(capsys)
    monkeypatch.setenv("CRM_LOCALE", locale)
    code, _, err = run(capsys, "export", "customers", "--owner", "李",
                       "-o", str(tmp_path / "x.xlsx"))
    assert code == 1 and expected in err, err
    assert not (tmp_path / "x.xlsx").exists()


def test_import_owner_cells_name_staff_as_the_command_line_does(capsys, tmp_path,
                                                                monkeypatch) -> None:
    """A whole name, an @username or a Telegram id gives the row its owner; a shortened name
    (李 for 李娜 or 李雷: a file may hold a former colleague's) or a name nobody has refuses
    the row with the command line's words in the operator's language."""
    _two_staff_called_li(capsys)
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    source = tmp_path / "owners.csv"
    source.write_bytes(csv_file([
        ["姓名", "手机", "负责人"], ["王小明", "13800138000", "@lina"],
        ["张伟", "13700137000", "302"], ["赵敏", "13600136000", "李雷"],
        ["周杰", "13500135000", "李"], ["吴磊", "13400134000", "无此人"]]))
    code, _, _ = run(capsys, "import", str(source), "--yes", "--as", "100")
    owners = dict(fetch_all("select c.name, s.telegram_id from customer c"
                            " join staff_user s on s.id = c.owner_id"))
    assert code == 0 and owners == {"王小明": 301, "张伟": 302, "赵敏": 302}
    report = read_sheet((tmp_path / "owners.rejected.xlsx").read_bytes())
    reasons = {row[0]: row[-1] for row in report[1:]}
    assert "没有名为“李”的员工。" in reasons["周杰"]
    assert "没有名为“无此人”的员工。" in reasons["吴磊"]


def test_a_chinese_tickets_export_has_every_coded_column_in_chinese(capsys, tmp_path,
                                                                     monkeypatch) -> None:
    from crm import service, users
    from crm.service import PortalUser
    from tests.crm.cast import customer

    boss = users.identify(100).as_actor()
    service.open_ticket(boss, customer(boss, "王小明").id, "发票", priority="urgent")
    service.open_customer_ticket(PortalUser(70001, "Alice"), "打印机坏了")
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, _, _ = run(capsys, "export", "tickets", "-o", str(tmp_path / "t.xlsx"))
    rows = read_sheet((tmp_path / "t.xlsx").read_bytes())
    by_heading = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert code == 0
    assert [(r["工单状态"], r["优先级"], r["渠道"]) for r in by_heading] == [
        ("新建", "紧急", "员工创建"), ("新建", "普通", "Telegram（客户提交）")]


def test_an_update_counts_the_customers_the_file_had_nothing_new_for(capsys, tmp_path,
                                                                      monkeypatch) -> None:
    source = tmp_path / "名单.csv"
    source.write_bytes(csv_file([ROWS[0], ROWS[1], ROWS[3]]))
    assert run(capsys, "import", str(source), "--yes")[0] == 0
    source.write_bytes(csv_file([ROWS[0], ["王小明", "13800138000", "", "老客户"], ROWS[3],
                                 ["刘洋", "13911112222", "", ""]]))
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, out, _ = run(capsys, "import", str(source), "--yes", "--update")
    # 3 rows: one new, one updated, one already as the file says; the line adds up to 3.
    assert code == 0 and "新建 1，更新 1，没有新内容 1，未导入 0" in out


def test_an_export_imported_again_names_its_bookkeeping_columns_as_left_out(
        capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    source = tmp_path / "list.csv"
    source.write_bytes(csv_file(ROWS))
    run(capsys, "import", str(source), "--yes")
    run(capsys, "export", "客户", "-o", str(tmp_path / "客户.xlsx"))
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    _, out, _ = run(capsys, "import", str(tmp_path / "客户.xlsx"))
    assert "不导入（导出文件自带的记录列，只读）：创建时间" in out
    assert "无法识别" not in out


def test_the_dry_run_of_a_workbook_of_several_sheets_names_the_sheet_read(
        capsys, tmp_path, monkeypatch) -> None:
    source = tmp_path / "list.xlsx"
    source.write_bytes(xlsx_file([["Name", "Phone"], ["Wang Wu", "13800138000"]],
                                 sheet="2024", after=[("2023", [["Name", "Phone"],
                                                                ["Zhao Liu", "13900139000"]])]))
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    _, out, _ = run(capsys, "import", str(source))
    assert "list.xlsx: 1 row — 1 new" in out
    assert "read from the sheet “2024” (the workbook has 2: 2024, 2023); if the list is on" \
        " another sheet, move it first" in out, out


def test_a_chinese_dry_run_lists_the_columns_it_cannot_place_with_the_enumeration_comma(
        capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    source = tmp_path / "list.csv"
    source.write_bytes(csv_file([["姓名", "手机", "客户等级", "介绍人"],
                                 ["王小明", "13800138000", "A", "老李"]]))
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    _, out, _ = run(capsys, "import", str(source))
    assert "记入新客户的备注：客户等级、介绍人" in out, out


def test_export_to_a_dash_writes_csv_to_standard_output_not_a_file(capsys, tmp_path) -> None:
    source = tmp_path / "list.csv"
    source.write_bytes(csv_file(ROWS))
    run(capsys, "import", str(source), "--yes")
    code, out, err = run(capsys, "export", "customers", "-o", "-", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))
    assert code == 0 and sorted(row[1] for row in rows[1:]) == ["张伟", "王小明"]
    assert err.strip() == "customers: 2 rows written to standard output"
    assert not (tmp_path / "-").exists()


class _Pipe(io.TextIOWrapper):
    """Standard output into a pipe (bytes kept), or a terminal."""

    def __init__(self, terminal: bool) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8")
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def test_an_xlsx_export_to_standard_output_goes_into_a_pipe_but_not_onto_a_terminal(
        capsys, tmp_path, monkeypatch) -> None:
    source = tmp_path / "list.csv"
    source.write_bytes(csv_file(ROWS))
    run(capsys, "import", str(source), "--yes")
    monkeypatch.setattr("sys.stdout", pipe := _Pipe(terminal=False))
    assert main(["export", "customers", "-o", "-", "--format", "xlsx"]) == 0
    rows = read_sheet(pipe.buffer.getvalue())
    assert sorted(row[1] for row in rows[1:]) == ["张伟", "王小明"]
    monkeypatch.setattr("sys.stdout", screen := _Pipe(terminal=True))
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    assert main(["export", "客户", "-o", "-", "--format", "xlsx"]) == 1
    assert screen.buffer.getvalue() == b""
    assert "XLSX 是二进制文件，不能输出到终端" in capsys.readouterr().err
    assert not (tmp_path / "-").exists()
