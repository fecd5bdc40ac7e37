"""Admin commands follow the role crm gives; strangers reach nothing; invites join end to end;
command menus per role and language."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import peewee
import pytest

from bot.handlers import commands
from bot.jobs import deliver_notifications
from crm import invites, privacy, reminders, sales, users
from crm.actors import Actor
from storage.database import fetch_one
from tests.bot.harness import ChatHarness
from tests.crm.cast import customer

ADMIN, MANAGER, AGENT, VIEWER, STRANGER = 6001, 6002, 6003, 6004, 6999
ROLES = {"admin": ADMIN, "manager": MANAGER, "agent": AGENT, "viewer": VIEWER}
NOT_ALLOWED = "You are not allowed to do this."  # to anyone who is not staff
ONLY_ADMINS = "Only admins can "  # to staff: the refusal names who may
ADMIN_COMMANDS = ("/users", "/invite", "/audit", "/status")  # /backup: test_backup_chat.py
STAFF_COMMANDS = ("/new", "/find 张伟", "/today", "/remind", "/deals", "/tickets", "/report",
                  "/export", "/import", "/settings", "/cancel", *ADMIN_COMMANDS)
ADMIN_MENU = {"users", "invite", "audit", "status", "backup"}


@pytest.fixture
def chat(db: peewee.Database, db_url: str) -> Iterator[ChatHarness]:
    """The bot configured with the test database's URL, so /status checks the real thing."""
    harness = ChatHarness(db, {"CRM_DATABASE_URL": db_url})
    yield harness
    harness.close()


@pytest.fixture
def staff(db: peewee.Database) -> dict[str, Actor]:
    return {role: users.add_user(Actor.system(), telegram_id, role, f"Staff {role}")
            .as_actor() for role, telegram_id in ROLES.items()}


def only_text(replies) -> str:
    [reply] = [r for r in replies if r.method == "sendMessage"]
    return reply.text


@pytest.mark.parametrize("role", list(ROLES))
def test_admin_commands_are_allowed_or_refused_as_crm_decides(chat, staff, role) -> None:
    for command in ADMIN_COMMANDS:
        text = only_text(chat.send(ROLES[role], command))
        assert text.startswith(ONLY_ADMINS) is (role != "admin"), (role, command, text)


def test_admin_replies_in_both_languages(chat, staff) -> None:
    assert "员工" in only_text(chat.send(ADMIN, "/users", language="zh-CN"))
    assert "系统状态" in only_text(chat.send(ADMIN, "/status"))
    refused = only_text(chat.send(VIEWER, "/users", language="zh-CN"))
    assert refused == "只有管理员可以管理员工、团队和邀请。"


def test_admin_buttons_are_checked_again_when_pressed(chat, staff) -> None:
    for forged in (f"au:{AGENT}", f"ar:{AGENT}:admin", f"at:{AGENT}:0", f"ad:{AGENT}",
                   f"ax:{AGENT}", f"aa:{AGENT}", "ai:admin", "ag:0", "aup:0"):
        replies = chat.press(MANAGER, forged)
        [alert] = chat.alerts(replies)
        assert alert.startswith(ONLY_ADMINS), forged
        assert not [r for r in replies if r.method in ("sendMessage", "editMessageText")]
    agent = users.identify(AGENT)
    assert agent is not None and agent.role == "agent"


def test_users_lists_staff_and_a_press_changes_the_role(chat, staff) -> None:
    users.deactivate_user(Actor.system(), VIEWER)
    [listing] = chat.send(ADMIN, "/users")
    assert "Staff agent</b> — agent · no team" in listing.text
    assert "Staff viewer</b> — viewer · no team · deactivated" in listing.text
    assert all(len(value.encode()) <= 64 for _, value in listing.buttons)
    [detail] = [r for r in chat.press(ADMIN, listing.button("Staff agent"))
                if r.method == "editMessageText"]
    assert f"<code>{AGENT}</code>" in detail.text and "Access: active" in detail.text
    replies = chat.press(ADMIN, detail.button("manager"))
    [edited] = [r for r in replies if r.method == "editMessageText"]
    assert "Role: manager" in edited.text and users.identify(AGENT).role == "manager"
    [menu] = chat.stub.sent("setMyCommands")
    assert menu.params["scope"] == {"type": "chat", "chat_id": AGENT}
    names = [c["command"] for c in menu.params["commands"]]
    assert "export" in names and not ADMIN_MENU & set(names)


def test_the_last_admin_cannot_be_demoted_from_the_chat(chat, staff) -> None:
    replies = chat.press(ADMIN, f"ar:{ADMIN}:agent:y")
    assert any("last active admin" in alert for alert in chat.alerts(replies))
    assert users.identify(ADMIN).role == "admin"


