"""Bulk import from real files: encodings, delimiters, headers, Excel's numbers and dates, the
dry run, matching existing customers, the one transaction, and who may import."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
from pathlib import Path

import peewee
import pytest
from openpyxl import load_workbook

from crm import customers, exports, imports, runtime, sales, users
from crm.config import load_config
from crm.errors import Conflict, NotFound, PermissionDenied, ValidationError
from crm.imports import kept
from crm.sales import outbox
from storage.database import fetch_all, fetch_one
from tests.conftest import TEST_SECRET
from tests.crm.cast import SYSTEM, customer, keep_files_in, make_cast
from tests.crm.import_files import csv_file, read_sheet, xlsx_file

T0 = dt.datetime(2026, 4, 1, 9, 0)
CHINESE_HEADER = ["客户名称", "手机号", "邮箱", "性别", "出生日期", "公司名称", "行业", "省",
                  "市", "区", "地址", "标签", "来源", "备注"]
CHINESE_ROWS = [
    ["王小明", "13800138000", "wang@example.com", "男", "1990/3/7", "华为技术", "通信", "广东",
     "深圳", "龙岗", "坂田华为基地", "VIP、华南", "展会", "对价格敏感"],
    ["李娜", "139 0013 9000", "", "女", "1988年5月20日", "", "", "上海", "上海", "", "", "老客户",
     "", ""],
    ["Emily Chen", "+852 6123 4567", "emily@example.com", "F", "", "Acme Ltd", "Retail", "", "",
     "", "", "", "website", "prefers e-mail"],
]


@pytest.fixture
def cast(db: peewee.Database, tmp_path: Path):
    """The cast, with uploads kept under this test's data folder."""
    keep_files_in(tmp_path / "data")
    return make_cast()


def uploads() -> list[Path]:
    return list((runtime.config().data_dir / "imports").glob("*"))


def count(table: str) -> int:
    return fetch_one(f"select count(*) from {table}")[0]


def run_import(actor, name: str, content: bytes, mode: str = "skip"):
    preview = imports.preview_import(actor, name, content, now=T0)
    assert preview.token, preview
    return preview, imports.confirm_import(actor, preview.token, mode, now=T0)


def card_by_phone(e164: str):
    row = fetch_one("select customer_id from contact_channel where kind = 'phone'"
                    " and value = ?", (e164,))
    return customers.get_customer(SYSTEM, row[0])


def test_gbk_csv_with_chinese_headers_becomes_customers(cast) -> None:
    content = csv_file([CHINESE_HEADER, *CHINESE_ROWS], encoding="gbk")
    preview = imports.preview_import(cast.manager, "客户名单.csv", content, now=T0)
    assert (preview.encoding, preview.delimiter) == ("gb18030", ",")
    assert (preview.rows, preview.new, preview.existing, preview.duplicates,
            preview.invalid) == (3, 3, 0, 0, 0)
    assert ("行业", "industry") in preview.columns and preview.unknown_columns == ()
    assert not list(fetch_all("select id from customer"))  # a dry run writes no customer
    result = imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert (result.created, result.rejected) == (3, 0)
    wang = card_by_phone("+8613800138000")
    assert (wang.name, wang.gender, wang.birthday, wang.source, wang.notes) == (
        "王小明", "male", dt.date(1990, 3, 7), "展会", "对价格敏感")
    assert wang.company.name == "华为技术" and wang.company.industry == "通信"
    assert wang.tags == ("VIP", "华南") and wang.primary("email") == "wang@example.com"
    [address] = wang.addresses
    assert (address.province, address.city, address.district, address.street) == (
        "广东", "深圳", "龙岗", "坂田华为基地")
    assert wang.owner_id == cast.manager.user_id
    assert card_by_phone("+8613900139000").birthday == dt.date(1988, 5, 20)
    assert card_by_phone("+85261234567").gender == "female"
    for query in ("小明", "8000", "wxm", "华为", "vip"):
        assert [c.name for c in customers.search_customers(cast.admin, query).items] == [
            "王小明"], query


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8-sig", ","), ("utf-8", ";"),
                                                     ("utf-16", "\t"), ("gb18030", ";")])
def test_csv_encodings_and_delimiters_are_detected(cast, encoding, delimiter) -> None:
    rows = [["Name", "Mobile", "E-mail", "Tags"],
            ["张伟", "13700137000", "zhang@example.com", "华东"],
            ["O'Brien; Sean", "13600136000", "", "VIP"]]
    preview = imports.preview_import(cast.admin, "list.csv",
                                     csv_file(rows, encoding=encoding, delimiter=delimiter),
                                     now=T0)
    assert (preview.delimiter, preview.new, preview.invalid) == (delimiter, 2, 0)
    imports.confirm_import(cast.admin, preview.token, "skip", now=T0)
    assert card_by_phone("+8613600136000").name == "O'Brien; Sean"
    assert card_by_phone("+8613700137000").tags == ("华东",)


