"""Reminders through the real Application: set in one line or step by step (both languages),
delivered once with Done / Snooze / Open, late after downtime, retried after a network failure,
given up for a blocked user, repeated, and driven by the real APScheduler."""

from __future__ import annotations

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import peewee
import pytest

from bot import reminder_jobs, scheduler
from bot.reminder_text import moment_text, reminder_message
from bot.render import local_time
from crm import customers, reminders, sales, users
from crm.actors import Actor
from crm.clock import utcnow
from crm.reminders.service import add_reminder
from crm.scheduling import get_job
from storage.database import database, fetch_all, fetch_one, sql
from tests.bot.harness import ChatHarness

AGENT, ADMIN = 8201, 8202
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def staff(db: peewee.Database):
    agent = users.add_user(Actor.system(), AGENT, "agent", "李娜", locale="zh-CN")
    users.add_user(Actor.system(), ADMIN, "admin", "Boss", locale="en")
    return agent.as_actor()


def shown(replies) -> object:
    """The one message the bot sent or edited in answer (the button's answer aside)."""
    [message] = [r for r in replies if r.method in ("sendMessage", "editMessageText")]
    return message


def deliver(chat) -> str:
    return chat.loop.run_until_complete(reminder_jobs.deliver_reminders(chat.app, utcnow()))


def due_reminder(actor: Actor, minutes_ago: float = 0, **fields) -> int:
    """A reminder whose time has come (written directly: the service refuses past times)."""
    moment = utcnow() - dt.timedelta(minutes=minutes_ago)
    return add_reminder(actor.user_id, moment, fields.pop("text", "给张伟打电话"),
                        "Asia/Shanghai", moment, **fields)


def status_of(reminder_id: int) -> str:
    return fetch_one("select status from reminder where id = ?", (reminder_id,))[0]


def tomorrow_at(hour: int) -> dt.datetime:
    local = dt.datetime.now(SHANGHAI) + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_one_line_reminder_is_repeated_back_then_saved_once(chat, staff) -> None:
    [confirm] = chat.send(AGENT, "/remind 明天下午3点 给张伟打电话", language="zh")
    expected = moment_text("zh-CN", tomorrow_at(15).astimezone(dt.UTC).replace(tzinfo=None),
                           "Asia/Shanghai")
    assert f"在 {expected} 提醒您" in confirm.text and "给张伟打电话" in confirm.text
    assert fetch_one("select count(*) from reminder")[0] == 0  # not before confirming
    save = confirm.button("保存")
    replies = chat.press(AGENT, save)
    assert "已保存" in chat.texts(replies)[0]
    again = chat.press(AGENT, save)  # a second press of the same button saves nothing
    assert chat.alerts(again) and fetch_one("select count(*) from reminder")[0] == 1
    [(due_at,)] = fetch_all("select due_at from reminder")
    assert str(due_at).startswith(f"{tomorrow_at(15).astimezone(dt.UTC):%Y-%m-%d %H:%M}")


def test_next_week_in_english_is_next_monday_as_in_chinese(chat, staff) -> None:
    today = dt.datetime.now(SHANGHAI).date()
    monday = today + dt.timedelta(days=7 - today.weekday())
    friday = monday + dt.timedelta(days=4)
    [english] = chat.send(ADMIN, "/remind next week call back")
    [chinese] = chat.send(AGENT, "/remind 下周 回访")
    assert f"Mon {monday:%Y-%m-%d} 09:00" in english.text
    assert f"周一 {monday:%Y-%m-%d} 09:00" in chinese.text
    chat.send(ADMIN, "/cancel")
    [english] = chat.send(ADMIN, "/remind next Friday send the quote")
    assert f"Fri {friday:%Y-%m-%d} 09:00" in english.text


def test_next_month_and_the_end_of_the_month_in_english_read_as_in_chinese(chat,
                                                                          staff) -> None:
    today = dt.datetime.now(SHANGHAI).date()
    first = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    [english] = chat.send(ADMIN, "/remind next month review the price list")
    [chinese] = chat.send(AGENT, "/remind 下个月 检查价目表")
    assert f"{first:%Y-%m-%d} 09:00" in english.text and f"{first:%Y-%m-%d} 09:00" in chinese.text
    chat.send(ADMIN, "/cancel")
    [english] = chat.send(ADMIN, "/remind end of next month 3pm send the invoices")
    assert f"{last:%Y-%m-%d} 15:00" in english.text and "send the invoices" in english.text
    assert "could not find" not in english.text


def test_a_time_the_bot_cannot_read_is_explained_and_nothing_is_saved(chat, staff) -> None:
    [reply] = chat.send(AGENT, "/remind 改天 给张伟打电话", language="zh")
    assert "没能从" in reply.text and "明天下午3点" in reply.text
    [reply] = chat.send(ADMIN, "/remind someday call back", language="en")
    assert "could not find a time" in reply.text
    assert fetch_one("select count(*) from reminder")[0] == 0


