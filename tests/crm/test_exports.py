"""Exports read back: customers with everything on their record, interactions, deals and orders;
filters, visibility, formula neutralising, CSV with a BOM, the audit entry, and the registry."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import peewee
import pytest
from openpyxl import load_workbook

from crm import audit, customers, exports, imports, sales, service, users
from crm.errors import NotFound, PermissionDenied, ValidationError
from crm.exports.kinds import REGISTRY, ExportKind, Query, register
from storage.database import fetch_all
from tests.crm.cast import SYSTEM, customer, keep_files_in, make_cast
from tests.crm.import_files import read_sheet

T0 = dt.datetime(2026, 3, 10, 2, 30)  # 10:30 in Shanghai


@pytest.fixture
def cast(db: peewee.Database, tmp_path: Path):
    keep_files_in(tmp_path / "data")
    return make_cast()


@pytest.fixture
def book(cast):
    """Three customers of two agents, one with everything on the record."""
    wang = customer(cast.agent, "王小明", now=T0, phones=("13800138000", "13900139000"),
                    emails=("wang@example.com",), company="华为", tags=("VIP", "华南"),
                    gender="男", birthday="1990-03-07", notes="对价格敏感", source="展会",
                    status="prospect",
                    addresses=(customers.AddressInput(province="广东", city="深圳",
                                                      district="龙岗", street="坂田"),
                               customers.AddressInput(kind="home", city="东莞")),
                    channels=(customers.ChannelInput("wechat", "wang_xm88"),
                              customers.ChannelInput("qq", "123456")))
    li = customer(cast.agent, "李娜", now=T0 + dt.timedelta(days=20), phones=("13700137000",))
    emily = customer(cast.other_agent, "Emily Chen", now=T0, emails=("emily@example.com",),
                     tags=("VIP",), status="customer")
    return {"wang": wang, "li": li, "emily": emily}


def export(actor, kind: str, fmt: str = "xlsx", **filters) -> list[list]:
    buffer = io.BytesIO()
    result = exports.export_records(actor, kind, buffer, fmt=fmt,
                                    filters=exports.Filters(**filters), now=T0)
    content = buffer.getvalue()
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # Excel reads Chinese only with the BOM
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        rows = read_sheet(content)
    assert result.rows == len(rows) - 1
    return rows


def records(rows: list[list]) -> dict[str, dict]:
    header = rows[0]
    return {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def test_customers_export_holds_the_whole_record(cast, book) -> None:
    rows = export(cast.admin, "customers")
    assert rows[0][:5] == ["id", "name", "gender", "birthday", "phone"]
    wang = records(rows)["王小明"]
    assert wang["id"] == book["wang"].id and wang["gender"] == "male"
    assert wang["birthday"] == dt.date(1990, 3, 7)
    assert wang["phone"] == "138 0013 8000; 139 0013 9000"
    assert (wang["email"], wang["wechat"], wang["other_channels"]) == (
        "wang@example.com", "wang_xm88", "qq:123456")
    assert (wang["company"], wang["tags"], wang["owner"], wang["status"]) == (
        "华为", "VIP, 华南", "李娜", "prospect")
    assert (wang["province"], wang["city"], wang["district"], wang["street"],
            wang["other_addresses"]) == ("广东", "深圳", "龙岗", "坂田", "东莞")
    assert wang["created_at"] == dt.datetime(2026, 3, 10, 10, 30)  # Shanghai time
    csv_rows = export(cast.admin, "customers", "csv")
    assert records(csv_rows)["王小明"]["phone"] == wang["phone"]
    assert records(csv_rows)["王小明"]["birthday"] == "1990-03-07"


def test_filters_narrow_the_export(cast, book) -> None:
    def names(**filters) -> list[str]:
        return sorted(records(export(cast.admin, "customers", **filters)))

    assert names(tag="vip") == ["Emily Chen", "王小明"]
    assert names(owner_id=cast.agent.user_id) == ["李娜", "王小明"]
    assert names(status="customer") == ["Emily Chen"]
    assert names(since=dt.date(2026, 3, 20)) == ["李娜"]
    assert names(until=dt.date(2026, 3, 10)) == ["Emily Chen", "王小明"]
    with pytest.raises(ValidationError):
        export(cast.admin, "customers", status="won")
    with pytest.raises(ValidationError):
        export(cast.admin, "customers", since=dt.date(2026, 4, 1), until=dt.date(2026, 3, 1))
    typed = exports.filters_from_text(cast.admin, "customers", "csv", tag="#VIP",
                                      owner=str(cast.agent.telegram_id), since="2026/3/1")
    assert (typed.tag, typed.owner_id, typed.since) == ("VIP", cast.agent.user_id,
                                                        dt.date(2026, 3, 1))
    with pytest.raises(ValidationError):
        exports.filters_from_text(cast.admin, "invoices", "xlsx")


def test_only_what_the_exporter_may_see(cast, book) -> None:
    team = users.create_team(SYSTEM, "华南")
    for member in (cast.manager, cast.agent):
        users.set_team(SYSTEM, member.telegram_id, team.id)
    manager = users.identify(cast.manager.telegram_id).as_actor()
    assert sorted(records(export(manager, "customers"))) == ["李娜", "王小明"]
    assert len(records(export(cast.admin, "customers"))) == 3
    for actor in (cast.agent, cast.viewer):
        with pytest.raises(PermissionDenied):
            export(actor, "customers")
    customers.delete_customer(cast.admin, book["li"].id, now=T0)
    assert sorted(records(export(manager, "customers"))) == ["王小明"]


def test_each_customer_gets_their_own_channels_in_dense_and_sparse_batches(
        cast, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of a few customers: the whole list (ids side by side, some deleted between)
    and a team's share of it (ids far apart) each carry exactly their own phones, tags and
    addresses, never a neighbour's."""
    from crm.exports import kinds

    monkeypatch.setattr(kinds, "BATCH", 3)
    team = users.create_team(SYSTEM, "华东")
    users.set_team(SYSTEM, cast.manager.telegram_id, team.id)
    users.set_team(SYSTEM, cast.agent.telegram_id, team.id)
    made = {}
    for index in range(14):
        owner = cast.agent if index % 4 == 0 else cast.other_agent
        made[f"客户{index}"] = customer(
            owner, f"客户{index}", now=T0, phones=(f"1380013{index:04d}",), tags=(f"T{index}",),
            addresses=(customers.AddressInput(city=f"城{index}"),))
    for index in (5, 6, 9):
        customers.delete_customer(cast.admin, made[f"客户{index}"].id, now=T0)
    manager = users.identify(cast.manager.telegram_id).as_actor()
    for actor, expected in ((cast.admin, [i for i in range(14) if i not in (5, 6, 9)]),
                            (manager, [0, 4, 8, 12])):
        found = records(export(actor, "customers", "csv"))
        assert sorted(found) == sorted(f"客户{i}" for i in expected)
        for index in expected:
            row = found[f"客户{index}"]
            assert (row["phone"], row["tags"], row["city"]) == (
                f"138 0013 {index:04d}", f"T{index}", f"城{index}")