def test_workbook_with_title_row_merged_headers_numbers_and_dates(cast) -> None:
    content = xlsx_file([
        ["2026 年客户名单", None, None, None, None],
        ["姓名", "联系方式", None, "生日", "负责人"],
        [None, "手机", "邮箱", None, None],
        ["赵敏", 13800138001, "zhao@example.com", dt.date(1992, 1, 31), "李娜"],
        ["钱进", 13800138002.0, None, 32939, str(cast.teammate.telegram_id)],
        ["孙丽", "1.38001E+10", None, "1990-02-30", None],
    ], merges=["A1:E1", "A2:A3", "B2:C2", "D2:D3", "E2:E3"])
    preview = imports.preview_import(cast.manager, "名单.xlsx", content, now=T0)
    assert preview.kind == "xlsx"
    assert dict(preview.columns) == {"姓名": "name", "手机": "phone", "邮箱": "email",
                                     "生日": "birthday", "负责人": "owner"}
    assert (preview.new, preview.invalid) == (2, 1)
    [problem] = preview.problems
    assert (problem.row, problem.column, problem.code) == (6, "手机", "import.number_rounded")
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    zhao = card_by_phone("+8613800138001")
    assert (zhao.birthday, zhao.owner_id) == (dt.date(1992, 1, 31), cast.agent.user_id)
    qian = card_by_phone("+8613800138002")
    assert (qian.birthday, qian.owner_id) == (dt.date(1990, 3, 7), cast.teammate.user_id)


def test_a_birthday_with_a_year_and_month_only_imports_the_row_and_keeps_the_month(
        cast) -> None:
    on_file = customer(cast.manager, "老客户", phones=("13500135000",),
                       birthday="1970-06-15", now=T0)
    rows = [["姓名", "手机", "出生年月", "备注"],
            ["王小明", "13800138000", "1975年3月", "对价格敏感"],
            ["李娜", "13900139000", "1980-03", ""],
            ["张伟", "13700137000", "1985/3", ""],
            ["陈静", "13600136000", "1990.11", ""],
            ["赵敏", "13400134000", "1992年5月20日", ""],  # a whole date stays a birthday
            ["老客户", "13500135000", "1970年6月", ""],
            ["未来", "13300133000", "2030年1月", ""],
            ["无月", "13200132000", "1975年13月", ""]]
    preview = imports.preview_import(cast.manager, "名单.csv", csv_file(rows), now=T0)
    assert (preview.new, preview.existing, preview.invalid) == (5, 1, 2)
    assert [(p.row, p.column, p.code) for p in preview.problems] == [
        (8, "出生年月", "validation.birthday_future"), (9, "出生年月", "validation.date")]
    assert [(n.row, n.column, n.code, n.params["value"]) for n in preview.notices] == [
        (2, "出生年月", "import.birth_month_noted", "1975年3月"),
        (3, "出生年月", "import.birth_month_noted", "1980-03"),
        (4, "出生年月", "import.birth_month_noted", "1985/3"),
        (5, "出生年月", "import.birth_month_noted", "1990.11"),
        (7, "出生年月", "import.birth_month_kept", "1970年6月")]
    assert preview.notice_count == 5
    result = imports.confirm_import(cast.manager, preview.token, "update", now=T0)
    assert (result.created, result.updated, result.rejected) == (5, 0, 2)
    wang = card_by_phone("+8613800138000")
    # the day is unknown: no made-up birthday (nor age, nor birthday reminder on the 1st)
    assert (wang.birthday, wang.age) == (None, None)
    assert wang.notes == "对价格敏感\n出生年月: 1975年3月"
    assert card_by_phone("+8613900139000").notes == "出生年月: 1980-03"
    assert card_by_phone("+8613400134000").birthday == dt.date(1992, 5, 20)
    assert customers.get_customer(SYSTEM, on_file.id).birthday == dt.date(1970, 6, 15)


def test_a_year_month_excel_kept_as_a_number_is_noted_like_the_text(cast) -> None:
    """Excel turns a typed 1975.3 into the number 1975.3, and a typed 1975.10 into 1975.1:
    the month of a number ending in .1 cannot be told, and the dry run says so."""
    rows = [["姓名", "手机", "出生年月"],
            ["王小明", "13800138000", 1975.3],
            ["李娜", "13900139000", 1980.12],
            ["张伟", "13700137000", 1985.1],  # typed 1985.1 or 1985.10
            ["陈静", "13600136000", 1990.01],  # typed 1990.01: January
            ["未来", "13300133000", 2030.5],  # no year to come: a bad date, as before
            ["无月", "13200132000", 1975.13]]
    preview = imports.preview_import(cast.manager, "名单.xlsx", xlsx_file(rows), now=T0)
    assert (preview.new, preview.invalid) == (4, 2)
    assert [(p.row, p.code) for p in preview.problems] == [
        (6, "validation.date"), (7, "validation.date")]
    assert [(n.row, n.code, n.params["value"]) for n in preview.notices] == [
        (2, "import.birth_month_noted", "1975.3"), (3, "import.birth_month_noted", "1980.12"),
        (4, "import.birth_month_unsure", "1985.1"), (5, "import.birth_month_noted", "1990.01")]
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    wang = card_by_phone("+8613800138000")
    assert (wang.birthday, wang.notes) == (None, "出生年月: 1975.3")
    assert card_by_phone("+8613700137000").notes == "出生年月: 1985.1"