def test_guided_reminder_from_the_customer_card_in_english(chat, staff) -> None:
    users.set_preferences(staff, locale="en")
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="<b>王</b>&小明"))
    ask = shown(chat.press(AGENT, f"rm:{buyer.id}"))
    assert "&lt;b&gt;王&lt;/b&gt;&amp;小明" in ask.text and ask.button("Tomorrow 9:00")
    [bad] = chat.send(AGENT, "whenever")
    assert "could not find a time" in bad.text  # the step stays: type it again
    [confirm] = chat.send(AGENT, "2030-01-15 15:00")
    assert "Tue 2030-01-15 15:00" in confirm.text and "Once" in confirm.text
    weekly = shown(chat.press(AGENT, confirm.button("Weekly")))
    assert weekly.method == "editMessageText" and "Every week" in weekly.text
    saved = shown(chat.press(AGENT, weekly.button("Save")))
    assert "Saved" in saved.text and "Every week" in saved.text
    [view] = reminders.list_reminders(staff)
    assert (view.customer_id, view.repeat, view.text) == (buyer.id, "weekly", "")
    assert "Every week" in shown(chat.send(AGENT, "/reminders")).text


def test_a_deal_reminder_shows_the_deal_as_a_deal_and_its_repetition(chat, staff) -> None:
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="王小明"))
    deal = sales.create_deal(staff, buyer.id, "5G基站采购")
    chat.press(AGENT, f"rq:{deal.id}")
    [confirm] = chat.send(AGENT, "2030-01-15 15:00")
    assert "💼 5G基站采购" in confirm.text and "👤" not in confirm.text
    weekly = shown(chat.press(AGENT, confirm.button("每周")))
    saved = shown(chat.press(AGENT, weekly.button("保存")))
    assert "已保存" in saved.text and "每周" in saved.text
    assert "每周" in shown(chat.send(AGENT, "/reminders")).text


def test_guided_reminder_asks_what_about_when_free_standing(chat, staff) -> None:
    [ask] = chat.send(AGENT, "/remind", language="zh")
    what = shown(chat.press(AGENT, ask.button("1小时后")))
    assert "要提醒您什么" in what.text
    [confirm] = chat.send(AGENT, "交周报")
    saved = shown(chat.press(AGENT, confirm.button("保存")))
    assert "交周报" in saved.text


def test_cancel_saves_nothing(chat, staff) -> None:
    [confirm] = chat.send(ADMIN, "/remind tomorrow 15:00 call back", language="en")
    cancelled = shown(chat.press(ADMIN, confirm.button("Cancel")))
    assert "no reminder was saved" in cancelled.text
    assert fetch_one("select count(*) from reminder")[0] == 0


def test_a_due_reminder_arrives_once_with_its_buttons(chat, staff) -> None:
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="张伟"))
    reminder_id = due_reminder(staff, customer_id=buyer.id)
    assert deliver(chat).startswith("1 sent")
    [message] = chat.stub.sent()
    assert message.params["chat_id"] in (AGENT, str(AGENT))
    assert "提醒" in message.params["text"] and "张伟" in message.params["text"]
    assert [label for label, _ in message.buttons()] == \
        ["✅ 完成", "💤 1小时后", "💤 明天 9:00", "👤 打开客户"]
    assert deliver(chat).startswith("0 sent")  # never twice
    done = shown(chat.press(AGENT, f"rd:{reminder_id}"))
    assert "已完成" in done.text and status_of(reminder_id) == "done"


def test_a_rules_reminder_reads_without_a_gap_after_the_chinese_colon(chat, staff) -> None:
    from crm import service

    buyer = customers.create_customer(staff, customers.CustomerDraft(name="张伟"))
    service.open_ticket(staff, buyer.id, "打印机坏了", priority="urgent",
                        now=utcnow() - dt.timedelta(days=3))
    assert service.alert_sla_breaches(utcnow()) >= 1
    deliver(chat)
    firsts = [m.params["text"].splitlines()[0] for m in chat.stub.sent()]
    assert any(text.startswith("⏰ <b>提醒</b>：解决已超时：T-") and text.endswith("打印机坏了")
               for text in firsts), firsts
    assert not any("： " in text for text in firsts)


def test_a_reminder_due_while_the_bot_was_down_is_delivered_marked_late(chat, staff) -> None:
    due_reminder(staff, minutes_ago=90)
    deliver(chat)
    [message] = chat.stub.sent()
    assert "迟到的提醒" in message.params["text"]


