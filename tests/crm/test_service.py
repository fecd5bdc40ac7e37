"""The service desk: tickets and their service levels, the customer's own side, relays to the
customer, SLA breach alerts, and the knowledge base."""

from __future__ import annotations

import datetime as dt

import peewee
import pytest

from crm import customers, reminders, service
from crm.errors import Conflict, NotFound, PermissionDenied, ValidationError
from crm.sales.outbox import pending_for
from crm.service import PortalUser
from storage.database import fetch_all, fetch_one, is_sqlite
from tests.crm.cast import customer, make_cast

NOW = dt.datetime(2026, 12, 7, 2, 0)
ALICE = PortalUser(70001, "Alice 王", "zh-CN")
BOB = PortalUser(70002, "Bob", "en")


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def minutes(n: float) -> dt.datetime:
    return NOW + dt.timedelta(minutes=n)


def test_a_customer_opens_a_ticket_and_becomes_a_lead_with_slas(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "打印机坏了", "开不了机", now=NOW)
    assert ticket.number == "T-2026-000001" and ticket.status == "new"
    assert ticket.first_response_due_at == NOW + dt.timedelta(hours=8)  # normal priority
    assert ticket.resolution_due_at == NOW + dt.timedelta(days=3)
    card = customers.get_customer(cast.admin, ticket.customer_id)
    assert (card.name, card.status) == ("Alice 王", "lead")
    # Nobody owns the new lead: every manager hears of the ticket.
    [(code, params, _)] = pending_for(cast.manager.user_id)
    assert code == "ticket.new" and params["number"] == ticket.number


def test_a_shared_phone_links_the_existing_customer(cast) -> None:
    known = customer(cast.agent, "王小明", phones=("13800138000",))
    assert service.link_by_phone(BOB, "+86 138 0013 8000", now=NOW) == known.id
    ticket = service.open_customer_ticket(BOB, "发票", now=NOW)
    assert ticket.customer_id == known.id
    assert ticket.assignee_id == cast.agent.user_id  # the owner works their customer's ticket
    [(code, _, _)] = pending_for(cast.agent.user_id)
    assert code == "ticket.new"


def test_a_customer_never_sees_another_customers_ticket(cast) -> None:
    theirs = service.open_customer_ticket(ALICE, "私事", now=NOW)
    service.open_customer_ticket(BOB, "我的", now=NOW)
    for attempt in (lambda: service.get_own_ticket(BOB, theirs.id),
                    lambda: service.customer_reply(BOB, theirs.id, "看看", now=NOW),
                    lambda: service.rate_ticket(BOB, theirs.id, 1, now=NOW)):
        with pytest.raises(NotFound):
            attempt()
    assert [t.subject for t in service.list_own_tickets(BOB).items] == ["我的"]
    stranger = PortalUser(79999, "Nobody")
    assert service.list_own_tickets(stranger).items == ()
    with pytest.raises(NotFound):
        service.get_own_ticket(stranger, theirs.id)


def test_staff_reply_is_relayed_once_and_internal_notes_never(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "打印机坏了", now=NOW)
    service.assign_ticket(cast.agent, ticket.id, cast.agent.user_id, now=NOW)
    service.add_note(cast.agent, ticket.id, "客户上次也这样", now=minutes(1))
    answered = service.reply_to_ticket(cast.agent, ticket.id, "请重启试试", now=minutes(2))
    assert answered.status == "waiting" and answered.first_responded_at == minutes(2)
    [(relay, locale)] = service.claim_relays(10, minutes(2))
    assert (relay.body, relay.telegram_id, locale) == ("请重启试试", ALICE.telegram_id, "zh-CN")
    assert service.claim_relays(10, minutes(2)) == []
    assert service.mark_relayed(relay.message_id, minutes(2))
    seen = service.get_own_ticket(ALICE, ticket.id)
    assert [m.body for m in seen.messages] == ["请重启试试"]  # no internal note
    assert [m.internal for m in service.get_ticket(cast.agent, ticket.id).messages] == \
        [True, False]


def test_customer_reply_reopens_and_tells_the_assignee(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "打印机坏了", now=NOW)
    service.assign_ticket(cast.manager, ticket.id, cast.agent.user_id, now=NOW)
    service.reply_to_ticket(cast.agent, ticket.id, "请重启", now=minutes(1))
    again = service.customer_reply(ALICE, ticket.id, "还是不行", now=minutes(5))
    assert again.status == "open"
    codes = [code for code, _, _ in pending_for(cast.agent.user_id)]
    assert codes == ["ticket.assigned_to_you", "ticket.customer_replied"]