TYPED = {"name": "=HYPERLINK(\"http://x\")", "notes": "@SUM(A1)", "company": "+cmd|' /C calc'!A0",
         "source": "-2+3"}


def test_formulas_stay_text_in_a_csv_behind_an_apostrophe(cast) -> None:
    customer(cast.agent, TYPED["name"], notes=TYPED["notes"], company=TYPED["company"],
             source=TYPED["source"], emails=("a@example.com",), now=T0)
    [values] = records_by_id(export(cast.admin, "customers", "csv"))
    assert {column: values[column] for column in TYPED} == {
        column: "'" + typed for column, typed in TYPED.items()}


def test_formulas_show_as_typed_in_an_xlsx_and_never_run(cast) -> None:
    """Excel's hidden quote prefix, as on a typed '=...: the cell reads what the user typed,
    with no apostrophe to see, and stays text (no formula in the file)."""
    customer(cast.agent, TYPED["name"], notes=TYPED["notes"], company=TYPED["company"],
             source=TYPED["source"], emails=("a@example.com",), now=T0)
    buffer = io.BytesIO()
    exports.export_records(cast.admin, "customers", buffer, fmt="xlsx", now=T0)
    header, row = load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows()
    cells = {heading.value: cell for heading, cell in zip(header, row, strict=True)}
    assert {column: (cells[column].value, cells[column].data_type, cells[column].quotePrefix)
            for column in TYPED} == {column: (typed, "s", True) for column, typed in TYPED.items()}
    assert not cells["email"].quotePrefix  # the style goes to those cells only