def test_snooze_brings_it_back_in_an_hour(chat, staff) -> None:
    reminder_id = due_reminder(staff)
    deliver(chat)
    snoozed = shown(chat.press(AGENT, f"rs:{reminder_id}:h"))
    assert "再提醒您" in snoozed.text
    [(due_at,)] = fetch_all("select due_at from reminder")
    due = due_at if isinstance(due_at, dt.datetime) else dt.datetime.fromisoformat(due_at)
    assert dt.timedelta(minutes=59) < due - utcnow() <= dt.timedelta(hours=1)
    assert status_of(reminder_id) == "pending"


def test_an_sla_alert_is_on_the_recipients_own_clock_when_snoozed(chat, staff) -> None:
    from crm import service

    users.set_preferences(staff, timezone="Europe/Berlin")  # the installation: Asia/Shanghai
    agent = users.identify(AGENT).as_actor()
    buyer = customers.create_customer(agent, customers.CustomerDraft(name="张伟"))
    opened = utcnow() - dt.timedelta(hours=2)  # an urgent ticket is answered within the hour
    service.open_ticket(agent, buyer.id, "打印机坏了", priority="urgent", now=opened)
    assert service.alert_sla_breaches(utcnow()) == 1
    [(reminder_id, zone)] = fetch_all("select id, timezone from reminder where staff_id = ?",
                                      (agent.user_id,))
    assert zone == "Europe/Berlin"
    deliver(chat)
    snoozed = shown(chat.press(AGENT, f"rs:{reminder_id}:t"))  # 💤 tomorrow 9:00, hers
    berlin = dt.datetime.now(ZoneInfo("Europe/Berlin")) + dt.timedelta(days=1)
    assert f"{berlin:%Y-%m-%d} 09:00" in snoozed.text


def test_another_persons_reminder_buttons_do_nothing(chat, staff) -> None:
    other = users.add_user(Actor.system(), 8299, "agent", "Other").as_actor()
    theirs = due_reminder(other)
    replies = chat.press(AGENT, f"rd:{theirs}")
    assert status_of(theirs) == "pending"
    assert any("不存在" in text for text in chat.texts(replies) + chat.alerts(replies))


def test_a_network_failure_is_retried_and_then_delivered_once(chat, staff) -> None:
    reminder_id = due_reminder(staff)
    chat.stub.drop_next("sendMessage", times=4)  # beyond the request layer's own retries
    assert deliver(chat).startswith("0 sent")
    pending = fetch_one("select status, last_error, attempts from reminder")
    assert pending[0] == "pending" and pending[1] and pending[2] == 1
    database.execute_sql(sql("update reminder set next_attempt_at = ? where id = ?"),
                         (utcnow() - dt.timedelta(seconds=1), reminder_id))
    assert deliver(chat).startswith("1 sent")
    assert len(chat.stub.sent()) == 1 and status_of(reminder_id) == "sent"


def test_a_user_who_blocked_the_bot_has_the_reminder_failed_for_admins(chat, staff) -> None:
    reminder_id = due_reminder(staff)
    chat.stub.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    deliver(chat)
    assert status_of(reminder_id) == "failed"
    [status] = chat.send(ADMIN, "/status")
    assert "could not be delivered" in status.text and "李娜" in status.text
    assert "(they blocked the bot)" in status.text
    users.add_user(Actor.system(), 8204, "admin", "陈静", locale="zh-CN")
    [status] = chat.send(8204, "/status")
    assert "（对方已屏蔽机器人）" in status.text and "Forbidden" not in status.text


def test_a_daily_reminder_comes_back_tomorrow_not_now(chat, staff) -> None:
    reminder_id = due_reminder(staff, repeat="daily")
    deliver(chat)
    deliver(chat)
    assert len(chat.stub.sent()) == 1
    [(due_at, status)] = fetch_all("select due_at, status from reminder")
    due = due_at if isinstance(due_at, dt.datetime) else dt.datetime.fromisoformat(due_at)
    assert status == "pending" and dt.timedelta(hours=23) < due - utcnow() <= dt.timedelta(days=1)
    assert "⏹" in chat.stub.sent()[0].buttons()[-1][0]
    stopped = shown(chat.press(AGENT, f"rx:{reminder_id}"))
    assert "已停止" in stopped.text and status_of(reminder_id) == "cancelled"


def test_the_real_scheduler_delivers_within_the_poll_interval(db, staff) -> None:
    harness = ChatHarness(db, {"CRM_REMINDERS_POLL_SECONDS": "1"})
    try:
        harness.loop.run_until_complete(scheduler.schedule(harness.app))
        due_reminder(staff)
        harness.loop.run_until_complete(_wait_for(
            harness, lambda: harness.stub.sent() and (get_job("reminders").last_outcome or "")
            .startswith("1 sent"), 15))  # a second's poll; the rest is room for a busy machine
        assert len(harness.stub.sent()) == 1
        job = get_job("reminders")
        assert job.last_ok and job.expected_by is not None
    finally:
        harness.close()


async def _wait_for(harness, condition, seconds: float) -> None:
    import asyncio

    deadline = asyncio.get_running_loop().time() + seconds
    while not condition() and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)