def test_bad_rows_are_reported_with_their_column_and_reason(cast) -> None:
    content = csv_file([
        ["姓名", "手机", "生日", "客户等级"],
        ["好人", "13800138000", "1990-03-07", "A"],
        ["坏日期", "13800138001", "1990-13-45", "B"],
        ["坏号码", "12345", "", ""],
        ["", "13800138002", "", "C"],
        ["重复", "138-0013-8000", "", ""],
        ["未来", "13800138003", "2030-01-01", ""],
    ])
    preview = imports.preview_import(cast.manager, "bad.csv", content, now=T0)
    assert (preview.rows, preview.new, preview.duplicates, preview.invalid) == (6, 1, 1, 4)
    assert preview.unknown_columns == ("客户等级",)
    assert [(p.row, p.column, p.code) for p in preview.problems] == [
        (3, "生日", "validation.date"), (4, "手机", "validation.phone"),
        (5, "姓名", "validation.required"), (6, "", "import.duplicate_in_file"),
        (7, "生日", "validation.birthday_future")]
    assert preview.problems[3].params == {"row": 2}
    result = imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert (result.created, result.rejected) == (1, 5)
    assert card_by_phone("+8613800138000").notes == "客户等级: A"  # kept, not dropped
    report = read_sheet(imports.rejects_workbook(
        result.headers, result.rejects, lambda p: f"{p.code}@{p.column}",
        row_title="行号", reason_title="原因"))
    assert report[0] == ["姓名", "手机", "生日", "客户等级", "行号", "原因"]
    assert report[1] == ["坏日期", "13800138001", "1990-13-45", "B", 3.0,
                         "validation.date@生日"]
    assert [r[4] for r in report[1:]] == [3.0, 4.0, 5.0, 6.0, 7.0]


def test_a_refused_row_comes_back_with_every_problem_at_once(cast) -> None:
    """Fixing the one reason shown and sending the file again must not reveal the next one:
    each field is checked on its own, the first problem found stays first."""
    content = csv_file([
        ["姓名", "手机", "邮箱", "生日", "负责人", "微信"],
        ["多处错误", "12345", "wang@", "1990-13-45", "王五", "zl_wx"],
        ["", "13800138009", "", "2030-01-01", "", ""],
        ["只有一处", "13800138010", "", "1990-13-45", "", ""],
    ])
    preview = imports.preview_import(cast.manager, "bad.csv", content, now=T0)
    assert preview.invalid == 3  # the dry run still lists one problem a row
    assert [(p.row, p.code) for p in preview.problems] == [
        (2, "user.not_named"), (3, "validation.required"), (4, "validation.date")]
    report = read_sheet(imports.rejects_workbook(
        preview.headers, preview.rejects, lambda p: f"{p.code}@{p.column}"))
    reasons = {row[0]: row[-1].split("\n") for row in report[1:]}
    assert reasons["多处错误"] == ["user.not_named@负责人", "validation.phone@手机",
                                   "validation.email@邮箱", "validation.date@生日",
                                   "validation.wechat@微信"]
    assert reasons[""] == ["validation.required@姓名", "validation.birthday_future@生日"]
    assert reasons["只有一处"] == ["validation.date@生日"]
    assert count("customer") == 0
    sheet = load_workbook(io.BytesIO(imports.rejects_workbook(
        preview.headers, preview.rejects, lambda p: p.code))).active
    assert sheet.cell(2, 8).alignment.wrap_text  # Excel shows the lines only in a wrapping cell
    assert not sheet.cell(4, 8).alignment.wrap_text


def test_long_numbers_in_the_rejects_file_show_whole_in_excel(cast) -> None:
    """A phone kept as a number comes back as that number, formatted to show every digit
    (Excel's General format would show 1.39444E+11)."""
    content = xlsx_file([["姓名", "手机", "生日"], ["号码太长", 139444455040.0, "1990-02-30"],
                         ["正常", 13800138000.0, "1990-13-45"]])
    preview = imports.preview_import(cast.manager, "numbers.xlsx", content, now=T0)
    sheet = load_workbook(io.BytesIO(imports.rejects_workbook(
        preview.headers, preview.rejects, lambda p: p.code))).active
    assert [sheet.cell(row, 2).value for row in (2, 3)] == [139444455040, 13800138000]
    assert sheet.cell(2, 2).number_format == "0"
    assert sheet.cell(3, 2).number_format == "General"  # 11 digits show whole anyway


def test_the_rejects_file_shows_cells_as_typed_under_a_frozen_heading_and_runs_nothing(
        cast) -> None:
    """A copied +86 phone shows without an apostrophe in front; a formula typed in a cell
    comes back as its text, marked as text the way Excel marks a typed '=..., never run."""
    formula = '=HYPERLINK("http://x","点我")'
    content = csv_file([["姓名", "手机", "生日"], ["王芳", "+86 (138) 0013-8012", "1990-13-45"],
                        [formula, "12345", ""]])
    preview = imports.preview_import(cast.manager, "bad.csv", content, now=T0)
    assert preview.invalid == 2
    report = imports.rejects_workbook(preview.headers, preview.rejects, lambda p: p.code)
    sheet = load_workbook(io.BytesIO(report)).active
    assert sheet.freeze_panes == "A2"
    phone, name = sheet.cell(2, 2), sheet.cell(3, 1)
    assert (phone.value, phone.data_type, phone.quotePrefix) == ("+86 (138) 0013-8012", "s", True)
    assert (name.value, name.data_type, name.quotePrefix) == (formula, "s", True)
    with zipfile.ZipFile(io.BytesIO(report)) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")


def as_excel_writes_controls(rows: list[list[str]]) -> bytes:
    """A workbook as Excel saves control characters in it: _x0000_ escapes."""
    return xlsx_file([[re.sub(r"[\x00-\x1f]", lambda m: f"_x{ord(m[0]):04X}_", cell)
                       for cell in row] for row in rows])