def test_the_last_admin_deactivating_themselves_is_told_they_cannot_be_deactivated(
        chat, staff) -> None:
    [ask] = [r for r in chat.press(ADMIN, f"ad:{ADMIN}") if r.method == "editMessageText"]
    alerts = chat.alerts(chat.press(ADMIN, ask.button("Yes, deactivate")))
    assert any("last active admin cannot be deactivated" in alert for alert in alerts), alerts
    users.set_preferences(staff["admin"], locale="zh-CN")
    alerts = chat.alerts(chat.press(ADMIN, f"ax:{ADMIN}"))
    assert any("最后一位在职管理员不能被停用" in alert for alert in alerts), alerts
    assert not any("角色" in alert for alert in alerts)
    assert users.identify(ADMIN).active


def test_granting_and_taking_away_admin_asks_first(chat, staff) -> None:
    [detail] = [r for r in chat.press(ADMIN, f"au:{AGENT}") if r.method == "editMessageText"]
    [ask] = [r for r in chat.press(ADMIN, detail.button("→ admin"))
             if r.method == "editMessageText"]
    assert "Make <b>Staff agent</b> an admin?" in ask.text
    assert users.identify(AGENT).role == "agent"  # not yet
    [kept] = [r for r in chat.press(ADMIN, ask.button("No, leave the role"))
              if r.method == "editMessageText"]
    assert "Role: agent" in kept.text and users.identify(AGENT).role == "agent"
    [done] = [r for r in chat.press(ADMIN, ask.button("Yes, make them admin"))
              if r.method == "editMessageText"]
    assert "Role: admin" in done.text and users.identify(AGENT).role == "admin"
    users.set_preferences(staff["admin"], locale="zh-CN")
    [ask] = [r for r in chat.press(ADMIN, done.button("→ viewer"))
             if r.method == "editMessageText"]
    assert "取消 <b>Staff agent</b> 的管理员角色？其将成为只读用户" in ask.text
    assert users.identify(AGENT).role == "admin"
    chat.press(ADMIN, ask.button("确认设为只读用户"))
    assert users.identify(AGENT).role == "viewer"


def test_deactivation_asks_for_a_press_and_a_typed_yes_is_not_one(chat, staff) -> None:
    [ask] = [r for r in chat.press(ADMIN, f"ad:{AGENT}") if r.method == "editMessageText"]
    assert "Deactivate <b>Staff agent</b>?" in ask.text
    chat.send(ADMIN, "yes")
    assert users.identify(AGENT) is not None
    [done] = [r for r in chat.press(ADMIN, ask.button("Yes, deactivate"))
              if r.method == "editMessageText"]
    assert "Access: deactivated" in done.text and users.identify(AGENT) is None
    assert chat.stub.sent("deleteMyCommands")[0].params["scope"]["chat_id"] == AGENT
    assert "Telegram id" in only_text(chat.send(AGENT, "/start"))  # a stranger at once
    [back] = [r for r in chat.press(ADMIN, done.button("Reactivate"))
              if r.method == "editMessageText"]
    assert "Access: active" in back.text and users.identify(AGENT) is not None


def test_a_member_is_moved_between_teams(chat, staff) -> None:
    team = users.create_team(Actor.system(), "<North>")
    [detail] = [r for r in chat.press(ADMIN, f"au:{AGENT}") if r.method == "editMessageText"]
    [moved] = [r for r in chat.press(ADMIN, detail.button("<North>"))
               if r.method == "editMessageText"]
    assert "Team: &lt;North&gt;" in moved.text and users.identify(AGENT).team_id == team.id
    [alone] = [r for r in chat.press(ADMIN, moved.button("No team"))
               if r.method == "editMessageText"]
    assert "Team: no team" in alone.text and users.identify(AGENT).team_id is None


def test_a_leaving_members_customers_are_handed_over_from_the_chat(chat, staff) -> None:
    def edits(replies):
        return [r for r in replies if r.method == "editMessageText"]

    made = [customer(staff["agent"], name) for name in ("王小明", "<b>李</b>")]
    sales.create_deal(staff["agent"], made[0].id, "年度合同", amount="5000")
    users.deactivate_user(staff["admin"], AGENT)
    [detail] = edits(chat.press(ADMIN, f"au:{AGENT}"))
    [choose] = edits(chat.press(ADMIN, detail.button("Hand over 2 customers")))
    assert "Who takes the 2 customers of <b>Staff agent</b>?" in choose.text
    assert "Staff viewer" not in str(choose.buttons) and "Staff agent" not in str(choose.buttons)
    [ask] = edits(chat.press(ADMIN, choose.button("Staff manager")))
    assert "Hand the 2 customers of <b>Staff agent</b> to <b>Staff manager</b>?" in ask.text
    chat.send(ADMIN, "yes")  # a typed yes is a search, not the confirmation
    assert users.owned_customers(staff["admin"], AGENT) == 2
    [done] = edits(chat.press(ADMIN, ask.button("Yes, hand them over")))
    assert "2 customers now belong to <b>Staff manager</b>" in done.text
    assert "With them: open deals 1, open orders 0, reminders 0." in done.text
    assert (users.owned_customers(staff["admin"], AGENT),
            users.owned_customers(staff["admin"], MANAGER)) == (0, 2)
    code, params = fetch_one("select code, params from notification")
    assert code == "user.customers_handed_with_work" and '"count": 2' in params
    assert "王小明" in only_text(chat.send(MANAGER, "王小明"))  # theirs now
    [again] = edits(chat.press(ADMIN, done.button("Back")))
    assert "Hand over" not in str(again.buttons)
    [refused] = edits(chat.press(ADMIN, f"ah:{AGENT}:{VIEWER}"))  # a forged button
    assert "can no longer take customers" in refused.text
    pressed = chat.press(MANAGER, f"ah:{AGENT}")  # the staff list is the admins'
    assert ONLY_ADMINS in " ".join(chat.alerts(pressed) + chat.texts(pressed))


