"""Customer lists as offices keep them: a cover page in front of the list, phones in numbered
or differently named columns, numbers kept as text behind an apostrophe."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import peewee
import pytest

from crm import customers, imports
from crm.errors import ValidationError
from storage.database import fetch_one
from tests.crm.cast import SYSTEM, keep_files_in, make_cast
from tests.crm.import_files import csv_file, read_sheet, xlsx_file

T0 = dt.datetime(2026, 4, 1, 9, 0)


@pytest.fixture
def cast(db: peewee.Database, tmp_path: Path):
    """The cast, with uploads kept under this test's data folder."""
    keep_files_in(tmp_path / "data")
    return make_cast()


def card_by_phone(e164: str):
    row = fetch_one("select customer_id from contact_channel where kind = 'phone'"
                    " and value = ?", (e164,))
    assert row, e164
    return customers.get_customer(SYSTEM, row[0])


def test_a_workbook_with_a_cover_page_imports_the_list_on_its_second_sheet(cast) -> None:
    content = xlsx_file([["客户姓名", "手机"], ["张三", "13800138001"], ["李四", "13800138002"]],
                        sheet="客户", before=[("封面", [["2024年客户名单"], [],
                                                         ["制表：行政部"]])])
    preview = imports.preview_import(cast.manager, "名单.xlsx", content, now=T0)
    assert (preview.rows, preview.new, preview.invalid) == (2, 2, 0)
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert card_by_phone("+8613800138002").name == "李四"


def test_a_workbook_without_any_list_still_says_its_header_is_missing(cast) -> None:
    content = xlsx_file([["说明"], ["请在下一页填写"]], sheet="说明",
                        before=[("封面", [["2024年客户名单"]])])
    with pytest.raises(ValidationError) as raised:
        imports.preview_import(cast.manager, "名单.xlsx", content, now=T0)
    assert raised.value.code == "import.no_header"


def test_numbered_and_landline_phone_columns_become_the_customers_phones(cast) -> None:
    content = csv_file([
        ["客户名称", "手机1", "手机2", "固定电话", "Email 1", "E-mail 2", "联系人2"],
        ["张伟", "13800138021", "13900139021", "010-88886666", "zw@example.com",
         "zw2@example.com", "李娜"],
    ], encoding="gbk")
    preview = imports.preview_import(cast.manager, "名单.csv", content, now=T0)
    assert preview.unknown_columns == ("联系人2",)  # a second contact is no phone
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    zhang = card_by_phone("+8613900139021")
    assert [c.value for c in zhang.channels if c.kind == "phone"] == [
        "+8613800138021", "+8613900139021", "+861088886666"]
    assert [c.value for c in zhang.channels if c.kind == "email"] == [
        "zw@example.com", "zw2@example.com"]
    assert zhang.notes == "联系人2: 李娜"


def test_numbers_kept_as_text_behind_an_apostrophe_are_read_as_typed(cast) -> None:
    content = csv_file([["姓名", "手机", "身份证号", "生日"],
                        ["甲一", "'13800138031", "'11010519491231002X", "'1990-03-05"]])
    preview = imports.preview_import(cast.manager, "名单.csv", content, now=T0)
    assert (preview.new, preview.invalid, preview.problems) == (1, 0, ())
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert card_by_phone("+8613800138031").birthday == dt.date(1990, 3, 5)


def test_a_birthday_with_a_two_digit_year_imports_as_the_year_gone_by(cast) -> None:
    content = csv_file([["姓名", "手机", "生日"],
                        ["甲一", "13800138051", "90年3月5号"],
                        ["乙二", "13800138052", "05年3月5日"],
                        ["丙三", "13800138053", "1990年3月5号"],
                        ["丁四", "13800138054", "5/3/90"]])
    preview = imports.preview_import(cast.manager, "名单.csv", content, now=T0)
    assert (preview.new, preview.invalid) == (3, 1)
    assert [(p.row, p.column, p.code) for p in preview.problems] == [
        (5, "生日", "validation.date_short_year")]
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert [card_by_phone(f"+86138001380{n}").birthday for n in (51, 52, 53)] == [
        dt.date(1990, 3, 5), dt.date(2005, 3, 5), dt.date(1990, 3, 5)]