@pytest.mark.parametrize("make", [csv_file, as_excel_writes_controls], ids=["csv", "xlsx"])
def test_control_characters_in_a_file_are_dropped_and_its_rows_imported(cast, make) -> None:
    """A NUL (which PostgreSQL's text cannot hold: the whole import failed there) or another
    control character (no spreadsheet cell holds one: the rejects file and a later export
    failed) shows as nothing; the rows import without them on either engine."""
    content = make([["姓名", "手机", "备注"], ["测试\x00人", "13911112224", "N\x00UL\x01备注"],
                    ["坏号\x1b码", "12345", "\x00"]])
    name = "controls.csv" if make is csv_file else "controls.xlsx"
    preview, result = run_import(cast.manager, name, content)
    assert (result.created, result.rejected) == (1, 1)
    card = card_by_phone("+8613911112224")
    assert (card.name, card.notes) == ("测试人", "NUL备注")
    rejects = read_sheet(imports.rejects_workbook(preview.headers, preview.rejects,
                                                  lambda p: p.code))
    assert rejects[1][:2] == ["坏号码", "12345"]
    target = io.BytesIO()
    exports.export_records(SYSTEM, "customers", target)
    assert "测试人" in [row[1] for row in load_workbook(target).active.iter_rows(values_only=True)]


def test_an_office_workbook_keeps_its_customers_and_drops_row_numbers_totals_and_notes(
        cast) -> None:
    """序号 numbers rows, 合计 adds them up and 备注 talks to the reader: none is a customer
    or belongs in one's notes. Chinese tags may be separated by spaces."""
    content = xlsx_file([
        ["2026年第一季度客户名单（华东区）", None, None, None, None],
        ["序号", "姓名", "手机号码", "标签", "备注"],
        [1, "王建国", 13812345678, "VIP 华东", "老客户"],
        [None, None, None, None, None],
        [2, "李秀英", "138 1234 5679", "hot lead", None],
        [3, "赵丽", "13812345681", "潜在　华东", None],
        [None, "合计", None, None, "共3人"],
        ["备注：以上数据仅供内部使用", None, None, None, None],
    ], merges=["A1:E1", "A8:E8"])
    preview = imports.preview_import(cast.manager, "名单.xlsx", content, now=T0)
    assert (preview.rows, preview.new, preview.invalid) == (3, 3, 0)
    assert preview.unknown_columns == ()
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert sorted(r[0] for r in fetch_all("select name from customer")) == sorted(
        ["王建国", "李秀英", "赵丽"])
    wang = card_by_phone("+8613812345678")
    assert (set(wang.tags), wang.notes) == ({"VIP", "华东"}, "老客户")
    assert card_by_phone("+8613812345679").tags == ("hot lead",)
    assert set(card_by_phone("+8613812345681").tags) == {"潜在", "华东"}


def test_a_messy_office_register_counts_only_its_customers(cast) -> None:
    """A register as offices keep them: title and 制表 rows, a merged 联系方式 group, headers
    with full-width brackets and spaces, names padded to line up (张 伟), phones and dates as
    Excel stores them, and a totals row whose count sits under the phone column."""
    content = xlsx_file([
        ["华东区2025年度客户信息登记表"],
        ["制表部门：销售一部", None, None, None, None, None, "制表日期：", dt.datetime(2025, 3, 1)],
        ["序号", "客户 名称", "联系方式", None, "出生日期", "客户等级", "所属\u3000行业",
         "备注（选填）"],
        [None, None, "手机号码（必填）", "电子邮箱", None, None, None, None],
        [1, "王小明", 13800138000, "wang@example.com", dt.datetime(1990, 3, 7), "A", "通信", None],
        [2, "张 伟", 13900139000.0, None, None, "B", None, "老客户介绍"],
        [3, "李\u3000娜", "139 0013 9001", None, dt.datetime(2030, 1, 1), None, None, None],
        ["合计", None, "共3人", None, None, None, None, None],
        ["备注：以上数据仅供内部使用，请勿外传。"],
    ], merges=["A1:H1", "A3:A4", "B3:B4", "C3:D3", "E3:E4", "F3:F4", "G3:G4", "H3:H4",
               "A9:H9"])
    preview = imports.preview_import(cast.manager, "客户登记表.xlsx", content, now=T0)
    assert dict(preview.columns) == {"客户 名称": "name", "手机号码（必填）": "phone",
                                     "电子邮箱": "email", "出生日期": "birthday",
                                     "所属\u3000行业": "industry", "备注（选填）": "notes"}
    assert preview.unknown_columns == ("客户等级",)
    assert (preview.rows, preview.new, preview.invalid) == (3, 2, 1)  # the totals are no row
    assert [(p.row, p.code) for p in preview.problems] == [(7, "validation.birthday_future")]
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert card_by_phone("+8613900139000").notes == "老客户介绍\n客户等级: B"
    assert card_by_phone("+8613800138000").birthday == dt.date(1990, 3, 7)