def test_control_characters_in_stored_text_do_not_break_either_format(cast) -> None:
    """A record stored before control characters were dropped on the way in (an old backup,
    another tool) still exports: Excel's file format cannot hold them, so they are left out."""
    customer(cast.agent, "测试\x01人", notes="第一行\x0b第二行\n第三行", now=T0)
    for fmt in ("xlsx", "csv"):
        [row] = records_by_id(export(cast.admin, "customers", fmt))
        assert (row["name"], row["notes"]) == ("测试人", "第一行第二行\n第三行")


def test_an_international_phone_shows_without_an_apostrophe_in_xlsx(cast) -> None:
    """A Singapore number in an XLSX cell is text Excel never runs: it reads +6586997611, not
    '+6586997611. In a CSV, which Excel takes as typed input, a tab in front keeps it text
    (no apostrophe to see either); a formula that starts like a phone is still neutralised
    in both."""
    customer(cast.agent, "Tan Wei", phones=("+6586997611",), company="+65 1|cmd", now=T0)
    for fmt, phone, company in (("xlsx", "+6586997611", "+65 1|cmd"),
                                ("csv", "\t+6586997611", "'+65 1|cmd")):
        [row] = records_by_id(export(cast.admin, "customers", fmt))
        assert (row["phone"], row["company"]) == (phone, company)


def test_a_csv_keeps_identifiers_of_digits_text_for_excel_and_imports_them_back(cast) -> None:
    """A WeChat id of digits would open in Excel as 1.85E+10 and be saved so: a tab in front
    keeps it text. Only identifier columns get it (not names, notes or amounts), and the
    file imported again gives the same values."""
    made = customer(cast.agent, "张伟", phones=("+6586997611",), notes="18500001234",
                    channels=(customers.ChannelInput("wechat", "18500001234"),), now=T0)
    buffer = io.BytesIO()
    exports.export_records(cast.admin, "customers", buffer, fmt="csv", now=T0)
    content = buffer.getvalue()
    assert content.startswith(b"\xef\xbb\xbf")
    header, row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    values = dict(zip(header, row, strict=True))
    assert (values["wechat"], values["phone"]) == ("\t18500001234", "\t+6586997611")
    assert (values["notes"], values["id"]) == ("18500001234", str(made.id))
    preview = imports.preview_import(cast.admin, "back.csv", content, now=T0)
    assert (preview.new, preview.existing, preview.invalid) == (0, 1, 0)
    result = imports.confirm_import(cast.admin, preview.token, "update", now=T0)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    card = customers.get_customer(cast.admin, made.id)
    assert {(c.kind, c.value) for c in card.channels} == {
        ("phone", "+6586997611"), ("wechat", "18500001234")}


def test_xlsx_columns_are_wide_enough_for_their_dates_and_chinese_headings(cast, book) -> None:
    """Excel shows a date-time wider than its column as ########."""
    buffer = io.BytesIO()
    headings = {"created_at": "创建时间", "name": "姓名", "phone": "手机", "company": "公司"}
    exports.export_records(cast.admin, "customers", buffer,
                           header=lambda field: headings.get(field, field), now=T0)
    sheet = load_workbook(buffer).active
    width = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert width["创建时间"] >= len("2026-03-10 10:30:00")
    assert width["手机"] >= len("138 0013 8000; 139 0013 9000")
    assert 8 <= width["姓名"] < 20 and width["公司"] >= 8