def test_two_bot_processes_never_deliver_the_same_reminder_twice(db, staff) -> None:
    ids = [due_reminder(staff, text=f"#{n}") for n in range(120)]
    first, second = ChatHarness(db), ChatHarness(db)
    try:
        runs = [threading.Thread(target=deliver, args=(h,)) for h in (first, second)]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
        texts = [c.params["text"] for h in (first, second) for c in h.stub.sent()]
        assert len(texts) == len(ids) == len(set(texts))
        assert first.stub.sent() and second.stub.sent()  # both really took part
        assert {status_of(i) for i in ids} == {"sent"}
    finally:
        first.close()
        second.close()


def test_today_shows_the_agenda(chat, staff) -> None:
    moment = utcnow() + dt.timedelta(minutes=5)
    local_end = dt.datetime.now(SHANGHAI).replace(hour=23, minute=59)
    if moment.replace(tzinfo=dt.UTC) > local_end:
        moment = utcnow() + dt.timedelta(seconds=30)
    add_reminder(staff.user_id, moment, "今天要做的事", "Asia/Shanghai", utcnow())
    [agenda] = chat.send(AGENT, "/today", language="zh")
    assert "今日安排" in agenda.text and "今天要做的事" in agenda.text


def test_today_lists_my_late_tickets_and_deals_past_their_date_with_buttons(chat,
                                                                           staff) -> None:
    from crm import sales
    from crm.service import tickets

    sales.ensure_default_pipeline()
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="张伟"))
    late = tickets.open_ticket(staff, buyer.id, "发票<抬头>错了",
                               now=utcnow() - dt.timedelta(days=10))
    slipped = sales.create_deal(staff, buyer.id, "年度采购", amount="8万",
                                expected_close=(utcnow() - dt.timedelta(days=20)).date(),
                                now=utcnow() - dt.timedelta(days=30))
    [agenda] = chat.send(AGENT, "/today", language="zh")
    assert "我的未结工单</b>（1 个，1 个超时）" in agenda.text
    assert "发票&lt;抬头&gt;错了 · 张伟 · ⚠️ 已超时" in agenda.text
    assert "已过预计成交日期的商机</b>（1 个）" in agenda.text and "¥80,000.00" in agenda.text
    assert agenda.button("🎫") == f"k:{late.id}" and agenda.button("💼") == f"d:{slipped.id}"


@pytest.mark.parametrize(("locale", "late_header", "week_header", "today_header"), [
    ("zh-CN", "已过预计成交日期的商机</b>（2 个）", "本周预计成交的商机</b>（1 个）",
     "今天的提醒</b>（1 条）"),
    ("en", "Deals past their expected close</b> (2)",
     "Deals expected to close this week</b> (1)", "Today's reminders</b> (1)")])
def test_today_lists_late_deals_first_in_text_and_buttons_alike(chat, db, locale, late_header,
                                                               week_header,
                                                               today_header) -> None:
    from crm import sales

    me = users.add_user(Actor.system(), AGENT, "agent", "张伟", locale=locale).as_actor()
    sales.ensure_default_pipeline()
    buyer = customers.create_customer(me, customers.CustomerDraft(name="王小明"))
    today = dt.datetime.now(SHANGHAI).date()
    due = sales.create_deal(me, buyer.id, "本周成交", expected_close=today)
    yesterday = sales.create_deal(me, buyer.id, "昨天就该成交",
                                  expected_close=today - dt.timedelta(days=1),
                                  now=utcnow() - dt.timedelta(days=30))
    slipped = sales.create_deal(me, buyer.id, "上月就该成交",
                                expected_close=today - dt.timedelta(days=20),
                                now=utcnow() - dt.timedelta(days=30))
    reminders.create_reminder(me, utcnow() + dt.timedelta(seconds=90), "回访")
    [agenda] = chat.send(AGENT, "/today")
    text = agenda.text
    assert today_header in text and late_header in text and week_header in text
    assert text.index(late_header) < text.index(week_header)
    assert text.count("昨天就该成交") == 1  # late, not also "this week"
    shown_order = sorted(("上月就该成交", "昨天就该成交", "本周成交"), key=text.index)
    deal_buttons = [value for _, value in agenda.buttons if value.startswith("d:")]
    ids = {"上月就该成交": slipped.id, "昨天就该成交": yesterday.id, "本周成交": due.id}
    assert deal_buttons == [f"d:{ids[title]}" for title in shown_order]