def test_an_invite_link_joins_once(chat, staff) -> None:
    [choose] = chat.send(ADMIN, "/invite")
    assert [label for label, _ in choose.buttons] == ["admin", "manager", "agent", "viewer"]
    [message] = [r for r in chat.press(ADMIN, choose.button("agent"))
                 if r.method == "sendMessage"]
    assert "valid until" in message.text and "Asia/Shanghai" in message.text
    link = re.search(r"https://t\.me/crm_test_bot\?start=(\S+)", message.text)
    assert link is not None
    welcome = only_text(chat.send(6100, f"/start {link.group(1)}"))
    assert "Welcome" in welcome and users.identify(6100).role == "agent"
    again = only_text(chat.send(6101, f"/start {link.group(1)}"))
    assert "already been used" in again and users.identify(6101) is None
    mine_again = only_text(chat.send(6100, f"/start {link.group(1)}"))
    assert "already a member" in mine_again and "already been used" not in mine_again
    users.set_preferences(users.identify(6100).as_actor(), locale="zh-CN")
    assert "您已经是员工了" in only_text(chat.send(6100, f"/start {link.group(1)}"))
    assert "not allowed" not in only_text(chat.send(6100, "/today"))


def test_an_invite_from_the_chat_puts_the_newcomer_in_the_chosen_team(chat, staff) -> None:
    users.create_team(Actor.system(), "South")
    north = users.create_team(Actor.system(), "<North>")
    [choose] = chat.send(ADMIN, "/invite")
    [teams] = [r for r in chat.press(ADMIN, choose.button("agent"))
               if r.method == "editMessageText"]
    assert "Which team does the new agent join?" in teams.text
    assert [label for label, _ in teams.buttons] == ["👥 <North>", "👥 South", "👥 No team"]
    [message] = [r for r in chat.press(ADMIN, teams.button("<North>"))
                 if r.method == "sendMessage"]
    assert "new <b>agent</b> (team: &lt;North&gt;)" in message.text
    code = re.search(r"start=(\S+)", message.text).group(1)
    chat.send(6100, f"/start {code}")
    assert users.identify(6100).team_id == north.id
    users.set_preferences(staff["admin"], locale="zh-CN")
    [choose] = chat.send(ADMIN, "/invite")
    menu = choose.button("只读用户").split(":")[1]
    [message] = [r for r in chat.press(ADMIN, f"ai:{menu}:viewer:0")
                 if r.method == "sendMessage"]
    assert "新<b>只读用户</b>（团队：无团队）" in message.text
    assert chat.alerts(chat.press(MANAGER, f"ai:{menu}:agent"))[0].startswith(ONLY_ADMINS)
    [choose] = chat.send(ADMIN, "/invite")
    forged = chat.press(ADMIN, f"ai:{choose.button('经理').split(':')[1]}:boss")
    assert "角色必须是以下之一" in " ".join(chat.alerts(forged) + chat.texts(forged))


@pytest.mark.parametrize(("locale", "made", "already"), [
    ("en", "Invite made for a new <b>agent</b>", "This menu already made its invite"),
    ("zh-CN", "已为新<b>业务员</b>生成邀请", "这个菜单已经生成过邀请")])
def test_an_invite_menu_makes_one_invite_and_shows_it_when_pressed_again(chat, staff, locale,
                                                                         made,
                                                                         already) -> None:
    users.set_preferences(staff["admin"], locale=locale)
    [choose] = chat.send(ADMIN, "/invite")
    pressed = chat.press(ADMIN, choose.buttons[2][1])  # agent
    [menu] = [r for r in pressed if r.method == "editMessageText"]
    assert menu.text.startswith(made) and not menu.buttons  # the menu is spent
    [link] = [r.text for r in pressed if r.method == "sendMessage"]
    again = chat.press(ADMIN, choose.buttons[0][1])  # admin, on the same menu
    [shown] = [r.text for r in again if r.method == "sendMessage"]
    assert shown.startswith(already) and shown.endswith(link)
    invites_made = fetch_one("select count(*), min(role), max(role) from invite")
    assert invites_made == (1, "agent", "agent")
    chat.send(ADMIN, "1")  # typed, not a press: a search, no invite
    assert fetch_one("select count(*) from invite") == (1,)
    [fresh] = chat.send(ADMIN, "/invite")  # a new menu makes a new one
    chat.press(ADMIN, fresh.buttons[0][1])
    assert fetch_one("select count(*) from invite where role = 'admin'") == (1,)