def test_an_age_in_the_birthday_column_is_refused_as_an_age_not_read_as_1900(cast) -> None:
    content = xlsx_file([["姓名", "手机", "生日"], ["年龄一", "13800138051", 35],
                         ["年龄二", "13800138052", "42岁"],
                         ["生日三", "13800138053", dt.date(1990, 3, 5)]])
    preview = imports.preview_import(cast.manager, "名单.xlsx", content, now=T0)
    assert (preview.new, preview.invalid) == (1, 2)
    assert [(p.row, p.column, p.code, p.params["value"]) for p in preview.problems] == [
        (2, "生日", "validation.birthday_age", "35"),
        (3, "生日", "validation.birthday_age", "42岁")]


def test_a_phone_with_an_extension_is_refused_in_every_written_form_not_cut_off(cast) -> None:
    written = ["010-12345678 ext. 123", "010-12345678 x123", "010-12345678#123",
               "010-12345678分机123", "010-12345678转123", "010-12345678-8008"]
    rows = [["姓名", "电话"], *([f"分机{i}", phone] for i, phone in enumerate(written)),
            ["总机", "010-12345679"]]
    preview = imports.preview_import(cast.manager, "名单.csv", csv_file(rows), now=T0)
    assert (preview.new, preview.invalid) == (1, len(written))
    assert [(p.column, p.code, p.params["value"]) for p in preview.problems] == [
        ("电话", "validation.phone_extension", phone) for phone in written]
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert fetch_one("select count(*) from contact_channel where value = '+861012345678'")[0] == 0
    assert card_by_phone("+861012345679").name == "总机"


@pytest.mark.parametrize(("family", "given"), [
    ("姓", "名"), ("姓氏", "名字"), ("Last Name", "First Name"), ("Family Name", "Given Name"),
    ("SURNAME", "first name"),
])
@pytest.mark.parametrize("given_first", [False, True])
def test_surname_and_given_name_columns_are_joined_into_the_name(
        cast, family, given, given_first) -> None:
    parts = [("王", "小明"), ("Chen", "Emily"), ("欧阳", ""), ("", "Lucy"), ("陈", "Emily")]
    rows = [([given, family] if given_first else [family, given]) + ["手机"]]
    for number, (surname, name) in enumerate(parts):
        rows.append(([name, surname] if given_first else [surname, name]) +
                    [f"1380013806{number}"])
    preview = imports.preview_import(cast.manager, "名单.csv", csv_file(rows), now=T0)
    assert (preview.new, preview.invalid, preview.unknown_columns) == (5, 0, ())
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    names = [card_by_phone(f"+861380013806{n}").name for n in range(5)]
    # as a shared contact's two names are joined (bot: contact_name): one rule for both doors
    assert names == ["王小明", "Emily Chen", "欧阳", "Lucy", "Emily 陈"]
    assert card_by_phone("+8613800138060").notes is None  # the parts are the name, not notes


def test_a_row_without_either_part_of_the_name_is_refused_naming_both_columns(cast) -> None:
    rows = [["姓", "名", "手机", "生日"], ["", "", "13800138070", ""],
            ["李", "雷", "13800138071", "1990-13-45"]]
    preview = imports.preview_import(cast.manager, "名单.csv", csv_file(rows), now=T0)
    assert [(p.row, p.column, p.code) for p in preview.problems] == [
        (2, "姓 + 名", "validation.required"), (3, "生日", "validation.date")]
    report = read_sheet(imports.rejects_workbook(
        preview.headers, preview.rejects, lambda p: f"{p.code}@{p.column}"))
    assert report[0][:4] == ["姓", "名", "手机", "生日"]  # the file's own columns
    assert report[2][:4] == ["李", "雷", "13800138071", "1990-13-45"]


def test_a_whole_name_column_wins_over_the_parts_which_are_kept_in_the_notes(cast) -> None:
    rows = [["姓名", "姓", "名", "手机"], ["王小明", "王", "晓明", "13800138080"]]
    preview = imports.preview_import(cast.manager, "名单.csv", csv_file(rows), now=T0)
    assert preview.unknown_columns == ("姓", "名")
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    wang = card_by_phone("+8613800138080")
    assert (wang.name, wang.notes) == ("王小明", "姓: 王\n名: 晓明")


def test_a_name_merged_over_its_surname_and_given_name_columns_is_joined(cast) -> None:
    content = xlsx_file([["姓名", None, "手机"], ["姓", "名", None],
                         ["司马", "相如", "13800138090"]], merges=["A1:B1", "C1:C2"])
    preview = imports.preview_import(cast.manager, "名单.xlsx", content, now=T0)
    assert (preview.new, preview.unknown_columns) == (1, ())
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert card_by_phone("+8613800138090").name == "司马相如"