def test_interactions_deals_and_orders_export(cast, book) -> None:
    wang = book["wang"].id
    customers.log_interaction(cast.agent, wang, "call", "报价 -5%", direction="out", now=T0)
    deal = sales.create_deal(cast.agent, wang, "年度采购", amount="12500.50", now=T0)
    sales.create_order(cast.agent, wang, [sales.OrderLineInput(
        quantity=2, description="样品", unit_price="99.90")], now=T0)
    [call] = records_by_id(export(cast.admin, "interactions"))
    assert (call["customer"], call["kind"], call["direction"], call["summary"]) == (
        "王小明", "call", "out", "报价 -5%")
    [row] = records_by_id(export(cast.admin, "deals"))
    assert (row["id"], row["title"], row["deal_status"], row["currency"]) == (
        deal.id, "年度采购", "open", "CNY")
    assert Decimal(str(row["amount"])) == Decimal("12500.50")
    [order] = export(cast.admin, "orders", "csv")[1:]
    assert order[3:10] == ["draft", "CNY", "199.80", "0.00", "199.80", "0.00", "199.80"]
    with pytest.raises(NotFound):  # none won: said so, rather than a file of headings
        export(cast.admin, "deals", status="won")
    assert len(export(cast.admin, "interactions", tag="VIP")) == 2


def test_xlsx_exports_hold_money_and_dates_as_typed_cells_under_a_frozen_heading(cast,
                                                                                  book) -> None:
    wang = book["wang"].id
    sales.create_deal(cast.agent, wang, "年度采购", amount="12500.50", expected_close="2026-04-30",
                      now=T0)
    sales.create_deal(cast.agent, wang, "日本样机", amount="980000", currency="JPY", now=T0)
    sales.create_order(cast.agent, wang, [sales.OrderLineInput(
        quantity=2, description="样品", unit_price="1999.90")], now=T0)
    deals = _xlsx_rows(cast.admin, "deals")
    assert [(r["amount"].value, r["amount"].number_format) for r in deals] == [
        (12500.5, "#,##0.00"), (980000, "#,##0")]  # shown 12,500.50 and ¥980,000
    assert deals[0]["expected_close"].value == dt.datetime(2026, 4, 30)
    assert deals[0]["created_at"].is_date and deals[0]["expected_close"].is_date
    [order] = _xlsx_rows(cast.admin, "orders")
    for column in ("subtotal", "discount", "total", "paid", "outstanding"):
        assert order[column].data_type == "n" and order[column].number_format == "#,##0.00"
    assert order["total"].value == 3999.8 and order["ordered_on"].is_date


def _xlsx_rows(actor, kind: str) -> list[dict]:
    """The rows of an XLSX export as openpyxl cells by heading; its heading row is frozen."""
    buffer = io.BytesIO()
    exports.export_records(actor, kind, buffer, now=T0)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet.freeze_panes == "A2"  # the headings stay in sight as the list scrolls
    heading = [cell.value for cell in sheet[1]]
    return [dict(zip(heading, row, strict=True)) for row in sheet.iter_rows(min_row=2)]


def records_by_id(rows: list[list]) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_an_export_imports_again_as_the_same_customers(cast, book) -> None:
    """Even customers with neither phone nor e-mail (found by the export's id with their
    name), and addresses with parts the export has no column for (country, postal code)."""
    customer(cast.agent, "只有地址", now=T0, addresses=(customers.AddressInput(
        country="中国", province="北京", city="北京", postal_code="100000"),))
    customer(cast.agent, "Anonymous lead", now=T0)
    tables = ("customer", "address", "contact_channel", "customer_tag")
    before = {table: count(table) for table in tables}
    last_entry = fetch_all("select max(id) from audit_log")[0][0]
    for fmt in ("csv", "xlsx"):
        buffer = io.BytesIO()
        exports.export_records(cast.admin, "customers", buffer, fmt=fmt, now=T0)
        preview = imports.preview_import(cast.admin, f"back.{fmt}", buffer.getvalue(), now=T0)
        assert (preview.new, preview.existing, preview.invalid) == (0, 5, 0)
        # columns only an export has are known and left out (last contact is empty here, so
        # not even mentioned)
        assert (preview.unknown_columns, preview.bookkeeping_columns) == ((), ("created_at",))
        result = imports.confirm_import(cast.admin, preview.token, "update", now=T0)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
    assert {table: count(table) for table in tables} == before
    actions = {a for (a,) in fetch_all("select action from audit_log where id > ?", (last_entry,))}
    assert not {a for a in actions if a.startswith("customer.")}, actions


