"""Every report kind on the fixed data set of tests/crm/report_book.py; each expected figure
was worked out by hand from the list there (the comments show the sums).

Funnel cohort Jan–Mar 2026 (D8 was created in December): the furthest step each deal reached,
Lead 0 … Won 5 (Lost is not a step): D1 3, D2 1, D3 0, D4 5, D5 5, D6 1, D7 3.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import peewee
import pytest

from crm import audit, customers, reports, sales, users
from crm.errors import PermissionDenied, ValidationError
from crm.reports import segments
from crm.reports.base import Label
from crm.reports.timebase import Period, TimeBase
from crm.service import tickets
from storage.database import fetch_all
from tests.crm.cast import SYSTEM, customer
from tests.crm.report_book import FORMULA_SOURCE, NOW, Book, build_book

D = Decimal
Q1 = {"since": "2026-01-01", "until": "2026-03-31"}


@pytest.fixture
def book(db: peewee.Database) -> Book:
    return build_book()


def run(actor, kind: str, **period) -> reports.Report:
    return reports.run_report(actor, kind, locale="en", now=NOW, **(period or Q1))


def summary(report: reports.Report) -> dict:
    return {key: value for key, value, _ in report.figures.summary}


def rows(report: reports.Report, table: str) -> list[tuple]:
    return list(report.table(table).rows)


def test_the_funnel_counts_the_deals_that_reached_each_stage_and_how_many_went_on(book):
    report = run(book.admin, "funnel")
    # reached: ≥0 7, ≥1 6, ≥2 4, ≥3 4, ≥4 2, ≥5 2; next = reached[i+1] / reached[i]
    assert rows(report, "funnel") == [
        ("Lead", 7, D("85.7"), D("100.0")), ("Contacted", 6, D("66.7"), D("85.7")),
        ("Qualified", 4, D("100.0"), D("57.1")), ("Proposal", 4, D("50.0"), D("57.1")),
        ("Negotiation", 2, D("100.0"), D("28.6")), ("Won", 2, None, D("28.6"))]
    # won D4 (20 days) and D5 (5 days), lost D6: 2 of 3 closed, (20 + 5) / 2 days
    assert summary(report) == {"deals_created": 7, "deals_won": 2, "deals_lost": 1,
                               "win_rate": D("66.7"), "days_to_win": D("12.5")}


def test_a_manager_gets_the_funnel_of_their_team(book):
    report = run(book.manager, "funnel")  # D5 belongs to the other team: D1-D4, D6, D7
    assert [(r[0], r[1]) for r in rows(report, "funnel")] == [
        ("Lead", 6), ("Contacted", 5), ("Qualified", 3), ("Proposal", 3), ("Negotiation", 1),
        ("Won", 1)]
    assert summary(report)["win_rate"] == D("50.0")
    assert summary(report)["days_to_win"] == D("20.0")
    assert report.reach == "team"


def test_the_pipeline_sums_open_deals_and_the_periods_closes_by_stage_owner_and_currency(book):
    report = run(book.admin, "pipeline")
    # open: D3 Lead 5,000 (10%), D2 Contacted 20,000 (20%), D1 Proposal 10,000 (60%),
    # D7 Proposal USD 1,000; won in Q1: D8 2,000, D4 8,000, D5 30,000; lost: D6 4,000
    assert rows(report, "pipeline_stages") == [
        ("Lead", "CNY", 1, D("5000.00"), D("500.00")),
        ("Contacted", "CNY", 1, D("20000.00"), D("4000.00")),
        ("Qualified", "CNY", 0, D("0"), D("0")),
        ("Proposal", "CNY", 1, D("10000.00"), D("6000.00")),
        ("Proposal", "USD", 1, D("1000.00"), D("600.00")),
        ("Negotiation", "CNY", 0, D("0"), D("0")),
        ("Won", "CNY", 3, D("40000.00"), D("40000.00")),
        ("Lost", "CNY", 1, D("4000.00"), D("0"))]
    # 5,000 × 10% + 20,000 × 20% + 10,000 × 60% = 10,500; counts take every currency (D7 too),
    # amounts only the chart currency
    assert summary(report) == {"open_deals": 4, "open_amount": D("35000.00"),
                               "weighted_amount": D("10500.00"), "deals_won": 3,
                               "won_amount": D("40000.00"), "deals_lost": 1,
                               "lost_amount": D("4000.00")}
    # The chart is the open pipeline: CNY open per owner 李娜 20,000 + 10,000 = 30,000,
    # 张伟 5,000; Emily Chen has nothing open (her D5 was won) and is not drawn.
    matrix = report.table("pipeline_matrix")
    assert [c.title for c in matrix.columns[1:]] == ["李娜", "张伟"]
    assert matrix.rows == (("Lead", D(0), D("5000.00")), ("Contacted", D("20000.00"), D(0)),
                           ("Qualified", D(0), D(0)), ("Proposal", D("10000.00"), D(0)),
                           ("Negotiation", D(0), D(0)))
    assert ("张伟", "Proposal", "USD", 1, D("1000.00")) in rows(report, "pipeline_owners")


def test_the_forecast_weighs_open_deals_by_close_month_beside_what_was_won(book):
    report = run(book.admin, "forecast", since="2026-01-01", until="2026-04-30")
    # D8 was won 2026-01-31 20:00 UTC, already 1 February in Shanghai: February, not January
    assert rows(report, "forecast_months") == [
        (dt.date(2026, 1, 1), "CNY", 0, D(0), D(0), 0, D(0)),
        (dt.date(2026, 2, 1), "CNY", 1, D("5000.00"), D("500.00"), 2, D("10000.00")),
        (dt.date(2026, 3, 1), "CNY", 1, D("10000.00"), D("6000.00"), 1, D("30000.00")),
        (dt.date(2026, 4, 1), "CNY", 1, D("20000.00"), D("4000.00"), 0, D(0)),
        (dt.date(2026, 3, 1), "USD", 1, D("1000.00"), D("600.00"), 0, D(0))]
    assert summary(report) == {"open_amount": D("35000.00"), "forecast_amount": D("35000.00"),
                               "weighted_amount": D("10500.00"), "before_deals": 0,
                               "before_amount": D(0), "won_amount": D("40000.00"),
                               "deals_won": 3}
    assert report.headline.params == (("currency", "CNY"),)


def test_summary_counts_carry_no_currency_and_amounts_do(book):
    for kind in ("funnel", "pipeline", "forecast"):
        for key, value, unit in run(book.admin, kind).figures.summary:
            if isinstance(value, int):
                assert unit == "", (kind, key)
            elif key.endswith("amount"):
                assert unit == "CNY", (kind, key)


def test_the_forecast_shows_open_deals_expected_before_and_after_its_months(book):
    report = run(book.admin, "forecast", since="2026-03-01", until="2026-03-31")
    # D3 (Lead, 5,000, close 02-25) is overdue, D2 (Contacted, 20,000, close 04-10) later;
    # March: D1 10,000 × 60% open, D5 30,000 won; D7 USD 1,000 × 60%
    assert rows(report, "forecast_months") == [
        (Label("before_period", (("date", "2026-03-01"),)), "CNY", 1, D("5000.00"),
         D("500.00"), 0, D(0)),
        (dt.date(2026, 3, 1), "CNY", 1, D("10000.00"), D("6000.00"), 1, D("30000.00")),
        (Label("after_period", (("date", "2026-03-31"),)), "CNY", 1, D("20000.00"),
         D("4000.00"), 0, D(0)),
        (dt.date(2026, 3, 1), "USD", 1, D("1000.00"), D("600.00"), 0, D(0))]
    # the rows add up to the whole open pipeline: 5,000 + 10,000 + 20,000
    assert summary(report) == {"open_amount": D("35000.00"), "forecast_amount": D("10000.00"),
                               "weighted_amount": D("6000.00"), "before_deals": 1,
                               "before_amount": D("5000.00"), "won_amount": D("30000.00"),
                               "deals_won": 1}


def test_agents_get_no_forecast_and_viewers_no_reports(book):
    with pytest.raises(PermissionDenied):
        run(book.agent, "forecast")
    with pytest.raises(PermissionDenied):
        run(book.viewer, "funnel")
    with pytest.raises(PermissionDenied):
        reports.report_kinds(book.viewer)
    assert reports.report_kinds(book.agent) == [k for k in reports.KINDS if k != "forecast"]
    assert reports.report_kinds(book.manager) == list(reports.KINDS)


def test_activity_counts_each_kind_of_interaction_per_person_and_local_week(book):
    report = run(book.admin, "activity", since="2026-03-02", until="2026-03-15")
    # columns: calls, visits, meetings, messages, e-mails, notes, total
    # 李娜: email Mar 1 20:00 UTC (= Mar 2 local) and call Mar 2 → week of Mar 2;
    # visit Mar 8 17:00 UTC (= Mar 9 local), note, call → week of Mar 9; Feb 27 is outside
    assert rows(report, "activity_staff") == [
        ("Emily Chen", 0, 1, 0, 0, 0, 0, 1), ("李娜", 2, 1, 0, 0, 1, 1, 5),
        ("王经理", 0, 0, 0, 0, 0, 0, 0), ("张伟", 2, 0, 1, 0, 0, 0, 3)]
    weeks = rows(report, "activity_weeks")
    assert ("李娜", dt.date(2026, 3, 2), 1, 0, 0, 0, 1, 0, 2) in weeks
    assert ("李娜", dt.date(2026, 3, 9), 1, 1, 0, 0, 0, 1, 3) in weeks
    assert rows(report, "activity_trend") == [(dt.date(2026, 3, 2), 3, 0, 0, 0, 1, 0, 4),
                                              (dt.date(2026, 3, 9), 1, 2, 1, 0, 0, 1, 5)]
    assert summary(report) == {"calls": 4, "visits": 2, "meetings": 1, "messages": 0,
                               "emails": 1, "notes": 1, "active_staff": 3}


def test_messages_and_emails_are_columns_of_their_own_in_the_headline_chart(book):
    for minute in (1, 2, 3):
        when = dt.datetime(2026, 3, 10, 3, minute)
        customers.log_interaction(book.teammate, book.customers["b1"], "message", "微信沟通",
                                  occurred_at=when, now=when)
    report = run(book.admin, "activity", since="2026-03-02", until="2026-03-15")
    table = report.table("activity_staff")
    headers = [column.key for column in table.columns]
    assert headers == ["staff", "calls", "visits", "meetings", "messages", "emails", "notes",
                       "total"]
    assert ("张伟", 2, 0, 1, 3, 0, 0, 6) in table.rows
    drawn = [headers[i] for i in report.headline.series]
    assert drawn == ["calls", "visits", "meetings", "messages", "emails", "notes"]


def test_a_manager_sees_their_team_including_who_did_nothing(book):
    report = run(book.manager, "activity", since="2026-03-02", until="2026-03-15")
    # by pinyin: Li Na, Wang (经理), Zhang Wei
    assert [r[0] for r in rows(report, "activity_staff")] == ["李娜", "王经理", "张伟"]


def test_names_sort_by_pinyin_mixed_with_latin_names(book):
    chen = users.add_user(SYSTEM, 9100, "agent", "陈静").as_actor()
    deal_day = dt.datetime(2026, 3, 3, 3)
    sales.create_deal(chen, customer(chen, "陈静的客户", now=deal_day).id, "D10",
                      amount="3000.00", now=deal_day)
    pipeline = run(book.admin, "pipeline")
    owners = list(dict.fromkeys(r[0] for r in rows(pipeline, "pipeline_owners")))
    # chen jing, Emily Chen, li na, zhang wei (not by code point: E, 张, 李, 陈)
    assert owners == ["陈静", "Emily Chen", "李娜", "张伟"]
    activity = run(book.admin, "activity", since="2026-03-02", until="2026-03-15")
    assert [r[0] for r in rows(activity, "activity_staff")] == [
        "陈静", "Emily Chen", "李娜", "王经理", "张伟"]


def test_an_agent_reports_only_their_own_work(book):
    activity = run(book.agent, "activity", since="2026-03-02", until="2026-03-15")
    assert rows(activity, "activity_staff") == [("李娜", 2, 1, 0, 0, 1, 1, 5)]
    customers = run(book.agent, "new_customers")
    assert summary(customers)["new_customers"] == 3  # a1, a2, a3
    assert customers.reach == "own"


def test_new_customers_are_counted_by_local_month_and_source(book):
    report = run(book.admin, "new_customers")
    # a2 was created 2026-01-31 17:00 UTC: 1 February in Shanghai; d1 is deleted; c2 is older
    assert rows(report, "customers_months") == [
        (dt.date(2026, 1, 1), "referral", 1),
        (dt.date(2026, 2, 1), "referral", 1), (dt.date(2026, 2, 1), "website", 1),
        (dt.date(2026, 2, 1), Label("no_source"), 1),
        (dt.date(2026, 3, 1), FORMULA_SOURCE, 1), (dt.date(2026, 3, 1), "website", 1)]
    assert rows(report, "customers_sources") == [
        ("referral", 2, D("33.3")), ("website", 2, D("33.3")), (FORMULA_SOURCE, 1, D("16.7")),
        (Label("no_source"), 1, D("16.7"))]
    assert rows(report, "customers_chart") == [
        (dt.date(2026, 1, 1), 1, 0, 0, 0), (dt.date(2026, 2, 1), 1, 1, 0, 1),
        (dt.date(2026, 3, 1), 0, 1, 1, 0)]
    assert summary(report) == {"new_customers": 6, "sources": 4}


def test_buyers_fall_into_rfm_segments(book):
    report = run(book.admin, "segments", since="2025-04-01", until="2026-03-31")
    # CNY spend: a2 500, a3 600, b1 1,000, a1 3,000, c1 50,000 → M 1..5; b2 alone in USD → M 1.
    # days to 31 March and orders: c1 21/10 → R5 F5 champion; a1 11/3 → R5 F3 loyal;
    # a2 6/1 → R5 F1 new; b2 75/1 → R4 F1 new; b1 211/5 → R2 F4 at risk;
    # a3 120/2 → R3 F2 needs attention. Unpaid, cancelled and older orders do not count.
    one_in_six = D("16.7")
    assert rows(report, "segments") == [
        (Label("segment.champions"), "CNY", 1, one_in_six, D("21.0"), D("10.0"),
         D("50000.00"), D("50000.00")),
        (Label("segment.loyal"), "CNY", 1, one_in_six, D("11.0"), D("3.0"), D("3000.00"),
         D("3000.00")),
        (Label("segment.new"), "CNY", 1, one_in_six, D("6.0"), D("1.0"), D("500.00"),
         D("500.00")),
        (Label("segment.new"), "USD", 1, one_in_six, D("75.0"), D("1.0"), D("1000.00"),
         D("1000.00")),
        (Label("segment.at_risk"), "CNY", 1, one_in_six, D("211.0"), D("5.0"), D("1000.00"),
         D("1000.00")),
        (Label("segment.need_attention"), "CNY", 1, one_in_six, D("120.0"), D("2.0"),
         D("600.00"), D("600.00"))]
    assert rows(report, "segments_grid") == [(5, 1, 0, 1, 0, 1), (4, 1, 0, 0, 0, 0),
                                             (3, 0, 1, 0, 0, 0), (2, 0, 0, 0, 1, 0),
                                             (1, 0, 0, 0, 0, 0)]
    assert [r[1] for r in rows(report, "segments_chart")] == [1, 1, 2, 0, 1, 0, 1]
    assert summary(report) == {"buyers": 6, "champions": 1, "at_risk": 1, "hibernating": 0}


def test_tickets_are_counted_per_local_week_with_their_service_levels(book):
    report = run(book.admin, "tickets", since="2026-03-02", until="2026-03-15")
    # opened: urgent Mar 2, high Mar 3 | normal Mar 8 17:00 UTC (= Mar 9), low, normal Mar 12;
    # resolved: Mar 2, Mar 3 (opened in February), Mar 5 | Mar 13; d1's ticket never counts
    assert rows(report, "tickets_weeks") == [(dt.date(2026, 3, 2), 2, 3, 1, 1, 0, 0),
                                             (dt.date(2026, 3, 9), 3, 1, 0, 0, 2, 1)]
    # urgent answered in 0.5 h (1 h allowed), resolved in 6 h (8); high 6 h (4), 48 h (24);
    # normal 3 h and 1 h (8), one resolved in 24 h (72) and one not by its due time; low
    # neither answered nor resolved: its answer was late by the period's end (Mar 15), its
    # resolution not yet (due Mar 17), however long after the report is made
    assert rows(report, "tickets_sla") == [
        (Label("priority.urgent"), 1, 1, 0, D("100.0"), D("0.5"), 1, 0, D("100.0"), D("6.0")),
        (Label("priority.high"), 1, 0, 1, D("0.0"), D("6.0"), 0, 1, D("0.0"), D("48.0")),
        (Label("priority.normal"), 2, 2, 0, D("100.0"), D("2.0"), 1, 1, D("50.0"),
         D("24.0")),
        (Label("priority.low"), 1, 0, 1, D("0.0"), None, 0, 0, None, None)]
    # answers in time 3 of 5, resolutions 2 of 4
    assert summary(report) == {"tickets_opened": 5, "tickets_resolved": 4,
                               "first_response_met": D("60.0"), "resolution_met": D("50.0")}
    team = run(book.manager, "tickets", since="2026-03-02", until="2026-03-15")
    assert summary(team)["tickets_opened"] == 4  # the low one is the other team's
    assert rows(team, "tickets_sla")[3] == (Label("priority.low"), 0, 0, 0, None, None, 0, 0,
                                            None, None)


def test_time_waiting_for_the_customer_is_left_out_of_the_resolution_hours(book):
    opened = dt.datetime(2026, 3, 17, 2)  # a week without the book's tickets
    ticket = tickets.open_ticket(book.agent, book.customers["a1"], "发票问题",
                                 priority="normal", now=opened)
    # The answer asks the customer for something: the ticket waits for them.
    tickets.reply_to_ticket(book.agent, ticket.id, "请提供发票号",
                            now=opened + dt.timedelta(hours=1))
    # The customer answers 40 hours later; the team resolves it 2 hours after that.
    tickets.set_ticket_status(book.agent, ticket.id, "open", now=opened + dt.timedelta(hours=41))
    tickets.set_ticket_status(book.agent, ticket.id, "resolved",
                              now=opened + dt.timedelta(hours=43))
    report = run(book.admin, "tickets", since="2026-03-16", until="2026-03-22")
    # 43 h in all, 40 of them the customer's: 3 h of the team's time, within the 72 allowed
    assert rows(report, "tickets_sla")[2] == (
        Label("priority.normal"), 1, 1, 0, D("100.0"), D("1.0"), 1, 0, D("100.0"), D("3.0"))


def test_the_rfm_scores_follow_their_thresholds() -> None:
    assert [segments.recency_score(d) for d in (0, 30, 31, 90, 91, 180, 181, 365, 366)] == [
        5, 5, 4, 4, 3, 3, 2, 2, 1]
    assert [segments.frequency_score(n) for n in (1, 2, 3, 4, 5, 9, 10, 40)] == [
        1, 2, 3, 3, 4, 4, 5, 5]
    assert segments.monetary_scores([D(10), D(10), D(20), D(30), D(40)]) == [1, 1, 3, 4, 5]
    assert segments.segment_of(4, 4, 3) == "loyal"
    assert segments.segment_of(4, 2, 5) == "promising"
    assert segments.segment_of(1, 1, 5) == "hibernating"


def test_every_run_is_audited_and_a_refused_one_records_nothing(book):
    run(book.manager, "pipeline")
    with pytest.raises(ValidationError) as reversed_period:
        run(book.manager, "pipeline", since="2026-03-01", until="2026-02-01")
    assert reversed_period.value.code == "report.period_order"
    with pytest.raises(ValidationError) as unknown:
        run(book.manager, "weather")
    assert unknown.value.code == "report.unknown"
    with pytest.raises(ValidationError) as too_long:
        run(book.manager, "pipeline", since="2020-01-01", until="2026-01-01")
    assert too_long.value.code == "report.period_too_long"
    entries = [e for e in audit.list_audit(book.admin, limit=100).items
               if e.action == "report.run"]
    assert len(entries) == 1
    assert entries[0].actor_id == book.manager.user_id
    assert entries[0].changes == {"kind": [None, "pipeline"], "from": [None, "2026-01-01"],
                                  "to": [None, "2026-03-31"], "reach": [None, "team"]}


def test_the_default_periods_end_today_in_local_time(book):
    # NOW is 1 April 10:00 in Shanghai: twelve months, twelve weeks, and -5 / +6 months
    assert run(book.admin, "funnel", since=None).period == Period(dt.date(2025, 5, 1),
                                                                 dt.date(2026, 4, 2))
    assert run(book.admin, "activity", since=None).period == Period(dt.date(2026, 1, 12),
                                                                   dt.date(2026, 4, 2))
    assert run(book.admin, "forecast", since=None).period == Period(dt.date(2025, 11, 1),
                                                                   dt.date(2026, 11, 1))


def test_the_weekly_reports_periods_end_with_the_last_finished_day(book):
    monday_morning = dt.datetime(2026, 11, 30, 0, 0)  # Monday 30 November, 08:00 in Shanghai
    weekly = reports.run_report(book.admin, "activity", locale="en", now=monday_morning,
                                through_yesterday=True)
    # twelve whole weeks, the last one Monday 23 to Sunday 29 November
    assert weekly.period == Period(dt.date(2026, 9, 7), dt.date(2026, 11, 30))
    assert [row[0] for row in rows(weekly, "activity_trend")][-2:] == [
        dt.date(2026, 11, 16), dt.date(2026, 11, 23)]
    first_of_month = dt.datetime(2026, 11, 30, 16, 0)  # Tuesday 1 December, 00:00 local
    monthly = reports.run_report(book.admin, "pipeline", locale="en", now=first_of_month,
                                 through_yesterday=True)
    assert monthly.period == Period(dt.date(2025, 12, 1), dt.date(2026, 12, 1))
    # asked for on the spot, a report still runs up to now
    asked = reports.run_report(book.admin, "activity", locale="en", now=monday_morning)
    assert asked.period == Period(dt.date(2026, 9, 14), dt.date(2026, 12, 1))


def test_local_days_follow_daylight_saving(db: peewee.Database) -> None:
    berlin = TimeBase("Europe/Berlin")  # UTC+1, UTC+2 from 29 March 2026 01:00 UTC
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 5, 1))
    day_sql = berlin.local_day_sql("t.at", period)
    db.execute_sql("create temporary table moments (at timestamp)")

    def local_day(utc: str) -> str:
        db.execute_sql("delete from moments")
        db.execute_sql(f"insert into moments (at) values ({db.param})",
                       (dt.datetime.fromisoformat(utc),))
        return str(fetch_all(f"select {day_sql} from moments t")[0][0])

    assert local_day("2026-03-28 22:59:00") == "2026-03-28"  # 23:59 at UTC+1
    assert local_day("2026-03-28 23:00:00") == "2026-03-29"
    assert local_day("2026-04-10 21:59:00") == "2026-04-10"  # 23:59 at UTC+2
    assert local_day("2026-04-10 22:00:00") == "2026-04-11"