def test_names_padded_to_line_up_are_imported_whole_and_found_by_name(cast) -> None:
    """Lists pad two-character names to the width of three (张 伟, 李　娜): the customer is
    张伟, shown, matched and searched as such."""
    content = xlsx_file([["姓名", "手机"], ["张 伟", 13900139000], ["李\u3000娜", 13800138000],
                         ["欧阳 娜娜", 13700137000], ["Emily Chen", 13600136000]])
    run_import(cast.manager, "名单.xlsx", content)
    assert [card_by_phone(f"+86{p}").name for p in (13900139000, 13800138000, 13700137000,
                                                    13600136000)] == [
        "张伟", "李娜", "欧阳娜娜", "Emily Chen"]
    for name in ("张伟", "李娜", "欧阳娜娜"):
        assert [c.name for c in customers.search_customers(cast.manager, name).items] == [name]


def test_a_wps_csv_with_a_totals_line_imports_only_its_customers(cast) -> None:
    content = csv_file([["客户名单"], ["姓名", "手机", "生日"],
                        ["周杰", "13700001111", "1979/1/18"], ["", "", ""],
                        ["林俊杰", "+65 9123 4567", "1981-3-27"], ["合计：2人", "", ""]],
                       encoding="gbk")
    preview = imports.preview_import(cast.manager, "客户.csv", content, now=T0)
    assert (preview.rows, preview.new, preview.invalid) == (2, 2, 0)


def test_a_corrected_rejects_file_comes_back_without_its_row_numbers_and_reasons(cast) -> None:
    content = csv_file([["姓名", "手机", "客户等级"], ["坏号码", "12345", "A"]])
    preview = imports.preview_import(cast.manager, "bad.csv", content, now=T0)
    report = load_workbook(io.BytesIO(imports.rejects_workbook(
        preview.headers, preview.rejects, lambda p: "手机：12345 不是有效的电话号码",
        row_title="行号", reason_title="原因")))
    report.active["B2"] = "13800138000"  # the manager fixes the number and sends it back
    fixed = io.BytesIO()
    report.save(fixed)
    again = imports.preview_import(cast.manager, "bad.rejected.xlsx", fixed.getvalue(), now=T0)
    assert (again.new, again.unknown_columns) == (1, ("客户等级",))
    imports.confirm_import(cast.manager, again.token, "skip", now=T0)
    assert card_by_phone("+8613800138000").notes == "客户等级: A"


@pytest.mark.parametrize(("content", "code"), [
    (b"", "import.empty"),
    (b"   \r\n \n", "import.empty"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n",
     "import.not_spreadsheet"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "import.not_spreadsheet"),
    (bytes(range(256)) * 4, "import.not_spreadsheet"),
    (b"PK\x03\x04 not really a workbook", "import.not_spreadsheet"),
    (b"hello,world\nfoo,bar\n", "import.no_header"),
    ("手机,邮箱\n13800138000,a@b.cn\n".encode(), "import.no_name_column"),
    ("姓名,手机\n".encode(), "import.no_rows"),
])
def test_files_that_are_not_customer_lists_are_refused(cast, content, code) -> None:
    with pytest.raises(ValidationError) as caught:
        imports.preview_import(cast.admin, "客户.xlsx", content, now=T0)
    assert caught.value.code == code
    assert count("import_job") == 0 and not uploads()


def test_size_and_row_limits_are_configured(cast, tmp_path) -> None:
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY": TEST_SECRET,
                                           "CRM_DATA_DIR": str(tmp_path / "data"),
                                           "CRM_IMPORT_MAX_FILE_MB": "1",
                                           "CRM_IMPORT_MAX_ROWS": "2"}, look_in_cwd=False))
    with pytest.raises(ValidationError) as caught:
        imports.check_upload(cast.admin, "big.csv", 1_500_000)
    assert (caught.value.code, caught.value.params["max_mb"]) == ("import.too_large", 1)
    rows = [["姓名", "手机"]] + [[f"客户{i}", f"1380013800{i}"] for i in range(3)]
    with pytest.raises(ValidationError) as caught:
        imports.preview_import(cast.admin, "three.csv", csv_file(rows), now=T0)
    assert caught.value.code == "import.too_many_rows"


def test_existing_customers_are_updated_or_left_alone(cast) -> None:
    old = customer(cast.agent, "王小明", phones=("13800138000",), tags=("老客户",),
                   notes="旧备注", now=T0)
    rows = [["姓名", "手机", "邮箱", "标签", "备注", "状态"],
            ["王小明", "13800138000", "wang@example.com", "VIP", "新备注", "意向客户"],
            ["新人", "13900139000", "", "", "", ""]]
    preview, result = run_import(cast.manager, "a.csv", csv_file(rows), "skip")
    assert (preview.new, preview.existing) == (1, 1)
    assert (result.created, result.skipped, result.updated) == (1, 1, 0)
    assert customers.get_customer(SYSTEM, old.id).notes == "旧备注"
    _, result = run_import(cast.manager, "b.csv", csv_file(rows[:2]), "update")
    assert (result.created, result.updated) == (0, 1)
    card = customers.get_customer(SYSTEM, old.id)
    assert (card.notes, card.status, card.primary("email")) == ("新备注", "prospect",
                                                               "wang@example.com")
    assert card.tags == ("VIP", "老客户") and card.owner_id == cast.agent.user_id
    actions = [r[0] for r in fetch_all("select action from audit_log where customer_id = ?"
                                       " order by id", (old.id,))]
    assert {"customer.update", "customer.channel_add", "customer.tags"} <= set(actions)
    _, result = run_import(cast.manager, "c.csv", csv_file(rows[:2]), "update")
    assert (result.updated, result.unchanged) == (0, 1)