def test_an_exports_other_addresses_come_back_as_addresses_not_notes(cast, book) -> None:
    """A customer deleted since comes back with every address; a line added to the column of
    a customer on file is added to their addresses, once."""
    rows = records(export(cast.admin, "customers", "csv"))
    header = list(rows["王小明"])
    wang, li = rows["王小明"], rows["李娜"]
    assert wang["other_addresses"] == "东莞"
    customers.delete_customer(cast.admin, book["wang"].id)
    li["other_addresses"] = "上海 浦东 世纪大道8号"
    written = io.StringIO()
    csv.writer(written).writerows([header, *([row[h] for h in header] for row in (wang, li))])
    content = written.getvalue().encode()
    for _ in range(2):
        preview = imports.preview_import(cast.admin, "back.csv", content, now=T0)
        assert "other_addresses" not in preview.unknown_columns, preview
        imports.confirm_import(cast.admin, preview.token, "update", now=T0)
    [again] = [c for c in customers.search_customers(cast.admin, "王小明").items]
    card = customers.get_customer(cast.admin, again.id)
    assert [(a.city, a.street) for a in card.addresses] == [("深圳", "坂田"), (None, "东莞")]
    assert "东莞" not in (card.notes or "")
    assert [a.street for a in customers.get_customer(cast.admin, book["li"].id).addresses] \
        == ["上海 浦东 世纪大道8号"]


@pytest.mark.parametrize("headings", [
    {"id": "编号", "created_at": "创建时间", "last_contact": "最近联系"},
    {"id": "id", "created_at": "created", "last_contact": "last contact"}])
def test_an_exports_bookkeeping_columns_are_left_out_not_written_to_notes(cast, book,
                                                                          headings) -> None:
    """A customer deleted since the export comes back with the notes they had, not with
    "创建时间: ..." or the export's own "编号: N" lines added."""
    customers.log_interaction(cast.agent, book["wang"].id, "call", "报价", now=T0)
    buffer = io.BytesIO()
    exports.export_records(cast.admin, "customers", buffer, fmt="csv",
                           header=lambda field: headings.get(field, field), now=T0)
    customers.delete_customer(cast.admin, book["wang"].id)
    preview = imports.preview_import(cast.admin, "back.csv", buffer.getvalue(), now=T0)
    assert preview.unknown_columns == ()
    assert preview.bookkeeping_columns == (headings["created_at"], headings["last_contact"])
    assert (preview.new, preview.existing) == (1, 2)
    imports.confirm_import(cast.admin, preview.token, "skip", now=T0)
    [again] = [c for c in customers.search_customers(cast.admin, "王小明").items]
    assert again.id != book["wang"].id
    assert customers.get_customer(cast.admin, again.id).notes == "对价格敏感"


def test_an_id_from_elsewhere_matches_nobody_and_is_kept_in_the_notes(cast, book) -> None:
    """A number names a customer only together with that customer's name: another system's
    file numbers its own customers."""
    wang = book["wang"].id
    rows = [["编号", "姓名"], [str(wang), "王大明"], [str(wang), "王小明"], ["99999", "王小明"]]
    content = "\n".join(",".join(row) for row in rows).encode()
    preview = imports.preview_import(cast.admin, "other.csv", content, now=T0)
    assert (preview.new, preview.existing, preview.duplicates) == (2, 1, 0)
    assert preview.unknown_columns == ()
    result = imports.confirm_import(cast.admin, preview.token, "skip", now=T0)
    notes = [r[0] for r in fetch_all("select notes from customer where id > ? order by id",
                                     (book["emily"].id,))]
    assert (result.created, result.skipped) == (2, 1)
    assert notes == [f"编号: {wang}", "编号: 99999"]


def count(table: str) -> int:
    return fetch_all(f"select count(*) from {table}")[0][0]


def test_exports_are_audited_with_their_filters(cast, book) -> None:
    export(cast.admin, "customers", "csv", tag="VIP")
    [(action, changes)] = [(e.action, e.changes) for e in
                           audit.list_audit(SYSTEM).items
                           if e.action.startswith("export.")]
    assert action == "export.customers"
    assert changes == {"format": [None, "csv"], "rows": [None, 2], "tag": [None, "VIP"]}


@pytest.mark.parametrize(("kind", "status", "value_kind"), [
    ("customers", "prospect", "customer_status"), ("deals", "won", "stage_kind"),
    ("orders", "completed", "order_status"), ("tickets", "resolved", "ticket_status")])