def test_a_logged_call_offers_a_follow_up_that_becomes_a_reminder(chat, staff) -> None:
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="张伟"))
    chat.press(AGENT, f"lg:{buyer.id}:call")
    [saved] = chat.send(AGENT, "谈了价格，下周报价")
    follow = saved.button("3天后")
    set_ = shown(chat.press(AGENT, follow))
    again = shown(chat.press(AGENT, saved.button("一周后")))  # changes its mind: one reminder
    local = dt.datetime.now(SHANGHAI) + dt.timedelta(days=7)
    assert "提醒您跟进" in set_.text and f"{local:%Y-%m-%d} 09:00" in again.text
    [view] = reminders.list_reminders(staff)
    assert (view.source, view.text, view.customer_id) == ("follow_up", "谈了价格，下周报价",
                                                         buyer.id)


def test_a_time_named_in_the_call_note_is_offered_as_the_follow_up(chat, staff) -> None:
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="张伟"))
    chat.press(AGENT, f"lg:{buyer.id}:call")
    [saved] = chat.send(AGENT, "客户说下周三再联系，报价要打九折")
    today = dt.datetime.now(SHANGHAI).date()
    wednesday = today + dt.timedelta(days=7 - today.weekday() + 2)
    assert f"⏰ 下周三：{wednesday:%m-%d} 09:00" in [label for label, _ in saved.buttons]
    set_ = shown(chat.press(AGENT, saved.button("下周三")))
    assert f"{wednesday:%Y-%m-%d} 09:00" in set_.text
    [view] = reminders.list_reminders(staff)
    assert (view.source, view.customer_id) == ("follow_up", buyer.id)
    chat.press(AGENT, f"lg:{buyer.id}:call")
    [plain] = chat.send(AGENT, "报价1.5万，型号 HP M428")  # no time in it: no such button
    assert [label for label, _ in plain.buttons if "：" in label] == []


def test_a_day_named_in_an_english_call_note_is_offered_as_the_follow_up(chat, staff) -> None:
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="Bob Lee"))
    chat.send(AGENT, "/start", language="en")
    chat.press(AGENT, f"lg:{buyer.id}:call")
    [saved] = chat.send(AGENT, "Asked me to call back next Tuesday at 3pm", language="en")
    today = dt.datetime.now(SHANGHAI).date()
    tuesday = today + dt.timedelta(days=7 - today.weekday() + 1)
    [label] = [label for label, _ in saved.buttons if label.startswith("⏰ next Tuesday")]
    assert f"{tuesday:%m-%d} 15:00" in label
    set_ = shown(chat.press(AGENT, saved.button("next Tuesday")))
    assert f"{tuesday:%Y-%m-%d} 15:00" in set_.text
    [view] = reminders.list_reminders(staff)
    assert (view.source, view.customer_id) == ("follow_up", buyer.id)


def test_the_card_shows_open_deals_and_my_next_reminder(chat, staff) -> None:
    from crm import sales

    sales.ensure_default_pipeline()
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="张伟"))
    sales.create_deal(staff, buyer.id, "年度采购", amount="12000")
    sales.create_deal(staff, buyer.id, "备件", amount="500.50")
    reminders.create_reminder(staff, utcnow() + dt.timedelta(days=2), "送样品",
                              customer_id=buyer.id)
    card = shown(chat.press(AGENT, f"c:{buyer.id}"))
    assert "进行中的商机：2 · ¥12,500.50" in card.text
    assert "下次提醒：" in card.text and "送样品" in card.text


def test_the_morning_agenda_is_sent_once_at_the_staff_members_hour(chat, staff) -> None:
    add_reminder(staff.user_id, utcnow() + dt.timedelta(minutes=1), "晨会", "Asia/Shanghai",
                 utcnow())
    local = dt.datetime.now(SHANGHAI)
    users.set_agenda_hour(staff, local.hour)  # this very hour: due now
    run = reminder_jobs.send_agendas
    assert chat.loop.run_until_complete(run(chat.app, utcnow())) == "1 agendas sent"
    assert chat.loop.run_until_complete(run(chat.app, utcnow())) == "0 agendas sent"
    [agenda] = [c for c in chat.stub.sent() if "今日安排" in c.params["text"]]
    assert "晨会" in agenda.params["text"]


def test_a_failing_job_is_recorded_and_admins_are_told(chat, staff) -> None:
    async def broken(application, now) -> str:
        raise RuntimeError("disk full")

    spec = scheduler.JobSpec("broken", broken, lambda config: None, dt.timedelta(minutes=1))
    chat.loop.run_until_complete(scheduler.run_job(chat.app, spec, None))
    job = get_job("broken")
    assert (job.last_ok, job.failures) == (False, 1) and "disk full" in job.last_error
    from bot.jobs import deliver_notifications

    chat.loop.run_until_complete(deliver_notifications(chat.app))
    [alert] = [c for c in chat.stub.sent() if int(c.params["chat_id"]) == ADMIN]
    assert "broken" in alert.params["text"] and "disk full" in alert.params["text"]
    [status] = chat.send(ADMIN, "/status")
    assert "job broken failed" in status.text