def test_a_failed_import_changes_nothing(cast, monkeypatch) -> None:
    existing = customer(cast.agent, "旧客户", phones=("13800138000",), now=T0)
    rows = [["姓名", "手机", "备注"], ["旧客户", "13800138000", "新备注"],
            ["新客户", "13900139000", ""]]
    preview = imports.preview_import(cast.admin, "x.csv", csv_file(rows), now=T0)
    before = {t: count(t) for t in ("customer", "contact_channel", "customer_search",
                                    "audit_log", "customer_event", "customer_key")}

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("crm.imports.apply.update_existing", fail)
    monkeypatch.setattr("crm.imports.update_existing", fail)
    with pytest.raises(RuntimeError):
        imports.confirm_import(cast.admin, preview.token, "update", now=T0)
    assert {t: count(t) for t in before} == before
    assert customers.search_customers(cast.admin, "新客户").items == ()
    assert fetch_one("select status from import_job")[0] == "pending" and uploads()
    monkeypatch.undo()
    result = imports.confirm_import(cast.admin, preview.token, "update", now=T0)
    assert (result.created, result.updated) == (1, 1) and not uploads()
    assert customers.get_customer(SYSTEM, existing.id).notes == "新备注"


def test_an_imported_customer_is_what_create_customer_writes(cast) -> None:
    rows = [["姓名", "手机", "邮箱", "公司", "标签", "性别", "生日", "备注", "来源", "省", "市",
             "微信"],
            ["王小明", "13800138000", "wang@example.com", "华为", "VIP,华南", "男", "1990-03-07",
             "备注", "展会", "广东", "深圳", "wang_xm88"]]
    run_import(cast.manager, "one.csv", csv_file(rows))
    imported = fetch_one("select id from customer")[0]
    typed = customer(cast.manager, "王小明", now=T0, phones=("13800138000",),
                     emails=("wang@example.com",), company="华为", tags=("VIP", "华南"),
                     gender="男", birthday="1990-03-07", notes="备注", source="展会",
                     addresses=(customers.AddressInput(province="广东", city="深圳"),),
                     channels=(customers.ChannelInput("wechat", "wang_xm88"),))
    assert _stored(imported) == _stored(typed.id)
    assert _audit_changes(imported) == _audit_changes(typed.id) != []
    preview = imports.preview_import(cast.manager, "one.csv", csv_file(rows), now=T0)
    assert (preview.new, preview.existing, preview.invalid) == (0, 0, 1)  # now on file twice
    assert preview.problems[0].code == "import.matches_several"


def _stored(customer_id: int) -> dict:
    """Everything create_customer writes for a customer, without ids and times."""
    def rows(sql: str) -> list:
        return sorted(fetch_all(sql, (customer_id,)))

    customer_row = fetch_one(
        "select name, name_norm, gender, birthday, occupation, notes, status, source, owner_id,"
        " company_id, created_by_id from customer where id = ?", (customer_id,))
    return {
        "customer": customer_row,
        "channels": rows("select kind, value, label, is_primary from contact_channel"
                         " where customer_id = ?"),
        "addresses": rows("select kind, country, province, city, district, street,"
                          " postal_code, is_primary from address where customer_id = ?"),
        "tags": rows("select tag_id from customer_tag where customer_id = ?"),
        "events": rows("select kind, staff_id from customer_event where customer_id = ?"),
        "search": rows("select terms, haystack from customer_search where customer_id = ?"),
        "keys": rows("select count(*) from customer_key where customer_id = ?"),
    }


def _audit_changes(customer_id: int) -> list:
    from crm import audit

    return [(e.action, e.changes) for e in audit.list_audit(SYSTEM, customer_id=customer_id)
            .items if e.action == "customer.create"]


def test_new_leads_without_an_owner_go_through_the_assignment_rules(cast) -> None:
    sales.configure_assignment(cast.admin, "round_robin")
    rows = [["姓名", "手机", "负责人"]] + [[f"线索{i}", f"1380013800{i}", ""] for i in range(3)]
    rows.append(["指定", "13800138009", "Emily Chen"])
    _, result = run_import(cast.manager, "leads.csv", csv_file(rows))
    agents = [cast.agent.user_id, cast.teammate.user_id, cast.other_agent.user_id]
    owners = [card_by_phone(f"+86138001380{i:02d}").owner_id for i in range(3)]
    assert result.assigned == 3 and sorted(owners) == sorted(agents)
    assert card_by_phone("+8613800138009").owner_id == cast.other_agent.user_id
    for agent in agents:
        assert [code for code, _, _ in outbox.pending_for(agent)] == ["lead.assigned"]
    found = customers.search_customers(cast.agent, "线索").items
    assert [c.owner_id for c in found] == [cast.agent.user_id]  # the index knows the owner


def test_owner_cells_name_staff_by_name_id_or_username(cast) -> None:
    rows = [["姓名", "手机", "负责人"], ["甲", "13800138001", "张伟"],
            ["乙", "13800138002", str(cast.other_agent.telegram_id)],
            ["丙", "13800138003", "无此人"], ["丁", "13800138004", "赵敏"]]
    preview, result = run_import(cast.manager, "owners.csv", csv_file(rows))
    assert [(p.row, p.column, p.code) for p in preview.problems] == [
        (4, "负责人", "user.not_named"), (5, "负责人", "validation.cannot_own")]
    assert (result.created, result.rejected) == (2, 2)  # a viewer owns nothing
    assert card_by_phone("+8613800138001").owner_id == cast.teammate.user_id
    assert card_by_phone("+8613800138002").owner_id == cast.other_agent.user_id


