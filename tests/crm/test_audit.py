"""The audit log: every action with who, when, through what, which record and what changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import peewee
import pytest
from openpyxl import load_workbook

from crm import audit, customers, invites, reminders, users
from crm.actors import Actor, Channel
from crm.customers import AddressInput
from crm.errors import PermissionDenied
from tests.crm.cast import SYSTEM, customer, make_cast

ID_CARD = "11010519491231002X"


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def entries(actor: Actor, **filters) -> list[audit.AuditEntry]:
    return list(audit.list_audit(actor, limit=200, **filters).items)


def test_customer_actions_are_logged_with_their_diffs(cast) -> None:
    created = customer(cast.agent, "张伟", phones=("13800138000",), secrets={"id_card": ID_CARD})
    customers.update_customer(cast.agent, created.id, "name", "张 伟")
    customers.add_channel(cast.agent, created.id, "email", "zw@qq.com")
    customers.add_address(cast.agent, created.id, AddressInput("home", city="深圳"))
    customers.add_tags(cast.agent, created.id, ["VIP"])
    customers.set_secret(cast.agent, created.id, "id_card", ID_CARD)
    customers.reveal_secret(cast.manager, created.id, "id_card")
    customers.log_interaction(cast.agent, created.id, "call", "谈价格")
    customers.delete_customer(cast.manager, created.id)
    customers.restore_customer(cast.manager, created.id)
    log = {e.action: e for e in entries(cast.admin, customer_id=created.id)}
    assert set(log) >= {"customer.create", "customer.update", "customer.channel_add",
                        "customer.address_add", "customer.tags", "customer.secret_set",
                        "customer.reveal", "interaction.create", "customer.delete",
                        "customer.restore"}
    assert log["customer.update"].changes == {"name": ["张伟", "张 伟"]}
    assert log["customer.update"].actor_name == "李娜" and log["customer.update"].channel == "bot"
    assert log["customer.create"].changes["channel.phone"] == [None, "+8613800138000"]
    assert log["customer.tags"].changes == {"tags": [[], ["VIP"]]}
    assert log["customer.reveal"].actor_id == cast.manager.user_id


def test_encrypted_fields_show_as_changed_never_their_values(cast, db) -> None:
    created = customer(cast.agent, secrets={"id_card": ID_CARD})
    customers.set_secret(cast.agent, created.id, "id_card", ID_CARD)
    for entry in entries(cast.admin, customer_id=created.id):
        assert ID_CARD not in repr(entry.changes)
    assert entries(cast.admin, customer_id=created.id)[0].changes == {
        "id_card": ["(changed)", "(changed)"]}
    assert ID_CARD not in repr(db.execute_sql("select * from audit_log").fetchall())


def test_merges_users_invites_and_keys_are_logged(cast) -> None:
    keep, other = customer(cast.agent, "甲"), customer(cast.agent, "乙")
    customers.merge_customers(cast.manager, keep.id, other.id)
    users.change_role(cast.admin, cast.viewer.telegram_id, "agent")
    invite = invites.create_invite(cast.admin, "agent")
    invites.accept_invite(invite.code, telegram_id=4321, name="新人")
    actions = [e.action for e in entries(cast.admin)]
    for action in ("customer.merge", "customer.merged_into", "user.role", "invite.create",
                   "user.join_by_invite", "user.add"):
        assert action in actions
    role = next(e for e in entries(cast.admin) if e.action == "user.role")
    assert role.changes == {"role": ["viewer", "agent"]}


def test_the_log_filters_by_user_customer_and_date(cast) -> None:
    early = dt.datetime(2026, 1, 1, 9)
    late = dt.datetime(2026, 3, 1, 9)
    one = customers.create_customer(cast.agent, customers.CustomerDraft(name="一"), now=early)
    customers.create_customer(cast.teammate, customers.CustomerDraft(name="二"), now=late)
    assert {e.entity_id for e in entries(cast.admin, customer_id=one.id)} == {one.id}
    # a staff member's entries: what they did, and what was done to them (being added)
    theirs = entries(cast.admin, user_id=cast.teammate.user_id)
    assert {(e.action, e.actor_id) for e in theirs} == {
        ("customer.create", cast.teammate.user_id), ("user.add", None)}
    assert all(e.actor_id == cast.teammate.user_id or e.entity_id == cast.teammate.user_id
               for e in theirs)
    window = entries(cast.admin, since=dt.date(2026, 2, 1), until=dt.date(2026, 4, 1))
    assert [e.action for e in window] == ["customer.create"]


# 05:25 on 27 November in Shanghai (the installation's zone) is still the 26th in UTC.
EARLY_MORNING = dt.datetime(2026, 11, 26, 21, 25)


def test_dates_are_the_readers_local_days(cast) -> None:
    made = customer(cast.agent, now=EARLY_MORNING)
    that_morning = {"customer_id": made.id, "since": dt.date(2026, 11, 27)}
    assert [e.action for e in entries(cast.admin, **that_morning)] == ["customer.create"]
    assert entries(cast.admin, customer_id=made.id, until=dt.date(2026, 11, 27)) == []
    in_london = dataclasses.replace(cast.admin, timezone="Europe/London")
    assert entries(in_london, **that_morning) == []
    assert len(entries(in_london, customer_id=made.id, since=dt.date(2026, 11, 26))) == 1


def test_exports_show_times_in_the_readers_zone(cast) -> None:
    made = customer(cast.agent, now=EARLY_MORNING)
    [row] = audit.export_rows(cast.admin, customer_id=made.id)
    assert row[0] == dt.datetime(2026, 11, 27, 5, 25) and row[3] == "customer.create"
    in_london = dataclasses.replace(cast.admin, timezone="Europe/London")
    sheet = load_workbook(io.BytesIO(audit.export_audit_xlsx(
        in_london, customer_id=made.id))).active
    [header, cells] = [[c.value for c in r] for r in sheet.iter_rows()]
    assert header[0] == "at" and cells[0] == dt.datetime(2026, 11, 26, 21, 25)


def test_times_inside_the_changes_are_on_the_readers_clock_with_their_offset(cast) -> None:
    made = customer(cast.agent, now=EARLY_MORNING)
    due = dt.datetime(2026, 12, 1, 1, 30)  # UTC: 09:30 in Shanghai, 01:30 in London
    reminders.create_reminder(cast.agent, due, "回访", customer_id=made.id, now=EARLY_MORNING)
    [_, row] = audit.export_rows(cast.admin, customer_id=made.id)
    assert row[3] == "reminder.create"
    assert '"due_at": [null, "2026-12-01 09:30:00 +08:00"]' in row[8]
    in_london = dataclasses.replace(cast.admin, timezone="Europe/London")
    sheet = load_workbook(io.BytesIO(audit.export_audit_xlsx(
        in_london, customer_id=made.id))).active
    [_, _, cells] = [[c.value for c in r] for r in sheet.iter_rows()]
    assert '"2026-12-01 01:30:00 +00:00"' in cells[8]


def test_only_admins_read_the_log(cast) -> None:
    with pytest.raises(PermissionDenied):
        audit.list_audit(cast.manager)
    assert audit.list_audit(Actor.system(Channel.CLI)).items is not None


def test_the_log_is_append_only(cast, db) -> None:
    customer(cast.agent)
    with pytest.raises(peewee.DatabaseError), db.atomic():
        db.execute_sql("update audit_log set actor_name = 'someone else'")
    with pytest.raises(peewee.DatabaseError), db.atomic():
        db.execute_sql("delete from audit_log")
    assert entries(cast.admin)[0].actor_name == "李娜"


def test_a_failed_change_leaves_no_log_entry(cast) -> None:
    created = customer(cast.agent)
    before = len(entries(cast.admin))
    with pytest.raises(Exception):  # noqa: B017 (any refusal)
        customers.update_customer(cast.agent, created.id, "birthday", "2999-01-01")
    assert len(entries(cast.admin)) == before


def test_the_system_actor_is_named_in_the_log(cast) -> None:
    users.add_user(SYSTEM, 99, "agent", "命令行添加")
    entry = next(e for e in entries(cast.admin) if e.action == "user.add"
                 and e.changes["name"] == [None, "命令行添加"])
    assert entry.actor_name == "system" and entry.channel == "cli"


def test_amounts_in_the_changes_read_as_money_in_the_currency_they_were_in(cast) -> None:
    from crm import sales

    product = sales.create_product(cast.admin, "打印纸", "PAPER-1", "10.50", currency="CNY")
    sales.update_product(cast.admin, product.id, unit_price="1500", currency="JPY")
    sales.update_product(cast.admin, product.id, unit_price="1600")  # no currency in the entry
    shown = [audit.changes_json(e, "UTC") for e in entries(cast.admin)
             if e.entity == "product"]
    # newest first: the price in yen, from the product's own currency; the change of currency;
    # the price in yuan (its stored 1050 minor units)
    assert '"unit_price_minor": ["1500", "1600"]' in shown[0]
    assert '"unit_price_minor": ["10.50", "1500"]' in shown[1]
    assert '"unit_price_minor": [null, "10.50"]' in shown[2]


def test_a_wrong_consent_method_is_named_as_a_consent_method_not_a_payment_method(cast) -> None:
    from crm import consent
    from crm.errors import ValidationError

    made = customer(cast.agent)
    with pytest.raises(ValidationError) as refused:
        consent.record_consent(cast.agent, made.id, "sms", True, method="pigeon")
    assert refused.value.params["field"] == "consent_method"  # labelled 同意方式, see test_i18n
    assert not consent.consent_history(cast.agent, made.id)


def test_ids_in_the_changes_read_as_names_looked_up_once_per_page(cast, db) -> None:
    team = users.create_team(cast.admin, "华东组")
    for member in (cast.agent, cast.teammate, cast.manager):
        users.set_team(cast.admin, member.telegram_id, team.id)
    users.reassign_customers(cast.admin, cast.agent.telegram_id, cast.teammate.telegram_id)
    executed: list[str] = []
    original = db.execute_sql

    def counting(query, *args, **kwargs):
        executed.append(query)
        return original(query, *args, **kwargs)

    db.execute_sql = counting
    try:
        page = audit.list_audit(cast.admin, limit=20)
    finally:
        db.execute_sql = original
    shown = [audit.changes_json(e, "UTC") for e in page.items if e.action == "user.team"]
    assert shown == [f'{{"team_id": [null, "华东组 (#{team.id})"]}}'] * 3
    reassigned = next(e for e in page.items if e.action == "user.reassign")
    assert audit.shown_changes(reassigned)["owner_id"] == [
        f"李娜 (#{cast.agent.user_id})", f"张伟 (#{cast.teammate.user_id})"]
    # one look-up of staff names and one of team names for the whole page
    assert sum("from staff_user" in q for q in executed) == 1
    assert sum("from team" in q for q in executed) == 1


def test_a_reminder_handed_over_with_its_customer_names_both_staff(cast) -> None:
    made = customer(cast.agent, "周杰")
    reminders.create_reminder(cast.agent, dt.datetime(2031, 3, 2), "回访", customer_id=made.id)
    users.reassign_customers(cast.admin, cast.agent.telegram_id, cast.teammate.telegram_id)
    [moved] = [e for e in audit.list_audit(cast.admin, limit=50).items
               if e.action == "reminder.update"]
    assert audit.shown_changes(moved)["staff_id"] == [
        f"李娜 (#{cast.agent.user_id})", f"张伟 (#{cast.teammate.user_id})"]


def test_older_entries_naming_a_stage_in_english_read_in_the_readers_language(cast) -> None:
    from crm import sales

    pipeline = sales.get_pipeline(cast.admin)
    first = pipeline.first_open()
    made = customer(cast.agent)
    with audit.database.atomic():  # as deals were recorded before stages went by id
        audit.record(cast.agent, "deal.create", "deal", None, changes={
            "stage": [None, first.name_en]})
    chinese = audit.Wording(locale="zh-CN")
    [older] = [e for e in entries(cast.admin) if e.action == "deal.create"]
    assert audit.shown_changes(older, chinese)["stage"] == [None, first.name_zh]
    deal = sales.create_deal(cast.agent, made.id, "年度合同")
    newer = next(e for e in entries(cast.admin) if e.entity_id == deal.id)
    assert newer.changes["stage_id"] == [None, first.id]
    assert audit.shown_changes(newer, chinese)["stage_id"] == [
        None, f"{first.name_zh} (#{first.id})"]


def test_a_reminder_records_how_it_repeats(cast) -> None:
    reminders.create_reminder(cast.agent, dt.datetime(2031, 3, 2), "周报", repeat="weekly",
                              now=dt.datetime(2031, 3, 1))
    reminders.create_reminder(cast.agent, dt.datetime(2031, 3, 2), "回电",
                              now=dt.datetime(2031, 3, 1))
    made = [e.changes["repeat"] for e in entries(cast.admin) if e.action == "reminder.create"]
    assert made == [[None, "none"], [None, "weekly"]]


def test_an_older_export_entry_names_the_owner_it_recorded_as_text(cast) -> None:
    from storage.database import database

    with database.atomic():  # as exports recorded their owner filter before: the id as text
        audit.record(cast.admin, "export.customers", "export", changes={
            "owner_id": [None, str(cast.agent.user_id)], "status": [None, "lead"]})
    [entry] = [e for e in audit.list_audit(cast.admin).items if e.action == "export.customers"]
    assert audit.shown_changes(entry)["owner_id"] == [None, f"{cast.agent.name} (#"
                                                      f"{cast.agent.user_id})"]


def test_an_export_of_the_log_names_the_staff_member_and_customer_it_was_narrowed_to(
        cast) -> None:
    from storage.database import database

    made = customer(cast.agent, "王小明")
    list(audit.export_audit(cast.admin, user_id=cast.agent.user_id, customer_id=made.id))
    with database.atomic():  # as the log recorded its own exports before: ids as text
        audit.record(cast.admin, "audit.export", "audit_log", changes={
            "user_id": [None, str(cast.agent.user_id)], "customer_id": [None, str(made.id)]})
    old, new = [audit.shown_changes(e) for e in entries(cast.admin)
                if e.action == "audit.export"]
    assert new == old == {"user_id": [None, f"李娜 (#{cast.agent.user_id})"],
                          "customer_id": [None, f"王小明 (#{made.id})"]}