def test_a_scheduled_run_missed_while_the_bot_was_stopped_is_reported_at_start(chat,
                                                                                staff) -> None:
    from crm.scheduling import expect_job

    expect_job("agenda", utcnow() - dt.timedelta(hours=3))  # the last process expected it
    expect_job("reminders", utcnow() - dt.timedelta(hours=3))  # a poller: not worth a word
    names = chat.loop.run_until_complete(scheduler.schedule(chat.app))
    assert set(names) == {"reminders", "notifications", "relays", "sla", "agenda", "rules",
                          "backup", "weekly_report", "watchdog"}
    from bot.jobs import deliver_notifications

    chat.loop.run_until_complete(deliver_notifications(chat.app))
    texts = [c.params["text"] for c in chat.stub.sent() if int(c.params["chat_id"]) == ADMIN]
    assert len(texts) == 1 and "<b>daily agenda (agenda)</b> did not run" in texts[0]
    assert get_job("agenda").expected_by > utcnow()  # rescheduled


def test_the_scheduled_backup_runs_as_a_job_and_is_recorded(chat, staff) -> None:
    from crm import runtime

    runtime.configure(chat.config)  # the backup folder is under this test's data folder
    spec = next(job for job in scheduler.JOBS if job.name == "backup")
    chat.loop.run_until_complete(scheduler.run_job(chat.app, spec, None))
    job = get_job("backup")
    assert job.last_ok, job.last_error
    assert list((chat.config.data_dir / "backups").glob("*"))


def test_an_empty_weekly_schedule_sends_no_weekly_report(db, staff) -> None:
    harness = ChatHarness(db, {"CRM_REPORTS_WEEKLY_SCHEDULE": ""})
    try:
        names = harness.loop.run_until_complete(scheduler.schedule(harness.app))
        assert "weekly_report" not in names and "backup" in names
    finally:
        harness.close()


def test_what_a_user_typed_is_escaped_once_wherever_a_reminder_shows(chat, staff) -> None:
    """Typed <b> and & show as typed: in the saved note, the card, the list, the delivery and
    the answers to its buttons (never as &lt; or &amp; on the phone)."""
    typed, once = "<b>报价</b> & 样品", "&lt;b&gt;报价&lt;/b&gt; &amp; 样品"
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="张伟"))
    [confirm] = chat.send(AGENT, f"/remind 明天下午3点 {typed}", language="zh")
    saved = chat.texts(chat.press(AGENT, confirm.button("保存")))[0]
    reminders.create_reminder(staff, utcnow() + dt.timedelta(hours=3), typed,
                              customer_id=buyer.id)
    card = shown(chat.press(AGENT, f"c:{buyer.id}")).text
    listed = chat.texts(chat.send(AGENT, "/reminders"))[0]
    reminder_id = due_reminder(staff, text=typed)
    deliver(chat)
    delivered = chat.stub.sent()[-1].params["text"]
    done = shown(chat.press(AGENT, f"rd:{reminder_id}")).text
    for text in (saved, card, listed, delivered, done):
        assert once in text and "&amp;lt;" not in text and "<b>报价" not in text, text


def in_days_at(days: int, hour: int) -> dt.datetime:
    """``days`` from today in Shanghai at ``hour`` o'clock, as naive UTC."""
    local = dt.datetime.now(SHANGHAI) + dt.timedelta(days=days)
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


@pytest.mark.parametrize(("words", "days", "hour", "text"), [
    ("3天后下午2点 给王总回电话", 3, 14, "给王总回电话"),
    ("3天后 下午2点 给王总回电话", 3, 14, "给王总回电话"),
    ("2天后上午10点 开会", 2, 10, "开会"),
    ("3天后 回访", 3, 9, "回访"),
])
def test_a_day_offset_takes_the_time_said_after_it_or_the_morning(chat, staff, words, days,
                                                                  hour, text) -> None:
    [confirm] = chat.send(AGENT, f"/remind {words}", language="zh")
    expected = moment_text("zh-CN", in_days_at(days, hour), "Asia/Shanghai")
    assert f"在 {expected} 提醒您" in confirm.text
    assert text in confirm.text and "点 " + text not in confirm.text
    chat.press(AGENT, confirm.button("保存"))
    [view] = reminders.list_reminders(staff)
    assert (view.due_at, view.text) == (in_days_at(days, hour), text)


def test_a_note_naming_a_day_offset_is_not_offered_twice(chat, staff) -> None:
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="王总"))
    chat.press(AGENT, f"lg:{buyer.id}:call")
    [saved] = chat.send(AGENT, "3天后给答复")
    monday = dt.datetime.now(SHANGHAI) + dt.timedelta(days=3)
    labels = [label for label, _ in saved.buttons]
    assert f"⏰ 3天后：{monday:%m-%d} 09:00" in labels and "⏰ 3天后跟进" not in labels
    assert "⏰ 明天跟进" in labels and "⏰ 一周后跟进" in labels
    chat.press(AGENT, f"lg:{buyer.id}:call")
    [timed] = chat.send(AGENT, "客户说3天后下午2点给答复")
    labels = [label for label, _ in timed.buttons]
    assert f"⏰ 3天后下午2点：{monday:%m-%d} 14:00" in labels and "⏰ 3天后跟进" in labels