def test_answering_a_ticket_nobody_had_makes_it_yours(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "打印机坏了", now=NOW)
    answered = service.reply_to_ticket(cast.agent, ticket.id, "请重启", now=minutes(1))
    assert answered.assignee_id == cast.agent.user_id
    assert service.list_tickets(cast.manager, "unassigned", now=minutes(2)).items == ()
    assert [t.id for t in service.list_tickets(cast.agent, "mine", now=minutes(2)).items] == \
        [ticket.id]
    service.reply_to_ticket(cast.manager, ticket.id, "我来补充一下", now=minutes(3))
    assert service.get_ticket(cast.manager, ticket.id).assignee_id == cast.agent.user_id
    changes = fetch_all("select action from audit_log where entity = 'ticket' order by id")
    assert [a for (a,) in changes].count("ticket.reply") == 2


def test_resolving_asks_for_a_rating_which_closes_the_ticket(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "打印机坏了", now=NOW)
    with pytest.raises(ValidationError):
        service.rate_ticket(ALICE, ticket.id, 5, now=NOW)  # not resolved yet
    service.set_ticket_status(cast.admin, ticket.id, "resolved", now=minutes(3))
    relays = service.claim_relays(10, minutes(3))
    assert [(r.body, r.status) for r, _ in relays] == [("resolved", "resolved")]
    with pytest.raises(ValidationError):
        service.rate_ticket(ALICE, ticket.id, 6, now=minutes(4))
    rated = service.rate_ticket(ALICE, ticket.id, 4, now=minutes(4))
    assert (rated.rating, rated.status) == (4, "closed")
    with pytest.raises(ValidationError):
        service.set_ticket_status(cast.admin, ticket.id, "waiting", now=minutes(5))


def resolved_ticket(cast, subject: str = "打印机坏了", *, resolved_at: float = 2) -> int:
    """A customer's ticket the agent answered and resolved; the agent's news read."""
    ticket = service.open_customer_ticket(ALICE, subject, now=NOW)
    service.assign_ticket(cast.manager, ticket.id, cast.agent.user_id, now=NOW)
    service.reply_to_ticket(cast.agent, ticket.id, "请重启", now=minutes(1))
    service.set_ticket_status(cast.agent, ticket.id, "resolved", now=minutes(resolved_at))
    pending_for(cast.agent.user_id)
    return ticket.id


def customer_replied_news(cast) -> list[dict]:
    return [params for code, params, _ in pending_for(cast.agent.user_id)
            if code == "ticket.customer_replied"]


@pytest.mark.parametrize("thanks", ["谢谢！", "好的，谢谢", "👍", "Thank you so much!"])
def test_a_thank_you_after_the_resolution_is_kept_without_reopening_the_ticket(
        cast, thanks) -> None:
    ticket_id = resolved_ticket(cast)
    after = service.customer_reply(ALICE, ticket_id, thanks, now=minutes(5))
    assert after.status == "resolved" and after.rating is None  # still asked to rate
    card = service.get_ticket(cast.agent, ticket_id)
    assert (card.messages[-1].author, card.messages[-1].body) == ("customer", thanks)
    assert customer_replied_news(cast) == []
    # Rated and closed, a later thank-you leaves it closed too.
    service.rate_ticket(ALICE, ticket_id, 5, now=minutes(6))
    assert service.customer_reply(ALICE, ticket_id, thanks, now=minutes(7)).status == "closed"
    assert customer_replied_news(cast) == []


@pytest.mark.parametrize(("question", "file"), [
    ("谢谢，不过打印机又卡纸了", None), ("ok?", None), ("Thanks, but it fails again", None),
    ("谢谢", ("file-1", "photo", None))])
def test_after_a_thank_you_a_real_question_still_reopens_the_ticket(cast, question,
                                                                    file) -> None:
    ticket_id = resolved_ticket(cast)
    assert service.customer_reply(ALICE, ticket_id, "谢谢", now=minutes(4)).status == "resolved"
    assert service.customer_reply(ALICE, ticket_id, question, file=file,
                                  now=minutes(5)).status == "reopened"
    assert [news["text"] for news in customer_replied_news(cast)] == [question]


