"""Automation rules (new lead, quiet deal, birthday), the daily agenda, and the scheduler's
record of its jobs with the admins told once per problem."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from crm import customers, reminders, sales, scheduling, users
from crm.failures import Failure, from_stored
from crm.reminders.agenda import claim_agendas, get_agenda, release_agenda
from crm.reminders.rules import RuleSettings, apply_reminder_rules
from crm.sales.outbox import pending_for
from storage.database import database, fetch_all, sql
from tests.crm.cast import SYSTEM, customer, make_cast

# Monday 7 December 2026, 01:00 UTC = 09:00 in Shanghai
NOW = dt.datetime(2026, 12, 7, 1, 0)
RULES = RuleSettings(new_lead_days=3, stale_deal_days=14, birthdays=True,
                     timezone="Asia/Shanghai")


@pytest.fixture
def cast(db: peewee.Database):
    sales.ensure_default_pipeline(now=NOW)
    return make_cast()


def days(n: float) -> dt.timedelta:
    return dt.timedelta(days=n)


def rule_reminders() -> list[tuple]:
    return fetch_all("select source, staff_id, customer_id, deal_id from reminder"
                     " order by source, customer_id")


def test_a_lead_nobody_contacted_reminds_its_owner_once(cast) -> None:
    old = customer(cast.agent, "老线索", status="lead", now=NOW - days(4))
    customer(cast.agent, "新线索", status="lead", now=NOW - days(1))
    contacted = customer(cast.agent, "联系过", status="lead", now=NOW - days(5))
    customers.log_interaction(cast.agent, contacted.id, "call", "聊过", now=NOW - days(4))
    customer(cast.agent, "老客户", status="customer", now=NOW - days(30))
    assert apply_reminder_rules(RULES, NOW)["new_lead"] == 1
    assert rule_reminders() == [("new_lead", cast.agent.user_id, old.id, None)]
    assert apply_reminder_rules(RULES, NOW + days(1))["new_lead"] == 0  # never twice
    [delivery] = reminders.claim_due_reminders(10, NOW)
    assert delivery.reminder.customer_name == "老线索"


def test_a_quiet_deal_alerts_its_owner_and_again_after_new_quiet(cast) -> None:
    buyer = customer(cast.agent)
    quiet = sales.create_deal(cast.agent, buyer.id, "沉默的商机", now=NOW - days(20))
    sales.create_deal(cast.agent, buyer.id, "活跃的商机", now=NOW - days(2))
    won = sales.create_deal(cast.agent, buyer.id, "已赢单", now=NOW - days(40))
    won_stage = next(s for s in sales.get_pipeline(SYSTEM).stages if s.kind == "won")
    sales.move_deal_to_stage(cast.agent, won.id, won_stage.id, now=NOW - days(30))
    assert apply_reminder_rules(RULES, NOW)["stale_deal"] == 1
    assert [r[3] for r in rule_reminders() if r[0] == "stale_deal"] == [quiet.id]
    assert apply_reminder_rules(RULES, NOW)["stale_deal"] == 0
    # Touched again, then quiet again for 14 days: a new alert.
    sales.update_deal(cast.agent, quiet.id, "notes", "又联系了", now=NOW + days(1))
    apply_reminder_rules(RULES, NOW + days(16))
    alerts = [r[3] for r in rule_reminders() if r[0] == "stale_deal"]
    assert alerts.count(quiet.id) == 2 and won.id not in alerts


def test_a_birthday_reminds_the_owner_that_morning_in_their_zone(cast) -> None:
    today = customer(cast.agent, "寿星", birthday="1990-12-07")
    customer(cast.agent, "下个月", birthday="1985-01-20")
    users.set_preferences(cast.teammate, timezone="America/New_York")
    customer(cast.teammate, "纽约寿星", birthday="1988-12-07")  # 6 Dec 20:00 there: tomorrow
    assert apply_reminder_rules(RULES, NOW)["birthday"] == 2
    rows = fetch_all("select customer_id, due_at, timezone from reminder order by id")
    due = {r[0]: (r[1] if isinstance(r[1], dt.datetime) else dt.datetime.fromisoformat(r[1]))
           for r in rows}
    assert due[today.id] == NOW  # 09:00 in Shanghai has come
    new_york = next(r for r in rows if r[2] == "America/New_York")
    assert due[new_york[0]] == dt.datetime(2026, 12, 7, 14, 0)  # 09:00 in New York
    assert apply_reminder_rules(RULES, NOW + days(0.5))["birthday"] == 0


def test_rules_can_be_turned_off(cast) -> None:
    customer(cast.agent, "老线索", status="lead", now=NOW - days(10), birthday="1990-12-07")
    off = RuleSettings(0, 0, False, "Asia/Shanghai")
    assert apply_reminder_rules(off, NOW) == {"new_lead": 0, "stale_deal": 0, "birthday": 0}


def test_the_agenda_holds_today_overdue_closing_deals_and_birthdays(cast) -> None:
    buyer = customer(cast.agent, "张伟", birthday="1990-12-10")  # Thursday this week
    customer(cast.agent, "下周生日", birthday="1990-12-15")
    reminders.create_reminder(cast.agent, NOW + dt.timedelta(hours=5), "下午拜访", now=NOW)
    reminders.create_reminder(cast.agent, NOW + days(2), "后天的事", now=NOW)
    old = reminders.create_reminder(cast.agent, NOW - days(3), "上周的跟进", now=NOW - days(4))
    reminders.claim_due_reminders(10, NOW - days(3))
    reminders.mark_reminder_sent(old.id, NOW - days(3))  # delivered, never marked done
    sales.create_deal(cast.agent, buyer.id, "本周成交", amount="8000",
                      expected_close="2026-12-11", now=NOW)
    sales.create_deal(cast.agent, buyer.id, "下周成交", expected_close="2026-12-15", now=NOW)
    agenda = get_agenda(cast.agent, NOW)
    assert agenda.day == dt.date(2026, 12, 7)
    assert [r.text for r in agenda.reminders] == ["下午拜访"]
    assert [r.text for r in agenda.overdue] == ["上周的跟进"]
    assert [d.title for d in agenda.closing_deals] == ["本周成交"]
    assert [(b.name, b.date) for b in agenda.birthdays] == [("张伟", dt.date(2026, 12, 10))]
    assert get_agenda(cast.teammate, NOW).empty


def test_the_agenda_holds_my_open_tickets_late_first_and_deals_past_their_date(cast) -> None:
    from crm.service import tickets

    buyer = customer(cast.agent, "张伟")
    early = tickets.open_ticket(cast.agent, buyer.id, "发票抬头错了", now=NOW - days(10))
    recent = tickets.open_ticket(cast.agent, buyer.id, "想改送货地址", now=NOW - dt.timedelta(
        minutes=5))
    tickets.open_ticket(cast.teammate, customer(cast.teammate, "别人").id, "别人的工单", now=NOW)
    sales.create_deal(cast.agent, buyer.id, "上月就该成交", expected_close="2026-11-20",
                      now=NOW - days(30))
    sales.create_deal(cast.agent, buyer.id, "本周成交", expected_close="2026-12-11", now=NOW)
    agenda = get_agenda(cast.agent, NOW)
    assert [(k.id, k.breaching) for k in agenda.tickets] == [(early.id, True),
                                                             (recent.id, False)]
    assert [d.title for d in agenda.late_deals] == ["上月就该成交"]
    assert [d.title for d in agenda.closing_deals] == ["本周成交"] and not agenda.empty


def test_each_staff_member_gets_one_agenda_at_their_hour(cast) -> None:
    users.set_preferences(cast.teammate, timezone="Europe/Berlin")  # 02:00 there
    early = NOW - dt.timedelta(hours=2)  # 07:00 in Shanghai
    assert claim_agendas(early, 8, "Asia/Shanghai") == []
    claimed = claim_agendas(NOW, 8, "Asia/Shanghai")
    ids = {r.actor.user_id for r in claimed}
    assert cast.agent.user_id in ids and cast.teammate.user_id not in ids
    assert claim_agendas(NOW + dt.timedelta(minutes=5), 8, "Asia/Shanghai") == []  # once a day
    mine = next(r for r in claimed if r.actor.user_id == cast.agent.user_id)
    release_agenda(mine)  # could not be sent: tried again next time
    assert [r.actor.user_id for r in claim_agendas(NOW, 8, "Asia/Shanghai")] == \
        [cast.agent.user_id]
    berlin_morning = dt.datetime(2026, 12, 7, 7, 30)  # 08:30 in Berlin
    assert cast.teammate.user_id in {r.actor.user_id
                                     for r in claim_agendas(berlin_morning, 8, "Asia/Shanghai")}


def test_a_failed_job_tells_the_admins_once_until_it_recovers(cast) -> None:
    full = Failure("failure.no_space", {"path": "/srv/backups"})
    scheduling.job_started("backup", NOW)
    assert scheduling.job_finished("backup", NOW, ok=False, failure=full)
    assert not scheduling.job_finished("backup", NOW + days(1), ok=False, failure=full)
    [(code, params, _)] = pending_for(cast.admin.user_id)
    assert code == "job.failed" and params == {"job": "backup", "error": full.as_param()}
    assert pending_for(cast.manager.user_id) == []
    scheduling.job_finished("backup", NOW + days(2), ok=True, outcome="fine")
    assert scheduling.job_finished("backup", NOW + days(3), ok=False,
                                   failure=Failure("failure.database_busy"))
    [job] = scheduling.list_job_health(cast.admin)
    assert (job.runs, job.failures) == (1, 3)
    assert from_stored(job.last_error) == Failure("failure.database_busy")


def test_a_job_that_does_not_run_in_time_is_reported_once(cast) -> None:
    scheduling.expect_job("agenda", NOW + dt.timedelta(minutes=35))
    assert scheduling.check_overdue_jobs(NOW + dt.timedelta(minutes=30)) == []
    assert scheduling.check_overdue_jobs(NOW + dt.timedelta(minutes=40)) == ["agenda"]
    assert scheduling.check_overdue_jobs(NOW + dt.timedelta(minutes=50)) == []
    [(code, params, _)] = pending_for(cast.admin.user_id)
    # due at NOW + 5 minutes (its 30 minutes' grace ends at NOW + 35), told at NOW + 40
    assert (code, params) == ("job.missed", {"job": "agenda", "due": {"utc": "2026-12-07 01:05"},
                                             "late_minutes": 35})
    assert scheduling.get_job("agenda").overdue(NOW + dt.timedelta(minutes=40))
    # It runs again: the problem is over, and a later one is reported afresh.
    scheduling.job_started("agenda", NOW + dt.timedelta(hours=1))
    scheduling.job_finished("agenda", NOW + dt.timedelta(hours=1), ok=True,
                            expected_by=NOW + dt.timedelta(hours=2))
    assert scheduling.check_overdue_jobs(NOW + dt.timedelta(hours=3)) == ["agenda"]


def test_only_admins_see_job_health(cast) -> None:
    from crm.errors import PermissionDenied

    for someone in (cast.agent, cast.manager, cast.viewer):
        with pytest.raises(PermissionDenied):
            scheduling.list_job_health(someone)
    database.execute_sql(sql("delete from job_run"))
