"""/report and the weekly report through the real Application, Telegram stubbed: the files
the bot sends are opened again (openpyxl, the PNG header) and checked against the figures
worked out by hand in tests/crm/test_reports.py for the data set of tests/crm/report_book.py.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import struct

import pytest
from openpyxl import load_workbook

from bot import scheduler
from bot.i18n import t
from bot.jobs import deliver_notifications
from bot.report_jobs import send_weekly_reports
from crm import customers, reports, users
from crm.clock import utcnow
from tests.crm.cast import SYSTEM
from tests.crm.report_book import FORMULA_SOURCE, build_book

AGENT, MANAGER, ADMIN, VIEWER = 9001, 9004, 9005, 9006
Q1 = "/report 2026-01-01 2026-03-31"
WORDING = {  # the user's language → what the files say
    "en": {"summary": "Summary", "funnel": "Funnel", "created": "Deals created",
           "file": "Sales funnel-2026-01-01 to 2026-03-31.xlsx",
           "sources": "New customers by source", "kind": "Sales funnel",
           "no_source": "(no source)",
           "stages": ["Lead", "Contacted", "Qualified", "Proposal", "Negotiation", "Won"]},
    "zh-CN": {"summary": "摘要", "funnel": "漏斗", "created": "新建商机",
              "file": "销售漏斗-2026-01-01至2026-03-31.xlsx",
              "sources": "按来源的新客户", "kind": "销售漏斗", "no_source": "（无来源）",
              "stages": ["线索", "已联系", "需求确认", "报价", "谈判", "赢单"]},
}


TABLES = {  # every kind's data sheets: one each in the weekly workbook
    "funnel": ["funnel"], "pipeline": ["pipeline_stages", "pipeline_owners", "pipeline_matrix"],
    "forecast": ["forecast_months", "forecast_chart"],
    "activity": ["activity_staff", "activity_weeks", "activity_trend"],
    "new_customers": ["customers_sources", "customers_months", "customers_chart"],
    "segments": ["segments", "segments_grid", "segments_chart"],
    "tickets": ["tickets_weeks", "tickets_sla"],
}


@pytest.fixture
def book(db):
    return build_book()


def sent_files(replies, method: str) -> list[tuple[str, bytes]]:
    return [(name, content) for r in replies if r.method == method
            for name, content, _ in r.params["_files"].values()]


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", content[16:24])


def period_file(language: str, kind: str) -> str:
    """The name of a report file over Q1 2026 in ``language``."""
    named = t(language, f"reports.kind.{kind}", html_escape=False)
    return f"{named}-2026-01-01{'至' if language == 'zh-CN' else ' to '}2026-03-31.xlsx"


def sheet_rows(book, title: str) -> list[tuple]:
    return [tuple(row) for row in book[title].iter_rows(values_only=True)]


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_report_sends_the_workbook_and_the_headline_chart(book, chat, language) -> None:
    words = WORDING[language]
    [menu] = chat.send(ADMIN, Q1, language=language)
    assert menu.buttons[0][0] == words["kind"]
    replies = chat.press(ADMIN, menu.button(words["kind"]))
    assert [r.method for r in replies][:2] == ["answerCallbackQuery", "sendMessage"]
    assert replies[1].text.startswith(f"⏳ {words['kind']}")
    assert any(r.method == "editMessageText" and r.text == f"✅ {words['kind']}"
               for r in replies)
    [(name, content)] = sent_files(replies, "sendDocument")
    assert name == words["file"]  # in the reader's language, as exports are named
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == [words["summary"], words["funnel"]]
    # reached / went on to the next / of all created, as worked out in tests/crm/test_reports.py
    figures = [(7, 85.7, 100), (6, 66.7, 85.7), (4, 100, 57.1), (4, 50, 57.1), (2, 100, 28.6),
               (2, None, 28.6)]
    assert sheet_rows(workbook, words["funnel"])[1:] == [
        (stage, *numbers) for stage, numbers in zip(words["stages"], figures, strict=True)]
    summary = sheet_rows(workbook, words["summary"])
    assert (words["created"], 7, None) in summary
    [chart] = workbook[words["summary"]]._charts
    assert chart.series[0].val.numRef.f.startswith(f"'{words['funnel']}'!$B$2")
    [(picture_name, picture)] = sent_files(replies, "sendPhoto")
    assert picture_name.endswith(".png")
    width, height = png_size(picture)
    assert (width, height) == (1100, 616) and 10_000 < len(picture) < 1_000_000


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_new_customers_workbook_neutralises_a_formula_typed_as_source(book, chat,
                                                                     language) -> None:
    words = WORDING[language]
    [menu] = chat.send(MANAGER, Q1, language=language)
    replies = chat.press(MANAGER, menu.button(words["sources"][:4]))
    [(_, content)] = sent_files(replies, "sendDocument")
    workbook = load_workbook(io.BytesIO(content))
    rows = sheet_rows(workbook, words["sources"])
    # the manager's team: a1, a2 (Feb in Shanghai), a3 (no source), b1, b2 (the formula)
    assert rows[1:] == [("referral", 2, 40), (f"'{FORMULA_SOURCE}", 1, 20),
                        ("website", 1, 20), (words["no_source"], 1, 20)]
    assert all(sheet._charts for sheet in workbook.worksheets[:1])
    assert sent_files(replies, "sendPhoto")


@pytest.mark.parametrize(("language", "said"), [("en", "No data in this period"),
                                                  ("zh-CN", "本期间没有数据")])
def test_a_new_installations_report_says_it_has_no_data(db, chat, language, said) -> None:
    users.add_user(SYSTEM, MANAGER, "manager", "王经理")
    replies = chat.send(MANAGER, "/report activity", language=language)
    [(_, content)] = sent_files(replies, "sendDocument")
    summary = load_workbook(io.BytesIO(content)).worksheets[0]
    lines = [row[0] for row in summary.iter_rows(values_only=True)]
    assert said in lines  # nobody has logged anything yet: no chart, and it says why
    assert sent_files(replies, "sendPhoto")


def test_the_menu_offers_what_the_role_allows(book, chat) -> None:
    [agent_menu] = chat.send(AGENT, "/report")
    assert "rp:forecast::" not in [value for _, value in agent_menu.buttons]
    assert len(agent_menu.buttons) == len(reports.KINDS) - 1
    [manager_menu] = chat.send(MANAGER, "/report")
    assert "rp:forecast::" in [value for _, value in manager_menu.buttons]
    [viewer] = chat.send(VIEWER, "/report")
    assert viewer.text == "Only agents, managers and admins can run reports." and not viewer.buttons
    forged = chat.press(AGENT, "rp:forecast::")
    assert chat.alerts(forged) and not sent_files(forged, "sendDocument")
    unknown = chat.press(MANAGER, "rp:weather::")
    assert chat.alerts(unknown) and not sent_files(unknown, "sendDocument")


def test_a_report_named_in_the_command_runs_at_once(book, chat) -> None:
    replies = chat.send(ADMIN, Q1.replace("/report", "/report funnel"))
    [(name, _)] = sent_files(replies, "sendDocument")
    assert name == WORDING["en"]["file"] and sent_files(replies, "sendPhoto")
    [reply] = chat.send(ADMIN, "/report weather")
    assert "weather" in reply.text and "Sales funnel" in reply.text
    assert [value for _, value in reply.buttons] == [f"rp:{kind}::" for kind in reports.KINDS]
    forged = chat.send(AGENT, "/report forecast")  # an agent may not run the forecast
    assert not sent_files(forged, "sendDocument") and forged[0].text


@pytest.mark.parametrize(("language", "named", "kind"), [
    ("zh-CN", "销售漏斗", "funnel"), ("zh-CN", "漏斗", "funnel"), ("zh-CN", "工单", "tickets"),
    ("en", "funnel", "funnel"), ("en", "Forecast", "forecast"),
    ("zh-CN", "Pipeline", "pipeline"), ("en", "漏斗", "funnel")])  # the other language too
def test_a_report_named_in_the_users_own_words_runs_at_once(book, chat, language, named,
                                                            kind) -> None:
    replies = chat.send(ADMIN, f"/report {named} 2026-01-01 2026-03-31", language=language)
    [(name, _)] = sent_files(replies, "sendDocument")
    assert name == period_file(language, kind)


@pytest.mark.parametrize(("language", "typed", "expected", "offered"), [
    ("zh-CN", "天气", "没有叫“天气”的报表。可以选：销售漏斗、按阶段和负责人的商机、",
     list(reports.KINDS)),
    ("zh-CN", "客户", "“客户”可能是这几份报表：按来源的新客户、客户分群（RFM）。",
     ["new_customers", "segments"]),
    ("en", "customer", "“customer” could be any of these reports: New customers by source, "
     "Customer segments (RFM).", ["new_customers", "segments"])])
def test_a_report_name_that_is_unknown_or_ambiguous_lists_the_names_in_the_users_words(
        book, chat, language, typed, expected, offered) -> None:
    [reply] = chat.send(MANAGER, f"/report {typed} 2026-01-01 2026-03-31", language=language)
    assert reply.text.startswith(expected), reply.text
    assert "funnel" not in reply.text and "new_customers" not in reply.text
    assert [value for _, value in reply.buttons] == [f"rp:{kind}:20260101:20260331"
                                                     for kind in offered]
    replies = chat.press(MANAGER, reply.buttons[-1][1])
    [(name, _)] = sent_files(replies, "sendDocument")
    assert name == period_file(language, offered[-1])


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "From: 2026-13-01 is not a date"), ("zh-CN", "开始日期")])
def test_a_bad_period_is_explained_and_nothing_runs(book, chat, language, expected) -> None:
    [reply] = chat.send(MANAGER, "/report 2026-13-01", language=language)
    assert expected in reply.text and not reply.buttons
    [reply] = chat.send(MANAGER, "/report 2026-03-01 2026-02-01", language=language)
    assert "2026-03-01" in reply.text and not reply.buttons


def test_the_weekly_report_goes_once_to_each_manager_and_admin(book, chat) -> None:
    # A call yesterday, whatever the date (the weekly report covers the days that have ended,
    # so yesterday is its last day): only the admin's reach covers C's call.
    yesterday = utcnow() - dt.timedelta(days=1)
    customers.log_interaction(book.other_agent, book.customers["c1"], "call", "weekly",
                              occurred_at=yesterday, now=yesterday)
    users.set_preferences(book.manager, locale="zh-CN")
    users.set_preferences(book.admin, locale="en")
    line = chat.loop.run_until_complete(send_weekly_reports(chat.app))
    assert line.endswith("2 sent, 0 already sent, 0 blocked the bot, 0 failed")
    documents = chat.stub.sent("sendDocument")
    assert sorted(int(c.params["chat_id"]) for c in documents) == [MANAGER, ADMIN]
    files = {int(c.params["chat_id"]): load_workbook(io.BytesIO(
        next(iter(c.params["_files"].values()))[1])) for c in documents}
    manager, admin = files[MANAGER], files[ADMIN]
    assert manager.sheetnames[0] == "摘要" and admin.sheetnames[0] == "Summary"
    names = {int(c.params["chat_id"]): next(iter(c.params["_files"].values()))[0]
             for c in documents}
    assert names[MANAGER].startswith("每周报表-") and names[ADMIN].startswith("Weekly report-")
    assert names[MANAGER].endswith(".xlsx") and names[ADMIN].endswith(".xlsx")
    tables = sum(len(kind_tables) for kind_tables in TABLES.values())
    assert len(manager.sheetnames) == 1 + tables
    assert len(manager["摘要"]._charts) == len(reports.KINDS)
    assert [r[0] for r in sheet_rows(admin, "Activity by person")[1:] if r[1]] == [
        "Emily Chen"]
    assert "Emily Chen" not in [r[0] for r in sheet_rows(manager, "按人员的活动")]
    again = chat.loop.run_until_complete(send_weekly_reports(chat.app))
    assert again.endswith("0 sent, 2 already sent, 0 blocked the bot, 0 failed")
    assert len(chat.stub.sent("sendDocument")) == 2


def test_the_weekly_report_on_monday_morning_ends_with_the_week_that_ended_on_sunday(
        book, chat, monkeypatch) -> None:
    monday_morning = dt.datetime(2026, 11, 30, 0, 0)  # Monday 30 November, 08:00 in Shanghai
    for kind, local in (("call", dt.datetime(2026, 11, 29, 22)),  # Sunday night
                        ("visit", dt.datetime(2026, 11, 30, 7))):  # Monday, before the job
        when = local - dt.timedelta(hours=8)
        customers.log_interaction(book.other_agent, book.customers["c1"], kind, kind,
                                  occurred_at=when, now=when)
    users.set_preferences(book.admin, locale="en")
    users.deactivate_user(SYSTEM, MANAGER)
    monkeypatch.setattr(scheduler, "utcnow", lambda: monday_morning)  # the job runs then
    spec = next(job for job in scheduler.JOBS if job.name == "weekly_report")
    chat.loop.run_until_complete(scheduler.run_job(chat.app, spec, None))
    [document] = chat.stub.sent("sendDocument")
    workbook = load_workbook(io.BytesIO(next(iter(document.params["_files"].values()))[1]))
    trend = sheet_rows(workbook, "Activity trend")
    assert trend[0][:3] == ("Week from", "Calls", "Visits")
    # the last week is the whole one that ended on Sunday, with Sunday's call; Monday's
    # visit waits for next week's report instead of making a week of a few hours
    assert [(row[0].date(), row[1], row[2]) for row in trend[-2:]] == [
        (dt.date(2026, 11, 16), 0, 0), (dt.date(2026, 11, 23), 1, 0)]
    assert "Period: 2026-09-07 – 2026-11-29" in [row[0] for row in sheet_rows(
        workbook, "Summary")]
    assert document.params["caption"] == "📊 Your weekly report · 2026-11-30"


def test_a_failed_weekly_send_is_tried_again_on_the_next_run(book, chat) -> None:
    users.deactivate_user(SYSTEM, MANAGER)  # the manager left: only the admin gets one
    chat.stub.fail_next("sendDocument", 500, "Internal Server Error", times=10)
    failed = chat.loop.run_until_complete(send_weekly_reports(chat.app))
    assert failed.endswith("0 sent, 0 already sent, 0 blocked the bot, 1 failed")
    chat.stub.script.clear()
    retried = chat.loop.run_until_complete(send_weekly_reports(chat.app))
    assert retried.endswith("1 sent, 0 already sent, 0 blocked the bot, 0 failed")
    assert [int(c.params["chat_id"]) for c in chat.stub.sent("sendDocument")] == [ADMIN]


def test_someone_who_blocked_the_bot_is_not_tried_again_that_week(book, chat) -> None:
    users.deactivate_user(SYSTEM, MANAGER)
    chat.stub.fail_next("sendDocument", 403, "Forbidden: bot was blocked by the user")
    blocked = chat.loop.run_until_complete(send_weekly_reports(chat.app))
    assert blocked.endswith("0 sent, 0 already sent, 1 blocked the bot, 0 failed")
    again = chat.loop.run_until_complete(send_weekly_reports(chat.app))
    assert again.endswith("0 sent, 1 already sent, 0 blocked the bot, 0 failed")
    assert not chat.stub.sent("sendDocument")


def axis_title(axis) -> str | None:
    return None if axis.title is None else "".join(
        run.t for paragraph in axis.title.tx.rich.p for run in paragraph.r or ())


@pytest.mark.parametrize(("language", "named", "axes"), [
    ("zh-CN", "商机", ("阶段", "金额（CNY）")), ("en", "pipeline", ("Stage", "Amount (CNY)")),
    ("zh-CN", "员工活动", ("员工", "跟进次数"))])
def test_chart_axes_say_what_they_count_in_the_readers_language(book, chat, language, named,
                                                               axes) -> None:
    replies = chat.send(ADMIN, f"/report {named} 2026-01-01 2026-03-31", language=language)
    [(_, content)] = sent_files(replies, "sendDocument")
    workbook = load_workbook(io.BytesIO(content))
    [chart] = workbook.worksheets[0]._charts
    assert (axis_title(chart.x_axis), axis_title(chart.y_axis)) == axes


def test_the_chinese_activity_workbook_has_a_column_for_each_kind_of_interaction(book,
                                                                                 chat) -> None:
    replies = chat.send(ADMIN, "/report 员工活动 2026-03-02 2026-03-15", language="zh-CN")
    [(_, content)] = sent_files(replies, "sendDocument")
    rows = sheet_rows(load_workbook(io.BytesIO(content)), "按人员的活动")
    assert rows[0] == ("员工", "电话", "拜访", "会议", "消息", "邮件", "备注", "合计")
    assert rows[1:] == [("Emily Chen", 0, 1, 0, 0, 0, 0, 1), ("李娜", 2, 1, 0, 0, 1, 1, 5),
                        ("王经理", 0, 0, 0, 0, 0, 0, 0), ("张伟", 2, 0, 1, 0, 0, 0, 3)]


def alerts_by_chat(chat) -> dict[int, list[str]]:
    """The messages the notification job sends, per chat."""
    chat.loop.run_until_complete(deliver_notifications(chat.app))
    told: dict[int, list[str]] = {}
    for call in chat.stub.sent("sendMessage"):
        told.setdefault(int(call.params["chat_id"]), []).append(call.params["text"])
    return told


def test_a_weekly_report_that_cannot_be_made_is_explained_to_its_manager_and_the_admins(
        book, chat, monkeypatch) -> None:
    users.set_preferences(book.manager, locale="zh-CN")
    users.set_preferences(book.admin, locale="en")
    build = reports.build_all_files

    def disk_full_for_the_manager(actor, **options):
        if actor.user_id == book.manager.user_id:
            raise OSError(errno.ENOSPC, "No space left on device", "/var/tmp/report.xlsx")
        return build(actor, **options)

    monkeypatch.setattr(reports, "build_all_files", disk_full_for_the_manager)
    line = chat.loop.run_until_complete(send_weekly_reports(chat.app))
    assert line.endswith("1 sent, 0 already sent, 0 blocked the bot, 1 failed")
    told = alerts_by_chat(chat)
    [manager] = told[MANAGER]  # one each, in their own language, saying which and why
    assert "您的每周报表" in manager
    assert "磁盘已满（写入 /var/tmp/report.xlsx 时空间不足）" in manager
    [admin] = told[ADMIN]
    assert "Weekly report not delivered" in admin and "to 1 person:" in admin
    assert "• 王经理: the disk is full (no space left while writing /var/tmp/report.xlsx)" in admin
    assert "{" not in manager + admin


def test_weekly_reports_telegram_refused_are_told_once_per_run(book, chat) -> None:
    users.set_preferences(book.admin, locale="en")
    chat.stub.fail_next("sendDocument", 400, "Bad Request: file is too big", times=2)
    line = chat.loop.run_until_complete(send_weekly_reports(chat.app))
    assert line.endswith("0 sent, 0 already sent, 0 blocked the bot, 2 failed")
    told = alerts_by_chat(chat)
    assert sorted(told) == [MANAGER, ADMIN] and len(told[ADMIN]) == len(told[MANAGER]) == 1
    [admin] = told[ADMIN]
    assert "to 2 people:" in admin and "• 王经理: Telegram did not accept it" in admin
    assert "• Admin: Telegram did not accept it: BadRequest: File is too big" in admin
    retried = chat.loop.run_until_complete(send_weekly_reports(chat.app))
    assert retried.endswith("2 sent, 0 already sent, 0 blocked the bot, 0 failed")
    assert alerts_by_chat(chat) == told  # a run without failures tells nobody anything