def test_a_thank_you_typed_outside_a_ticket_is_kept_on_the_one_resolved_last(cast) -> None:
    later = resolved_ticket(cast, "打印机坏了", resolved_at=3)
    earlier = resolved_ticket(cast, "发票", resolved_at=2)
    kept = service.acknowledge_resolution(ALICE, "谢谢啦 🙏", now=minutes(9))
    assert kept is not None and (kept.id, kept.status) == (later, "resolved")
    assert kept.messages[-1].body == "谢谢啦 🙏" and customer_replied_news(cast) == []
    assert "customer" not in [m.author for m in service.get_ticket(cast.agent, earlier).messages]
    # A question is searched as usual; so is any word while a ticket is still open.
    assert service.acknowledge_resolution(ALICE, "怎么开发票", now=minutes(10)) is None
    service.open_customer_ticket(ALICE, "新问题", now=minutes(11))
    assert service.acknowledge_resolution(ALICE, "谢谢", now=minutes(12)) is None
    assert service.acknowledge_resolution(BOB, "谢谢", now=minutes(12)) is None  # no tickets
    customer_words = fetch_one("select count(*) from ticket_message where author = 'customer'")
    assert customer_words[0] == 1


def test_one_customer_writing_too_fast_is_slowed_down(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "问题", now=NOW)
    for n in range(5):  # with the ticket itself: 6 in a minute
        service.customer_reply(ALICE, ticket.id, f"第{n}条", now=NOW + dt.timedelta(seconds=n))
    with pytest.raises(service.RateLimited):
        service.customer_reply(ALICE, ticket.id, "太快了", now=NOW + dt.timedelta(seconds=10))
    assert fetch_one("select count(*) from ticket_message where body = '太快了'")[0] == 0
    service.customer_reply(ALICE, ticket.id, "一分钟后", now=minutes(2))


def test_agents_see_tickets_of_their_customers_and_those_assigned_to_them(cast) -> None:
    mine = customer(cast.agent, "我的客户", phones=("13900139000",))
    service.link_by_phone(ALICE, "13900139000", now=NOW)
    ticket = service.open_customer_ticket(ALICE, "问题", now=NOW)
    assert ticket.customer_id == mine.id
    with pytest.raises(NotFound):
        service.get_ticket(cast.other_agent, ticket.id)
    with pytest.raises(PermissionDenied):
        service.assign_ticket(cast.agent, ticket.id, cast.teammate.user_id, now=NOW)
    service.assign_ticket(cast.manager, ticket.id, cast.other_agent.user_id, now=NOW)
    assert service.get_ticket(cast.other_agent, ticket.id).assignee_id == \
        cast.other_agent.user_id
    assert [t.id for t in service.list_tickets(cast.other_agent, "mine", now=NOW).items] == \
        [ticket.id]
    with pytest.raises(PermissionDenied):
        service.reply_to_ticket(cast.viewer, ticket.id, "x", now=NOW)


def test_lists_of_unassigned_and_breaching_tickets(cast) -> None:
    urgent = service.open_customer_ticket(ALICE, "紧急", now=NOW)
    service.set_ticket_priority(cast.admin, urgent.id, "urgent", now=NOW)
    service.open_customer_ticket(BOB, "不急", now=NOW)
    later = NOW + dt.timedelta(hours=2)  # past the urgent ticket's 1 h first answer
    breaching = service.list_tickets(cast.admin, "breaching", now=later).items
    assert [t.subject for t in breaching] == ["紧急"] and breaching[0].breaching
    assert len(service.list_tickets(cast.admin, "unassigned", now=later).items) == 2
    # Newcomers' tickets wait in the open queue every agent sees; not a colleague's customer's.
    assert len(service.list_tickets(cast.agent, "unassigned", now=later).items) == 2
    theirs = customer(cast.other_agent, "别人的客户")
    service.open_ticket(cast.other_agent, theirs.id, "别人的工单", now=NOW)
    service.assign_ticket(cast.admin, service.list_tickets(cast.admin, "open", now=later)
                          .items[0].id, None, now=NOW)
    assert "别人的工单" not in [t.subject for t in service.list_tickets(
        cast.agent, "open", now=later).items]


def test_sla_breaches_alert_assignee_and_managers_once_as_reminders(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "紧急", now=NOW)
    service.set_ticket_priority(cast.admin, ticket.id, "urgent", now=NOW)
    service.assign_ticket(cast.admin, ticket.id, cast.agent.user_id, now=NOW)
    assert service.alert_sla_breaches(minutes(59)) == 0
    assert service.alert_sla_breaches(minutes(61)) == 1
    assert service.alert_sla_breaches(minutes(62)) == 0
    due = reminders.claim_due_reminders(10, minutes(61))
    assert {(d.telegram_id, d.reminder.source, d.reminder.ticket_id) for d in due} == {
        (cast.agent.telegram_id, "sla_answer", ticket.id),
        (cast.manager.telegram_id, "sla_answer", ticket.id)}
    service.reply_to_ticket(cast.agent, ticket.id, "处理中", now=minutes(70))
    # Waiting for the customer from 70 minutes on: the 8 hours to resolve are paused.
    assert service.alert_sla_breaches(minutes(540)) == 0
    service.customer_reply(ALICE, ticket.id, "还是不行", now=minutes(540))  # waited 470 min
    assert service.alert_sla_breaches(minutes(480 + 470 - 1)) == 0
    assert service.alert_sla_breaches(minutes(480 + 470 + 1)) == 1  # resolution now late