def test_an_exports_owner_and_status_filters_read_in_words(cast, book, kind, status,
                                                           value_kind) -> None:
    _one_of(cast.agent, book["wang"].id, kind, status)  # an export of nothing is refused
    export(cast.admin, kind, owner_id=cast.agent.user_id, status=status)
    [entry] = [e for e in audit.list_audit(SYSTEM).items if e.action.startswith("export.")]
    # The reader's words for each kind of value (here: the kind, to see which was chosen).
    words = audit.Wording(value=lambda of, value, currency: f"{of}:{value}")
    shown = audit.shown_changes(entry, words)
    assert shown["owner_id"] == [None, f"{cast.agent.name} (#{cast.agent.user_id})"]
    assert shown["status"] == [None, f"{value_kind}:{status}"]


def _one_of(agent, customer_id: int, kind: str, status: str) -> None:
    """A record of the agent's that an export of ``kind`` narrowed to ``status`` holds."""
    if kind == "deals":
        deal = sales.create_deal(agent, customer_id, "年度采购", amount="100.00", now=T0)
        won = next(s.id for s in sales.get_pipeline(agent).stages if s.kind == status)
        sales.move_deal_to_stage(agent, deal.id, won, now=T0)
    elif kind == "orders":
        order = sales.create_order(agent, customer_id, [sales.OrderLineInput(
            quantity=1, description="样品", unit_price="10.00")], now=T0)
        for step in ("confirmed", status):
            sales.change_order_status(agent, order.id, step, now=T0)
    elif kind == "tickets":
        ticket = service.open_ticket(agent, customer_id, "打印机坏了", now=T0)
        service.set_ticket_status(agent, ticket.id, status, now=T0)


def test_a_new_kind_registers_and_exports(cast, book) -> None:
    def where(query):
        return "from tag t where 1 = 1", ()

    def read(query, clause, params):
        yield from fetch_all(f"select t.id, t.name {clause} order by t.id", params)

    register(ExportKind("tags", ("id", "name"), (), where, read))
    try:
        assert "tags" in exports.export_kinds()
        assert [r[1] for r in export(cast.admin, "tags")[1:]] == ["VIP", "华南"]
    finally:
        REGISTRY.pop("tags")
    assert "tags" not in exports.export_kinds()
    assert exports.export_kinds()[:4] == ("customers", "interactions", "deals", "orders")


def test_export_rows_are_the_rows_written(cast, book) -> None:
    written = export(cast.admin, "customers")[1:]
    rows = list(exports.export_rows(cast.admin, "customers"))
    assert [row[0] for row in rows] == [row[0] for row in written]
    li = next(row for row in rows if row[1] == "李娜")
    assert li[4] == "137 0013 7000" and li[5:8] == [None, None, None]  # no cell, not ""
    assert next(row for row in written if row[1] == "李娜")[5] == ""
    with pytest.raises(PermissionDenied):
        exports.export_rows(cast.agent, "customers")


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/St_Johns", "Asia/Shanghai"])
def test_local_times_across_a_change_of_offset(zone: str) -> None:
    query = Query(SYSTEM, exports.Filters(), ZoneInfo(zone), "en", lambda _what, code: code)
    start = dt.datetime(2026, 3, 7, 0, 0, 0, 123456)  # Berlin and St John's change on 8 or 29 March
    for step in range(0, 60 * 24 * 40, 17):
        moment = start + dt.timedelta(minutes=step)
        shown = moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone))
        expected = shown.replace(tzinfo=None, microsecond=0)
        assert query.local(moment) == expected
        assert query.local(str(moment)) == expected  # as SQLite gives it
    assert query.local(None) is None


def test_an_sqlite_export_leaves_the_connections_settings_as_they_were(cast, book) -> None:
    from storage.database import database, fetch_one, is_sqlite

    if not is_sqlite(database):
        pytest.skip("SQLite's page cache and memory mapping")
    settings = [fetch_one(f"pragma {name}")[0] for name in ("mmap_size", "cache_size")]
    export(cast.admin, "customers")
    with pytest.raises(ZeroDivisionError):  # fails while reading
        exports.export_records(cast.admin, "customers", io.BytesIO(), fmt="csv",
                               value=lambda what, code: 1 / 0)
    assert [fetch_one(f"pragma {name}")[0] for name in ("mmap_size", "cache_size")] == settings