def test_a_crm_export_in_english_maps_names_phones_company_address_and_owner(cast) -> None:
    rows = [["Record ID", "First Name", "Last Name", "Email", "Phone Number",
             "Mobile Phone Number", "Company Name", "Job Title", "Lead Status",
             "Contact owner", "Street Address", "City", "State/Region", "Country/Region",
             "Postal Code"],
            ["51", "Emily", "Chen", "emily@example.com", "+1 650-253-0000", "13800138095",
             "Acme", "Buyer", "New", "李娜", "1 Main St", "Mountain View", "CA", "US",
             "94043"]]
    preview = imports.preview_import(cast.admin, "hubspot-contacts.csv", csv_file(rows), now=T0)
    assert (preview.new, preview.invalid) == (1, 0)
    assert preview.unknown_columns == ("Record ID", "Lead Status")
    imports.confirm_import(cast.admin, preview.token, "skip", now=T0)
    emily = card_by_phone("+8613800138095")
    assert (emily.name, emily.company.name, emily.occupation) == ("Emily Chen", "Acme", "Buyer")
    assert emily.owner_id == cast.agent.user_id and emily.notes == "Record ID: 51\nLead Status: New"
    assert [c.value for c in emily.channels if c.kind == "phone"] == [
        "+16502530000", "+8613800138095"]
    [address] = emily.addresses
    assert (address.street, address.city, address.province, address.country,
            address.postal_code) == ("1 Main St", "Mountain View", "CA", "US", "94043")


def _with_saved_results(content: bytes, results: dict[str, str]) -> bytes:
    """The workbook as Excel saves it: each formula cell keeps its result as text (an empty
    result is written ``<v/>`` or ``<v></v>``, depending on openpyxl's XML library)."""
    source, target = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(target, "w") as saved:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                for cell, value in results.items():
                    data = re.sub(rf'<c r="{cell}"><f>(.*?)</f><v(?:\s*/>|></v>)'.encode(),
                                  rf'<c r="{cell}" t="str"><f>\1</f><v>{value}</v>'.encode(),
                                  data)
            saved.writestr(item, data)
    return target.getvalue()


def test_a_column_of_formulas_without_results_is_explained_once_in_the_dry_run(cast) -> None:
    rows = [["客户名单"], ["手机", "微信", "姓名", "公司"],
            ["13800138101", None, "=A3", "=B3"], ["13800138102", None, "=A4", "=B4"]]
    preview = imports.preview_import(cast.manager, "名单.xlsx", xlsx_file(rows), now=T0)
    assert preview.unsaved_formulas == ("姓名", "公司")
    assert (preview.new, preview.invalid) == (0, 2)
    saved = _with_saved_results(xlsx_file(rows), {"C3": "王五", "C4": "赵六", "D3": "甲",
                                                  "D4": "乙"})
    preview = imports.preview_import(cast.manager, "名单.xlsx", saved, now=T0)
    assert (preview.unsaved_formulas, preview.new) == ((), 2)  # the empty 微信 says nothing
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert card_by_phone("+8613800138102").name == "赵六"


def test_a_name_column_of_formulas_without_results_gives_way_to_the_name_parts(cast) -> None:
    rows = [["客户名单"], ["姓", "名", "姓名", "手机"],
            ["王", "五", "=A3&B3", "13800138103"],
            ["赵", "六", "=CONCATENATE(A4,B4)", "13800138104"]]
    preview = imports.preview_import(cast.manager, "名单.xlsx", xlsx_file(rows), now=T0)
    assert preview.unsaved_formulas == ("姓名",)  # still said, so the file gets fixed
    assert (preview.new, preview.invalid, preview.unknown_columns) == (2, 0, ())
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    wang = card_by_phone("+8613800138103")
    assert (wang.name, wang.notes) == ("王五", None)
    assert card_by_phone("+8613800138104").name == "赵六"
    # Saved by Excel, the name column has its values again and is the name, as before.
    saved = _with_saved_results(xlsx_file(rows), {"C3": "王小五", "C4": "赵小六"})
    preview = imports.preview_import(cast.manager, "名单.xlsx", saved, now=T0)
    assert preview.unknown_columns == ("姓", "名") and preview.unsaved_formulas == ()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_invisible_characters_pasted_from_web_pages_do_not_hide_columns_or_values(
        cast, kind) -> None:
    # A zero-width space, a byte order mark, a word joiner and a no-break space, as copying
    # from a web page or WeChat leaves them.
    rows = [["\u200b姓名", "手机\ufeff", "公司\u2060", "标签"],
            ["张伟\u200b", "\u200b13800138111", "Acme\u00a0Trading", "VIP\u200d😀"]]
    content = csv_file(rows, encoding="utf-8-sig") if kind == "csv" else xlsx_file(rows)
    preview = imports.preview_import(cast.manager, f"名单.{kind}", content, now=T0)
    assert (preview.new, preview.invalid, preview.unknown_columns) == (1, 0, ())
    assert [label for label, _ in preview.columns] == ["姓名", "手机", "公司", "标签"]
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    zhang = card_by_phone("+8613800138111")
    assert (zhang.name, zhang.company.name) == ("张伟", "Acme Trading")
    assert zhang.tags == ("VIP\u200d😀",)  # a joiner inside an emoji sequence is content