def test_time_waiting_for_the_customer_does_not_count_across_several_waits(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "发票", now=NOW)  # normal: 3 days to resolve
    service.assign_ticket(cast.admin, ticket.id, cast.agent.user_id, now=NOW)
    three_days = 3 * 1440
    service.reply_to_ticket(cast.agent, ticket.id, "请提供发票号", now=minutes(10))
    waiting = service.get_ticket(cast.agent, ticket.id)
    assert waiting.waiting_since == minutes(10) and waiting.resolution_due_at == minutes(three_days)
    # Long past the original due time while waiting: not late, in the list or by alert.
    assert not waiting.breaching(minutes(three_days + 60))
    assert service.list_tickets(cast.agent, "breaching", now=minutes(three_days + 60)).items == ()
    service.customer_reply(ALICE, ticket.id, "号码是 123", now=minutes(130))  # waited 120
    service.reply_to_ticket(cast.agent, ticket.id, "还需要金额", now=minutes(200))
    service.reply_to_ticket(cast.agent, ticket.id, "在吗？", now=minutes(260))  # still one wait
    service.customer_reply(ALICE, ticket.id, "金额 99 元", now=minutes(500))  # waited 300
    resumed = service.get_ticket(cast.agent, ticket.id)
    assert resumed.resolution_due_at == minutes(three_days + 420)
    assert resumed.resolution_paused == dt.timedelta(minutes=420) and not resumed.waiting_since
    # A new priority counts from the opening again, the waits still left out.
    service.set_ticket_priority(cast.agent, ticket.id, "high", now=minutes(510))
    assert service.get_ticket(cast.agent, ticket.id).resolution_due_at == minutes(1440 + 420)
    # A wait ended by staff (resolved while waiting) is left out as well.
    service.reply_to_ticket(cast.agent, ticket.id, "已处理", now=minutes(600))
    service.set_ticket_status(cast.agent, ticket.id, "resolved", now=minutes(700))
    done = service.get_ticket(cast.agent, ticket.id)
    assert done.resolution_due_at == minutes(1440 + 520) and done.waiting_since is None


def test_tickets_show_on_the_timeline_and_lose_their_words_on_erasure(cast) -> None:
    from crm import privacy

    ticket = service.open_customer_ticket(ALICE, "打印机坏了", "型号 X1", now=NOW)
    service.customer_reply(ALICE, ticket.id, "我的电话 138...", now=minutes(1))
    entries = customers.get_timeline(cast.admin, ticket.customer_id).items
    assert any(e.kind == "ticket" and ticket.number in e.summary for e in entries)
    privacy.erase_customer(cast.admin, ticket.customer_id, now=minutes(5))
    assert fetch_all("select subject, description from ticket") == [("[erased]", "")]
    assert fetch_all("select body from ticket_message") == [("",)]
    assert service.find_customer(ALICE) is None


def test_knowledge_base_found_in_chinese_and_english_published_only(cast) -> None:
    printer = service.write_article(cast.manager, "打印机无法开机怎么办",
                                    "先检查电源线，再长按电源键十秒。", tags=("打印机", "hardware"),
                                    publish=True, now=NOW)
    draft = service.write_article(cast.manager, "打印机卡纸", "打开后盖取出纸张。", now=NOW)
    service.write_article(cast.admin, "Invoice questions", "Invoices are sent monthly.",
                          publish=True, now=NOW)
    assert [a.id for a in service.search_articles("打印机")] == [printer.id]
    assert {a.id for a in service.search_articles("打印机", include_drafts=True)} == \
        {printer.id, draft.id}
    assert [a.title for a in service.search_articles("invoice")] == ["Invoice questions"]
    assert [a.id for a in service.search_articles("电源 开机")] == [printer.id]
    assert service.search_articles("洗衣机") == []
    with pytest.raises(PermissionDenied):
        service.write_article(cast.agent, "x", "y", now=NOW)
    with pytest.raises(NotFound):
        service.get_article(None, draft.id)  # customers never see a draft
    service.edit_article(cast.manager, draft.id, status="published", now=NOW)
    assert draft.id in [a.id for a in service.search_articles("卡纸")]
    service.delete_article(cast.admin, printer.id, now=NOW)
    assert service.search_articles("电源") == []


