"""Privacy rights: export everything about a person; erase them for good; consent per channel."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import peewee
import pytest
from openpyxl import load_workbook

from crm import audit, consent, customers, privacy
from crm.customers import AddressInput, ChannelInput
from crm.customers.views import AttachmentInput
from crm.errors import NotFound, PermissionDenied, ValidationError
from tests.crm.cast import customer, make_cast

ID_CARD = "11010519491231002X"
PERSONAL = ["欧阳娜娜", "13812345678", "nana.ouyang@example.com", ID_CARD, "nana_ouyang88",
            "科技园南区八栋", "喜欢绿茶不要咖啡", "上次拜访谈到家里装修"]


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


@pytest.fixture
def person(cast):
    """A customer with personal data in every corner of the record."""
    made = customer(
        cast.agent, PERSONAL[0], phones=(PERSONAL[1],), emails=(PERSONAL[2],),
        secrets={"id_card": PERSONAL[3]}, channels=(ChannelInput("wechat", PERSONAL[4]),),
        addresses=(AddressInput("home", city="深圳", street=PERSONAL[5]),), notes=PERSONAL[6],
        birthday="1988-08-08", tags=("VIP",), company="星辰贸易")
    customers.log_interaction(cast.agent, made.id, "visit", PERSONAL[7], latitude=22.5,
                              longitude=113.9, attachments=(AttachmentInput("file-1", "照片.jpg"),))
    customers.update_customer(cast.agent, made.id, "notes", PERSONAL[6] + "！")
    consent.record_consent(cast.agent, made.id, "email", True, method="written",
                           note="签了同意书")
    return made


def test_the_export_holds_everything_about_the_person(cast, person) -> None:
    data = privacy.export_customer(cast.admin, person.id)
    assert data["customer"]["name"] == PERSONAL[0]
    assert data["identity"] == {"id_card": ID_CARD}
    assert {c["value"] for c in data["customer"]["channels"]} >= {"+8613812345678", PERSONAL[2]}
    assert data["interactions"][0]["summary"] == PERSONAL[7]
    assert data["consent"][0]["channel"] == "email" and data["consent"][0]["granted"]
    assert any(a["action"] == "customer.update" for a in data["audit"])
    assert json.loads(privacy.export_customer_json(cast.admin, person.id))["customer"][
        "name"] == PERSONAL[0]


def test_the_spreadsheet_export_opens_with_one_sheet_per_kind(cast, person) -> None:
    from bot.data_text import privacy_words

    book = load_workbook(io.BytesIO(privacy.export_customer_xlsx(
        cast.admin, person.id, words=privacy_words("en"))))
    assert book.sheetnames == [
        "customer", "contact channels", "addresses", "interactions", "deals",
        "deal stage moves", "orders", "order lines", "payments", "tickets", "ticket messages",
        "reminders", "owner changes", "marketing consent", "audit log"]
    values = [c.value for row in book["customer"].iter_rows() for c in row]
    assert PERSONAL[0] in values and ID_CARD in values


def test_exports_neutralise_formulas_typed_by_users(cast) -> None:
    sneaky = customer(cast.agent, "=HYPERLINK(\"http://x\")", notes="+1+1")
    book = load_workbook(io.BytesIO(privacy.export_customer_xlsx(cast.admin, sneaky.id)))
    cells = {c.value: c for row in book["customer"].iter_rows() for c in row}
    for typed in ("=HYPERLINK(\"http://x\")", "+1+1"):  # shown as typed, kept as text
        assert (cells[typed].data_type, cells[typed].quotePrefix) == ("s", True)


def test_only_admins_export_or_erase(cast, person) -> None:
    for actor in (cast.manager, cast.agent, cast.viewer):
        with pytest.raises(PermissionDenied):
            privacy.export_customer(actor, person.id)
        with pytest.raises(PermissionDenied):
            privacy.erase_customer(actor, person.id)


def test_exports_and_erasures_are_audited(cast, person) -> None:
    privacy.export_customer(cast.admin, person.id)
    privacy.erase_customer(cast.admin, person.id)
    actions = [e.action for e in audit.list_audit(cast.admin, limit=100).items]
    assert "privacy.export" in actions and "privacy.erase" in actions


def test_an_erased_customer_leaves_no_personal_data_in_the_database(cast, person, db,
                                                                    is_postgres) -> None:
    merged_twin = customer(cast.agent, "欧阳娜娜的旧记录", phones=("13912345678",))
    customers.merge_customers(cast.manager, person.id, merged_twin.id)
    privacy.erase_customer(cast.admin, person.id)
    dump = _every_value(db, is_postgres)
    for value in [*PERSONAL, "13912345678", "欧阳娜娜的旧记录", "签了同意书"]:
        assert value not in dump, value
    assert "1988-08-08" not in dump


def _every_value(db: peewee.Database, is_postgres: bool) -> str:
    """Every value of every table, as text (decoded blobs included), FTS internals too."""
    parts = []
    for table in db.get_tables():
        for row in db.execute_sql(f'select * from "{table}"').fetchall():
            for value in row:
                if isinstance(value, bytes | memoryview):
                    parts.append(bytes(value).decode("utf-8", "replace"))
                parts.append(str(value))
    if not is_postgres:
        for row in db.execute_sql("select block from customer_fts_data").fetchall():
            parts.append(bytes(row[0]).decode("latin-1"))
    return "\n".join(parts)


def test_erasure_keeps_the_business_shell_and_forbids_restore(cast, person) -> None:
    privacy.erase_customer(cast.admin, person.id)
    with pytest.raises(NotFound):
        customers.get_customer(cast.admin, person.id)
    with pytest.raises(NotFound):
        customers.restore_customer(cast.admin, person.id)
    assert customers.search_customers(cast.admin, "欧阳").items == ()
    entries = audit.list_audit(cast.admin, customer_id=person.id, limit=50).items
    assert any(e.erased for e in entries)  # details sealed with the destroyed key
    assert all(PERSONAL[0] not in repr(e.changes) for e in entries)


def test_the_erased_index_no_longer_contains_the_name_tokens(cast, person, db,
                                                             is_postgres) -> None:
    if is_postgres:
        pytest.skip("PostgreSQL drops dead index rows at vacuum; checked on SQLite")
    def index_bytes() -> bytes:
        rows = db.execute_sql("select block from customer_fts_data").fetchall()
        return b"".join(bytes(r[0]) for r in rows)

    # Terms are stored prefix-compressed; "example" (from the e-mail) is no other's prefix.
    assert b"example" in index_bytes()
    privacy.erase_customer(cast.admin, person.id)
    assert b"example" not in index_bytes()


def test_consent_is_kept_per_channel_with_its_history(cast) -> None:
    made = customer(cast.agent)
    t0 = dt.datetime(2026, 1, 5, 10)
    consent.record_consent(cast.agent, made.id, "wechat", True, method="chat", at=t0)
    consent.record_consent(cast.agent, made.id, "wechat", False, method="verbal",
                           at=t0 + dt.timedelta(days=30), note="不想再收到推送")
    consent.record_consent(cast.agent, made.id, "email", True, method="web_form", at=t0)
    current = consent.current_consent(cast.agent, made.id)
    assert not current["wechat"].granted and current["wechat"].method == "verbal"
    assert current["email"].granted
    assert not consent.may_contact(cast.agent, made.id, "wechat")
    assert not consent.may_contact(cast.agent, made.id, "sms")  # never asked: no consent
    assert len(consent.consent_history(cast.agent, made.id)) == 3
    with pytest.raises(ValidationError):
        consent.record_consent(cast.agent, made.id, "pigeon", True, method="chat")


def test_the_exports_times_are_on_the_readers_clock_with_their_offset(cast, person) -> None:
    now = dt.datetime(2026, 3, 1, 23, 30, 15, 123456)  # UTC: already 2 March in Shanghai
    data = privacy.export_customer(cast.admin, person.id, now=now)
    assert data["exported_at"] == "2026-03-02 07:30:15 +08:00"
    stamps = [data["customer"]["created_at"], data["interactions"][0]["at"],
              data["consent"][0]["at"], *(e["at"] for e in data["timeline"]),
              *(a["at"] for a in data["audit"])]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00", s) for s in stamps), stamps


def test_exporting_an_erased_customer_says_it_was_erased_and_when(cast, person) -> None:
    privacy.erase_customer(cast.admin, person.id, now=dt.datetime(2026, 3, 1, 23, 30))
    with pytest.raises(NotFound) as refused:
        privacy.export_customer(cast.admin, person.id)
    assert refused.value.code == "privacy.erased"
    assert refused.value.params["at"] == "2026-03-02 07:30:00 +08:00"
    exports = [e for e in audit.list_audit(cast.admin, limit=50).items
               if e.action == "privacy.export"]
    assert exports == []  # nothing was handed out


@pytest.fixture
def client(cast):
    """A customer with business of every kind: a deal moved along, an order with lines and a
    payment, a ticket with messages, a reminder, and a change of owner."""
    from crm import reminders, sales, service
    from crm.sales import OrderLineInput

    made = customer(cast.agent, "陈静", gender="female", status="lead")
    deal = sales.create_deal(cast.agent, made.id, "年度采购", amount="5000")
    contacted = next(s for s in sales.get_pipeline(cast.agent).stages if s.name_en == "Contacted")
    sales.move_deal_to_stage(cast.agent, deal.id, contacted.id)
    order = sales.create_order(cast.agent, made.id, [
        OrderLineInput(quantity="2", description="绿茶礼盒", unit_price="150")])
    sales.record_payment(cast.agent, order.id, "100", "wechat_pay", note="定金")
    ticket = service.open_ticket(cast.agent, made.id, "礼盒破损", "收到时盒子压坏了")
    service.reply_to_ticket(cast.agent, ticket.id, "我们马上补发")
    reminders.create_reminder(cast.agent, dt.datetime(2030, 1, 1, 2), "回访陈静",
                              customer_id=made.id)
    customers.update_customer(cast.manager, made.id, "owner_id", str(cast.teammate.user_id))
    return made


def test_the_export_holds_deals_orders_tickets_reminders_and_owner_changes(cast,
                                                                          client) -> None:
    data = json.loads(privacy.export_customer_json(cast.admin, client.id))
    deal = data["deals"][0]
    assert deal["title"] == "年度采购" and deal["amount"] == "5000.00"
    assert deal["status"] == "open" and deal["stage"]["zh-CN"]
    assert [m["to_stage"]["en"] for m in deal["stage_history"]] == ["Lead", "Contacted"]
    order = data["orders"][0]
    assert order["lines"][0]["description"] == "绿茶礼盒" and order["total"] == "300.00"
    assert order["payments"][0]["method"] == "wechat_pay"
    assert order["payments"][0]["note"] == "定金"
    bodies = [m["body"] for m in data["tickets"][0]["messages"]]
    assert data["tickets"][0]["subject"] == "礼盒破损" and "我们马上补发" in bodies
    assert data["reminders"][0]["text"] == "回访陈静"
    assert data["reminders"][0]["due_at"] == "2030-01-01 10:00:00 +08:00"
    assert data["assignments"][-1]["to_owner"] == "张伟"
    assert data["customer"]["gender"] == "female"  # the file for machines keeps codes


def test_the_spreadsheet_is_in_the_readers_language(cast, client) -> None:
    from bot.data_text import privacy_words

    book = load_workbook(io.BytesIO(privacy.export_customer_xlsx(
        cast.admin, client.id, words=privacy_words("zh-CN"))))
    assert {"客户", "商机", "商机阶段变更", "订单", "订单明细", "收款", "工单", "工单消息",
            "提醒", "负责人变更", "审计日志"} <= set(book.sheetnames)
    person = dict(book["客户"].iter_rows(min_row=2, values_only=True))
    assert person["性别"] == "女" and person["状态"] == "线索"
    deal = _rows(book["商机"])[0]
    assert deal["商机状态"] == "进行中" and deal["阶段"] == "已联系"
    assert _rows(book["收款"])[0]["方式"] == "微信支付"
    assert _rows(book["订单明细"])[0]["描述"] == "绿茶礼盒"
    assert "我们马上补发" in {r["内容"] for r in _rows(book["工单消息"])}
    assert _rows(book["提醒"])[0]["提醒状态"] == "待提醒"
    assert all(not str(h).startswith("export.") for s in book for h in next(s.values))
    audit_rows = _rows(book["审计日志"])
    assert "新增客户" in {r["操作"] for r in audit_rows}
    assert all(r["操作"] != r["操作代码"] for r in audit_rows)


def test_the_spreadsheets_audit_log_reads_as_the_audit_log_does(cast, client) -> None:
    from bot.data_text import privacy_words

    book = load_workbook(io.BytesIO(privacy.export_customer_xlsx(
        cast.admin, client.id, words=privacy_words("zh-CN"))))
    changes = {r["操作代码"]: json.loads(r["变更内容"]) for r in _rows(book["审计日志"])
               if r["变更内容"]}
    # Amounts as money, staff and stages by name, coded values in words: not 500000, 3, "lead".
    assert changes["deal.create"]["金额"] == [None, "¥5,000.00"]
    assert changes["deal.create"]["负责人"] == [None, f"李娜 (#{cast.agent.user_id})"]
    assert changes["deal.move"]["阶段"][1].startswith("已联系 (#")
    assert changes["customer.create"]["状态"] == [None, "线索"]
    assert changes["reminder.create"]["重复"] == [None, "一次"]


def _rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_a_merged_record_erased_later_leaves_no_name_in_the_survivors_merge_entry(
        cast, person) -> None:
    twin = customer(cast.agent, "欧阳娜娜的旧记录", phones=("13912345678",))
    customers.merge_customers(cast.manager, person.id, twin.id)
    privacy.erase_customer(cast.admin, twin.id)
    [merge] = [e for e in audit.list_audit(cast.admin, limit=100).items
               if e.action == "customer.merge"]
    assert merge.changes is not None and merge.changes["from"] == [None, audit.ERASED]
    assert not any(field.startswith("from.") for field in merge.changes)
    exported = [row for row in audit.export_rows(cast.admin) if row[4] == "customer.merge"]
    assert "欧阳娜娜的旧记录" not in json.dumps(exported, ensure_ascii=False, default=str)
    data = privacy.export_customer(cast.admin, person.id)
    [shown] = [e for e in data["audit"] if e["action"] == "customer.merge"]
    assert shown["changes"]["from"] == [None, audit.ERASED]
    assert "欧阳娜娜的旧记录" not in json.dumps(data["audit"], ensure_ascii=False)
    book = load_workbook(io.BytesIO(privacy.export_customer_xlsx(cast.admin, person.id)))
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    assert not any("欧阳娜娜的旧记录" in cell for cell in cells)


def test_a_merged_record_erased_later_leaves_nothing_in_the_survivors_timeline(
        cast, person) -> None:
    """The survivor's "merged" event kept the merged record's name and phone in plain text
    (the phone itself moved to the survivor with the merge, and is the survivor's now)."""
    twin = customer(cast.agent, "欧阳娜娜的旧记录", phones=("13912345678",))
    customers.merge_customers(cast.manager, person.id, twin.id)
    privacy.erase_customer(cast.admin, twin.id)
    [merged] = [item for item in customers.get_timeline(cast.admin, person.id).items
                if item.subkind == "merged"]
    assert merged.data == {"merged_id": twin.id}
    [moved] = [item for item in customers.get_timeline(cast.admin, person.id).items
               if item.merged_from is not None]
    assert (moved.subkind, moved.merged_from.id, moved.merged_from.name) == (
        "created", twin.id, None)  # where it came from, not who that was
    data = privacy.export_customer(cast.admin, person.id)
    assert [e["merged_from"] for e in data["timeline"] if e["merged_from"]] == [twin.id]
    assert "欧阳娜娜的旧记录" not in json.dumps(data, ensure_ascii=False, default=str)


def test_a_merged_record_not_erased_still_shows_its_details(cast, person) -> None:
    twin = customer(cast.agent, "欧阳娜娜的旧记录", phones=("13912345678",))
    customers.merge_customers(cast.manager, person.id, twin.id)
    [merge] = [e for e in audit.list_audit(cast.admin, limit=100).items
               if e.action == "customer.merge"]
    assert merge.changes is not None and merge.changes["from.name"] == [None, "欧阳娜娜的旧记录"]


def test_a_staff_member_named_system_is_not_taken_for_the_system(cast) -> None:
    from bot.data_text import privacy_words
    from crm import users
    from tests.crm.cast import SYSTEM

    named_system = users.add_user(SYSTEM, 9100, "admin", "system").as_actor()
    made = customer(SYSTEM, "韩梅梅")  # by the system itself (the command line)
    customers.log_interaction(named_system, made.id, "call", "问了价格")
    book = load_workbook(io.BytesIO(privacy.export_customer_xlsx(
        cast.admin, made.id, words=privacy_words("zh-CN"))))
    by = {r["操作代码"]: r["操作人"] for r in _rows(book["审计日志"])}
    assert by["customer.create"] == "系统"
    assert by["interaction.create"] == "system"