@pytest.mark.parametrize(("locale", "typed", "listed"), [
    ("en", "Lost because: — → Price too high", "Lost because: — → Price;"),
    ("zh-CN", "输单原因: — → Price too high", "输单原因: — → 价格;")])
def test_the_audit_log_words_a_lost_reason_as_the_deal_card_does(chat, staff, locale, typed,
                                                                  listed) -> None:
    agent, admin = staff["agent"], staff["admin"]
    users.set_preferences(admin, locale=locale)
    lost = next(s.id for s in sales.get_pipeline(admin).stages if s.kind == "lost")
    for title, reason, note in (("Typed", "other", "Price too high"), ("Listed", "price", None)):
        deal = sales.create_deal(agent, customer(agent, "Grace").id, title)
        sales.move_deal_to_stage(agent, deal.id, lost, lost_reason=reason, lost_note=note)
    log = only_text(chat.send(ADMIN, "/audit"))
    assert typed in log and listed in log
    assert "→ other" not in log and "→ price" not in log


def test_the_audit_log_pages_and_marks_erased_details(chat, staff) -> None:
    admin = staff["admin"]
    erased = customer(admin, "Erased Person", phones=("13800138000",))
    users.change_role(admin, AGENT, "viewer")
    for i in range(10):
        users.create_team(admin, f"Team {i}")
    privacy.erase_customer(admin, erased.id)
    [first] = chat.send(ADMIN, "/audit")
    assert "Audit log" in first.text and "team.create" in first.text and len(first.text) < 4096
    assert "Team name: — → Team 9" in first.text and "Erased Person" not in first.text
    [older] = [r for r in chat.press(ADMIN, first.button("▶"))
               if r.method == "editMessageText"]
    assert "Role: agent → viewer" in older.text
    assert "🔒 details erased with the customer" in older.text
    assert "◀" in [label for label, _ in older.buttons]


def test_a_chinese_admin_reads_the_audit_log_in_chinese(chat, staff) -> None:
    users.set_preferences(staff["admin"], locale="zh-CN")
    users.change_role(Actor.system(), AGENT, "viewer")
    [page] = chat.send(ADMIN, "/audit")
    # the action in words with its code beside them, the system, the channel, the record kind
    assert "系统（命令行）· 修改角色 <code>user.role</code> · 员工 Staff agent (#" in page.text
    assert "角色: 业务员 → 只读用户" in page.text
    assert "role:" not in page.text and "staff_user" not in page.text and "→ agent" not in page.text


def _chinese_admin_with_an_order(chat) -> Actor:
    """A Chinese admin who sold 125.50 yuan (an order, confirmed, paid by WeChat Pay) to a
    customer who agreed to SMS verbally."""
    from crm import consent

    admin = users.add_user(Actor.system(), 7104, "admin", "陈静", locale="zh-CN").as_actor()
    buyer = customer(admin, "王小明")
    order = sales.create_order(admin, buyer.id, [sales.OrderLineInput(
        quantity=1, description="安装", unit_price="125.50")], currency="CNY")
    sales.change_order_status(admin, order.id, "confirmed")
    sales.record_payment(admin, order.id, "125.50", "wechat_pay")
    consent.record_consent(admin, buyer.id, "sms", True, method="verbal")
    return admin


def test_audited_values_read_in_the_readers_words_and_amounts_as_money(chat) -> None:
    _chinese_admin_with_an_order(chat)
    [page] = chat.send(7104, "/audit")
    assert "合计: — → ¥125.50" in page.text and "12550" not in page.text
    assert "状态: 草稿 → 已确认" in page.text
    assert "金额: — → ¥125.50" in page.text and "付款方式: — → 微信支付" in page.text
    assert "营销同意·短信: — → 同意" in page.text and "同意方式: — → 口头" in page.text
    assert not {"draft", "confirmed", "wechat_pay", "verbal", "True"} & set(
        re.findall(r"[A-Za-z_]+", page.text))


def test_the_audit_export_words_values_and_amounts_too(chat) -> None:
    import io
    import json

    from openpyxl import load_workbook

    _chinese_admin_with_an_order(chat)
    [log] = chat.send(7104, "/audit")
    [document] = [r for r in chat.press(7104, log.button("📤")) if r.method == "sendDocument"]
    [(_, content, _)] = document.params["_files"].values()
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    changes = {row[4]: json.loads(row[8]) for row in rows[1:] if row[8]}
    assert changes["order.create"]["合计"] == [None, "¥125.50"]
    assert changes["order.status"]["状态"] == ["草稿", "已确认"]
    assert changes["consent.record"]["同意方式"] == [None, "口头"]