@pytest.mark.parametrize(("user", "language", "skip", "moved"), [
    (AGENT, "zh", "跳过", "跟进已从 {old} 改到 {when}"),
    (ADMIN, "en", "Skip", "Follow-up moved from {old} to {when}"),
])
def test_a_second_follow_up_button_says_it_moved_the_first(chat, staff, user, language, skip,
                                                           moved) -> None:
    locale = "zh-CN" if language == "zh" else "en"
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="王总"))
    chat.press(user, f"lg:{buyer.id}:visit")
    chat.send(user, skip, language=language)
    [saved] = chat.send(user, "明天下午3点去送样品", language=language)
    named = saved.button("明天下午3点")  # fu:<entry>:n
    set_ = shown(chat.press(user, named))
    afternoon, morning = in_days_at(1, 15), in_days_at(1, 9)
    assert moment_text(locale, afternoon, "Asia/Shanghai") in set_.text
    again = shown(chat.press(user, named.removesuffix("n") + "1"))  # ⏰ tomorrow
    assert moved.format(old=moment_text(locale, afternoon, "Asia/Shanghai"),
                        when=moment_text(locale, morning, "Asia/Shanghai")) in again.text
    [view] = fetch_all("select due_at from reminder where source = 'follow_up'")
    assert str(view[0]).startswith(f"{morning:%Y-%m-%d %H:%M}")


def test_a_missed_job_is_reported_on_each_admins_own_clock(chat, staff) -> None:
    from bot.jobs import deliver_notifications
    from crm.scheduling import check_overdue_jobs, expect_job

    users.add_user(Actor.system(), 8203, "admin", "纽约管理员", locale="zh-CN",
                   timezone="America/New_York")
    # due at 18:00 UTC, expected by the end of its 30 minutes' grace; checked at 19:00
    expect_job("agenda", dt.datetime(2026, 11, 26, 18, 30))
    assert check_overdue_jobs(dt.datetime(2026, 11, 26, 19, 0)) == ["agenda"]
    chat.loop.run_until_complete(deliver_notifications(chat.app))
    texts = {int(c.params["chat_id"]): c.params["text"] for c in chat.stub.sent()}
    # the installation's Asia/Shanghai
    assert "it was due at 2026-11-27 02:00 and is 1 h 0 min late" in texts[ADMIN]
    assert "定时任务 <b>每日安排（agenda）</b> 没有按时运行" in texts[8203]
    assert "原定 2026-11-26 13:00 运行，现已晚了 1 小时 0 分钟" in texts[8203]
    assert not any("UTC" in text or ":30" in text for text in texts.values())


def test_a_missed_job_alert_queued_before_an_upgrade_says_when_it_was_due(chat,
                                                                          staff) -> None:
    """An alert queued by the previous version carried the end of the grace as "due"."""
    from bot.jobs import deliver_notifications
    from crm.sales.outbox import notify

    admin_id = users.identify(ADMIN).id
    # the backup's 2 hours' grace ended 10 minutes ago
    deadline = (utcnow() - dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    notify(admin_id, "job.missed", {"job": "backup", "due": {
        "utc": deadline.isoformat(sep=" ", timespec="minutes")}}, utcnow())
    chat.loop.run_until_complete(deliver_notifications(chat.app))
    [text] = [c.params["text"] for c in chat.stub.sent()]
    due = local_time(deadline - dt.timedelta(hours=2), "Asia/Shanghai")
    assert f"it was due at {due:%Y-%m-%d %H:%M} and is 2 h 1" in text
    assert re.search(r"is 2 h 1[01] min late", text), text


def test_tomorrow_evening_is_set_for_the_evening_not_the_morning(chat, staff) -> None:
    confirm = shown(chat.send(ADMIN, "/remind tomorrow evening call Zhang", language="en"))
    expected = moment_text("en", in_days_at(1, 18), "Asia/Shanghai")
    assert f"Remind you {expected}" in confirm.text and "call Zhang" in confirm.text


def test_a_month_end_is_understood_for_a_reminder(chat, staff) -> None:
    confirm = shown(chat.send(AGENT, "/remind 下个月底 催款", language="zh"))
    today = dt.datetime.now(SHANGHAI).date()
    following = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=1)
    last = following - dt.timedelta(days=1)
    expected = moment_text("zh-CN", dt.datetime.combine(last, dt.time(1)), "Asia/Shanghai")
    assert f"在 {expected} 提醒您" in confirm.text and "催款" in confirm.text