@pytest.mark.parametrize(("telling", "read_as"), [
    ("25/03/1990", dt.date(1990, 4, 3)),  # a day above 12 first: the column is day first
    ("03/25/1990", dt.date(1990, 3, 4)),  # ... second: month first
])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_date_column_whose_other_rows_settle_the_order_reads_every_row_so(
        cast, telling, read_as, kind) -> None:
    rows = [["姓名", "手机", "生日"], ["甲", "13800138121", "03/04/1990"],
            ["乙", "13800138122", telling], ["丙", "13800138123", "'07/07/1990"],
            ["丁", "13800138124", "03.04.1990 00:00"]]
    content = csv_file(rows) if kind == "csv" else xlsx_file(rows)
    preview = imports.preview_import(cast.manager, f"名单.{kind}", content, now=T0)
    assert (preview.new, preview.invalid, preview.problems) == (4, 0, ())
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert card_by_phone("+8613800138121").birthday == read_as
    assert card_by_phone("+8613800138122").birthday == dt.date(1990, 3, 25)
    assert card_by_phone("+8613800138123").birthday == dt.date(1990, 7, 7)
    assert card_by_phone("+8613800138124").birthday == read_as


def test_a_date_nothing_settles_is_refused_with_both_readings_and_how_to_write_it(cast) -> None:
    rows = [["姓名", "手机", "生日"], ["甲", "13800138131", "03/04/1990"],
            ["乙", "13800138132", "1990-05-06"], ["丙", "13800138133", "31/04/1990"],
            ["丁", "13800138134", "00/04/1990"]]
    preview = imports.preview_import(cast.manager, "名单.csv", csv_file(rows), now=T0)
    assert [(p.row, p.column, p.code) for p in preview.problems] == [
        (2, "生日", "import.date_ambiguous"), (4, "生日", "validation.date"),
        (5, "生日", "validation.date")]
    params = preview.problems[0].params
    assert (params["value"], params["day_first_iso"], params["month_first_iso"]) == (
        "03/04/1990", "1990-04-03", "1990-03-04")
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    assert fetch_one("select count(*) from customer")[0] == 1  # only 乙, nothing guessed


def test_a_date_column_written_both_ways_refuses_the_rows_it_cannot_settle(cast) -> None:
    rows = [["姓名", "手机", "生日"], ["甲", "13800138141", "25/03/1990"],
            ["乙", "13800138142", "03/25/1991"], ["丙", "13800138143", "03/04/1990"]]
    preview = imports.preview_import(cast.manager, "名单.csv", csv_file(rows), now=T0)
    [problem] = preview.problems
    assert (problem.row, problem.column, problem.code) == (4, "生日", "import.date_orders_mixed")
    assert {key: problem.params[key] for key in ("day_first_row", "day_first_example",
                                                 "month_first_row", "month_first_example")} == {
        "day_first_row": 2, "day_first_example": "25/03/1990",
        "month_first_row": 3, "month_first_example": "03/25/1991"}
    imports.confirm_import(cast.manager, preview.token, "skip", now=T0)
    # A value with one reading only is that day, whichever way the column writes others.
    assert card_by_phone("+8613800138141").birthday == dt.date(1990, 3, 25)
    assert card_by_phone("+8613800138142").birthday == dt.date(1991, 3, 25)
    assert fetch_one("select count(*) from customer")[0] == 2