def _chinese_admin_who_sold_and_reorganised(chat) -> tuple[Actor, dict[str, int]]:
    """A Chinese admin who put 张伟 in 华东组, opened a deal for 王小明 and won it, set a weekly
    reminder, and merged 李四 into 王小明 before 李四 was erased."""
    from crm import customers

    admin = users.add_user(Actor.system(), 7105, "admin", "陈静", locale="zh-CN").as_actor()
    agent = users.add_user(admin, 7106, "agent", "张伟")
    team = users.create_team(admin, "华东组")
    users.set_team(admin, agent.telegram_id, team.id)
    buyer = customer(admin, "王小明")
    deal = sales.create_deal(admin, buyer.id, "年度合同", amount="1000", owner_id=agent.id)
    pipeline = sales.get_pipeline(admin)
    won = next(s for s in pipeline.stages if s.kind == "won")
    sales.move_deal_to_stage(admin, deal.id, won.id)
    reminders.create_reminder(admin, dt.datetime(2031, 3, 2), "回访", customer_id=buyer.id,
                              repeat="weekly", now=dt.datetime(2031, 3, 1))
    duplicate = customer(admin, "李四")
    customers.merge_customers(admin, buyer.id, duplicate.id)
    privacy.erase_customer(admin, duplicate.id)
    return admin, {"team": team.id, "agent": agent.id, "buyer": buyer.id,
                   "duplicate": duplicate.id, "won": won.id, "first": pipeline.first_open().id}


def stage_name(stage_id: int, locale: str = "zh-CN") -> str:
    from crm.sales.pipelines import load_stage

    return load_stage(stage_id).name(locale)


def test_audited_ids_read_as_names_and_stages_in_the_readers_language(chat) -> None:
    _, ids = _chinese_admin_who_sold_and_reorganised(chat)
    [page] = chat.send(7105, "/audit")
    assert f"团队: — → 华东组 (#{ids['team']})" in page.text
    assert f"负责人: — → 张伟 (#{ids['agent']})" in page.text
    first, won = (stage_name(ids[key]) for key in ("first", "won"))
    assert f"阶段: {first} (#{ids['first']}) → {won} (#{ids['won']})" in page.text
    assert f"阶段: — → {first} (#{ids['first']})" in page.text
    assert stage_name(ids["won"], "en") not in page.text
    assert "重复: — → 每周" in page.text


def test_an_erased_customer_never_reappears_by_name_through_an_id(chat) -> None:
    _, ids = _chinese_admin_who_sold_and_reorganised(chat)
    [page] = chat.send(7105, "/audit")
    assert f"已清除的客户 (#{ids['duplicate']})" in page.text and "李四 (#" not in page.text


def test_a_merge_entry_labels_the_merged_records_id_in_words(chat) -> None:
    from crm import customers

    admin = users.add_user(Actor.system(), 7105, "admin", "陈静", locale="zh-CN").as_actor()
    buyer, duplicate = customer(admin, "王小明"), customer(admin, "李四")
    customers.merge_customers(admin, buyer.id, duplicate.id)
    [page] = chat.send(7105, "/audit")
    assert f"被合并的记录·编号: — → 李四 (#{duplicate.id})" in page.text
    assert "merged" not in page.text.replace("customer.merged_into", "")


def test_a_merged_customer_erased_later_is_not_named_by_the_merge_entry(chat) -> None:
    import io
    import json

    from openpyxl import load_workbook

    _chinese_admin_who_sold_and_reorganised(chat)
    [page] = chat.send(7105, "/audit")
    assert "customer.merge" in page.text and "李四" not in page.text
    assert "被合并的记录: — → 详情已随客户一并清除" in page.text
    [document] = [r for r in chat.press(7105, page.button("📤")) if r.method == "sendDocument"]
    [(_, content, _)] = document.params["_files"].values()
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    [merge] = [json.loads(row[8]) for row in rows[1:] if row[4] == "customer.merge"]
    assert merge["被合并的记录"] == [None, "详情已随客户一并清除"]
    assert "李四" not in json.dumps(merge, ensure_ascii=False)


def test_the_audit_export_names_the_records_too(chat) -> None:
    import io
    import json

    from openpyxl import load_workbook

    _, ids = _chinese_admin_who_sold_and_reorganised(chat)
    [log] = chat.send(7105, "/audit")
    [document] = [r for r in chat.press(7105, log.button("📤")) if r.method == "sendDocument"]
    [(_, content, _)] = document.params["_files"].values()
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    changes = {row[4]: json.loads(row[8]) for row in rows[1:]
               if row[8] and row[8].startswith("{")}  # not the erased customer's details
    assert changes["user.team"]["团队"] == [None, f"华东组 (#{ids['team']})"]
    assert changes["deal.move"]["阶段"][1] == f"{stage_name(ids['won'])} (#{ids['won']})"
    assert changes["reminder.create"]["重复"] == [None, "每周"]


def test_audited_moments_are_shown_in_the_readers_time_zone(chat, staff) -> None:
    due = dt.datetime(2031, 3, 2, 2, 0)  # stored in UTC
    reminders.create_reminder(staff["admin"], due, "回访", now=dt.datetime(2031, 3, 1))
    [page] = chat.send(ADMIN, "/audit")
    zone = users.identify(ADMIN).timezone or chat.config.timezone
    assert zone != "UTC"  # so the test tells the two apart
    shown = due.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    assert f"Due: — → {shown}" in page.text and "02:00:00" not in page.text