def test_the_confirmation_checks_again_only_when_something_changed(cast) -> None:
    """The dry run's checked rows serve the confirmation while nothing the checks read has
    changed; an owner deactivated in between is refused then, and after a restart (rows not
    kept) the kept file is read again."""
    rows = [["姓名", "手机", "负责人"], ["甲", "13800138001", "张伟"], ["乙", "13800138002", ""]]
    first = imports.preview_import(cast.manager, "a.csv", csv_file(rows), now=T0)
    for upload in uploads():
        upload.unlink()  # the checked rows are kept: the file is not needed again
    assert imports.confirm_import(cast.manager, first.token, "skip", now=T0).created == 2

    rows = [["姓名", "手机", "负责人"], ["丙", "13800138003", "张伟"], ["丁", "13800138004", ""]]
    second = imports.preview_import(cast.manager, "b.csv", csv_file(rows), now=T0)
    assert (second.new, second.invalid) == (2, 0)
    users.deactivate_user(cast.admin, cast.teammate.telegram_id, now=T0)
    result = imports.confirm_import(cast.manager, second.token, "skip", now=T0)
    assert (result.created, result.rejected) == (1, 1)
    assert [(r.problem.row, r.problem.column) for r in result.rejects] == [(2, "负责人")]

    third = imports.preview_import(cast.manager, "c.csv", csv_file(
        [["姓名", "手机"], ["己", "13800138006"]]), now=T0)
    kept.forget(third.token)  # as after a restart
    assert imports.confirm_import(cast.manager, third.token, "skip", now=T0).created == 1
    fourth = imports.preview_import(cast.manager, "d.csv", csv_file(
        [["姓名", "手机"], ["戊", "13800138005"]]), now=T0)
    kept.forget(fourth.token)
    for upload in uploads():
        upload.unlink()
    with pytest.raises(Conflict) as caught:
        imports.confirm_import(cast.manager, fourth.token, "skip", now=T0)
    assert caught.value.code == "import.file_missing"


def test_checked_rows_are_not_kept_for_ever(cast, monkeypatch) -> None:
    monkeypatch.setattr(kept, "KEEP_SECONDS", 0.05)
    preview = imports.preview_import(cast.manager, "a.csv", csv_file(
        [["姓名", "手机"], ["甲", "13800138001"]]), now=T0)
    time.sleep(0.5)
    for upload in uploads():
        upload.unlink()  # so the confirmation tells whether the rows were still kept
    with pytest.raises(Conflict) as caught:
        imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert caught.value.code == "import.file_missing"


def test_only_managers_and_admins_import_their_own_previews(cast) -> None:
    content = csv_file([["姓名", "手机"], ["甲", "13800138001"]])
    for actor in (cast.agent, cast.viewer):
        with pytest.raises(PermissionDenied):
            imports.preview_import(actor, "a.csv", content, now=T0)
    preview = imports.preview_import(cast.manager, "a.csv", content, now=T0)
    with pytest.raises(NotFound):
        imports.confirm_import(cast.admin, preview.token, "skip", now=T0)
    with pytest.raises(ValidationError):
        imports.confirm_import(cast.manager, preview.token, "merge", now=T0)
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    with pytest.raises(Conflict):
        imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert count("customer") == 1
    actions = [r[0] for r in fetch_all("select action from audit_log where entity = 'import_job'"
                                       " order by id")]
    assert actions == ["import.preview", "import.apply"]


def test_a_preview_expires_and_a_cancelled_one_is_gone(cast) -> None:
    content = csv_file([["姓名", "手机"], ["甲", "13800138001"]])
    late = imports.preview_import(cast.admin, "a.csv", content, now=T0)
    with pytest.raises(ValidationError) as caught:
        imports.confirm_import(cast.admin, late.token, "skip", now=T0 + dt.timedelta(hours=25))
    assert caught.value.code == "import.expired"
    cancelled = imports.preview_import(cast.admin, "b.csv", content,
                                       now=T0 + dt.timedelta(hours=26))
    assert len(uploads()) == 1  # the expired upload was deleted
    imports.cancel_import(cast.admin, cancelled.token, now=T0 + dt.timedelta(hours=26))
    assert not uploads() and count("customer") == 0
    with pytest.raises(Conflict):
        imports.confirm_import(cast.admin, cancelled.token, "skip",
                               now=T0 + dt.timedelta(hours=26))


def test_a_match_the_manager_cannot_see_is_refused(cast) -> None:

    team = users.create_team(SYSTEM, "华北")
    users.set_team(SYSTEM, cast.manager.telegram_id, team.id)
    manager = users.identify(cast.manager.telegram_id).as_actor()
    hidden = customer(cast.other_agent, "别人的客户", phones=("13800138000",), now=T0)
    rows = [["姓名", "手机", "备注"], ["别人的客户", "13800138000", "改掉"],
            ["新客户", "13900139000", ""]]
    preview, result = run_import(manager, "x.csv", csv_file(rows), "update")
    assert [(p.row, p.code) for p in preview.problems] == [(2, "import.not_visible")]
    assert (result.created, result.updated, result.rejected) == (1, 0, 1)
    assert customers.get_customer(SYSTEM, hidden.id).notes is None


