"""Columns as office lists name them: a customer name beside its contact person, two columns
for one field, a region written in one cell, and the same file imported again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest

from crm import customers, imports
from storage.database import fetch_one
from tests.crm.cast import SYSTEM, keep_files_in, make_cast
from tests.crm.import_files import csv_file, xlsx_file

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


def imported(cast, content: bytes, name: str = "名单.csv", mode: str = "skip"):
    preview = imports.preview_import(cast.manager, name, content, now=T0)
    imports.confirm_import(cast.manager, preview.token, mode, now=T0)
    return preview


def test_a_customer_name_beside_a_contact_column_is_that_contacts_company(cast) -> None:
    content = csv_file([["客户名称", "联系人", "联系电话"],
                        ["北京海淀电子有限公司", "刘经理", "13911112222"]], encoding="gbk")
    preview = imported(cast, content)
    assert preview.unknown_columns == ()
    card = card_by_phone("+8613911112222")
    assert card.name == "刘经理"
    assert card.company is not None and card.company.name == "北京海淀电子有限公司"


def test_a_second_column_for_a_field_is_kept_in_the_notes_not_dropped(cast) -> None:
    content = xlsx_file([["姓名", "手机", "公司", "备注", "说明", "联系人"],
                         ["孙丽", "13910002000", "深圳华强", "老客户", "展会认识", "孙丽的助理"]])
    preview = imported(cast, content, "名单.xlsx")
    assert preview.unknown_columns == ("说明", "联系人")
    card = card_by_phone("+8613910002000")
    assert (card.name, card.company.name if card.company else None) == ("孙丽", "深圳华强")
    assert card.notes == "老客户\n说明: 展会认识\n联系人: 孙丽的助理"


def address_of(e164: str) -> tuple[str | None, ...]:
    address = card_by_phone(e164).addresses[0]
    return address.province, address.city, address.district, address.street


def test_a_region_column_fills_the_province_city_and_district(cast) -> None:
    content = csv_file([["客户名称", "联系电话", "所在地区"],
                        ["甲", "13800138001", "浙江杭州"],
                        ["乙", "13800138002", "北京市海淀区"],
                        ["丙", "13800138003", "广东省广州市天河区"],
                        ["丁", "13800138004", "上海"],
                        ["戊", "13800138005", "广西壮族自治区南宁市"],
                        ["己", "13800138006", "浙江杭州西湖区"],
                        ["庚", "13800138007", "华东"]], encoding="gbk")
    preview = imported(cast, content)
    assert preview.unknown_columns == ()
    assert address_of("+8613800138001") == ("浙江", "杭州", None, None)
    assert address_of("+8613800138002") == ("北京", "北京", "海淀区", None)
    assert address_of("+8613800138003") == ("广东", "广州", "天河区", None)
    assert address_of("+8613800138004") == ("上海", "上海", None, None)
    assert address_of("+8613800138005") == ("广西", "南宁", None, None)
    # Where the city ends cannot be told without 市: the rest is kept as the street.
    assert address_of("+8613800138006") == ("浙江", None, None, "杭州西湖区")
    # A region that names no province stays in the notes as written.
    other = card_by_phone("+8613800138007")
    assert (other.addresses, other.notes) == ((), "所在地区: 华东")


def test_a_region_naming_only_a_city_gets_the_citys_province(cast) -> None:
    content = csv_file([["客户名称", "联系电话", "所在地区"],
                        ["甲", "13800138031", "杭州"],
                        ["乙", "13800138032", "深圳市"],
                        ["丙", "13800138033", "深圳市南山区"],
                        ["丁", "13800138034", "延边朝鲜族自治州"],
                        ["戊", "13800138035", "朝阳"]], encoding="gbk")
    imported(cast, content)
    assert address_of("+8613800138031") == ("浙江", "杭州", None, None)
    assert address_of("+8613800138032") == ("广东", "深圳", None, None)
    assert address_of("+8613800138033") == ("广东", "深圳", "南山区", None)
    assert address_of("+8613800138034") == ("吉林", "延边", None, None)
    # 辽宁's city or Beijing's district: a name two provinces share stays in the notes.
    shared = card_by_phone("+8613800138035")
    assert (shared.addresses, shared.notes) == ((), "所在地区: 朝阳")


def test_a_region_gives_way_to_the_rows_own_province_and_city_columns(cast) -> None:
    content = csv_file([["姓名", "手机", "地区", "省份", "城市", "详细地址"],
                        ["甲", "13800138011", "江苏南京", "江苏", "苏州", "工业园区星湖街328号"]])
    imported(cast, content)
    assert address_of("+8613800138011") == ("江苏", "苏州", None, "工业园区星湖街328号")


def test_the_same_file_imported_again_to_update_changes_nothing(cast) -> None:
    content = csv_file([["客户名称", "联系电话", "备注", "最后跟进"],
                        ["吴刚", "13910002002", "老客户", "2026年3月7日"]], encoding="gbk")
    imported(cast, content)
    again = imports.preview_import(cast.manager, "名单.csv", content, now=T0)
    result = imports.confirm_import(cast.manager, again.token, "update", now=T0)
    assert (again.existing, result.updated, result.unchanged) == (1, 0, 1)
    assert card_by_phone("+8613910002002").notes == "老客户\n最后跟进: 2026年3月7日"


def test_an_update_with_new_notes_keeps_the_other_columns_lines(cast) -> None:
    imported(cast, csv_file([["姓名", "手机", "备注", "最后跟进"],
                             ["吴刚", "13910002003", "老客户", "3月7日"]]))
    imported(cast, csv_file([["姓名", "手机", "备注", "最后跟进"],
                             ["吴刚", "13910002003", "已签约", "4月1日"]]), mode="update")
    assert card_by_phone("+8613910002003").notes == "已签约\n最后跟进: 4月1日"


def test_what_a_region_cannot_place_goes_before_the_rows_own_street(cast) -> None:
    content = csv_file([["姓名", "手机", "所在地区", "详细地址"],
                        ["甲", "13800138021", "浙江杭州西湖区", "文三路100号"]])
    imported(cast, content)
    assert address_of("+8613800138021") == ("浙江", None, None, "杭州西湖区文三路100号")


def test_a_phone_with_a_note_in_brackets_is_the_number_and_the_note_is_kept(cast) -> None:
    content = csv_file([["姓名", "手机", "微信"],
                        ["甲", "138 0013 8016（微信同号）", ""],
                        ["乙", "13800138017(张总秘书)", "wang_li_88"]], encoding="gbk")
    preview = imported(cast, content)
    assert (preview.new, preview.invalid) == (2, 0)
    first = card_by_phone("+8613800138016")
    assert first.primary("wechat") == "13800138016" and first.notes is None
    second = card_by_phone("+8613800138017")
    assert second.primary("wechat") == "wang_li_88"
    assert second.notes == "手机: 13800138017(张总秘书)"


def test_a_wechat_cell_wins_over_a_phone_noted_as_the_same_wechat(cast) -> None:
    content = csv_file([["姓名", "手机", "微信"],
                        ["甲", "13800138018 / 13900139018（微信同号）", "zhang_wei_1"]])
    imported(cast, content)
    card = card_by_phone("+8613900139018")
    assert card.primary("wechat") == "zhang_wei_1"
    assert [c.value for c in card.channels if c.kind == "phone"] == [
        "+8613800138018", "+8613900139018"]