def test_status_shows_the_checks_and_counts(chat, staff) -> None:
    users.deactivate_user(Actor.system(), VIEWER)
    text = only_text(chat.send(ADMIN, "/status"))
    assert "System status" in text and "✅ database reachable" in text
    assert "✅ configuration is valid (no config file: defaults and environment variables)" in text
    assert "file: -" not in text
    assert "Staff: 3 active (1 admin, 1 manager, 1 agent, 0 viewers), 1 deactivated" in text
    users.add_user(Actor.system(), 99001, "agent", "Second agent")
    text = only_text(chat.send(ADMIN, "/status"))
    assert "Staff: 4 active (1 admin, 1 manager, 2 agents, 0 viewers), 1 deactivated" in text
    assert users.identify(ADMIN) is not None  # the test database is still the bound one
    assert "Staff" in only_text(chat.send(ADMIN, "/users"))
    assert "配置有效（无配置文件：使用默认值和环境变量）" in only_text(
        chat.send(ADMIN, "/status", language="zh-CN"))


def test_status_counts_deleted_merged_and_erased_customers_apart(chat, staff) -> None:
    from crm import customers

    manager = staff["manager"]
    kept, gone, merged, erased = (customer(staff["agent"], name) for name in
                                  ("张伟", "李雷", "张 伟", "韩梅梅"))
    customers.delete_customer(manager, gone.id)
    customers.merge_customers(manager, kept.id, merged.id)
    privacy.erase_customer(staff["admin"], erased.id)
    text = only_text(chat.send(ADMIN, "/status"))
    assert "Customers: 1 (1 deleted, 1 merged into others, 1 erased)" in text
    assert "客户：1（已删除 1，已合并 1，已清除 1）" in only_text(
        chat.send(ADMIN, "/status", language="zh-CN"))


def test_an_unknown_user_is_refused_everywhere_and_sees_no_staff_data(chat, staff) -> None:
    made = customer(staff["agent"], "张伟", phones=("13800138000",))
    secrets_ = ("张伟", "Staff admin", "Staff agent", "13800138000", "inv_")
    seen: list[str] = []
    for command in (*STAFF_COMMANDS, "张伟", "13800138000"):
        # Anyone who is not staff is a customer: the customer's side answers, never staff's.
        text = only_text(chat.send(STRANGER, command))
        assert text, command
        seen.append(text)
    seen += chat.texts(chat.share_contact(STRANGER, "+8613800138000", "张伟"))
    for pressed in (f"c:{made.id}", f"tl:{made.id}:0", f"lg:{made.id}:call", f"ed:{made.id}",
                    f"mo:{made.id}", f"au:{ADMIN}", f"ar:{ADMIN}:viewer", f"ax:{ADMIN}",
                    f"aa:{ADMIN}", "ai:admin", "ag:0", "aup:0", "sp:q1:0"):
        replies = chat.press(STRANGER, pressed)
        assert [r.method for r in replies] == ["answerCallbackQuery"], pressed
        assert chat.alerts(replies) == [NOT_ALLOWED]
        seen += chat.alerts(replies)
    [answer] = chat.inline(STRANGER, "张")
    assert answer.method == "answerInlineQuery" and answer.params["results"] == []
    assert not [s for s in secrets_ for text in seen if s in text]
    assert users.identify(ADMIN).role == "admin" and users.identify(STRANGER) is None


def test_cancel_outside_a_conversation_answers_politely(chat, staff) -> None:
    assert "nothing to cancel" in only_text(chat.send(AGENT, "/cancel"))
    assert "取消" in only_text(chat.send(AGENT, "/cancel", language="zh-CN"))


def test_the_stranger_menu_is_published_in_each_language(chat) -> None:
    chat.loop.run_until_complete(commands.publish_menus(chat.app))
    calls = chat.stub.sent("setMyCommands")
    by_language = {c.params.get("language_code"): c.params for c in calls}
    assert set(by_language) == {"zh", "en", None}
    for params in by_language.values():
        assert params["scope"] == {"type": "default"}
        assert [c["command"] for c in params["commands"]] == ["start", "help"]
    assert by_language["en"]["commands"][1]["description"] == "What this bot can do"
    assert by_language["zh"]["commands"][1]["description"] == "本机器人的功能"
    assert by_language[None]["commands"][1]["description"] == "本机器人的功能"  # zh-CN install