def test_a_long_gbk_file_of_names_digits_and_addresses_is_read_as_chinese() -> None:
    from crm.demo_people import generate_customers
    from crm.imports.reading import decode

    rows = [["姓名", "手机", "邮箱", "省", "市", "标签"]]
    rows += [[p.name, p.phone, p.email or "", p.province or "", p.city or "", "、".join(p.tags)]
             for p in generate_customers(20_000, 100, 11)]
    content = csv_file(rows, encoding="gb18030")
    assert len(content) > 1 << 20  # beyond the sample the encoding is judged on
    text, encoding = decode(content, "long.csv")
    assert encoding == "gb18030" and text.startswith("姓名,手机")


def _snapshot(customer_ids: list[int]) -> dict:
    """What the customers hold and what the log and owner history say about them, without
    ids and times (companies by name: PostgreSQL does not give back ids a rolled-back
    transaction took)."""
    from crm import audit

    companies = dict(fetch_all("select id, name from company"))

    def named(changes):
        if isinstance(changes, dict) and "company" in changes:
            return {**changes, "company": [companies.get(v, v) for v in changes["company"]]}
        return changes

    found = {}
    for customer_id in customer_ids:
        stored = _stored(customer_id)
        company_id = stored["customer"][9]
        stored["customer"] = (*stored["customer"][:9], companies.get(company_id))
        stored["tags"] = sorted(r[0] for r in fetch_all(
            "select t.name from tag t join customer_tag ct on ct.tag_id = t.id"
            " where ct.customer_id = ?", (customer_id,)))
        stored["secrets"] = fetch_all("select name, value_hash from customer_secret"
                                      " where customer_id = ?", (customer_id,))
        stored["log"] = [(e.action, named(e.changes)) for e in audit.list_audit(
            SYSTEM, customer_id=customer_id).items]
        stored["owners"] = fetch_all(  # the door (reason) differs: edit or import
            "select from_owner_id, to_owner_id, by_id from lead_assignment"
            " where customer_id = ? order by id", (customer_id,))
        found[customer_id] = stored
    return found


def test_bulk_updates_change_and_log_what_the_customer_services_would(cast) -> None:
    from storage.database import database

    first = customer(cast.agent, "王小明", phones=("13800138000",), tags=("老客户",),
                     notes="旧备注", company="华为", now=T0)
    second = customer(cast.agent, "Emily Chen", emails=("emily@example.com",),
                      addresses=(customers.AddressInput(city="上海"),), now=T0)
    untouched = customer(cast.agent, "李娜", phones=("13900139000",), now=T0)
    header = ["姓名", "手机", "邮箱", "标签", "备注", "状态", "公司", "负责人", "市", "身份证",
              "性别"]
    rows = [["王晓明", "13800138000", "wang@example.com", "VIP、老客户", "新备注", "意向客户",
             "腾讯", "张伟", "深圳", "11010519491231002X", "男"],
            ["Emily Chen", "13700137000", "emily@example.com", "VIP", "", "", "", "", "上海",
             "", "F"],
            ["李娜", "13900139000", "", "", "", "", "", "", "", "", ""]]
    ids = [first.id, second.id, untouched.id]
    with database.atomic() as transaction:  # what the services make of the same rows
        manager = cast.manager
        customers.update_customer(manager, first.id, "name", "王晓明", now=T0)
        customers.update_customer(manager, first.id, "gender", "male", now=T0)
        customers.update_customer(manager, first.id, "notes", "新备注", now=T0)
        customers.update_customer(manager, first.id, "status", "prospect", now=T0)
        customers.update_customer(manager, first.id, "company", "腾讯", now=T0)
        customers.update_customer(manager, first.id, "owner_id", cast.teammate.user_id, now=T0)
        customers.add_channel(manager, first.id, "email", "wang@example.com",
                              allow_duplicate=True, now=T0)
        customers.add_tags(manager, first.id, ["VIP"], now=T0)
        customers.add_address(manager, first.id, customers.AddressInput(city="深圳"), now=T0)
        customers.set_secret(manager, first.id, "id_card", "11010519491231002X", now=T0)
        customers.update_customer(manager, second.id, "gender", "female", now=T0)
        customers.add_channel(manager, second.id, "phone", "13700137000",
                              allow_duplicate=True, now=T0)
        customers.add_tags(manager, second.id, ["VIP"], now=T0)
        expected = _snapshot(ids)
        transaction.rollback()
    _, result = run_import(cast.manager, "u.csv", csv_file([header, *rows]), "update")
    assert (result.updated, result.unchanged, result.created) == (2, 1, 0)
    assert _snapshot(ids) == expected
    assert [c.name for c in customers.search_customers(cast.admin, "晓明").items] == ["王晓明"]


def test_imported_customers_are_found_at_once_by_name_given_name_and_last_digits(
        cast, monkeypatch) -> None:
    monkeypatch.setattr("crm.imports.apply.CHUNK", 2)  # several chunks, one index statement
    people = [("王小明", "13800138001"), ("李建国", "13900139002"), ("欧阳娜娜", "13700137003"),
              ("Emily Chen", "+85261234567"), ("张伟", "13600136004")]
    run_import(cast.manager, "people.csv",
               csv_file([["姓名", "手机"], *[list(p) for p in people]], encoding="gbk"))
    for name, phone in people:
        queries = [name, phone[-4:]]
        if not name.isascii():
            queries.append(name[-2:])  # the given name alone
        for query in queries:
            found = [c.name for c in customers.search_customers(cast.admin, query).items]
            assert found == [name], query
