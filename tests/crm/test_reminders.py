"""Reminders: saving, owning, delivering once, retrying, snoozing, repeating, follow-ups."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from crm import customers, reminders, sales
from crm.errors import NotFound, ValidationError
from crm.reminders.delivery import CLAIM_LEASE, MAX_ATTEMPTS
from storage.database import fetch_one
from tests.crm.cast import customer, make_cast

# 02:00 UTC is 10:00 in Shanghai, the installation's default zone.
NOW = dt.datetime(2026, 11, 26, 2, 0)


@pytest.fixture
def cast(db: peewee.Database):
    sales.ensure_default_pipeline(now=NOW)
    return make_cast()


def at(hours: float) -> dt.datetime:
    return NOW + dt.timedelta(hours=hours)


def test_words_are_understood_in_the_actors_zone_before_saving(cast) -> None:
    draft = reminders.understand_reminder(cast.agent, "明天下午3点 给张伟打电话", now=NOW)
    assert draft.due_at == dt.datetime(2026, 11, 27, 7, 0)  # 15:00 in Shanghai
    assert draft.text == "给张伟打电话" and draft.timezone == "Asia/Shanghai"
    assert fetch_one("select count(*) from reminder")[0] == 0  # nothing saved yet


def test_a_reminder_needs_a_text_unless_it_is_about_something(cast) -> None:
    with pytest.raises(ValidationError) as caught:
        reminders.understand_reminder(cast.agent, "明天下午3点", now=NOW)
    assert caught.value.code == "reminder.text_required"
    buyer = customer(cast.agent)
    saved = reminders.create_reminder(cast.agent, at(5), "", customer_id=buyer.id, now=NOW)
    assert saved.customer_name == buyer.name


def test_a_reminder_about_a_customer_the_actor_cannot_see_is_refused(cast) -> None:
    theirs = customer(cast.other_agent, "别人的客户")
    with pytest.raises(NotFound):
        reminders.create_reminder(cast.agent, at(5), "偷看", customer_id=theirs.id, now=NOW)
    assert fetch_one("select count(*) from reminder")[0] == 0


def test_a_reminder_about_a_deal_is_also_about_its_customer(cast) -> None:
    buyer = customer(cast.agent)
    deal = sales.create_deal(cast.agent, buyer.id, "年度采购", now=NOW)
    saved = reminders.create_reminder(cast.agent, at(5), "跟进报价", deal_id=deal.id, now=NOW)
    assert (saved.deal_title, saved.customer_id) == ("年度采购", buyer.id)
    assert reminders.next_customer_reminder(cast.agent, buyer.id).id == saved.id


def test_times_in_the_past_and_unknown_repeats_are_refused(cast) -> None:
    with pytest.raises(ValidationError) as caught:
        reminders.create_reminder(cast.agent, at(-1), "晚了", now=NOW)
    assert caught.value.code == "reminder.when_past"
    with pytest.raises(ValidationError):
        reminders.create_reminder(cast.agent, at(1), "x", repeat="hourly", now=NOW)


def test_a_reminder_is_its_owners_alone(cast) -> None:
    mine = reminders.create_reminder(cast.agent, at(1), "私事", now=NOW)
    for other in (cast.teammate, cast.manager, cast.admin):
        with pytest.raises(NotFound):
            reminders.complete_reminder(other, mine.id, now=NOW)
        with pytest.raises(NotFound):
            reminders.snooze_reminder(other, mine.id, at(3), now=NOW)
        assert reminders.list_reminders(other) == []
    assert [r.id for r in reminders.list_reminders(cast.agent)] == [mine.id]


def test_a_due_reminder_is_claimed_once_and_settled_after_sending(cast) -> None:
    saved = reminders.create_reminder(cast.agent, at(1), "打电话", now=NOW)
    assert reminders.claim_due_reminders(10, at(0.9)) == []  # not yet due
    [claimed] = reminders.claim_due_reminders(10, at(1))
    assert claimed.reminder.id == saved.id and claimed.telegram_id == cast.agent.telegram_id
    assert not claimed.reminder.late
    assert reminders.claim_due_reminders(10, at(1)) == []  # claimed: nobody else takes it
    assert reminders.mark_reminder_sent(saved.id, at(1))
    assert not reminders.mark_reminder_sent(saved.id, at(1))  # settled once
    assert reminders.claim_due_reminders(10, at(2)) == []
    assert reminders.get_reminder(cast.agent, saved.id).status == "sent"


def test_a_crashed_senders_claim_is_taken_again_after_the_lease(cast) -> None:
    saved = reminders.create_reminder(cast.agent, at(1), "打电话", now=NOW)
    assert reminders.claim_due_reminders(10, at(1))
    later = at(1) + CLAIM_LEASE + dt.timedelta(seconds=1)
    [again] = reminders.claim_due_reminders(10, later)
    assert again.reminder.id == saved.id


def test_a_reminder_due_while_the_bot_was_down_is_delivered_late(cast) -> None:
    reminders.create_reminder(cast.agent, at(1), "开会", now=NOW)
    [claimed] = reminders.claim_due_reminders(10, at(5))
    assert claimed.reminder.late


def test_a_failed_send_is_retried_with_a_growing_pause_then_given_up(cast) -> None:
    saved = reminders.create_reminder(cast.agent, at(1), "打电话", now=NOW)
    moment = at(1)
    pauses = []
    for _ in range(MAX_ATTEMPTS):
        assert len(reminders.claim_due_reminders(10, moment)) == 1
        assert reminders.mark_reminder_failed(saved.id, "timed out", moment, permanent=False)
        due = fetch_one("select next_attempt_at, status from reminder where id = ?",
                        (saved.id,))
        if due[1] == "failed":
            break
        retry_at = due[0] if isinstance(due[0], dt.datetime) else dt.datetime.fromisoformat(due[0])
        pauses.append(retry_at - moment)
        assert reminders.claim_due_reminders(10, retry_at - dt.timedelta(seconds=1)) == []
        moment = retry_at
    assert pauses == sorted(pauses) and pauses[0] == dt.timedelta(seconds=15)
    assert reminders.get_reminder(cast.agent, saved.id).status == "failed"
    [failed] = reminders.list_failed_reminders(cast.admin)
    assert failed.reminder.last_error == "timed out" and failed.staff_name == "李娜"


def test_a_blocked_bot_fails_the_reminder_at_once_for_admins_to_see(cast) -> None:
    saved = reminders.create_reminder(cast.agent, at(1), "打电话", now=NOW)
    reminders.claim_due_reminders(10, at(1))
    reminders.mark_reminder_failed(saved.id, "Forbidden: bot was blocked by the user", at(1),
                                   permanent=True)
    assert reminders.count_failed_reminders() == 1
    assert reminders.claim_due_reminders(10, at(9)) == []


def test_snooze_brings_a_delivered_reminder_back(cast) -> None:
    saved = reminders.create_reminder(cast.agent, at(1), "打电话", now=NOW)
    reminders.claim_due_reminders(10, at(1))
    reminders.mark_reminder_sent(saved.id, at(1))
    snoozed = reminders.snooze_reminder(cast.agent, saved.id, at(2), now=at(1))
    assert (snoozed.status, snoozed.due_at) == ("pending", at(2))
    [again] = reminders.claim_due_reminders(10, at(2))
    assert again.reminder.id == saved.id


def test_a_reminder_snoozed_while_being_sent_is_not_marked_sent(cast) -> None:
    saved = reminders.create_reminder(cast.agent, at(1), "打电话", now=NOW)
    reminders.claim_due_reminders(10, at(1))
    reminders.snooze_reminder(cast.agent, saved.id, at(3), now=at(1))
    assert not reminders.mark_reminder_sent(saved.id, at(1))
    assert reminders.get_reminder(cast.agent, saved.id).due_at == at(3)


def test_a_repeating_reminder_moves_to_its_next_occurrence(cast) -> None:
    saved = reminders.create_reminder(cast.agent, at(1), "周报", repeat="weekly", now=NOW)
    reminders.claim_due_reminders(10, at(1))
    reminders.mark_reminder_sent(saved.id, at(1))
    following = reminders.get_reminder(cast.agent, saved.id)
    assert (following.status, following.due_at) == ("pending", at(1 + 24 * 7))
    # Done acknowledges one occurrence; the series goes on. Snoozing copies one occurrence.
    assert reminders.complete_reminder(cast.agent, saved.id, now=at(2)).status == "pending"
    copy = reminders.snooze_reminder(cast.agent, saved.id, at(3), now=at(2))
    assert copy.id != saved.id and copy.repeat == "" and copy.text == "周报"
    assert reminders.cancel_reminder(cast.agent, saved.id, now=at(2)).status == "cancelled"
    assert [r.reminder.id for r in reminders.claim_due_reminders(10, at(24 * 8))] == [copy.id]


def test_done_closes_a_one_off_reminder(cast) -> None:
    saved = reminders.create_reminder(cast.agent, at(1), "打电话", now=NOW)
    assert reminders.complete_reminder(cast.agent, saved.id, now=at(0.5)).status == "done"
    assert reminders.claim_due_reminders(10, at(1)) == []


def test_logging_a_call_can_set_a_follow_up(cast) -> None:
    buyer = customer(cast.agent)
    customers.log_interaction(cast.agent, buyer.id, "call", "谈了价格",
                              follow_up=at(72), now=NOW)
    [follow_up] = reminders.list_reminders(cast.agent)
    assert (follow_up.source, follow_up.text, follow_up.customer_id, follow_up.due_at) == \
        ("follow_up", "谈了价格", buyer.id, at(72))


def test_a_follow_up_points_to_its_entry_on_the_timeline_instead_of_repeating_it(cast) -> None:
    buyer = customer(cast.agent)
    call = customers.log_interaction(cast.agent, buyer.id, "call", "谈了价格",
                                     follow_up=at(72), now=NOW)
    [entry] = [e for e in customers.get_timeline(cast.agent, buyer.id).items
               if e.kind == "reminder"]
    assert entry.summary == "" and entry.data["due_at"] == at(72)
    assert (entry.data["follows"], entry.data["follows_at"]) == ("call", NOW)
    # One follow-up per entry, however it was set: the ⏰ button moves this one.
    moved = reminders.follow_up_interaction(cast.agent, call.id, 1, now=NOW)
    assert moved.moved_from == at(72) and len(reminders.list_reminders(cast.agent)) == 1


def test_a_follow_up_in_the_past_changes_nothing(cast) -> None:
    buyer = customer(cast.agent)
    with pytest.raises(ValidationError):
        customers.log_interaction(cast.agent, buyer.id, "call", "x", follow_up=at(-1), now=NOW)
    assert fetch_one("select count(*) from interaction")[0] == 0


def test_a_deactivated_staff_members_reminders_wait(cast) -> None:
    from crm import users
    from tests.crm.cast import SYSTEM

    reminders.create_reminder(cast.agent, at(1), "打电话", now=NOW)
    users.deactivate_user(SYSTEM, cast.agent.telegram_id)
    assert reminders.claim_due_reminders(10, at(1)) == []


def test_reminders_follow_a_merge_and_show_on_the_timeline(cast) -> None:
    keep, duplicate = customer(cast.agent, "张伟"), customer(cast.agent, "张伟 (旧)")
    saved = reminders.create_reminder(cast.agent, at(5), "送样品", customer_id=duplicate.id,
                                      now=NOW)
    customers.merge_customers(cast.manager, keep.id, duplicate.id, now=NOW)
    assert reminders.get_reminder(cast.agent, saved.id).customer_id == keep.id
    entries = customers.get_timeline(cast.agent, keep.id).items
    assert any(e.kind == "reminder" and e.summary == "送样品" for e in entries)


def test_erasing_a_person_removes_the_reminders_about_them(cast) -> None:
    from crm import privacy

    person = customer(cast.agent, "要删除的人")
    reminders.create_reminder(cast.agent, at(5), "给要删除的人打电话", customer_id=person.id,
                              now=NOW)
    privacy.erase_customer(cast.admin, person.id, now=NOW)
    assert fetch_one("select count(*) from reminder")[0] == 0


def test_a_follow_up_at_the_time_the_note_names_or_a_clear_refusal(cast) -> None:
    buyer = customer(cast.agent, "张伟")
    named = customers.log_interaction(cast.agent, buyer.id, "call", "客户说下周三再联系",
                                      now=NOW)
    view = reminders.follow_up_interaction(cast.agent, named.id, None, now=NOW).reminder
    # Thursday 26 November, 10:00 in Shanghai: next week's Wednesday at 9:00 = 01:00 UTC
    assert view.due_at == dt.datetime(2026, 12, 2, 1, 0) and view.source == "follow_up"
    again = reminders.follow_up_interaction(cast.agent, named.id, 3, now=NOW)
    assert again.reminder.id == view.id  # the same follow-up moves
    silent = customers.log_interaction(cast.agent, buyer.id, "call", "报价1.5万", now=NOW)
    with pytest.raises(ValidationError) as caught:
        reminders.follow_up_interaction(cast.agent, silent.id, None, now=NOW)
    assert caught.value.code == "reminder.when_unclear"


def test_a_second_follow_up_button_moves_the_first_and_says_from_when(cast) -> None:
    buyer = customer(cast.agent, "张伟")
    visit = customers.log_interaction(cast.agent, buyer.id, "visit", "明天下午3点去送样品",
                                      now=NOW)
    first = reminders.follow_up_interaction(cast.agent, visit.id, None, now=NOW)
    assert first.moved_from is None
    assert first.reminder.due_at == dt.datetime(2026, 11, 27, 7, 0)  # 15:00 in Shanghai
    moved = reminders.follow_up_interaction(cast.agent, visit.id, 1, now=NOW)
    assert moved.moved_from == dt.datetime(2026, 11, 27, 7, 0)
    assert moved.reminder.due_at == dt.datetime(2026, 11, 27, 1, 0)  # 09:00 the same day
    [only] = reminders.list_reminders(cast.agent)
    assert only.id == first.reminder.id
    same = reminders.follow_up_interaction(cast.agent, visit.id, 1, now=NOW)
    assert same.moved_from is None  # pressed twice: nothing moved


def test_a_day_offset_and_a_time_of_day_at_dawn(cast) -> None:
    dawn = dt.datetime(2026, 11, 26, 21, 34)  # Friday 05:34 in Shanghai
    draft = reminders.understand_reminder(cast.agent, "3天后下午2点 给王总回电话", now=dawn)
    assert (draft.due_at, draft.text) == (dt.datetime(2026, 11, 30, 6, 0), "给王总回电话")
    plain = reminders.understand_reminder(cast.agent, "3天后 回访", now=dawn)
    assert plain.due_at == dt.datetime(2026, 11, 30, 1, 0)  # Monday 09:00, like 下周一
    friday = reminders.understand_reminder(cast.agent, "friday 10am call Wang", now=dawn)
    assert friday.due_at == reminders.understand_reminder(cast.agent, "周五上午10点 给王总",
                                                          now=dawn).due_at
    assert friday.due_at == dt.datetime(2026, 11, 27, 2, 0)  # today, 10:00 is still ahead