@pytest.mark.parametrize(("role", "has", "lacks"), [
    ("admin", {"new", "export", *ADMIN_MENU}, set()),
    ("manager", {"new", "export", "import", "find", "deleted"}, ADMIN_MENU),
    ("agent", {"new", "find", "remind", "today"}, {"export", "import", "deleted", *ADMIN_MENU}),
    # Reminders are one's own: a viewer may set them too.
    ("viewer", {"find", "today", "deals", "remind", "kb"}, {"new", "export", *ADMIN_MENU}),
])
def test_each_role_gets_its_own_menu(chat, staff, role, has, lacks) -> None:
    member = users.identify(ROLES[role])
    for locale, cancel in (("en", "Stop what you are doing"), ("zh-CN", "取消当前操作")):
        published = chat.loop.run_until_complete(
            commands.publish_user_menu(chat.app.bot, member, locale))
        params = chat.stub.sent("setMyCommands")[-1].params
        assert published and params["scope"] == {"type": "chat", "chat_id": ROLES[role]}
        names = {c["command"]: c["description"] for c in params["commands"]}
        assert has <= set(names) and not lacks & set(names) and names["cancel"] == cancel


def test_a_menu_that_cannot_be_published_breaks_nothing(chat, staff) -> None:
    chat.stub.fail_next("setMyCommands", 400, "Bad Request: chat not found")
    replies = chat.press(ADMIN, f"ar:{AGENT}:manager")
    [edited] = [r for r in replies if r.method == "editMessageText"]
    assert "Role: manager" in edited.text
    assert users.identify(AGENT).role == "manager"


def test_every_active_member_gets_a_menu_at_start_up(chat, staff) -> None:
    users.deactivate_user(Actor.system(), VIEWER)
    assert chat.loop.run_until_complete(commands.publish_staff_menus(chat.app)) == 3
    chats = {c.params["scope"]["chat_id"] for c in chat.stub.sent("setMyCommands")}
    assert chats == {ADMIN, MANAGER, AGENT}


def test_an_admin_exports_the_audit_log_with_progress_shown(chat) -> None:
    import io

    from openpyxl import load_workbook

    from crm import users as staff
    from crm.actors import Actor as _Actor

    staff.add_user(_Actor.system(), 7101, "admin", "Export Admin")
    [log] = chat.send(7101, "/audit")
    replies = chat.press(7101, log.button("📤"))
    progress = [r for r in replies if r.method == "sendMessage"]
    assert progress and progress[0].text.startswith("⏳")
    assert any(r.method == "editMessageText" and r.text.startswith("✅") for r in replies)
    [document] = [r for r in replies if r.method == "sendDocument"]
    [(name, content, _)] = document.params["_files"].values()
    assert name == "audit.xlsx"
    sheet = load_workbook(io.BytesIO(content)).active
    assert (sheet["D2"].value, sheet["E2"].value) == ("Staff member added", "user.add")


def test_a_manager_cannot_export_the_audit_log(chat) -> None:
    from crm import users as staff
    from crm.actors import Actor as _Actor

    staff.add_user(_Actor.system(), 7102, "manager", "Manager")
    replies = chat.press(7102, "ae")
    assert not [r for r in replies if r.method == "sendDocument"]
    assert chat.alerts(replies)


def test_the_audit_export_shows_times_in_the_readers_time_zone(chat) -> None:
    import io

    from openpyxl import load_workbook

    users.add_user(Actor.system(), 7102, "admin", "Far Admin", timezone="America/New_York",
                   now=dt.datetime(2026, 11, 26, 21, 25))  # UTC: 16:25 in New York
    [log] = chat.send(7102, "/audit")
    [document] = [r for r in chat.press(7102, log.button("📤")) if r.method == "sendDocument"]
    [(_, content, _)] = document.params["_files"].values()
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "time" and rows[1][:5] == (
        dt.datetime(2026, 11, 26, 16, 25), "The system", "command line", "Staff member added",
        "user.add")


def test_times_inside_the_audit_exports_changes_are_the_readers_too(chat) -> None:
    import io
    import json

    from openpyxl import load_workbook

    far = users.add_user(Actor.system(), 7102, "admin", "远方管理员", locale="zh-CN",
                         timezone="America/New_York").as_actor()
    reminders.create_reminder(far, dt.datetime(2030, 1, 15, 1, 30), "回访")  # UTC
    [log] = chat.send(7102, "/audit")
    [document] = [r for r in chat.press(7102, log.button("📤")) if r.method == "sendDocument"]
    [(_, content, _)] = document.params["_files"].values()
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    [created] = [row for row in rows if row[4] == "reminder.create"]
    assert json.loads(created[8])["到期时间"] == [None, "2030-01-14 20:30:00 -05:00"]


def test_details_erased_with_their_customer_are_said_so_in_the_readers_language(chat) -> None:
    import io

    from openpyxl import load_workbook

    admin = users.add_user(Actor.system(), 7103, "admin", "陈静", locale="zh-CN").as_actor()
    privacy.erase_customer(admin, customer(admin, "王小明").id)
    [log] = chat.send(7103, "/audit")
    [document] = [r for r in chat.press(7103, log.button("📤")) if r.method == "sendDocument"]
    [(_, content, _)] = document.params["_files"].values()
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    [created] = [row for row in rows if row[4] == "customer.create"]
    assert created[8] == "详情已随客户一并清除"


