"""Import and export in the chat, through the real Application: send a file, read the dry run,
confirm with a button (typing "yes" confirms nothing), get the result and the rejected rows;
/export sends a file. In Chinese and in English."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import itertools
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest
from telegram import Update

from bot import app as bot_app
from bot.i18n import t
from crm import customers, runtime, users
from crm.actors import Actor
from crm.config import load_config
from storage.database import fetch_one
from tests.bot.harness import ChatHarness, Reply
from tests.conftest import TEST_SECRET
from tests.crm.cast import SYSTEM, customer
from tests.crm.import_files import csv_file, read_sheet, xlsx_file

MANAGER, AGENT, VIEWER = 7101, 7102, 7103
ROWS = [["客户名称", "手机号", "邮箱", "出生日期", "标签", "客户等级"],
        ["王小明", "13800138000", "wang@example.com", "1990-03-07", "VIP", "A"],
        ["李娜", "13900139000", "", "1990-13-45", "", "B"],
        ["张伟", "13700137000", "", "", "VIP", ""]]
WORDS = {  # what each language shows, so both are checked the same way
    "en": {"new": "New customers: 2", "invalid": "Cannot be imported: 1", "unknown": "客户等级",
           "problem": "row 3: 出生日期: 1990-13-45 is not a date", "skip": "Import 2 customers",
           "done": "imported", "reason": "Reason", "cancel": "Cancel",
           "cancelled": "Import cancelled", "not_allowed": "Only managers and admins can import.",
           "too_large": "files up to 20 MB", "not_sheet": "is not a spreadsheet",
           "customers": "customers", "customers_label": "Customers", "name": "name",
           "status_value": "lead",
           "confirm": "Import, or cancel", "choose": "existing customers are updated",
           "finished": "already confirmed or cancelled"},
    "zh-CN": {"new": "新客户：2", "invalid": "无法导入：1", "unknown": "客户等级",
              "problem": "第 3 行：出生日期：1990-13-45", "skip": "导入 2 位客户",
              "done": "已导入", "reason": "原因", "cancel": "取消", "cancelled": "已取消导入",
              "not_allowed": "只有经理和管理员可以导入数据。", "too_large": "最大可导入 20 MB",
              "not_sheet": "不是表格文件", "customers": "客户", "customers_label": "客户",
              "name": "姓名",
              "status_value": "线索", "confirm": "请确认导入", "choose": "用文件更新已有客户",
              "finished": "已经确认或取消过了"},
}


@pytest.fixture
def chat(db: peewee.Database, tmp_path: Path) -> Iterator[ChatHarness]:
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY": TEST_SECRET,
                                           "CRM_DATA_DIR": str(tmp_path / "data")},
                                  look_in_cwd=False))
    for telegram_id, role, name in ((MANAGER, "manager", "王经理"), (AGENT, "agent", "李娜"),
                                    (VIEWER, "viewer", "赵敏")):
        users.add_user(Actor.system(), telegram_id, role, name)
    harness = ChatHarness(db)
    yield harness
    harness.close()


def sent(replies: list[Reply], method: str = "sendMessage") -> list[Reply]:
    return [r for r in replies if r.method == method]


def document(replies: list[Reply]) -> tuple[str, bytes]:
    [reply] = sent(replies, "sendDocument")
    [(name, content, _)] = reply.params["_files"].values()
    return name, content


def customer_count() -> int:
    return fetch_one("select count(*) from customer")[0]


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_send_a_file_preview_confirm_with_a_button_and_get_the_rejects(chat, locale) -> None:
    words = WORDS[locale]
    chat.send(MANAGER, "/start", language=locale)
    replies = chat.send_document(MANAGER, "客户名单.csv", content=csv_file(ROWS, encoding="gbk"))
    progress = [r.text for r in replies if r.text.startswith(("⏳", "✅"))]
    assert progress[0].startswith("⏳") and progress[-1].startswith("✅")  # one message, edited
    preview = sent(replies)[-1]
    for key in ("new", "invalid", "unknown", "problem", "confirm"):
        assert words[key] in preview.text, (key, preview.text)
    assert words["choose"] not in preview.text  # nobody on file: no update-or-skip choice
    assert customer_count() == 0
    assert sent(chat.send(MANAGER, "yes")) and customer_count() == 0  # typing is not pressing
    replies = chat.press(MANAGER, preview.button(words["skip"]))
    assert customer_count() == 2
    assert any(words["done"] in r.text for r in sent(replies))
    name, content = document(replies)
    assert name == "客户名单.rejected.xlsx"
    report = read_sheet(content)
    assert report[0][-1] == words["reason"] and report[1][:3] == ["李娜", "13900139000", ""]
    assert "1990-13-45" in report[1][-1]
    # A second press imports nothing; its spinner was stopped before the refusal was known,
    # so the refusal is said in the chat (Telegram takes one answer to a press).
    again = chat.press(MANAGER, preview.button(words["skip"]))
    assert customer_count() == 2 and words["finished"] in sent(again)[-1].text


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_existing_customers_offer_update_or_skip_and_cancel_keeps_nothing(chat, locale) -> None:
    manager = users.identify(MANAGER).as_actor()
    customer(manager, "王小明", phones=("13800138000",))
    chat.send(MANAGER, "/start", language=locale)
    workbook = xlsx_file([["客户名单"], *ROWS[:2], ["新客户", 13600136000.0, None, None, None]],
                         merges=["A1:F1"])
    preview = sent(chat.send_document(MANAGER, "名单.xlsx", content=workbook))[-1]
    assert len(preview.buttons) == 3  # update, skip, cancel
    assert WORDS[locale]["choose"] in preview.text
    replies = chat.press(MANAGER, preview.button(WORDS[locale]["cancel"]))
    assert any(WORDS[locale]["cancelled"] in r.text for r in replies)
    assert customer_count() == 1 and not list((runtime.config().data_dir / "imports").glob("*"))
    preview = sent(chat.send_document(MANAGER, "名单.xlsx", content=workbook))[-1]
    chat.press(MANAGER, next(v for _, v in preview.buttons if v.endswith(":u")))
    assert customer_count() == 2
    card = customers.search_customers(manager, "王小明").items[0]
    assert customers.get_customer(manager, card.id).tags == ("VIP",)


@pytest.mark.parametrize(("locale", "notice"), [
    ("zh-CN", "请留意（1 行）：</b>\n• 第 2 行：出生年月：1975年3月 没有具体日期："
              "生日留空，年月记入新客户的备注"),
    ("en", "To note (1 row):</b>\n• row 2: 出生年月: 1975年3月 has no day: the birthday is left"
           " empty and the new customer's notes keep the year and month")])
def test_a_year_and_month_birthday_is_imported_with_a_word_in_the_dry_run(chat, locale,
                                                                         notice) -> None:
    chat.send(MANAGER, "/start", language=locale)
    rows = [["姓名", "手机", "出生年月"], ["王小明", "13800138000", "1975年3月"]]
    preview = sent(chat.send_document(MANAGER, "名单.csv", content=csv_file(rows)))[-1]
    assert notice in preview.text, preview.text
    chat.press(MANAGER, preview.buttons[0][1])
    card = customers.search_customers(users.identify(MANAGER).as_actor(), "王小明").items[0]
    assert customers.get_customer(SYSTEM, card.id).notes == "出生年月: 1975年3月"


@pytest.mark.parametrize(("locale", "notice"), [
    ("zh-CN", "• 第 2 行：出生年月：1985.1 没有具体日期，且是数字：Excel 会把输入的 1985.10 也存成"
              " 1985.1，月份是1月还是10月无法分辨。"),
    ("en", "• row 2: 出生年月: 1985.1 has no day, and it is a number: Excel stores a typed"
           " 1985.10 as 1985.1 too, so the month is January or October.")])
def test_a_year_and_month_excel_made_a_number_of_is_imported_with_its_doubt_said(
        chat, locale, notice) -> None:
    chat.send(MANAGER, "/start", language=locale)
    rows = [["姓名", "手机", "出生年月"], ["王小明", "13800138000", 1985.1]]
    preview = sent(chat.send_document(MANAGER, "名单.xlsx", content=xlsx_file(rows)))[-1]
    assert notice in preview.text, preview.text
    chat.press(MANAGER, preview.buttons[0][1])
    card = customers.search_customers(users.identify(MANAGER).as_actor(), "王小明").items[0]
    assert customers.get_customer(SYSTEM, card.id).notes == "出生年月: 1985.1"


def test_refusals_are_clear_and_fetch_nothing(chat) -> None:
    replies = chat.send_document(MANAGER, "huge.xlsx", size=30 * 1024 * 1024)
    assert WORDS["en"]["too_large"] in sent(replies)[-1].text
    assert not [c for c in chat.stub.calls if c.method in ("getFile", "downloadFile")]
    replies = chat.send_document(MANAGER, "scan.pdf", content=b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    assert WORDS["en"]["not_sheet"] in sent(replies)[-1].text
    for user in (AGENT, VIEWER):
        replies = chat.send_document(user, "list.csv", content=csv_file(ROWS))
        assert [r.text for r in sent(replies)] == [WORDS["en"]["not_allowed"]]
    replies = chat.send(VIEWER, "/import", language="zh-CN")
    assert WORDS["zh-CN"]["not_allowed"] in sent(replies)[0].text
    assert "20 MB" in sent(chat.send(MANAGER, "/import"))[0].text
    assert customer_count() == 0


def test_a_file_with_nothing_to_import_comes_back_at_once(chat) -> None:
    rows = [["姓名", "手机"], ["", "13800138000"], ["坏号", "123"]]
    replies = chat.send_document(MANAGER, "bad.csv", content=csv_file(rows))
    preview = sent(replies)[-1]
    assert "Nothing in this file can be imported" in preview.text and not preview.buttons
    name, content = document(replies)
    assert name == "bad.rejected.xlsx" and len(read_sheet(content)) == 3


@pytest.mark.parametrize(("locale", "words"), [("en", "has an extension"),
                                               ("zh-CN", "分机号写在备注里")])
def test_a_phone_with_an_extension_is_refused_saying_so(chat, locale, words) -> None:
    chat.send(MANAGER, "/start", language=locale)
    rows = [["姓名", "电话"], ["王五", "010-12345678转123"], ["赵六", "13800138000"]]
    preview = sent(chat.send_document(MANAGER, "名单.csv", content=csv_file(rows)))[-1]
    assert "010-12345678转123" in preview.text and words in preview.text, preview.text


@pytest.mark.parametrize(("locale", "words"), [
    ("en", "Formulas without their results: 姓名. The file was written by a program"),
    ("zh-CN", "这些列是公式，文件里没有保存计算结果：姓名。"),
])
def test_a_workbook_of_formulas_without_results_says_so_once(chat, locale, words) -> None:
    chat.send(MANAGER, "/start", language=locale)
    rows = [["电话", "姓名"], ["13800138061", "=A2"], ["13800138062", "=A3"]]
    preview = sent(chat.send_document(MANAGER, "名单.xlsx", content=xlsx_file(rows)))[-1]
    assert preview.text.count(words) == 1, preview.text
    assert preview.text.index("WPS") < preview.text.index("•")  # before the refused rows


@pytest.mark.parametrize(("locale", "words"), [
    ("en", "📄 Read from the sheet “客户名单” (the workbook has 3: 说明, 客户名单, 旧名单)."),
    ("zh-CN", "📄 读取的是工作表“客户名单”（本文件共 3 个工作表：说明、客户名单、旧名单）。"),
])
def test_the_dry_run_of_a_workbook_of_several_sheets_names_the_sheet_read(chat, locale,
                                                                          words) -> None:
    chat.send(MANAGER, "/start", language=locale)
    book = xlsx_file([["姓名", "手机"], ["王五", "13800138063"]], sheet="客户名单",
                     before=[("说明", [["请在下一页填写客户"]])],
                     after=[("旧名单", [["姓名", "手机"], ["赵六", "13800138064"]])])
    preview = sent(chat.send_document(MANAGER, "名单.xlsx", content=book))[-1]
    assert words in preview.text, preview.text
    chat.press(MANAGER, preview.buttons[0][1])
    assert customer_count() == 1 and fetch_one("select name from customer")[0] == "王五"
    one_sheet = xlsx_file([["姓名", "手机"], ["李四", "13800138065"]])
    preview = sent(chat.send_document(MANAGER, "名单.xlsx", content=one_sheet))[-1]
    assert "📄" not in preview.text  # a workbook of one sheet: nothing to mistake


@pytest.mark.parametrize(("locale", "refusal", "settled"), [
    ("en", "• row 2: 生日: 03/04/1990 could be 3 April 1990 (day first) or 4 March 1990 (month"
           " first), and no other row of this column tells which; write it as 1990-04-03 or"
           " 1990-03-04",
     "📅 生日: dates such as 03/04/1990 are read day first (3 April), as row 3 shows"
     " (25/03/1990)"),
    ("zh-CN", "• 第 2 行：生日：03/04/1990 可能是 1990年4月3日（日在前），也可能是 1990年3月4日"
              "（月在前），本列其他行也看不出是哪种写法；请写成 1990-04-03 或 1990-03-04",
     "📅 生日：03/04/1990 这样的日期按日在前读取（4月3日），第 3 行的 25/03/1990 表明了这种写法"),
])
def test_a_date_that_reads_two_ways_is_refused_with_both_unless_the_column_settles_it(
        chat, locale, refusal, settled) -> None:
    chat.send(MANAGER, "/start", language=locale)
    rows = [["姓名", "手机", "生日"], ["王五", "13800138071", "03/04/1990"]]
    preview = sent(chat.send_document(MANAGER, "名单.csv", content=csv_file(rows)))[-1]
    assert refusal in preview.text, preview.text
    rows.append(["赵六", "13800138072", "25/03/1990"])
    preview = sent(chat.send_document(MANAGER, "名单.csv", content=csv_file(rows)))[-1]
    assert settled in preview.text and "•" not in preview.text, preview.text
    chat.press(MANAGER, preview.buttons[0][1])
    assert fetch_one("select birthday from customer where name = '王五'")[0] in (
        dt.date(1990, 4, 3), "1990-04-03")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_export_with_buttons_sends_a_spreadsheet(chat, locale) -> None:
    manager = users.identify(MANAGER).as_actor()
    customer(manager, "王小明", phones=("13800138000",), tags=("VIP",))
    customer(manager, "=cmd|' /C calc'!A0", phones=("13900139000",))
    words = WORDS[locale]
    choose = sent(chat.send(MANAGER, "/export", language=locale))[-1]
    kinds = chat.press(MANAGER, choose.button(words["customers_label"]))
    [formats] = [r for r in kinds if r.method == "editMessageText"]
    replies = chat.press(MANAGER, formats.button("XLSX"))
    name, content = document(replies)
    assert sent(replies, "sendDocument")[0].params["caption"].startswith(
        f"📤 {words['customers_label']}")
    assert name.startswith(words["customers"]) and name.endswith(".xlsx")
    rows = read_sheet(content)
    assert rows[0][1] == words["name"]
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"王小明", "=cmd|' /C calc'!A0"}  # as typed, never run
    assert words["status_value"] in by_name["王小明"]


@pytest.mark.parametrize(("locale", "labels", "question"), [
    ("en", ["Customers", "Interactions", "Deals", "Orders", "Tickets"], "Deals: which format?"),
    ("zh-CN", ["客户", "跟进记录", "商机", "订单", "工单"], "商机：选择格式。")])
def test_the_export_menu_names_each_kind_as_a_label(chat, locale, labels, question) -> None:
    choose = sent(chat.send(MANAGER, "/export", language=locale))[-1]
    assert [label for label, _ in choose.buttons] == labels
    [formats] = [r for r in chat.press(MANAGER, choose.button(labels[2]))
                 if r.method == "editMessageText"]
    assert formats.text.startswith(question)


def test_a_large_export_in_the_chat_is_written_on_the_second_core(chat, monkeypatch) -> None:
    """From the bot's long-work thread a helper process writes the file; the user gets the
    whole sheet, and the progress message ends as finished."""
    from crm import xlsx_helper

    started = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(xlsx_helper.subprocess, "Popen", Recorded)
    monkeypatch.setattr(xlsx_helper, "HELPER_ROWS", 3)
    monkeypatch.setattr(xlsx_helper, "BATCH_ROWS", 2)
    manager = users.identify(MANAGER).as_actor()
    for index in range(5):
        customer(manager, f"客户{index}", phones=(f"1380013800{index}",))
    chat.send(MANAGER, "/start", language="zh-CN")
    replies = chat.send(MANAGER, "/export 客户", language="zh-CN")
    name, content = document(replies)
    rows = read_sheet(content)
    assert name.endswith(".xlsx") and rows[0][1] == "姓名"
    assert [row[1] for row in rows[1:]] == [f"客户{index}" for index in range(5)]
    assert len(started) == 1 and started[0].returncode == 0
    progress = [r.text for r in replies if r.method == "editMessageText"]
    assert progress and progress[-1].startswith("✅"), progress


def test_export_with_typed_filters_as_csv(chat) -> None:
    manager = users.identify(MANAGER).as_actor()
    customer(manager, "王小明", phones=("13800138000",), tags=("VIP",))
    customer(manager, "李娜", phones=("13900139000",))
    replies = chat.send(MANAGER, "/export customers csv tag=VIP")
    name, content = document(replies)
    assert name.endswith(".csv") and content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["王小明"]
    assert sent(chat.send(MANAGER, "/export customers status=won"))[-1].text == (
        "Status “won” does not apply to customers. Filter customers by one of: lead, prospect,"
        " customer, inactive")
    assert "not understood" in sent(chat.send(MANAGER, "/export customers VIP"))[-1].text
    only_they = "Only managers and admins can export."
    assert sent(chat.send(AGENT, "/export"))[-1].text == only_they
    # An old menu's button is refused at the press, on the button itself.
    assert chat.alerts(chat.press(AGENT, "exf:customers:xlsx")) == [only_they]


@pytest.mark.parametrize(("locale", "typed", "caption", "named"), [
    ("zh-CN", "/export 客户 csv 标签=VIP 状态=线索 负责人=王经理 从=2026-01-01",
     "📤 客户：1 行（标签 VIP、负责人 王经理、状态 线索、从 2026-01-01）",
     "客户（标签 VIP、负责人 王经理、状态 线索、从 2026-01-01）-"),
    ("en", "/export customers csv tag=VIP status=lead until=2099-12-31",
     "📤 Customers: 1 row (tag VIP, status lead, until 2099-12-31)",
     "customers (tag VIP, status lead, until 2099-12-31)-"),
])
def test_an_exports_message_and_file_name_say_its_filters(chat, locale, typed, caption,
                                                           named) -> None:
    """Two exports with other filters are two files told apart by name, and the message
    says which customers the file holds."""
    manager = users.identify(MANAGER).as_actor()
    customer(manager, "王小明", phones=("13800138000",), tags=("VIP",), status="lead")
    customer(manager, "李娜", phones=("13900139000",))
    chat.send(MANAGER, "/start", language=locale)
    [everyone] = sent(chat.send(MANAGER, typed.split(" 标签")[0].split(" tag")[0],
                           language=locale), "sendDocument")
    replies = chat.send(MANAGER, typed, language=locale)
    [reply] = sent(replies, "sendDocument")
    name, _ = document(replies)
    assert reply.params["caption"] == caption
    assert name.startswith(named) and name.endswith(".csv")
    [(unfiltered, _, _)] = everyone.params["_files"].values()
    assert unfiltered != name and "（" not in unfiltered and "(" not in unfiltered


def test_a_file_name_holds_no_character_some_system_refuses(chat) -> None:
    manager = users.identify(MANAGER).as_actor()
    customer(manager, "王小明", phones=("13800138000",), tags=("A/B",))
    chat.send(MANAGER, "/start", language="zh-CN")
    name, _ = document(chat.send(MANAGER, "/export 客户 标签=A/B", language="zh-CN"))
    assert name.startswith("客户（标签 A_B）-") and name.endswith(".xlsx")


@pytest.mark.parametrize(("locale", "typed", "said"), [
    ("en", "/export deals status=won", "No deals match these filters: nothing was exported."),
    ("zh-CN", "/export 客户 标签=不存在", "没有符合这些条件的客户，未导出文件。"),
    ("en", "/export tickets csv", "There are no tickets you may see yet: nothing was exported."),
])
def test_an_export_that_matches_nothing_says_so_instead_of_sending_an_empty_file(
        chat, locale, typed, said) -> None:
    customer(users.identify(MANAGER).as_actor(), "王小明", phones=("13800138000",),
             tags=("VIP",))
    chat.send(MANAGER, "/start", language=locale)
    replies = chat.send(MANAGER, typed, language=locale)
    assert sent(replies, "sendDocument") == []
    assert said in sent(replies)[-1].text
    progress = [r.text for r in replies if r.method == "editMessageText"]
    assert progress and progress[-1].startswith("❌"), progress


@pytest.mark.parametrize(("locale", "finished"), [
    ("zh-CN", ["✅ 已导出客户", "✅ 已检查 名单.csv", "✅ 导入完成"]),
    ("en", ["✅ Exported customers", "✅ Checked 名单.csv", "✅ Imported"])])
def test_finished_progress_says_the_work_is_done_not_under_way(chat, locale, finished) -> None:
    customer(users.identify(MANAGER).as_actor(), "赵六", phones=("13600136000",))
    chat.send(MANAGER, "/start", language=locale)
    exported = chat.send(MANAGER, "/export customers csv", language=locale)
    checked = chat.send_document(MANAGER, "名单.csv", content=csv_file(ROWS, encoding="gbk"))
    preview = sent(checked)[-1]
    imported = chat.press(MANAGER, preview.button(WORDS[locale]["skip"]))
    last = [[r.text for r in replies if r.method == "editMessageText"][-1]
            for replies in (exported, checked, imported)]
    assert last == finished


def test_a_progress_step_scheduled_as_the_work_ends_never_lands_after_done(chat) -> None:
    """The worker's last "40%" may be scheduled just before the work returns: it must not
    reach Telegram after "✅ done" and leave the message saying the work is under way."""
    import asyncio

    from bot.progress import ProgressMessage

    async def end_of_the_work() -> None:
        message = await chat.app.bot.send_message(MANAGER, "⏳ Importing 0%")
        tracker = ProgressMessage(message, "Importing", asyncio.get_running_loop())
        tracker.report(40, 100)  # scheduled on the loop, not yet run...
        await tracker.finish("✅ Imported")  # ...when the work ends
        await asyncio.sleep(0.05)  # let the step run, were it to edit

    chat.loop.run_until_complete(end_of_the_work())
    edits = [call.params["text"] for call in chat.stub.sent("editMessageText")]
    assert edits[-1] == "✅ Imported"


def test_the_kind_and_status_are_understood_as_the_files_write_them(chat) -> None:
    manager = users.identify(MANAGER).as_actor()
    customer(manager, "王小明", phones=("13800138000",), status="prospect")
    customer(manager, "李娜", phones=("13900139000",))
    replies = chat.send(MANAGER, "/export 客户 csv status=潜在客户", language="zh-CN")
    name, content = document(replies)
    assert name.startswith("客户") and name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["王小明"]
    _, content = document(chat.send(MANAGER, "/export 客户 csv status=线索", language="zh-CN"))
    assert [row[1] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))][1:] == [
        "李娜"]
    [refused] = sent(chat.send(MANAGER, "/export 客户 status=大客户", language="zh-CN"))
    assert "大客户" in refused.text and not sent(chat.send(MANAGER, "/export 天气"),
                                                 "sendDocument")


@pytest.mark.parametrize(("typed", "expected", "offered"), [
    ("/export 天气", "没有叫“天气”的导出内容。可以导出：客户、跟进记录、商机、订单、工单",
     ["customers", "interactions", "deals", "orders", "tickets"]),
    ("/export 单", "“单”可能是：订单、工单。要导出哪一种？", ["orders", "tickets"]),
    ("/export 商机 状态=大单",
     "商机没有“大单”这个状态。可以按这些状态筛选：进行中、赢单、输单", []),
    ("/export 跟进记录 状态=线索", "跟进记录不能按状态筛选。", [])])
def test_an_unknown_or_ambiguous_export_is_refused_in_the_users_words(chat, typed, expected,
                                                                      offered) -> None:
    [answer] = sent(chat.send(MANAGER, typed, language="zh-CN"))
    assert answer.text == expected
    assert [value for _, value in answer.buttons] == [f"exk:{kind}" for kind in offered]
    assert not sent(chat.stub.calls, "sendDocument")


def test_filters_can_be_typed_with_chinese_keys(chat) -> None:
    manager = users.identify(MANAGER).as_actor()
    agent = users.identify(AGENT).as_actor()
    customer(manager, "王小明", phones=("13800138000",), tags=("VIP",), status="prospect")
    customer(manager, "张伟", phones=("13700137000",), tags=("VIP",))
    customer(agent, "陈静", phones=("13600136000",), tags=("VIP",), status="prospect")
    replies = chat.send(MANAGER, "/export 客户 csv 标签＝VIP 状态=潜在客户 负责人=王经理"
                                 " 从=2020-01-01 到=2099-12-31", language="zh-CN")
    _, content = document(replies)
    assert [row[1] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))][1:] == [
        "王小明"]


@pytest.fixture
def maxes(chat) -> None:
    """Two agents whose names share a beginning, one with a space and a username."""
    for telegram_id, name, username in ((7104, "Max Manager", "maxm"), (7105, "Maxine Lee", None)):
        agent = users.add_user(Actor.system(), telegram_id, "agent", name,
                               username=username).as_actor()
        customer(agent, f"customer of {name}", phones=(f"1380013{telegram_id}",))


def exported_names(chat, text: str) -> list[str]:
    _, content = document(chat.send(MANAGER, text))
    return [row[1] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))][1:]


@pytest.mark.parametrize("owner", ['"Max Manager"', "“Max Manager”", "Max Manager", "@maxm",
                                   "max man"])
def test_the_owner_filter_takes_a_name_with_spaces(chat, maxes, owner) -> None:
    assert exported_names(chat, f"/export customers csv owner={owner}") == [
        "customer of Max Manager"]


def test_a_unique_beginning_of_a_name_is_enough(chat, maxes) -> None:
    assert exported_names(chat, "/export customers csv owner=Maxi") == ["customer of Maxine Lee"]


@pytest.mark.parametrize("language, owner, expected", [
    ("en", "Maxx", "No staff member is called “Maxx”."),
    ("zh-CN", "Maxx", "没有名为“Maxx”的员工。"),
    ("en", "Max", "“Max” could be any of Max Manager (7104), Maxine Lee (7105); give their"
                  " Telegram id instead."),
    ("zh-CN", "Max", "“Max”对应多位员工：Max Manager（7104）、Maxine Lee（7105）。"
                     "请改用其 Telegram ID。")])
def test_an_owner_nobody_or_several_are_called_is_explained(chat, maxes, language, owner,
                                                            expected) -> None:
    users.set_preferences(users.identify(MANAGER).as_actor(), locale=language)
    [answer] = sent(chat.send(MANAGER, f"/export customers csv owner={owner}"))
    assert answer.text == expected
    assert not [r for r in chat.stub.calls if r.method == "sendDocument"]


@pytest.mark.parametrize("language, expected", [
    ("en", "Format: pdf is not one of: xlsx, csv"),
    ("zh-CN", "格式：pdf 不在可选范围内：xlsx、csv")])
def test_a_format_we_do_not_write_is_answered_with_the_formats_we_do(chat, language,
                                                                     expected) -> None:
    users.set_preferences(users.identify(MANAGER).as_actor(), locale=language)
    [answer] = sent(chat.send(MANAGER, "/export customers pdf"))
    assert answer.text == expected


def test_an_unclosed_quote_is_pointed_out(chat) -> None:
    [answer] = sent(chat.send(MANAGER, '/export customers owner="Max Manager'))
    assert answer.text.startswith("A quote is not closed.")


_update_ids = itertools.count(900_000)


def _searches(chat: ChatHarness, *typed: tuple[int, str]) -> list[Reply]:
    """Searches typed at the same moment by several people; what the bot sent meanwhile."""
    before = len(chat.stub.calls)
    found = [Update.de_json({"update_id": next(_update_ids), "message": {
        "message_id": next(_update_ids), "date": int(time.time()), "text": text,
        "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "Staff", "language_code": "en"}}},
        chat.app.bot) for user, text in typed]

    async def together() -> None:
        await asyncio.gather(*map(chat.app.process_update, found))

    chat.loop.run_until_complete(together())
    return sent([Reply(c.method, str(c.params.get("text", "")), [], c.params)
                 for c in chat.stub.calls[before:]])


def test_while_a_long_write_holds_the_database_others_are_told_why_they_wait(
        chat, monkeypatch, is_postgres) -> None:
    monkeypatch.setattr(bot_app, "WAIT_NOTICE_AFTER", 0.0)
    users.set_preferences(users.get_user(Actor.system(), AGENT).as_actor(), locale="zh-CN")
    customer(SYSTEM, "Lina Wang")
    _searches(chat, (AGENT, "Lina"))  # the agent's language is known from now on
    started, release = threading.Event(), threading.Event()

    def long_write() -> None:  # an import's write, say
        started.set()
        release.wait(30)

    writing = chat.loop.create_task(chat.executor.run_long_write(long_write))
    chat.loop.run_until_complete(asyncio.sleep(0.05))
    assert started.wait(10)
    if is_postgres:  # the pool's other threads serve everyone meanwhile: nobody waits
        replies = _searches(chat, (AGENT, "Lina"), (MANAGER, "Lina"))
        assert not release.is_set() and not writing.done()
        assert sorted(r.params["chat_id"] for r in replies) == [MANAGER, AGENT]
        assert not any(r.text.startswith("⏳") for r in replies)
        release.set()
        chat.loop.run_until_complete(writing)
        return
    threading.Timer(1.0, release.set).start()
    replies = _searches(chat, (AGENT, "Lina"), (AGENT, "Wang"), (MANAGER, "Lina"))
    told = {r.params["chat_id"]: r.text for r in replies if r.text.startswith("⏳")}
    # once each, in the language known without the database: the agent's setting from their
    # last message, Telegram's for the manager, who has not written since the start
    assert told == {AGENT: t("zh-CN", "access.busy_writing"),
                    MANAGER: t("en", "access.busy_writing")}
    answered = [r for r in replies if not r.text.startswith("⏳")]
    assert len(answered) == 3 and writing.done()  # answered once the write was done
    for person in (AGENT, MANAGER):  # each was told before their answer came
        theirs = [r.text.startswith("⏳") for r in replies if r.params["chat_id"] == person]
        assert theirs[0] and not any(theirs[1:])
    [after] = _searches(chat, (AGENT, "Lina"))  # nothing long is writing now: no notice
    assert not after.text.startswith("⏳")