@pytest.mark.parametrize(("user", "language", "words", "repeat_label", "save"), [
    (AGENT, "zh", "/remind 每周一上午9点 周会", "✓ 每周", "保存"),
    (ADMIN, "en", "/remind every monday 9am team call", "✓ Weekly", "Save"),
])
def test_a_repeat_said_in_words_is_chosen_before_saving(chat, staff, user, language, words,
                                                        repeat_label, save) -> None:
    confirm = shown(chat.send(user, words, language=language))
    assert confirm.button(repeat_label)  # already chosen, as said
    chat.press(user, confirm.button(save))
    [(due_at, repeat)] = fetch_all("select due_at, repeat from reminder")
    local = dt.datetime.fromisoformat(str(due_at)).replace(tzinfo=dt.UTC).astimezone(SHANGHAI)
    assert (repeat, local.weekday(), local.hour) == ("weekly", 0, 9)


def test_snoozing_after_a_move_confirms_on_the_users_new_clock(chat, staff) -> None:
    reminder_id = due_reminder(staff)  # set while she was in Shanghai
    deliver(chat)
    users.set_preferences(staff, timezone="Europe/Berlin")  # then /settings → Berlin
    snoozed = shown(chat.press(AGENT, f"rs:{reminder_id}:t"))  # 💤 tomorrow 9:00
    berlin = (dt.datetime.now(ZoneInfo("Europe/Berlin")) + dt.timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0)
    due = berlin.astimezone(dt.UTC).replace(tzinfo=None)
    assert moment_text("zh-CN", due, "Europe/Berlin") in snoozed.text
    assert moment_text("zh-CN", due, "Asia/Shanghai") not in snoozed.text
    [view] = reminders.list_reminders(users.identify(AGENT).as_actor())
    assert view.due_at == due


def test_a_follow_up_moved_after_a_move_says_both_times_on_the_new_clock(chat, staff) -> None:
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="王总"))
    chat.press(AGENT, f"lg:{buyer.id}:call")
    [saved] = chat.send(AGENT, "谈了价格", language="zh")
    tomorrow = saved.button("明天跟进")  # fu:<entry>:1, set on Shanghai's clock
    first = shown(chat.press(AGENT, tomorrow))
    assert moment_text("zh-CN", in_days_at(1, 9), "Asia/Shanghai") in first.text
    users.set_preferences(staff, timezone="Europe/Berlin")
    moved = shown(chat.press(AGENT, tomorrow.removesuffix("1") + "3"))
    berlin = (dt.datetime.now(ZoneInfo("Europe/Berlin")) + dt.timedelta(days=3)).replace(
        hour=9, minute=0, second=0, microsecond=0)
    when = berlin.astimezone(dt.UTC).replace(tzinfo=None)
    assert (f"跟进已从 {moment_text('zh-CN', in_days_at(1, 9), 'Europe/Berlin')} 改到"
            f" {moment_text('zh-CN', when, 'Europe/Berlin')}") in moved.text


@pytest.mark.parametrize(("language", "button", "set_for", "follows", "call"), [
    ("zh-CN", "3天后", "设置了跟进：{due}", "↳ 跟进 {at} 的电话记录", "电话"),
    ("en", "In 3 days", "Follow-up set for {due}", "↳ follows up: Call, {at}", "Call")])
def test_a_follow_up_on_the_timeline_says_when_it_is_due_and_points_to_its_call(
        chat, staff, language, button, set_for, follows, call) -> None:
    users.set_preferences(staff, locale=language, timezone="Europe/Berlin")
    buyer = customers.create_customer(staff, customers.CustomerDraft(name="张伟"))
    chat.press(AGENT, f"lg:{buyer.id}:call")
    summary = "谈了价格，下周报价，对方要求先寄样品再谈付款方式"
    [saved] = chat.send(AGENT, summary)
    chat.press(AGENT, saved.button(button))
    [timeline] = [r for r in chat.press(AGENT, f"tl:{buyer.id}:0") if r.text]
    [view] = reminders.list_reminders(staff)
    [logged] = [e for e in customers.get_timeline(staff, buyer.id).items
                if e.kind == "interaction"]
    due = moment_text(language, view.due_at, "Europe/Berlin")  # on the reader's clock
    at = local_time(logged.at, "Europe/Berlin").strftime("%Y-%m-%d %H:%M")
    [set_line] = [line for line in timeline.text.splitlines() if set_for.format(due=due) in line]
    assert set_line.startswith("⏰ ")  # the reminder's icon, as other entries have theirs
    assert follows.format(at=at) in timeline.text and f" {call} · 李娜" in timeline.text
    assert timeline.text.count(summary) == 1  # the call says it; its follow-up does not repeat it
    # The reminder itself, when it comes, still says what was logged.
    assert summary in reminder_message(language, view, "Europe/Berlin")
