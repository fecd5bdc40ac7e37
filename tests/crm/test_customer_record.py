"""The complete customer record: create, edit, validate, delete and restore, secrets."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator

import peewee
import pytest

from crm import customers, exports
from crm.customers import AddressInput, ChannelInput, CustomerDraft
from crm.errors import NotFound, PermissionDenied, ValidationError
from storage.database import bind, fetch_all, open_database
from storage.migrate import migrate
from tests.conftest import POSTGRES_URL, drop_postgres_database, postgres_admin
from tests.crm.cast import customer, make_cast

VALID_ID = "11010519491231002X"
NOW = dt.datetime(2026, 5, 1, 9, 30)


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def test_a_full_record_comes_back_as_one_card(cast) -> None:
    card = customers.create_customer(cast.agent, CustomerDraft(
        name=" 王  小明 ", phones=("138-0013-8000", "+852 5123 4567"), emails=("XM@QQ.COM",),
        company="华为技术有限公司", tags=("VIP", "#重点客户", "vip"), gender="男",
        birthday="1990年3月7日", occupation="采购经理", notes="对价格敏感", status="prospect",
        source="exhibition",
        channels=(ChannelInput("wechat", "wxid_abc123"), ChannelInput("qq", "123456789")),
        addresses=(AddressInput("work", "中国", "广东", "深圳", "南山区", "科技园1号", "518000"),),
        secrets={"id_card": VALID_ID}), now=NOW)
    assert card.name == "王 小明"
    assert card.gender == "male" and card.birthday == dt.date(1990, 3, 7)
    assert card.age == dt.date.today().year - 1990 - (
        (dt.date.today().month, dt.date.today().day) < (3, 7))
    assert card.primary("phone") == "+8613800138000"
    assert card.primary("email") == "xm@qq.com"
    assert {c.kind for c in card.channels} == {"phone", "email", "wechat", "qq"}
    assert card.tags == ("VIP", "重点客户")
    assert card.company is not None and card.company.name == "华为技术有限公司"
    assert card.addresses[0].city == "深圳" and card.addresses[0].is_primary
    assert card.owner_id == cast.agent.user_id and card.owner_name == "李娜"
    assert card.secrets[0].masked == "1101**********002X"
    assert (card.status, card.source) == ("prospect", "exhibition")


def test_one_company_has_many_people_and_tags_are_shared(cast) -> None:
    first = customer(cast.agent, "张伟", company="腾讯科技", tags=("VIP",))
    second = customer(cast.agent, "Emily Chen", company="  腾讯科技 ", tags=("vip",))
    assert first.company.id == second.company.id
    assert fetch_all("select count(*) from tag")[0][0] == 1
    assert second.tags == ("VIP",)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite: one writer thread
def test_two_people_of_a_new_company_added_at_once_share_one_company(cast, db) -> None:
    """The bot serves PostgreSQL from several threads: two agents adding people of a company
    not yet on file at the same moment made it twice, its people split between the two."""
    first_done, release = threading.Event(), threading.Event()

    def first_adds_and_holds_its_transaction() -> None:
        with db.atomic():
            customer(cast.agent, "张伟", company="并发科技")
            first_done.set()
            release.wait(10)
        db.close()

    def second_adds() -> None:
        customer(cast.manager, "Emily Chen", company="并发科技")
        db.close()

    first = threading.Thread(target=first_adds_and_holds_its_transaction)
    first.start()
    assert first_done.wait(10)
    second = threading.Thread(target=second_adds)
    second.start()
    second.join(0.5)  # it waits for the first to commit (else it is done by now)
    release.set()
    first.join(10)
    second.join(10)
    assert fetch_all("select count(*) from company where name = '并发科技'")[0][0] == 1
    people = customers.search_customers(cast.manager, "并发科技").items
    assert len(people) == 2
    assert len({customers.get_customer(cast.manager, p.id).company.id for p in people}) == 1


@pytest.fixture
def english_sorting_server(db: peewee.Database, is_postgres: bool) -> Iterator[peewee.Database]:
    """On PostgreSQL, a database that sorts text as English readers do (a server set up with
    a language's collation, as most are), bound for the test; SQLite as it is."""
    if not is_postgres:
        yield db
        return
    name = f"crm_test_icu_{uuid.uuid4().hex[:10]}"
    admin = postgres_admin()
    try:
        admin.execute_sql(f'create database "{name}" template template0 encoding \'UTF8\''
                          " locale_provider icu icu_locale 'en-US'")
    except peewee.DatabaseError:
        admin.close()
        pytest.skip("this PostgreSQL server has no ICU collations")
    admin.close()
    linguistic = open_database(f"{POSTGRES_URL.rpartition('/')[0]}/{name}")
    migrate(linguistic)
    bind(linguistic)
    yield linguistic
    bind(db)
    linguistic.close()
    drop_postgres_database(f"{POSTGRES_URL.rpartition('/')[0]}/{name}")


def test_tags_come_in_one_order_whatever_the_server_sorts_text_by(english_sorting_server) -> None:
    """SQLite orders text by its characters; PostgreSQL by its database's collation, which
    on a server set up for a language put "trade show" before "VIP" and Chinese elsewhere."""
    cast = make_cast()
    made = customer(cast.agent, "张伟", tags=("trade show", "华东", "VIP"))
    assert made.tags == customers.get_customer(cast.agent, made.id).tags == (
        "VIP", "trade show", "华东")
    rows = [row for row in exports.export_rows(cast.manager, "customers") if row[1] == "张伟"]
    assert "VIP, trade show, 华东" in rows[0]


@pytest.mark.parametrize(("draft", "field", "code"), [
    ({"name": ""}, "name", "validation.required"),
    ({"name": "名" * 101}, "name", "validation.too_long"),
    ({"phones": ("12345",)}, "phone", "validation.phone"),
    ({"emails": ("li.na@",)}, "email", "validation.email"),
    ({"birthday": "2999-01-01"}, "birthday", "validation.birthday_future"),
    ({"birthday": "yesterday-ish"}, "birthday", "validation.date"),
    ({"secrets": {"id_card": "110105194912310021"}}, "id_card", "validation.id_card_checksum"),
    ({"secrets": {"id_card": "1101051949"}}, "id_card", "validation.id_card_length"),
    ({"gender": "robot"}, "gender", "validation.gender"),
    ({"status": "vip"}, "status", "validation.choice"),
    ({"channels": (ChannelInput("qq", "0123"),)}, "qq", "validation.qq"),
    ({"channels": (ChannelInput("wechat", "1ab"),)}, "wechat", "validation.wechat"),
    ({"addresses": (AddressInput("home"),)}, "address", "validation.required"),
    ({"tags": ("t" * 51,)}, "tags", "validation.too_long"),
    ({"notes": "x" * 4001}, "notes", "validation.too_long"),
])
def test_bad_input_names_the_field_and_saves_nothing(cast, draft: dict, field: str,
                                                     code: str) -> None:
    fields = {"name": "王小明"} | draft
    with pytest.raises(ValidationError) as caught:
        customers.create_customer(cast.agent, CustomerDraft(**fields))
    assert (caught.value.field, caught.value.code) == (field, code)
    assert fetch_all("select count(*) from customer")[0][0] == 0


@pytest.mark.parametrize(("field", "value", "check"), [
    ("name", "王晓明", lambda c: c.name == "王晓明"),
    ("gender", "女", lambda c: c.gender == "female"),
    ("birthday", "1985-12-01", lambda c: c.birthday == dt.date(1985, 12, 1)),
    ("occupation", "工程师", lambda c: c.occupation == "工程师"),
    ("notes", "下次带样品", lambda c: c.notes == "下次带样品"),
    ("status", "customer", lambda c: c.status == "customer"),
    ("source", "referral", lambda c: c.source == "referral"),
    ("company", "阿里巴巴", lambda c: c.company.name == "阿里巴巴"),
    ("company", "", lambda c: c.company is None),
])
def test_each_field_can_be_edited(cast, field: str, value: str, check) -> None:
    created = customer(cast.agent, company="华为")
    assert check(customers.update_customer(cast.agent, created.id, field, value))
    assert check(customers.get_customer(cast.agent, created.id))


def test_a_bad_edit_changes_nothing(cast) -> None:
    created = customer(cast.agent, birthday="1990-01-01")
    with pytest.raises(ValidationError) as caught:
        customers.update_customer(cast.agent, created.id, "birthday", "2999-01-01")
    assert caught.value.field == "birthday"
    assert customers.get_customer(cast.agent, created.id).birthday == dt.date(1990, 1, 1)


def test_channels_addresses_and_tags_are_edited_one_by_one(cast) -> None:
    created = customer(cast.agent, phones=("13800138000",))
    card = customers.add_channel(cast.agent, created.id, "phone", "13900139000", primary=True)
    assert card.primary("phone") == "+8613900139000"
    old = next(c for c in card.channels if c.value == "+8613900139000")
    card = customers.remove_channel(cast.agent, created.id, old.id)
    assert card.primary("phone") == "+8613800138000"
    card = customers.add_address(cast.agent, created.id, AddressInput("home", city="北京"))
    card = customers.add_address(cast.agent, created.id,
                                 AddressInput("shipping", city="上海", primary=True))
    assert [a.city for a in card.addresses if a.is_primary] == ["上海"]
    card = customers.remove_address(cast.agent, created.id, card.addresses[0].id)
    assert [a.city for a in card.addresses] == ["北京"]
    card = customers.add_tags(cast.agent, created.id, ["老客户", "华南"])
    card = customers.remove_tag(cast.agent, created.id, "华南")
    assert card.tags == ("老客户",)


def test_agents_cannot_open_other_agents_customers(cast) -> None:
    theirs = customer(cast.other_agent)
    with pytest.raises(NotFound):
        customers.get_customer(cast.agent, theirs.id)
    with pytest.raises(NotFound):
        customers.update_customer(cast.agent, theirs.id, "name", "x")
    assert customers.get_customer(cast.manager, theirs.id).id == theirs.id


def test_viewers_read_but_do_not_write(cast) -> None:
    created = customer(cast.agent)
    assert customers.get_customer(cast.viewer, created.id).name == "王小明"
    with pytest.raises(PermissionDenied):
        customers.update_customer(cast.viewer, created.id, "name", "x")
    with pytest.raises(PermissionDenied):
        customer(cast.viewer)


def test_soft_delete_hides_and_restore_brings_back(cast) -> None:
    created = customer(cast.agent, phones=("13800138000",))
    with pytest.raises(PermissionDenied):
        customers.delete_customer(cast.agent, created.id)
    customers.delete_customer(cast.manager, created.id)
    with pytest.raises(NotFound):
        customers.get_customer(cast.manager, created.id)
    deleted = customers.list_deleted(cast.manager)
    assert [c.id for c in deleted.items] == [created.id]
    assert customers.search_customers(cast.manager, "8000").items == ()
    restored = customers.restore_customer(cast.manager, created.id)
    assert restored.phone if hasattr(restored, "phone") else restored.primary("phone")
    assert [c.id for c in customers.search_customers(cast.manager, "8000").items] == [created.id]
    assert customers.list_deleted(cast.manager).items == ()


def test_identity_numbers_are_ciphertext_at_rest(cast, db: peewee.Database) -> None:
    created = customer(cast.agent, secrets={"id_card": VALID_ID})
    raw = db.execute_sql("select * from customer_secret").fetchall()
    dumped = repr(raw) + repr(db.execute_sql("select * from customer_search").fetchall())
    assert VALID_ID not in dumped and VALID_ID.lower() not in dumped
    assert customers.get_customer(cast.agent, created.id).secrets[0].masked.count("*") == 10


def test_only_allowed_roles_reveal_and_each_reveal_is_kept(cast) -> None:
    created = customer(cast.agent, secrets={"id_card": VALID_ID})
    with pytest.raises(PermissionDenied):
        customers.reveal_secret(cast.agent, created.id, "id_card")
    assert customers.reveal_secret(cast.manager, created.id, "id_card") == VALID_ID
    kept = fetch_all("select kind, staff_id from customer_event where kind = 'revealed'")
    assert kept == [("revealed", cast.manager.user_id)]


def test_exact_look_up_by_identity_number_uses_the_blind_index(cast) -> None:
    created = customer(cast.agent, secrets={"id_card": VALID_ID})
    customer(cast.agent, "别人")
    assert customers.find_by_secret(cast.manager, "id_card", VALID_ID.lower()) == [created.id]


def test_a_fresh_database_has_customer_tables_after_upgrade(db: peewee.Database) -> None:
    assert {"customer", "contact_channel", "customer_search"} <= set(db.get_tables())


def test_company_details_are_shared_by_its_people(cast) -> None:
    first = customer(cast.agent, "张伟", company="星辰贸易")
    second = customer(cast.agent, "李娜", company="星辰贸易")
    customers.update_company(cast.agent, first.id, "credit_code", "91350100M000100Y43")
    customers.update_company(cast.agent, first.id, "website", "xingchen.cn")
    customers.update_company(cast.agent, first.id, "size", "11-50")
    customers.update_company(cast.agent, first.id, "legal_representative", "王总")
    card = customers.update_company(cast.agent, first.id, "name", "星辰国际贸易")
    other = customers.get_customer(cast.agent, second.id).company
    assert other == card.company
    assert (other.credit_code, other.website, other.size) == (
        "91350100M000100Y43", "https://xingchen.cn", "11-50")
    assert sorted(c.name for c in customers.search_customers(cast.agent, "国际").items) == [
        "张伟", "李娜"]


@pytest.mark.parametrize(("field", "value", "code"), [
    ("credit_code", "91350100M000100Y44", "validation.credit_code"),
    ("website", "not a site", "validation.website"),
    ("size", "huge", "validation.choice"),
    ("name", "", "validation.required"),
])
def test_bad_company_details_are_refused(cast, field: str, value: str, code: str) -> None:
    created = customer(cast.agent, company="星辰贸易")
    with pytest.raises(ValidationError) as caught:
        customers.update_company(cast.agent, created.id, field, value)
    assert caught.value.code == code
    assert customers.get_customer(cast.agent, created.id).company.name == "星辰贸易"
