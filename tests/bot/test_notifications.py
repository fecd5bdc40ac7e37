"""Staff notifications from the outbox reach Telegram once; a blocked user is given up on.
A customer's work changing hands (edit, import, merge) tells the new owner once, in their
language."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from bot.jobs import deliver_notifications
from crm import customers, reminders, sales, users
from crm.actors import Actor
from crm.clock import utcnow
from crm.sales.assignment_rules import add_assignment_rule, configure_assignment
from crm.sales.outbox import notify
from storage.database import fetch_all
from tests.crm.cast import keep_files_in
from tests.crm.import_files import csv_file

ADMIN, AGENT = 8101, 8102


@pytest.fixture
def lead(db: peewee.Database):
    """A new lead from Shenzhen, assigned by rule to the agent."""
    admin = users.add_user(Actor.system(), ADMIN, "admin", "Boss").as_actor()
    agent = users.add_user(Actor.system(), AGENT, "agent", "李娜", locale="zh-CN")
    configure_assignment(admin, "rules", fallback_owner_id=admin.user_id)
    add_assignment_rule(admin, "city", "深圳", agent.id)
    return customers.create_customer(admin, customers.CustomerDraft(
        name="<b>深圳</b>客户", addresses=(customers.AddressInput("work", city="深圳"),)))


def deliver(chat) -> int:
    return chat.loop.run_until_complete(deliver_notifications(chat.app))


def test_the_assignee_is_told_once_in_their_language(chat, lead) -> None:
    assert deliver(chat) == 1
    [message] = [c for c in chat.stub.sent() if int(c.params["chat_id"]) == AGENT]
    assert message.params["text"].startswith("🆕")
    assert "&lt;b&gt;深圳&lt;/b&gt;客户" in message.params["text"]
    assert message.buttons() == [("👤 打开客户", f"c:{lead.id}")]
    assert deliver(chat) == 0  # never twice


def test_a_user_who_blocked_the_bot_is_not_tried_again(chat, lead) -> None:
    chat.stub.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    assert deliver(chat) == 0
    assert deliver(chat) == 0
    [(failed_at, error)] = fetch_all("select failed_at, last_error from notification")
    assert failed_at is not None and "blocked" in error


def test_a_transient_failure_is_retried_later(chat, lead) -> None:
    chat.stub.fail_next("sendMessage", 500, "Internal Server Error")
    assert deliver(chat) == 0
    [(sent_at, failed_at, available_at, created_at)] = fetch_all(
        "select sent_at, failed_at, available_at, created_at from notification")
    assert sent_at is None and failed_at is None and str(available_at) > str(created_at)


def test_a_book_handed_over_from_the_command_line_is_by_the_system_in_the_readers_language(
        chat, db) -> None:
    leaving = users.add_user(Actor.system(), 8103, "agent", "张伟").as_actor()
    users.add_user(Actor.system(), AGENT, "agent", "李娜", locale="zh-CN")
    customers.create_customer(leaving, customers.CustomerDraft(name="王小明"))
    users.reassign_customers(Actor.system(), 8103, AGENT)
    assert deliver(chat) == 1
    [message] = [c for c in chat.stub.sent() if int(c.params["chat_id"]) == AGENT]
    assert "系统 将 张伟 的 1 位客户移交给了您" in message.params["text"]
    assert "system" not in message.params["text"]


@pytest.mark.parametrize(("language", "unrecorded"), [("en", "(not recorded)"),
                                                      ("zh-CN", "（未记录）")])
def test_an_alert_queued_before_its_text_changed_never_shows_a_placeholder(
        chat, db, language, unrecorded) -> None:
    admin = users.add_user(Actor.system(), ADMIN, "admin", "Boss", locale=language)
    # Rows queued before the backup alert said {reason}: the cause was English text (detail).
    notify(admin.id, "backup.alert_failed",
           {"file": "crm-20261126.crmbak", "detail": "backup key missing"}, utcnow())
    notify(admin.id, "backup.alert_failed", {"file": "crm-20261127.crmbak"}, utcnow())
    assert deliver(chat) == 2
    older, oldest = [c.params["text"] for c in chat.stub.sent("sendMessage")]
    assert "crm-20261126.crmbak" in older and "backup key missing" in older
    assert "crm-20261127.crmbak" in oldest and unrecorded in oldest
    assert "{" not in older + oldest


# a customer's work changing hands ----------------------------------------------------------
MANAGER, NEW_OWNER = 8104, 8105
HANDED = {
    "en": ("👉 王经理 handed you <b>&lt;b&gt;李&lt;/b&gt;</b>. Came with it — open deals: 1,"
           " open orders: 0, reminders: 1."),
    "zh-CN": ("👉 王经理 把 <b>&lt;b&gt;李&lt;/b&gt;</b> 转给了您，随之转来进行中的商机 1 个、"
              "未完成的订单 0 个、待办提醒 1 条。"),
}
IMPORTED = {
    "en": ("👥 王经理 handed you 2 customers in an import, with their open deals (1), open orders"
           " (0) and reminders (1)."),
    "zh-CN": ("👥 王经理 通过导入将 2 位客户移交给了您，随之转来进行中的商机 1 个、"
              "未完成的订单 0 个、待办提醒 1 条。"),
}
MERGED = {
    "en": ("🔀 王经理 merged <b>&lt;b&gt;李&lt;/b&gt;</b>, a customer of 张伟, into your"
           " <b>李 &amp; Co</b>. Came with it — open deals: 1, open orders: 0, reminders: 1."),
    "zh-CN": ("🔀 王经理 将 张伟 的客户 <b>&lt;b&gt;李&lt;/b&gt;</b> 合并到了您的客户"
              " <b>李 &amp; Co</b>，随之转来进行中的商机 1 个、未完成的订单 0 个、待办提醒 1 条。"),
}


@pytest.fixture
def handing(db: peewee.Database, request: pytest.FixtureRequest) -> dict[str, Actor]:
    """张伟 leaves; 王经理 hands his customers on to someone reading ``request.param``."""
    system = Actor.system()
    return {"leaving": users.add_user(system, 8103, "agent", "张伟", locale="en").as_actor(),
            "manager": users.add_user(system, MANAGER, "manager", "王经理",
                                      locale="zh-CN").as_actor(),
            "new": users.add_user(system, NEW_OWNER, "agent", "Emily",
                                  locale=request.param).as_actor()}


def with_work(owner: Actor, name: str, phone: str) -> int:
    """A customer of ``owner`` with an open deal and a follow-up."""
    made = customers.create_customer(owner, customers.CustomerDraft(name=name, phones=(phone,)))
    sales.create_deal(owner, made.id, "年度合同", amount="5000")
    reminders.create_reminder(owner, utcnow() + dt.timedelta(days=1), "跟进", customer_id=made.id)
    return made.id


def choose_owner(chat, customer_id: int, name: str) -> None:
    """✏️ Edit → 👤 Owner → ``name``, as the manager presses it (in Chinese)."""
    def shown(replies):
        return [r for r in replies if r.method in ("sendMessage", "editMessageText")][-1]

    menu = shown(chat.press(MANAGER, f"ed:{customer_id}"))
    owners = shown(chat.press(MANAGER, menu.button("负责人")))
    chat.press(MANAGER, owners.button(name))


def told(chat, telegram_id: int) -> list[str]:
    deliver(chat)
    return [c.params["text"] for c in chat.stub.sent() if int(c.params["chat_id"]) == telegram_id]


@pytest.mark.parametrize("handing", ["en", "zh-CN"], indirect=True)
def test_the_owner_chosen_in_the_edit_menu_is_told_once_in_their_language(chat, handing) -> None:
    customer_id = with_work(handing["leaving"], "<b>李</b>", "13800138000")
    choose_owner(chat, customer_id, "王经理")  # the manager takes it: no news for them
    choose_owner(chat, customer_id, "Emily")
    assert told(chat, NEW_OWNER) == [HANDED[handing["new"].locale]]
    assert [r[0] for r in fetch_all("select staff_id from notification")] == [
        handing["new"].user_id]  # the manager's own take queued nothing


@pytest.mark.parametrize("handing", ["en", "zh-CN"], indirect=True)
def test_an_import_tells_each_new_owner_once_with_the_number_of_customers(
        chat, handing, tmp_path) -> None:
    keep_files_in(tmp_path / "data")
    with_work(handing["leaving"], "王小明", "13800138000")
    customers.create_customer(handing["leaving"], customers.CustomerDraft(
        name="李小龙", phones=("13900139000",)))
    rows = [["姓名", "手机", "负责人"], ["王小明", "13800138000", "Emily"],
            ["李小龙", "13900139000", "Emily"]]
    [*_, preview] = [r for r in chat.send_document(MANAGER, "owners.csv", content=csv_file(rows))
                     if r.method == "sendMessage"]
    chat.press(MANAGER, next(v for _, v in preview.buttons if v.endswith(":u")))
    [message] = told(chat, NEW_OWNER)
    assert message.startswith(IMPORTED[handing["new"].locale])


@pytest.mark.parametrize("handing", ["en", "zh-CN"], indirect=True)
def test_the_survivors_owner_is_told_what_a_merge_brought_in_their_language(
        chat, handing) -> None:
    merged_id = with_work(handing["leaving"], "<b>李</b>", "13800138000")
    keep = customers.create_customer(handing["new"], customers.CustomerDraft(name="李 & Co"))
    customers.merge_customers(handing["manager"], keep.id, merged_id)
    assert deliver(chat) == 1
    [message] = [c for c in chat.stub.sent() if int(c.params["chat_id"]) == NEW_OWNER]
    assert message.params["text"] == MERGED[handing["new"].locale]
    assert message.buttons()[0][1] == f"c:{keep.id}"
    assert told(chat, 8103) == []