def test_the_audit_export_speaks_the_readers_language(chat) -> None:
    import io

    from openpyxl import load_workbook

    users.add_user(Actor.system(), 7103, "admin", "陈静", locale="zh-CN")
    [log] = chat.send(7103, "/audit")
    [document] = [r for r in chat.press(7103, log.button("📤")) if r.method == "sendDocument"]
    [(_, content, _)] = document.params["_files"].values()
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "审计日志"
    assert [cell.value for cell in sheet[1]] == ["时间", "操作人", "渠道", "操作", "操作代码",
                                                 "对象", "编号", "客户", "变更内容"]


def test_status_shows_when_a_job_is_due_not_its_grace(chat, staff) -> None:
    from crm import scheduling

    # the weekly report due Monday 2026-11-30 08:00 Shanghai (00:00 UTC), 6 hours' grace
    scheduling.expect_job("weekly_report", dt.datetime(2026, 11, 30, 6, 0))
    text = only_text(chat.send(ADMIN, "/status"))
    assert "job weekly report (weekly_report): not run yet (due 2026-11-30 08:00)" in text
    assert "14:00" not in text
    users.set_preferences(staff["admin"], locale="zh-CN")
    assert "尚未运行（预定于 2026-11-30 08:00 运行）" in only_text(chat.send(ADMIN, "/status"))


def test_status_shows_job_times_in_the_readers_time_zone(chat, staff) -> None:
    from crm import scheduling

    scheduling.job_finished("backup", dt.datetime(2026, 11, 26, 18, 30), ok=True)  # UTC
    scheduling.expect_job("reminders", dt.datetime(2099, 1, 1, 1, 0))
    text = only_text(chat.send(ADMIN, "/status"))  # the installation's Asia/Shanghai
    assert "job scheduled backup (backup): last ran 2026-11-27 02:30" in text
    # 2 minutes' grace
    assert "job reminder delivery (reminders): not run yet (due 2099-01-01 08:58)" in text
    assert "UTC" not in text
    users.add_user(Actor.system(), 7103, "admin", "Far Admin", timezone="America/New_York")
    assert "last ran 2026-11-26 13:30" in only_text(chat.send(7103, "/status"))


def joined_notes(chat: ChatHarness) -> dict[int, str]:
    """Deliver the queued notifications as the bot's job does: text per recipient."""
    chat.stub.calls.clear()
    chat.loop.run_until_complete(deliver_notifications(chat.app))
    return {int(c.params["chat_id"]): c.params["text"] for c in chat.stub.sent("sendMessage")}


def test_the_admin_who_made_an_invite_is_told_who_joined_with_it(chat, staff) -> None:
    users.add_user(Actor.system(), 6005, "admin", "Other admin")
    team = users.create_team(Actor.system(), "<North>")
    users.set_preferences(staff["admin"], locale="zh-CN")
    invite = invites.create_invite(staff["admin"], "agent", team_id=team.id)
    text = f"/start {invite.code}"
    message = chat._message(6100, None, text=text, entities=[
        {"type": "bot_command", "offset": 0, "length": len("/start")}])
    message["from"]["first_name"] = "<Li>"
    chat.deliver({"message": message})
    notes = joined_notes(chat)
    assert set(notes) == {ADMIN}  # the inviter, not every admin
    assert "<b>&lt;Li&gt;</b>" in notes[ADMIN] and "业务员" in notes[ADMIN]
    assert "&lt;North&gt;" in notes[ADMIN]


def test_when_the_inviter_is_no_longer_admin_every_admin_is_told(chat, staff) -> None:
    users.add_user(Actor.system(), 6005, "admin", "Other admin")
    invite = invites.create_invite(staff["admin"], "viewer")
    users.deactivate_user(Actor.system(), ADMIN)
    users.add_user(Actor.system(), 6006, "admin", "Third admin", locale="en")
    chat.send(6100, f"/start {invite.code}")
    notes = joined_notes(chat)
    assert set(notes) == {6005, 6006}
    assert "as viewer, team: no team" in notes[6006]
    assert "角色：只读用户，团队：无团队" in notes[6005]


def test_a_key_rotation_lists_every_old_key_it_removed_or_kept(chat, staff, tmp_path) -> None:
    from crm import runtime
    from crm.config import load_config
    from crm.key_rotation import rotate_keys
    from storage.keys import new_keyring, write_keyring

    key_file = tmp_path / "crm.key"
    write_keyring(key_file, new_keyring())
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY_FILE": str(key_file)},
                                  look_in_cwd=False))
    first = rotate_keys(staff["admin"]).retired_kept  # the original key, kept
    second = rotate_keys(staff["admin"]).retired_kept  # and the first new one
    dropped = rotate_keys(staff["admin"], drop_old=True).retired_dropped
    assert len(dropped) == 3
    [page] = chat.send(ADMIN, "/audit")
    assert f"Old keys removed: — → {', '.join(dropped)}" in page.text
    assert f"Old keys kept: — → {', '.join(second)}" in page.text
    assert f"Old keys kept: — → {first[0]}" in page.text
    assert f"{dropped[0]} → {dropped[1]}" not in page.text