def test_words_outside_a_ticket_go_to_the_one_waiting_or_ask_which(cast) -> None:
    assert service.reply_to_waiting(ALICE, "好的", now=NOW) == service.FreeText()  # no ticket
    first = service.open_customer_ticket(ALICE, "发票", now=NOW)
    assert service.reply_to_waiting(ALICE, "好的", now=NOW) == service.FreeText()  # not waiting
    service.reply_to_ticket(cast.admin, first.id, "请提供发票号", now=minutes(10))
    placed = service.reply_to_waiting(ALICE, "号码是 123", now=minutes(20))
    assert placed.ticket is not None and placed.ticket.id == first.id
    assert placed.ticket.status == "open" and placed.ticket.messages[-1].body == "号码是 123"
    service.reply_to_ticket(cast.admin, first.id, "金额呢？", now=minutes(30))
    second = service.open_customer_ticket(ALICE, "打印机", now=minutes(40))
    service.reply_to_ticket(cast.admin, second.id, "型号？", now=minutes(50))
    several = service.reply_to_waiting(ALICE, "99 元", now=minutes(60))
    assert [t.id for t in several.waiting] == [first.id, second.id] and several.ticket is None
    assert fetch_one("select count(*) from ticket_message where body = ?", ("99 元",))[0] == 0
    assert service.reply_to_waiting(BOB, "好的", now=NOW) == service.FreeText()  # not hers


def test_words_taken_back_as_a_new_question_leave_the_clock_as_if_never_written(cast) -> None:
    ticket = service.open_customer_ticket(ALICE, "发票", now=NOW)  # 3 days to resolve
    service.reply_to_ticket(cast.admin, ticket.id, "请提供发票号", now=minutes(10))
    placed = service.reply_to_waiting(ALICE, "另外想问一下保修", now=minutes(70))
    with pytest.raises(Conflict):  # other words than those added: nothing to take back
        service.take_back_reply(ALICE, ticket.id, placed.message_id, "号码",
                                written_at=minutes(70), now=minutes(71))
    service.take_back_reply(ALICE, ticket.id, placed.message_id, "另外想问一下保修",
                            written_at=placed.written_at, now=minutes(71))
    back = service.get_ticket(cast.admin, ticket.id)
    assert back.status == "waiting" and [m.body for m in back.messages] == ["请提供发票号"]
    service.customer_reply(ALICE, ticket.id, "号码是 123", now=minutes(130))
    # Waited from minute 10 to 130 in all: the due time moves by those 120 minutes.
    assert service.get_ticket(cast.admin, ticket.id).resolution_due_at == \
        minutes(3 * 1440 + 120)
    with pytest.raises(NotFound):  # someone else's ticket
        service.take_back_reply(BOB, ticket.id, placed.message_id, "号码是 123",
                                written_at=minutes(130), now=minutes(131))
    with pytest.raises(Conflict):  # a later reply, even one given the same id, stays
        service.take_back_reply(ALICE, ticket.id, placed.message_id, "另外想问一下保修",
                                written_at=placed.written_at, now=minutes(131))


def test_a_take_back_of_words_whose_id_a_later_message_got_refuses_as_already_gone(
        cast, db: peewee.Database) -> None:
    ticket = service.open_customer_ticket(ALICE, "发票", now=NOW)
    service.reply_to_ticket(cast.admin, ticket.id, "请提供发票号", now=minutes(10))
    first = service.reply_to_waiting(ALICE, "好的，明天下午可以", now=minutes(20))
    service.take_back_reply(ALICE, ticket.id, first.message_id, "好的，明天下午可以",
                            written_at=first.written_at, now=minutes(21))
    # She writes the same again: SQLite gives the new message the id the old one had.
    second = service.reply_to_waiting(ALICE, "好的，明天下午可以", now=minutes(30))
    if is_sqlite(db):
        assert second.message_id == first.message_id
    with pytest.raises(Conflict) as caught:  # the first words' button, pressed again
        service.take_back_reply(ALICE, ticket.id, first.message_id, "好的，明天下午可以",
                                written_at=first.written_at, now=minutes(31))
    assert caught.value.code == "ticket.reply_already_taken_back"
    after = service.get_ticket(cast.admin, ticket.id)
    assert after.status == "open" and after.messages[-1].created_at == minutes(30)
    # The second words' own button still takes them back.
    service.take_back_reply(ALICE, ticket.id, second.message_id, "好的，明天下午可以",
                            written_at=second.written_at, now=minutes(32))
    assert service.get_ticket(cast.admin, ticket.id).status == "waiting"
