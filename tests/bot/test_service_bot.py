"""The service desk through the real Application, both sides: a customer searches the
knowledge base, opens a ticket, gets the staff answer, writes back and rates it; staff see,
take, answer, note and resolve; SLA breaches reach staff on time; a customer cannot reach
another's ticket or any staff screen by guessing numbers or forging buttons."""

from __future__ import annotations

import datetime as dt
import json

import peewee
import pytest

from bot import reminder_jobs, service_jobs
from bot.jobs import deliver_notifications
from bot.render import when
from crm import audit, consent, customers, runtime, service, users
from crm.actors import Actor
from crm.clock import as_datetime, utcnow
from crm.localtime import local_naive
from storage.database import database, fetch_all, fetch_one, sql

AGENT, MANAGER = 8301, 8302
ALICE, BOB = 8401, 8402  # customers, not staff


@pytest.fixture
def staff(db: peewee.Database):
    agent = users.add_user(Actor.system(), AGENT, "agent", "李娜", locale="zh-CN").as_actor()
    manager = users.add_user(Actor.system(), MANAGER, "manager", "Wang Manager",
                             locale="en").as_actor()
    service.write_article(manager, "打印机无法开机怎么办", "先检查电源线，再长按电源键十秒。",
                          tags=("打印机",), publish=True)
    service.write_article(manager, "How invoices work", "Invoices are sent monthly.",
                          publish=True)
    return {"agent": agent, "manager": manager}


def shown(replies):
    """The messages the bot sent or edited (not the button's answer)."""
    return [r for r in replies if r.method in ("sendMessage", "editMessageText", "sendPhoto")]


def to(chat, user_id: int) -> list[str]:
    return [c.params.get("text") or c.params.get("caption") or "" for c in chat.stub.calls
            if c.method in ("sendMessage", "sendPhoto") and int(c.params["chat_id"]) == user_id]


def run(chat, job) -> str:
    return chat.loop.run_until_complete(job(chat.app))


def open_ticket(chat, customer: int, language: str, text: str) -> int:
    chat.send(customer, "/start", language=language)
    chat.press(customer, "qn")
    chat.send(customer, text, language=language)
    return fetch_all("select id from ticket order by id desc limit 1")[0][0]


def test_the_whole_conversation_in_chinese(chat, staff) -> None:
    [welcome] = chat.send(ALICE, "/start", language="zh")
    assert "提交工单" in str(welcome.buttons) and "8401" in welcome.text
    [found] = chat.send(ALICE, "打印机开不了机")
    assert "可能有帮助的文章" in found.text
    [article] = shown(chat.press(ALICE, found.button("打印机无法开机")))
    assert "长按电源键十秒" in article.text
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机坏了\n按了电源键也没反应")
    assert "工单 <b>T-" in to(chat, ALICE)[-1]
    # Nobody owns the newcomer: the managers hear of it, with a button to the ticket.
    run(chat, deliver_notifications)
    [news] = [c for c in chat.stub.sent() if int(c.params["chat_id"]) == MANAGER]
    assert "New ticket" in news.params["text"] and news.buttons()[0][1] == f"k:{ticket_id}"
    # The agent finds it in the open queue, takes it and answers.
    [queue] = chat.send(AGENT, "/tickets unassigned")
    card = shown(chat.press(AGENT, queue.button("T-")))[0]
    assert "打印机坏了" in card.text and "按了电源键也没反应" in card.text
    chat.press(AGENT, f"kA:{ticket_id}:{staff['agent'].user_id}")
    chat.press(AGENT, f"kn:{ticket_id}")
    chat.send(AGENT, "客户是老用户，注意语气")
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "请拔掉电源线等一分钟再试")
    answer = to(chat, ALICE)[-1]
    assert "李娜" in answer and "请拔掉电源线等一分钟再试" in answer
    assert not any("注意语气" in text for text in to(chat, ALICE))  # notes stay inside
    # The customer writes back; the assignee hears of it.
    chat.press(ALICE, f"qr:{ticket_id}")
    chat.send(ALICE, "还是不行")
    run(chat, deliver_notifications)
    assert any("还是不行" in text for text in to(chat, AGENT))
    # Resolved: the customer is asked to rate, and the rating is kept.
    chat.press(AGENT, f"ks:{ticket_id}")
    chat.press(AGENT, f"kS:{ticket_id}:resolved")
    assert "已解决" in to(chat, ALICE)[-1]
    [thanks] = shown(chat.press(ALICE, f"qs:{ticket_id}:5"))
    assert "⭐⭐⭐⭐⭐" in thanks.text
    assert fetch_one("select rating, status from ticket")[0:2] == (5, "closed")


def test_an_english_customer_is_answered_in_english(chat, staff) -> None:
    [found] = chat.send(BOB, "invoice", language="en")
    assert "Articles that may help" in found.text and found.button("How invoices work")
    ticket_id = open_ticket(chat, BOB, "en", "Wrong invoice amount")
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "我们会重开发票")
    assert "我们会重开发票" in to(chat, BOB)[-1] and to(chat, BOB)[-1].startswith("💬")
    [mine] = shown(chat.press(BOB, "ql"))
    assert "Your tickets (1)" in mine.text and "Waiting for your reply" in str(mine.buttons)
    assert "Waiting for the customer" not in str(mine.buttons)


def test_a_customer_reads_that_their_ticket_waits_for_their_reply(chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "发票金额不对")
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "请发一下发票号")
    [card] = shown(chat.press(ALICE, f"qt:{ticket_id}"))
    assert "状态：⏳ 等待您的回复" in card.text and "等待客户" not in card.text



@pytest.mark.parametrize("picker", ["ks", "kp", "ka"])
def test_a_ticket_picker_opened_by_mistake_goes_back_without_a_change(chat, staff,
                                                                      picker) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    before = fetch_one("select status, priority, assignee_id from ticket")

    def markup(replies, method: str = "editMessageReplyMarkup") -> list[tuple[str, str]]:
        [edit] = [r for r in replies if r.method == method]
        return edit.buttons

    menu = markup(chat.press(AGENT, f"{picker}:{ticket_id}"))
    [back] = [value for label, value in menu if "返回" in label]
    card = markup(chat.press(AGENT, back), "editMessageText")  # the card drawn as it is
    assert [label for label, _ in card][:2] == ["💬 回复", "🔒 备注"]
    assert fetch_one("select status, priority, assignee_id from ticket") == before

def test_a_customer_cannot_reach_another_ticket_or_any_staff_screen(chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "私人问题")
    for forged in (f"qt:{ticket_id}", f"qr:{ticket_id}", f"qs:{ticket_id}:1"):
        replies = chat.press(BOB, forged)
        assert any("not there" in r.text for r in shown(replies)), forged
    assert "私人问题" not in " ".join(to(chat, BOB))
    for staff_button in (f"k:{ticket_id}", f"kr:{ticket_id}", "kv:open:0", "c:1", "bn"):
        assert chat.alerts(chat.press(BOB, staff_button)) == ["You are not allowed to do this."]
    [reply] = chat.send(BOB, "/tickets", language="en")
    assert "私人问题" not in reply.text
    assert fetch_one("select count(*) from ticket_message")[0] == 0


def test_sharing_ones_own_number_links_the_customer_record(chat, staff) -> None:
    known = customers.create_customer(staff["agent"], customers.CustomerDraft(
        name="王小明", phones=("13800138000",)))
    someone_else = {"phone_number": "+8613800138000", "first_name": "王", "user_id": 1}
    replies = chat.deliver({"message": chat._message(ALICE, "zh", contact=someone_else)})
    assert "本人" in shown(replies)[0].text and service.find_customer(
        service.PortalUser(ALICE, "")) is None
    own = {"phone_number": "+8613800138000", "first_name": "王", "user_id": ALICE}
    chat.deliver({"message": chat._message(ALICE, "zh", contact=own)})
    assert service.find_customer(service.PortalUser(ALICE, "")) == known.id
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    assert fetch_one("select customer_id, assignee_id from ticket where id = ?",
                     (ticket_id,)) == (known.id, staff["agent"].user_id)



@pytest.mark.parametrize(("language", "share_words"), [("zh", "请先分享手机号"),
                                                       ("en", "share your phone number")])
def test_a_customer_whose_number_is_linked_is_not_asked_to_share_it_again(chat, staff, language,
                                                                          share_words) -> None:
    chat.send(ALICE, "/start", language=language)
    [first] = shown(chat.press(ALICE, "qn"))
    assert share_words in first.text and "keyboard" in str(first.params.get("reply_markup"))
    own = {"phone_number": "+8613800138000", "first_name": "王", "user_id": ALICE}
    chat.deliver({"message": chat._message(ALICE, language, contact=own)})
    [linked] = shown(chat.press(ALICE, "qn"))
    assert share_words not in linked.text and "keyboard" not in str(
        linked.params.get("reply_markup") or "")

def test_a_photo_goes_with_the_ticket_and_a_staff_photo_reaches_the_customer(chat,
                                                                              staff) -> None:
    chat.send(ALICE, "/start", language="zh")
    chat.press(ALICE, "qn")
    photo = [{"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
             {"file_id": "big-photo", "file_unique_id": "b", "width": 900, "height": 900}]
    chat.deliver({"message": chat._message(ALICE, "zh", photo=photo, caption="屏幕显示错误")})
    ticket_id = fetch_all("select id from ticket")[0][0]
    assert fetch_all("select file_id, file_kind from ticket_message") == [("big-photo", "photo")]
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.deliver({"message": chat._message(AGENT, "zh", photo=photo, caption="按这里")})
    [sent] = [c for c in chat.stub.calls if c.method == "sendPhoto"]
    assert int(sent.params["chat_id"]) == ALICE and "按这里" in sent.params["caption"]


def test_one_customer_writing_too_fast_is_slowed_down(chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "en", "Question")
    answers = []
    for n in range(7):
        chat.press(ALICE, f"qr:{ticket_id}")
        answers += [r.text for r in shown(chat.send(ALICE, f"message {n}"))]
    assert any("Too many messages" in text for text in answers)
    assert fetch_one("select count(*) from ticket_message")[0] == 5  # ticket + 5 = 6 a minute


def test_sla_breach_alerts_reach_staff_on_time(chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "紧急问题")
    chat.press(MANAGER, f"kP:{ticket_id}:urgent")
    chat.press(MANAGER, f"kA:{ticket_id}:{staff['agent'].user_id}")
    run(chat, lambda app: service_jobs.alert_breaches(app, utcnow()))
    run(chat, lambda app: reminder_jobs.deliver_reminders(app, utcnow()))
    assert not any("首次回复已超时" in text for text in to(chat, AGENT))  # not yet late
    database.execute_sql(sql("update ticket set first_response_due_at = ? where id = ?"),
                         (utcnow() - dt.timedelta(minutes=1), ticket_id))
    assert "1 tickets" in run(chat, lambda app: service_jobs.alert_breaches(app, utcnow()))
    run(chat, lambda app: reminder_jobs.deliver_reminders(app, utcnow()))
    [alert] = [c for c in chat.stub.sent() if int(c.params["chat_id"]) == AGENT
               and "首次回复已超时" in c.params["text"]]
    assert ("🎫 打开工单", f"k:{ticket_id}") in alert.buttons()
    assert any("first answer overdue" in text for text in to(chat, MANAGER))
    [late] = chat.send(MANAGER, "/tickets breaching")
    assert "⚠️" in str(late.buttons)


def test_managers_write_the_knowledge_base_from_the_chat(chat, staff) -> None:
    [listing] = chat.send(MANAGER, "/kb")
    chat.press(MANAGER, listing.button("New article"))
    [draft] = chat.send(MANAGER, "退货政策\n收到货七天内可以无理由退货。\n#退货 #售后")
    assert "draft" in draft.text and "#售后" in draft.text
    [nothing] = chat.send(ALICE, "退货", language="zh")
    assert "没有找到" in nothing.text  # a draft is not for customers
    [published] = shown(chat.press(MANAGER, draft.button("Publish")))
    assert "published" in published.text
    [found] = chat.send(ALICE, "退货")
    assert found.button("退货政策")
    [agent_list] = chat.send(AGENT, "/kb 退货")
    assert "新文章" not in str(agent_list.buttons)
    assert chat.alerts(chat.press(AGENT, "bn")) or any(
        "无权" in r.text for r in shown(chat.press(AGENT, "bn")))


@pytest.mark.parametrize("language, expected", [
    ("en", "Text: is required"), ("zh-CN", "正文：为必填项")])
def test_an_article_without_text_names_the_missing_part_in_words(chat, staff, language,
                                                                  expected) -> None:
    users.set_preferences(staff["manager"], locale=language)
    chat.send(MANAGER, "/kb")
    chat.press(MANAGER, "bn")  # ➕ New article
    [refused] = chat.send(MANAGER, "退货政策")
    assert expected in refused.text and "body" not in refused.text


def test_a_reminder_about_a_ticket_opens_the_ticket(chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "回电话")
    [ask] = shown(chat.press(AGENT, f"rk:{ticket_id}"))
    assert "回电话" in ask.text
    [confirm] = chat.send(AGENT, "2030-01-15 15:00")
    chat.press(AGENT, confirm.button("保存"))
    [(reminder_ticket, customer_id)] = fetch_all("select ticket_id, customer_id from reminder")
    assert reminder_ticket == ticket_id and customer_id == fetch_one(
        "select customer_id from ticket")[0]


def test_someone_flooding_the_bot_is_ignored_for_the_rest_of_the_minute(chat, staff) -> None:
    from bot.portal import FLOOD_PER_MINUTE

    answered = [bool(shown(chat.send(BOB, f"question {n}", language="en")))
                for n in range(FLOOD_PER_MINUTE + 5)]
    assert all(answered[:FLOOD_PER_MINUTE]) and not any(answered[FLOOD_PER_MINUTE:])
    assert shown(chat.send(ALICE, "invoice", language="en"))  # others are still served


def test_long_messages_are_read_whole_and_told_in_short(chat, staff) -> None:
    """A customer's 3,900-character message: the assignee hears of it, the ticket card shows
    all of it; a staff photo whose words overflow a caption still carries every word to the
    customer."""
    import html
    import re

    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    chat.press(AGENT, f"kA:{ticket_id}:{staff['agent'].user_id}")
    long_text = "\n".join(f"第{i}条：金额 & 税号 <不对>，请核实。" for i in range(200))[:3900]
    chat.press(ALICE, f"qr:{ticket_id}")
    chat.send(ALICE, long_text)
    run(chat, deliver_notifications)
    [notice] = [text for text in to(chat, AGENT) if "发票问题" in text]
    assert "第0条" in notice
    parts = [r.text for r in shown(chat.press(AGENT, f"k:{ticket_id}"))]
    assert len(parts) >= 2
    assert long_text in html.unescape(re.sub(r"<[^>]*>", "", "".join(parts)))
    chat.press(AGENT, f"kr:{ticket_id}")
    caption = "请按以下步骤操作：" + "先打开设置，再点发票。" * 90  # Telegram's most: 1,024
    photo = [{"file_id": "howto", "file_unique_id": "h", "width": 900, "height": 900}]
    chat.deliver({"message": chat._message(AGENT, "zh", photo=photo, caption=caption[:1024])})
    [sent_photo] = [c for c in chat.stub.calls if c.method == "sendPhoto"]
    assert int(sent_photo.params["chat_id"]) == ALICE and "李娜" in sent_photo.params["caption"]
    assert caption[:1024] in to(chat, ALICE)[-1]


def test_a_customer_reads_a_long_article_and_a_long_answer_whole(chat, staff) -> None:
    import html
    import re

    body = "\n".join(f"第{i}步：检查 <电源> & 线缆，然后重启。" for i in range(200))[:4000]
    article = service.write_article(staff["manager"], "完整排障指南", body, publish=True)
    chat.send(ALICE, "/start", language="zh")
    parts = [r.text for r in shown(chat.press(ALICE, f"qa:{article.id}"))]
    assert len(parts) >= 2 and body in html.unescape(re.sub(r"<[^>]*>", "", "".join(parts)))
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机问题")
    chat.press(AGENT, f"kr:{ticket_id}")
    answer = "\n".join(f"第{i}点：请按说明操作。" for i in range(300))[:3900]
    chat.send(AGENT, answer)
    parts = [r.text for r in shown(chat.press(ALICE, f"qt:{ticket_id}"))]
    assert answer in html.unescape(re.sub(r"<[^>]*>", "", "".join(parts)))


def test_the_cards_ticket_button_lists_the_customers_tickets_with_a_new_one(chat,
                                                                             staff) -> None:
    buyer = customers.create_customer(staff["agent"], customers.CustomerDraft(name="王小明"))
    ask = shown(chat.press(AGENT, f"tk:{buyer.id}"))[0]  # none yet: straight to a new one
    assert "王小明" in ask.text and ask.buttons == [("✖ 取消", "kx")]
    chat.send(AGENT, "发票抬头错了 <b>&")
    chat.press(AGENT, "ko")  # the title alone
    listing = shown(chat.press(AGENT, f"tk:{buyer.id}"))[0]
    assert "发票抬头错了 &lt;b&gt;&amp;" in listing.text and "🆕" in listing.text
    ticket_id = fetch_one("select id from ticket")[0]
    assert listing.button("T-") == f"k:{ticket_id}"
    card = shown(chat.press(AGENT, listing.button("T-")))[0]
    assert card.text.count("发票抬头错了") == 1  # a one-line problem is its subject, once
    chat.press(AGENT, f"tn:{buyer.id}")
    chat.send(AGENT, "发票金额不对\n应为 1,200 元，开成了 12,000 元")
    longer = shown(chat.press(AGENT, f"k:{fetch_one('select max(id) from ticket')[0]}"))[0]
    assert longer.text.count("发票金额不对") == 2 and "开成了 12,000 元" in longer.text
    again = shown(chat.press(AGENT, listing.button("新工单")))[0]
    assert "王小明" in again.text and fetch_one("select count(*) from ticket")[0] == 2


@pytest.mark.parametrize(("language", "warning"), [
    ("zh-CN", "没有在 Telegram 上联系过我们"), ("en", "never written to us on Telegram")])
def test_a_reply_to_a_customer_who_is_not_on_telegram_is_not_promised_to_reach_them(
        chat, staff, language, warning) -> None:
    users.set_preferences(staff["agent"], locale=language)
    caller = customers.create_customer(staff["agent"], customers.CustomerDraft(
        name="王小明", phones=("13800138000",)))
    chat.press(AGENT, f"tk:{caller.id}")
    chat.send(AGENT, "电话里说发票开错了")
    card = shown(chat.press(AGENT, "ko"))[0]  # the title alone: ✅ opens it
    assert warning in card.text
    ticket_id = fetch_one("select id from ticket")[0]
    [ask] = shown(chat.press(AGENT, f"kr:{ticket_id}"))
    assert warning in ask.text and "王小明" in ask.text
    assert "客户会在聊天中收到" not in ask.text and "gets it in their chat" not in ask.text
    chat.send(AGENT, "已重开发票")
    # Kept on the ticket, not left waiting for a chat that may link weeks later.
    assert fetch_all("select body, relay_status from ticket_message") == [("已重开发票", None)]


def test_a_customer_who_wrote_to_the_bot_gets_no_such_warning(chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    [ask] = shown(chat.press(AGENT, f"kr:{ticket_id}"))
    assert "客户会在聊天中收到" in ask.text and "没有在 Telegram" not in ask.text


@pytest.mark.parametrize(("language", "question", "button", "opened"), [
    ("zh", "发票抬头怎么改", "用这个问题提交工单", "已提交"),
    ("en", "How do I change the invoice title", "Open a ticket with this question", "is open")])
def test_a_question_no_article_answers_becomes_a_ticket_without_typing_it_again(
        chat, staff, language, question, button, opened) -> None:
    [nothing] = chat.send(ALICE, question, language=language)
    [done] = shown(chat.press(ALICE, nothing.button(button)))
    assert opened in done.text
    assert fetch_all("select subject, description from ticket") == [(question, question)]


def test_an_article_that_did_not_help_leads_to_a_ticket_with_the_question(chat, staff) -> None:
    [found] = chat.send(ALICE, "打印机开不了机，电源灯也不亮", language="zh")
    [article] = shown(chat.press(ALICE, found.button("打印机无法开机")))
    chat.press(ALICE, article.button("用这个问题提交工单"))
    assert fetch_all("select subject from ticket") == [("打印机开不了机，电源灯也不亮",)]
    # Once used, the words are not reused for a second ticket: the next one is asked for.
    [ask] = shown(chat.press(ALICE, "qq"))
    assert "描述问题" in ask.text and fetch_one("select count(*) from ticket")[0] == 1


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-CN", "状态为 🔒 已关闭 的工单不能改为 ✅ 已解决"),
    ("en", "A ticket that is 🔒 Closed cannot become ✅ Resolved")])
def test_a_stale_status_button_is_refused_in_words_not_codes(chat, staff, language,
                                                               expected) -> None:
    users.set_preferences(staff["agent"], locale=language)
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    chat.press(AGENT, f"ks:{ticket_id}")  # the menu stays on screen...
    chat.press(MANAGER, f"kS:{ticket_id}:closed")  # ...while a colleague closes the ticket
    replies = chat.press(AGENT, f"kS:{ticket_id}:resolved")
    said = " ".join(chat.alerts(replies) + [r.text for r in shown(replies)])
    assert expected in said and "closed" not in said
    assert fetch_one("select status from ticket")[0] == "closed"


@pytest.mark.parametrize(("language", "already"), [
    ("zh", "您已为工单"), ("en", "You have already rated")])
def test_a_second_press_on_the_stars_keeps_the_first_rating(chat, staff, language,
                                                             already) -> None:
    ticket_id = open_ticket(chat, ALICE, language, "Printer")
    chat.press(AGENT, f"kS:{ticket_id}:resolved")
    chat.press(ALICE, f"qs:{ticket_id}:5")
    [refused] = shown(chat.press(ALICE, f"qs:{ticket_id}:1"))  # the old message's stars
    assert already in refused.text and "⭐⭐⭐⭐⭐" in refused.text
    assert fetch_one("select rating, status from ticket") == (5, "closed")


@pytest.mark.parametrize(("language", "rated"), [
    ("zh-CN", "打了 1 分（满分 5 分）"), ("en", "The customer rated")])
def test_whoever_worked_the_ticket_is_told_its_rating(chat, staff, language, rated) -> None:
    users.set_preferences(staff["agent"], locale=language)
    ticket_id = answered_and_resolved(chat, staff, "zh")
    told = len(to(chat, AGENT))
    chat.press(ALICE, f"qs:{ticket_id}:1")
    run(chat, deliver_notifications)
    [news] = to(chat, AGENT)[told:]
    assert rated in news and "⭐" in news and "⭐⭐" not in news
    chat.press(ALICE, f"qs:{ticket_id}:5")  # a second press changes nothing: no second notice
    run(chat, deliver_notifications)
    assert len(to(chat, AGENT)) == told + 1


def answered_and_resolved(chat, staff, language: str) -> int:
    """A customer's ticket the agent took, answered and resolved; the agent's news sent."""
    ticket_id = open_ticket(chat, ALICE, language, "打印机坏了")
    chat.press(AGENT, f"kA:{ticket_id}:{staff['agent'].user_id}")
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "请拔掉电源线再试")
    chat.press(AGENT, f"kS:{ticket_id}:resolved")
    run(chat, deliver_notifications)
    return ticket_id


@pytest.mark.parametrize(("language", "thanks", "welcome", "status", "question", "added",
                          "reopened"), [
    ("zh", "好的，谢谢！", "不客气", "✅ 已解决", "谢谢，不过又卡纸了", "已添加到工单",
     "已重新打开"),
    ("en", "Thank you 👍", "You're welcome", "✅ Resolved", "Thanks, but it jams again",
     "Added to ticket", "open again")])
def test_a_thank_you_after_the_resolution_is_kept_and_reopens_nothing(
        chat, staff, language, thanks, welcome, status, question, added, reopened) -> None:
    ticket_id = answered_and_resolved(chat, staff, language)
    told_agent = len(to(chat, AGENT))
    chat.press(ALICE, f"qr:{ticket_id}")
    [on_ticket] = chat.send(ALICE, thanks, language=language)
    # Typed outside the ticket too: not searched as a question to open a ticket with.
    [outside] = chat.send(ALICE, thanks, language=language)
    for said in (on_ticket, outside):
        assert welcome in said.text and status in said.text
        assert said.button("5⭐")  # still asked to rate
    run(chat, deliver_notifications)
    assert to(chat, AGENT)[told_agent:] == []
    assert fetch_one("select status from ticket")[0] == "resolved"
    assert fetch_all("select body from ticket_message where author = 'customer'") == \
        [(thanks,), (thanks,)]
    # A real question still reopens the ticket, and the agent hears of it.
    chat.press(ALICE, f"qr:{ticket_id}")
    [sent] = chat.send(ALICE, question, language=language)
    assert added in sent.text and reopened in sent.text  # told it is open again
    run(chat, deliver_notifications)
    assert question in to(chat, AGENT)[-1]
    assert fetch_one("select status from ticket")[0] == "reopened"


def card_of(chat, user_id: int, ticket_id: int) -> str:
    return shown(chat.press(user_id, f"k:{ticket_id}"))[0].text


def test_time_the_customer_takes_does_not_count_against_the_resolution_time(chat,
                                                                            staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "发票金额不对")
    chat.press(AGENT, f"kA:{ticket_id}:{staff['agent'].user_id}")
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "请发一下发票号")
    assert "等待客户中，计时暂停" in card_of(chat, AGENT, ticket_id)
    assert "paused while waiting for the customer" in card_of(chat, MANAGER, ticket_id)
    # The customer takes five hours, and the bot checks long after the original due time.
    due = as_datetime(fetch_one("select resolution_due_at from ticket")[0])
    database.execute_sql(sql("update ticket set waiting_since = ?"),
                         (utcnow() - dt.timedelta(hours=5),))
    later = utcnow() + dt.timedelta(days=4)
    run(chat, lambda app: service_jobs.alert_breaches(app, later))
    run(chat, lambda app: reminder_jobs.deliver_reminders(app, later))
    assert not any("解决已超时" in text for text in to(chat, AGENT))
    # The customer answers: the clock runs again, five hours later than it would have.
    chat.press(ALICE, f"qr:{ticket_id}")
    chat.send(ALICE, "号码是 123")
    moved = as_datetime(fetch_one("select resolution_due_at from ticket")[0])
    assert dt.timedelta(hours=5) <= moved - due < dt.timedelta(hours=5, minutes=1)
    card = card_of(chat, AGENT, ticket_id)
    assert "已顺延等待客户的 5 小时" in card
    assert when("zh-CN", moved, runtime.config().timezone) in card
    assert "moved on by 5 h" in card_of(chat, MANAGER, ticket_id)


def test_a_wait_of_under_a_minute_is_not_said_to_have_moved_the_due_time(chat,
                                                                          staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "发票金额不对")
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "请发一下发票号")
    # The customer is waited for twenty seconds: nothing worth saying in minutes.
    database.execute_sql(sql("update ticket set waiting_since = ?"),
                         (utcnow() - dt.timedelta(seconds=20),))
    chat.press(AGENT, f"kS:{ticket_id}:open")
    card = card_of(chat, AGENT, ticket_id)
    assert "顺延" not in card and "0 分钟" not in card.split("解决期限")[1]
    assert "moved on by" not in card_of(chat, MANAGER, ticket_id)


def test_the_card_says_whether_the_first_answer_was_given_or_is_due(chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    chinese, english = card_of(chat, AGENT, ticket_id), card_of(chat, MANAGER, ticket_id)
    assert "首次回复截止 " in chinese and "First answer due by " in english
    # both deadlines on the line are worded alike, neither with a colon of its own
    assert " · 解决期限 " in chinese and " · Resolve by " in english
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "请打开后盖取出纸张")
    card = card_of(chat, AGENT, ticket_id)
    assert "首次回复于 " in card and "（用时 0 分钟）" in card and "截止" not in card
    english = card_of(chat, MANAGER, ticket_id)
    assert "First answered " in english and "(took 0 min)" in english


@pytest.mark.parametrize(("locale", "buttons"), [
    ("en", ["👤 Customer", "⏰ Remind", "📋 Tickets"]),
    ("zh-CN", ["👤 客户", "⏰ 提醒", "📋 工单列表"])])
def test_a_viewer_is_shown_only_the_ticket_buttons_they_may_use(chat, staff, locale,
                                                                buttons) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    users.add_user(Actor.system(), 8303, "viewer", "Vic", locale=locale)
    [card] = shown(chat.press(8303, f"k:{ticket_id}"))
    assert [label for label, _ in card.buttons] == buttons
    [own] = shown(chat.press(AGENT, f"k:{ticket_id}"))
    assert "💬 回复" in str(own.buttons) and "📂 状态" in str(own.buttons)


def list_button(replies) -> str:
    [card] = [r for r in replies if r.method in ("sendMessage", "editMessageText",
                                                 "editMessageReplyMarkup")]
    return card.button("📋")


@pytest.mark.parametrize(("user", "missed"), [(AGENT, "⚠️ 已超出服务时限"),
                                             (MANAGER, "⚠️ Service level missed")])
def test_a_ticket_resolved_after_its_deadline_still_says_the_service_level_was_missed(
        chat, staff, user, missed) -> None:
    on_time, late = (open_ticket(chat, ALICE, "zh", text) for text in ("打印机卡纸", "无法登录"))
    agent = staff["agent"]
    for ticket_id in (on_time, late):
        service.reply_to_ticket(agent, ticket_id, "马上处理")
        service.set_ticket_status(agent, ticket_id, "open")  # no longer waiting for them
    due = service.get_ticket(agent, late).resolution_due_at
    service.set_ticket_status(agent, on_time, "resolved")
    service.set_ticket_status(agent, late, "resolved", now=due + dt.timedelta(hours=1))
    assert missed in card_of(chat, user, late)
    assert missed not in card_of(chat, user, on_time)
    service.set_ticket_status(agent, late, "closed", now=due + dt.timedelta(hours=2))
    assert missed in card_of(chat, user, late)  # closed too: the miss stays on record


def test_the_cards_list_button_returns_to_the_list_and_page_it_came_from(chat, staff) -> None:
    manager = staff["manager"]
    buyer = customers.create_customer(manager, customers.CustomerDraft(name="周先生"))
    for n in range(10):
        service.open_ticket(manager, buyer.id, f"问题 {n}")
    chat.send(MANAGER, "/tickets open")
    [second] = shown(chat.press(MANAGER, "kv:open:8"))
    card = chat.press(MANAGER, second.button("T-"))
    assert list_button(card) == "kv:open:8"
    ticket_id = int(second.button("T-").split(":")[1])
    # Still there after a picker and a change made on the card.
    assert list_button(chat.press(MANAGER, f"kk:{ticket_id}")) == "kv:open:8"
    assert list_button(chat.press(MANAGER, f"kA:{ticket_id}:0")) == "kv:open:8"
    [back] = shown(chat.press(MANAGER, "kv:open:8"))
    assert "All open tickets" in back.text and "◀" in str(back.buttons)
    [nobodys] = chat.send(MANAGER, "/tickets unassigned")
    assert list_button(chat.press(MANAGER, nobodys.button("T-"))) == "kv:unassigned:0"


def consent_now(customer_id: int) -> dict[str, bool]:
    return {channel: view.granted for channel, view in
            consent.current_consent(Actor.system(), customer_id).items()}


@pytest.mark.parametrize(("word", "language", "said", "undo", "undone"), [
    ("退订", "zh", "已退订", "撤销", "已撤销"), ("取消订阅", "zh", "已退订", "撤销", "已撤销"),
    ("Unsubscribe", "en", "You are unsubscribed", "Undo", "Undone"),
    ("/stop", "en", "You are unsubscribed", "Undo", "Undone")])
def test_a_customer_unsubscribes_from_marketing_in_the_chat_and_can_undo(
        chat, staff, word, language, said, undo, undone) -> None:
    ticket_id = open_ticket(chat, ALICE, language, "发票问题")
    customer_id = fetch_one("select customer_id from ticket where id = ?", (ticket_id,))[0]
    for channel in ("email", "telegram"):
        consent.record_consent(Actor.system(), customer_id, channel, True, method="written")
    chat.press(ALICE, "qn")  # even halfway through a new ticket, it is not taken as one
    [answer] = chat.send(ALICE, word, language=language)
    assert said in answer.text and undo in answer.buttons[0][0]
    assert consent_now(customer_id) == {"email": False, "telegram": False}
    assert fetch_one("select count(*) from ticket")[0] == 1
    # Audited as the customer's own doing, through the bot.
    assert fetch_all("select actor_id, actor_name, channel from audit_log"
                     " where action = 'consent.record' and actor_name <> 'system'") == [
        (None, f"User{ALICE}", "bot")] * 2
    [back] = shown(chat.press(ALICE, answer.buttons[0][1]))
    assert undone in back.text
    assert consent_now(customer_id) == {"email": True, "telegram": True}


def test_the_audit_log_does_not_say_an_unsubscribing_customer_had_agreed_before(chat,
                                                                               staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    customer_id = fetch_one("select customer_id from ticket where id = ?", (ticket_id,))[0]
    consent.record_consent(Actor.system(), customer_id, "email", True, method="written")
    chat.send(ALICE, "退订", language="zh")
    entries = audit.list_audit(Actor.system(), customer_id=customer_id).items
    said = {key: value for entry in entries
            if entry.action == "consent.record" and entry.channel == "bot"
            for key, value in entry.changes.items() if key.startswith("consent.")}
    # E-mail had been agreed; Telegram was never asked, so it was not "agreed" before.
    assert said == {"consent.email": [True, False], "consent.telegram": [None, False]}


def test_staff_read_that_the_customer_unsubscribed_themselves(chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    customer_id = fetch_one("select customer_id from ticket where id = ?", (ticket_id,))[0]
    customers.update_customer(staff["manager"], customer_id, "owner_id",
                              str(staff["agent"].user_id))
    chat.send(ALICE, "退订", language="zh")
    [zh] = shown(chat.press(AGENT, f"mo:{customer_id}:cs"))
    assert "Telegram：❌ 不同意" in zh.text and "客户本人（聊天中）" in zh.text
    [en] = shown(chat.press(MANAGER, f"mo:{customer_id}:cs"))
    assert "declined" in en.text and "the customer, in the chat" in en.text


@pytest.mark.parametrize(("language", "said"), [("zh", "无需退订"),
                                                ("en", "nothing to unsubscribe from")])
def test_someone_not_on_any_list_is_told_there_is_nothing_to_unsubscribe_from(
        chat, staff, language, said) -> None:
    [answer] = chat.send(BOB, "unsubscribe", language=language)
    assert said in answer.text and not answer.buttons
    assert fetch_one("select count(*) from consent")[0] == 0
    assert fetch_one("select count(*) from customer")[0] == 0


def waiting_for_alice(chat, language: str, problem: str, question: str) -> int:
    """Alice's ticket, answered with a question: it waits for her reply."""
    ticket_id = open_ticket(chat, ALICE, language, problem)
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, question)
    return ticket_id


@pytest.mark.parametrize(("language", "reply", "added", "new_question", "taken_back"), [
    ("zh", "好的，明天下午可以", "已添加到等待您回复的工单", "新问题", "已从工单"),
    ("en", "the code is 1234", "Added to ticket", "new question", "Taken off ticket")])
def test_words_typed_outside_a_ticket_waiting_for_them_go_to_it(
        chat, staff, language, reply, added, new_question, taken_back) -> None:
    ticket_id = waiting_for_alice(chat, language, "打印机坏了", "请问什么时候方便上门？")
    [told] = chat.send(ALICE, reply, language=language)
    assert added in told.text and "打印机坏了" in told.text  # not a knowledge-base search
    assert fetch_one("select status from ticket")[0] == "open"
    assert fetch_all("select body from ticket_message where author = 'customer'"
                     " order by id")[-1] == (reply,)
    run(chat, deliver_notifications)
    assert reply in to(chat, AGENT)[-1]  # the agent hears of it, as of any reply
    # It was a new question after all: off the ticket, which waits again, and searched.
    replies = shown(chat.press(ALICE, told.button(new_question)))
    assert taken_back in replies[0].text and replies[-1].button("🆕")
    assert fetch_one("select status from ticket")[0] == "waiting"
    assert (reply,) not in fetch_all("select body from ticket_message where ticket_id = ?",
                                     (ticket_id,))


def test_with_several_tickets_waiting_the_customer_says_which_one(chat, staff) -> None:
    first = waiting_for_alice(chat, "zh", "打印机坏了", "请问型号是？")
    second = waiting_for_alice(chat, "zh", "发票金额不对", "请发一下发票号")
    [which] = chat.send(ALICE, "号码是 FP-2026-0087")
    assert "2 个工单在等您的回复" in which.text
    assert fetch_one("select count(*) from ticket_message where body = ?",
                     ("号码是 FP-2026-0087",))[0] == 0  # nothing stored before she says
    [sent] = shown(chat.press(ALICE, which.button("发票金额不对")))
    assert "已添加到工单" in sent.text
    assert fetch_all("select ticket_id from ticket_message where body = ?",
                     ("号码是 FP-2026-0087",)) == [(second,)]
    statuses = dict(fetch_all("select id, status from ticket"))
    assert statuses == {first: "waiting", second: "open"}
    # Neither: a new question, searched as one.
    [again] = chat.send(ALICE, "打印机开不了机")
    assert "回复哪一个" not in again.text  # one ticket waits now: it goes there
    chat.press(ALICE, again.button("新问题"))
    assert fetch_one("select status from ticket where id = ?", (first,))[0] == "waiting"


def test_a_reply_taken_back_after_the_ticket_moved_on_stays_there(chat, staff) -> None:
    ticket_id = waiting_for_alice(chat, "zh", "打印机坏了", "请问型号是？")
    [told] = chat.send(ALICE, "HP M428")
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "好的，明天上门")
    [kept] = shown(chat.press(ALICE, told.button("新问题")))
    assert "已有新的进展" in kept.text and "/start" in kept.text
    assert ("HP M428",) in fetch_all("select body from ticket_message")


def _ticket_state(ticket_id: int) -> tuple:
    return (fetch_one("select status, waiting_since, resolution_due_at from ticket"
                      " where id = ?", (ticket_id,)),
            fetch_all("select id, body from ticket_message where ticket_id = ? order by id",
                      (ticket_id,)),
            fetch_all("select id, sent_at from notification order by id"))


@pytest.mark.parametrize(("language", "taken_back", "already", "moved_on"), [
    ("zh", "已从工单", "已经从工单", "已有新的进展"),
    ("en", "Taken off ticket", "already taken off ticket", "has moved on")])
def test_a_second_press_on_new_question_says_the_words_were_already_taken_back(
        chat, staff, language, taken_back, already, moved_on) -> None:
    ticket_id = waiting_for_alice(chat, language, "Printer", "When can we come?")
    [told] = chat.send(ALICE, "tomorrow 3pm", language=language)
    again = told.button("🆕")
    assert taken_back in shown(chat.press(ALICE, again))[0].text
    run(chat, deliver_notifications)
    before, edits, said = _ticket_state(ticket_id), len(_edits_to_agent(chat)), len(to(chat, ALICE))
    [second] = shown(chat.press(ALICE, again))
    assert already in second.text and moved_on not in second.text
    number = fetch_one("select number from ticket where id = ?", (ticket_id,))[0]
    assert f"<b>{number}</b>" in second.text
    run(chat, deliver_notifications)
    assert _ticket_state(ticket_id) == before  # nothing changed, nobody told again
    assert len(_edits_to_agent(chat)) == edits and len(to(chat, ALICE)) == said + 1
    # Staff answer again later: the old button still says what happened to those words.
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "3pm is fine")
    [later] = shown(chat.press(ALICE, again))
    assert already in later.text and moved_on not in later.text


def test_a_customer_without_a_waiting_ticket_is_searched_as_before(chat, staff) -> None:
    open_ticket(chat, ALICE, "zh", "打印机坏了")  # open, not waiting for her
    [found] = chat.send(ALICE, "打印机开不了机")
    assert "可能有帮助的文章" in found.text


def _notice_of(chat, words: str) -> tuple[int, str]:
    """The agent's notice of the customer's words, sent: (its Telegram message id, the
    number of the ticket it names)."""
    run(chat, deliver_notifications)
    [(kept, params)] = fetch_all("select telegram_message_id, params from notification"
                                 " where code = 'ticket.customer_replied' and params like ?",
                                 (f"%{words}%",))
    return kept, json.loads(params)["number"]


def _edits_to_agent(chat) -> list:
    return [c for c in chat.stub.calls
            if c.method == "editMessageText" and int(c.params["chat_id"]) == AGENT]


def test_words_taken_back_as_a_new_question_are_corrected_in_the_agents_notice(
        chat, staff) -> None:
    waiting_for_alice(chat, "zh", "打印机坏了", "请问型号是？")
    [told] = chat.send(ALICE, "发票还没收到")
    kept, old_number = _notice_of(chat, "发票还没收到")
    assert kept is not None and "发票还没收到" in to(chat, AGENT)[-1]
    found = shown(chat.press(ALICE, told.button("新问题")))[-1]
    [taken] = _edits_to_agent(chat)
    assert int(taken.params["message_id"]) == kept  # the notice itself, not a new message
    assert "发票还没收到" in taken.params["text"]
    assert f"客户已把这条留言从 <b>{old_number}</b> 撤回：这是个新问题" in taken.params["text"]
    # She opens a ticket with those words: the notice says which one they became.
    chat.press(ALICE, found.button("🆕"))
    new_id, new_number = fetch_one("select id, number from ticket order by id desc limit 1")
    became = _edits_to_agent(chat)[-1]
    assert int(became.params["message_id"]) == kept
    assert f"撤回：已成为工单 <b>{new_number}</b>" in became.params["text"]
    assert became.buttons() == [("🎫 打开工单", f"k:{new_id}")]


def test_a_notice_not_sent_yet_is_withdrawn_with_the_words(chat, staff) -> None:
    waiting_for_alice(chat, "en", "Printer broken", "Which model is it?")
    [told] = chat.send(ALICE, "my invoice never came", language="en")
    chat.press(ALICE, told.button("new question"))
    run(chat, deliver_notifications)
    assert not any("my invoice never came" in text for text in to(chat, AGENT))
    assert _edits_to_agent(chat) == []


def test_a_notice_that_cannot_be_edited_is_followed_up(chat, staff) -> None:
    waiting_for_alice(chat, "zh", "打印机坏了", "请问型号是？")
    [told] = chat.send(ALICE, "发票还没收到")
    _, old_number = _notice_of(chat, "发票还没收到")
    chat.stub.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
    chat.press(ALICE, told.button("新问题"))
    assert f"↩ 客户已撤回在 <b>{old_number}</b> 的留言（“发票还没收到”）：这是个新问题" \
        in to(chat, AGENT)[-1]


def moved_at(ticket_id: int) -> str:
    """When the ticket's status last moved, on the staff's clock (the installation's)."""
    at = as_datetime(fetch_one("select status_changed_at from ticket where id = ?",
                               (ticket_id,))[0])
    return local_naive(at, runtime.config().timezone).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(("language", "closed_by", "closed_line"), [
    ("zh-CN", "被 {by} 关闭，请先重新打开再回复", "🔒 已关闭"),
    ("en", "was closed by {by} at {at}: reopen it first", "🔒 Closed")])
def test_a_closed_ticket_refuses_a_reply_at_once_and_lets_the_next_message_go(
        chat, staff, language, closed_by, closed_line) -> None:
    users.set_preferences(staff["agent"], locale=language)
    me = "您" if language == "zh-CN" else "you"
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    chat.press(AGENT, f"kS:{ticket_id}:closed")
    # Pressed on the closed ticket: said before anything is typed, the card redrawn.
    replies = chat.press(AGENT, f"kr:{ticket_id}")
    [refused] = chat.alerts(replies)
    assert closed_by.format(by=me, at=moved_at(ticket_id)) in refused
    [card] = shown(replies)
    assert card.method == "editMessageText" and closed_line in card.text
    [searched] = chat.send(AGENT, "发票问题的客户")
    assert "关闭" not in searched.text and "closed" not in searched.text
    # Closed by a colleague while the answer was being typed: said once, with the card as it
    # is now, and the next message is the agent's own again (a search), not refused again.
    chat.press(AGENT, f"kS:{ticket_id}:reopened")
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.press(MANAGER, f"kS:{ticket_id}:closed")
    [kept_out, card] = chat.send(AGENT, "请重启打印机")
    assert closed_by.format(by="Wang Manager", at=moved_at(ticket_id)) in kept_out.text
    assert closed_line in card.text and f"ks:{ticket_id}:closed" in str(card.buttons)
    [searched] = chat.send(AGENT, "发票问题的客户")
    assert "关闭" not in searched.text and "closed" not in searched.text
    assert fetch_one("select count(*) from ticket_message where author = 'staff'")[0] == 0


def _customer_sends_photo_and_file(chat) -> int:
    """Alice opens a ticket with a photo, then sends a log file on it."""
    chat.send(ALICE, "/start", language="zh")
    chat.press(ALICE, "qn")
    photo = [{"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
             {"file_id": "big-photo", "file_unique_id": "b", "width": 900, "height": 900}]
    chat.deliver({"message": chat._message(ALICE, "zh", photo=photo,
                                           caption="屏幕显示错误\n错误代码 E42，重启也没用")})
    ticket_id = fetch_one("select id from ticket")[0]
    chat.press(ALICE, f"qr:{ticket_id}")
    document = {"file_id": "log-file", "file_unique_id": "l", "file_name": "error.log"}
    chat.deliver({"message": chat._message(ALICE, "zh", document=document)})
    return ticket_id


@pytest.mark.parametrize(("language", "photo", "document"), [
    ("zh-CN", "📷 1 · 照片", "📎 2 · error.log"), ("en", "📷 1 · Photo", "📎 2 · error.log")])
def test_staff_get_the_photo_and_file_a_customer_sent(chat, staff, language, photo,
                                                      document) -> None:
    users.set_preferences(staff["agent"], locale=language)
    ticket_id = _customer_sends_photo_and_file(chat)
    [card] = shown(chat.press(AGENT, f"k:{ticket_id}"))
    assert photo in card.text and document in card.text
    for label, method, file_id in ((photo, "sendPhoto", "big-photo"),
                                   (document, "sendDocument", "log-file")):
        before = len(chat.stub.calls)
        chat.press(AGENT, card.button(label))
        [sent] = [c for c in chat.stub.calls[before:] if c.method == method]
        assert (int(sent.params["chat_id"]), sent.params[method.removeprefix("send").lower()]) \
            == (AGENT, file_id)
        assert sent.params["caption"].startswith("T-") and label in sent.params["caption"]
    # A forged button (a message without a file) sends nothing.
    text_only = fetch_one("select min(id) from ticket_message where file_id is null")[0]
    replies = chat.press(AGENT, f"kf:{ticket_id}:{text_only or 0}")
    assert chat.alerts(replies) and not [r for r in replies if r.method.startswith("sendD")]


def test_a_customer_reads_what_they_wrote_and_gets_their_files_back(chat, staff) -> None:
    ticket_id = _customer_sends_photo_and_file(chat)
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "收到，我们看一下")
    [view] = shown(chat.press(ALICE, f"qt:{ticket_id}"))
    assert "错误代码 E42，重启也没用" in view.text  # the words the ticket was opened with
    assert "📷 1 · 照片" in view.text and "📎 2 · error.log" in view.text
    before = len(chat.stub.calls)
    chat.press(ALICE, view.button("📎 2"))
    [sent] = [c for c in chat.stub.calls[before:] if c.method == "sendDocument"]
    assert (int(sent.params["chat_id"]), sent.params["document"]) == (ALICE, "log-file")
    # Another customer's forged button: not there, nothing sent.
    before = len(chat.stub.calls)
    replies = chat.press(BOB, view.button("📎 2"))
    assert any("not there" in r.text for r in shown(replies))
    assert not [c for c in chat.stub.calls[before:] if c.method == "sendDocument"]


@pytest.mark.parametrize(("language", "question"), [
    ("en", "How do I change my delivery address?"), ("en", "I want my money back"),
    ("zh", "我的快递怎么还没到"), ("zh", "如何修改收货地址")])
def test_a_question_sharing_only_question_words_with_an_article_finds_none(
        chat, staff, language, question) -> None:
    # "How invoices work" and "打印机无法开机怎么办" say nothing about either question.
    [answer] = chat.send(BOB, question, language=language)
    assert answer.text.startswith(("No article matches", "没有找到相关文章"))
    assert [label for label, _ in answer.buttons] == [
        "🆕 Open a ticket with this question" if language == "en" else "🆕 用这个问题提交工单"]


@pytest.mark.parametrize(("question", "article"), [
    ("how do invoices work", "How invoices work"), ("when is my invoice sent", "How invoices work"),
    ("我的打印机怎么开不了机", "打印机无法开机怎么办")])
def test_a_question_sharing_a_real_word_with_an_article_still_finds_it(chat, staff, question,
                                                                       article) -> None:
    [answer] = chat.send(BOB, question, language="en")
    assert answer.button(article)


def _written_later(chat, user_id: int, text: str, later: dt.timedelta):
    """A message written ``later`` than now, as Telegram dates it."""
    message = chat._message(user_id, None, text=text)
    message["date"] += int(later.total_seconds())
    return chat.deliver({"message": message})


@pytest.mark.parametrize(("language", "searched"), [("zh", "没有找到相关文章"),
                                                    ("en", "No article matches")])
def test_a_customer_back_days_after_tapping_write_is_not_taken_for_that_reply(
        chat, staff, language, searched) -> None:
    ticket_id = open_ticket(chat, ALICE, language, "Printer jammed")
    chat.press(AGENT, f"kS:{ticket_id}:resolved")
    chat.press(ALICE, f"qr:{ticket_id}")  # ✍️, then nothing typed: gone for two days
    [answer] = _written_later(chat, ALICE, "我想换一台新的 / exchange for a new one",
                              dt.timedelta(days=2))
    assert searched in answer.text  # a question of its own, with 🆕 to open a ticket
    assert fetch_one("select status from ticket")[0] == "resolved"
    assert fetch_one("select count(*) from ticket_message where author = 'customer'")[0] == 0
    # Within the hour the words are the reply asked for, as before.
    chat.press(ALICE, f"qr:{ticket_id}")
    _written_later(chat, ALICE, "still jammed", dt.timedelta(minutes=50))
    assert fetch_one("select status from ticket")[0] == "reopened"


@pytest.mark.parametrize("typed", ["{number}", "{lower}", "{short}", "/find {number}"])
def test_a_ticket_number_typed_by_staff_opens_its_card(chat, staff, typed) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    number = fetch_one("select number from ticket")[0]
    short = number.rsplit("-", 1)[0] + "-" + str(int(number.rsplit("-", 1)[1]))
    [card] = shown(chat.send(AGENT, typed.format(number=number, lower=number.lower(),
                                                 short=short.lower())))
    assert card.text.startswith(f"🎫 <b>{number}</b> · 发票问题")
    assert card.button("回复") == f"kr:{ticket_id}"


def test_a_ticket_number_staff_may_not_see_is_not_there(chat, staff) -> None:
    theirs = customers.create_customer(staff["manager"], customers.CustomerDraft(name="王小明"))
    hidden = service.open_ticket(staff["manager"], theirs.id, "合同问题")
    [answer] = chat.send(AGENT, hidden.number)
    assert "工单不存在，或您无权查看" in answer.text
    assert "合同问题" not in answer.text


PHOTO = [{"file_id": "stray-photo", "file_unique_id": "p", "width": 900, "height": 900}]


@pytest.mark.parametrize(("language", "where", "new"), [
    ("zh", "它属于您的哪个工单", "🆕 用它提交新工单"),
    ("en", "Which of your tickets does it go with", "🆕 Open a new ticket with it")])
def test_a_photo_sent_outside_any_ticket_is_kept_until_the_customer_says_where(
        chat, staff, language, where, new) -> None:
    ticket_id = open_ticket(chat, ALICE, language, "Printer jammed")
    number = fetch_one("select number from ticket")[0]
    [asked] = chat.deliver({"message": chat._message(ALICE, language, photo=PHOTO,
                                                     caption="the paper tray")})
    assert where in asked.text and [label for label, _ in asked.buttons] == [
        f"✍️ {number} · Printer jammed", new]
    assert fetch_one("select count(*) from ticket_message")[0] == 0  # nothing until told
    chat.press(ALICE, asked.button(number))
    assert fetch_all("select ticket_id, body, file_id from ticket_message") == [
        (ticket_id, "the paper tray", "stray-photo")]
    # Another one, this time a ticket of its own; the agent gets it on the card.
    [asked] = chat.deliver({"message": chat._message(ALICE, language, photo=PHOTO)})
    [opened] = shown(chat.press(ALICE, asked.button(new)))
    assert "T-" in opened.text and fetch_one("select count(*) from ticket")[0] == 2
    newest = fetch_one("select max(id) from ticket")[0]
    [card] = shown(chat.press(AGENT, f"k:{newest}"))
    assert card.button("📷 1")


def test_a_newcomers_photo_offers_a_ticket_with_it(chat, staff) -> None:
    [asked] = chat.deliver({"message": chat._message(BOB, "en", photo=PHOTO)})
    assert "Open a ticket with it?" in asked.text
    assert [label for label, _ in asked.buttons] == ["🆕 Open a new ticket with it"]


def test_a_resolved_or_closed_card_says_when_not_by_when(chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "请打开后盖取出纸张")
    chat.press(AGENT, f"kS:{ticket_id}:resolved")
    resolved_at = as_datetime(fetch_one("select resolved_at from ticket")[0])
    chinese, english = card_of(chat, AGENT, ticket_id), card_of(chat, MANAGER, ticket_id)
    assert f"已解决于 {when('zh-CN', resolved_at, 'Asia/Shanghai')}" in chinese
    assert "Resolved " in english and "首次回复于 " in chinese
    assert "解决期限" not in chinese and "Resolve by" not in english
    # Closed without an answer or a resolution: no due time is left to promise.
    other = open_ticket(chat, ALICE, "zh", "发票问题")
    chat.press(AGENT, f"kS:{other}:closed")
    card = card_of(chat, AGENT, other)
    assert "截止" not in card and "期限" not in card and "已解决于" not in card


def test_a_file_sent_without_words_opens_a_ticket_named_after_it(chat, staff) -> None:
    document = {"file_id": "invoice-scan", "file_unique_id": "i", "file_name": "发票扫描.pdf"}
    [asked] = chat.deliver({"message": chat._message(ALICE, "zh", document=document)})
    chat.press(ALICE, asked.button("🆕"))
    assert fetch_one("select subject from ticket")[0] == "发票扫描.pdf"  # not "照片"


@pytest.mark.parametrize(("language", "live", "draft"), [
    ("en", "customers see the new version at once", "It stays a draft until you publish it"),
    ("zh-CN", "客户会立即看到新版本", "发布前一直是草稿")])
def test_a_new_version_of_a_published_article_is_said_to_go_live_at_once(
        chat, staff, language, live, draft) -> None:
    users.set_preferences(staff["manager"], locale=language)
    published = service.search_articles("invoices")[0]
    [asked] = shown(chat.press(MANAGER, f"be:{published.id}"))
    assert live in asked.text and draft not in asked.text and "How invoices work" in asked.text
    chat.send(MANAGER, "How invoices work\nInvoices are sent on the 1st.")
    assert service.get_article(None, published.id).body == "Invoices are sent on the 1st."
    [found] = chat.send(BOB, "invoices", language="en")  # live for customers, as promised
    assert found.button("How invoices work")
    # A draft's new version is still said to stay a draft.
    chat.press(MANAGER, f"bp:{published.id}:draft")
    [asked] = shown(chat.press(MANAGER, f"be:{published.id}"))
    assert draft in asked.text and live not in asked.text


def test_a_manager_can_hand_a_ticket_to_anyone_on_a_larger_team(chat, staff) -> None:
    for n in range(12):
        users.add_user(Actor.system(), 9100 + n, "agent", f"客服{n:02d}")
    users.add_user(Actor.system(), 9200, "viewer", "只读的人")
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    [menu] = [r for r in chat.press(MANAGER, f"ka:{ticket_id}")
              if r.method == "editMessageReplyMarkup"]
    labels = [label for label, _ in menu.buttons]
    assert all(f"客服{n:02d}" in labels for n in range(12)) and "李娜" in labels
    assert "只读的人" not in labels and "Wang Manager" not in labels  # "Me" is there for that
    chat.press(MANAGER, menu.button("客服11"))
    assert fetch_one("select s.name from ticket t join staff_user s on s.id = t.assignee_id")[
        0] == "客服11"


def test_words_left_unplaced_another_day_do_not_join_the_next_ones(chat, staff) -> None:
    waiting_for_alice(chat, "zh", "打印机坏了", "请问型号是？")
    second = waiting_for_alice(chat, "zh", "发票金额不对", "请发一下发票号")
    chat.send(ALICE, "号码是 FP-2026-0087")  # asked which ticket; she never says
    [which] = _written_later(chat, ALICE, "发票号是 FP-2026-0099", dt.timedelta(days=3))
    chat.press(ALICE, which.button("发票金额不对"))
    assert fetch_all("select body from ticket_message where ticket_id = ? and author = ?",
                     (second, "customer")) == [("发票号是 FP-2026-0099",)]


@pytest.mark.parametrize(("language", "too_long", "asked"), [
    ("zh", "不能超过 4000 个字符", "请用一条消息描述问题"),
    ("en", "at most 4000 characters", "Describe the problem in one message")])
def test_a_question_too_long_for_a_ticket_is_asked_for_again_not_dropped(
        chat, staff, language, too_long, asked) -> None:
    question = "打印机卡纸。" * 680  # 4,080 characters: one Telegram message, too long a ticket
    [found] = chat.send(ALICE, question, language=language)
    said = " ".join(r.text for r in shown(chat.press(ALICE, found.button("🆕"))))
    assert too_long in said and asked in said
    assert fetch_one("select count(*) from ticket")[0] == 0
    chat.send(ALICE, "打印机卡纸\n每打印十页就卡一次")
    assert fetch_one("select subject from ticket")[0] == "打印机卡纸"


@pytest.mark.parametrize(("language", "closed", "write", "rate", "reopened"), [
    ("zh", "已关闭", "✍️ 留言", "请为我们的服务评分", "已重新打开"),
    ("en", "is closed", "✍️ Write", "How did we do?", "open again")])
def test_a_customer_is_told_when_staff_close_their_ticket_without_resolving_it(
        chat, staff, language, closed, write, rate, reopened) -> None:
    ticket_id = open_ticket(chat, ALICE, language, "打印机卡纸")
    told = len(to(chat, ALICE))
    chat.press(AGENT, f"kS:{ticket_id}:closed")
    [news] = [c for c in chat.stub.sent() if int(c.params["chat_id"]) == ALICE][told:]
    assert closed in news.params["text"] and rate in news.params["text"]
    labels = [label for label, _ in news.buttons()]
    assert "5⭐" in labels and write in labels
    # Writing on it, as the message says, opens it again.
    chat.press(ALICE, dict(news.buttons())[write])
    [sent] = chat.send(ALICE, "还是卡纸", language=language)
    assert reopened in sent.text
    assert fetch_one("select status from ticket")[0] == "reopened"


def test_a_customer_hears_of_the_end_of_a_ticket_once(chat, staff) -> None:
    closed = open_ticket(chat, ALICE, "zh", "无法登录")
    told = len(to(chat, ALICE))
    chat.press(AGENT, f"kS:{closed}:closed")
    [news] = to(chat, ALICE)[told:]
    assert "已关闭" in news
    resolved = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    told = len(to(chat, ALICE))
    chat.press(AGENT, f"kS:{resolved}:resolved")
    chat.press(AGENT, f"kS:{resolved}:closed")  # resolved first: they heard then
    [news] = to(chat, ALICE)[told:]
    assert "已解决" in news and "已关闭" not in news
    # Closed by their own rating: nothing to tell them but the thanks.
    rated = open_ticket(chat, ALICE, "zh", "发票问题")
    chat.press(AGENT, f"kS:{rated}:resolved")
    told = len(to(chat, ALICE))
    chat.press(ALICE, f"qs:{rated}:4")
    run(chat, service_jobs.deliver_relays)
    [thanks] = to(chat, ALICE)[told:]
    assert "谢谢" in thanks and "已关闭" not in thanks


def test_closing_tickets_tells_only_the_customers_on_telegram(chat, staff) -> None:
    caller = customers.create_customer(staff["agent"], customers.CustomerDraft(
        name="王小明", phones=("13800138000",)))
    by_phone = service.open_ticket(staff["agent"], caller.id, "电话里说发票开错了")
    in_chat = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    before = len(chat.stub.sent())
    chat.press(AGENT, f"kS:{by_phone.id}:closed")
    chat.press(AGENT, f"kS:{in_chat}:closed")
    run(chat, service_jobs.deliver_relays)
    [news] = [c for c in chat.stub.sent()[before:] if int(c.params["chat_id"]) != AGENT]
    assert int(news.params["chat_id"]) == ALICE and "已关闭" in news.params["text"]
    assert fetch_one("select count(*) from ticket_message where relay_status is not null"
                     " and ticket_id = ?", (by_phone.id,))[0] == 0


@pytest.mark.parametrize(("language", "changed", "due", "button"), [
    ("zh-CN", "的优先级从 高 改为 🔥 紧急", "前解决", "🎫 打开工单"),
    ("en", "from High to 🔥 Urgent", "resolve by", "🎫 Open the ticket")])
def test_the_assignee_is_told_when_someone_else_changes_their_tickets_priority(
        chat, staff, language, changed, due, button) -> None:
    users.set_preferences(staff["agent"], locale=language)
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    chat.press(AGENT, f"kA:{ticket_id}:{staff['agent'].user_id}")
    chat.press(AGENT, f"kP:{ticket_id}:high")  # their own change: nothing to tell them
    run(chat, deliver_notifications)
    told, manager_told = len(to(chat, AGENT)), len(to(chat, MANAGER))
    chat.press(MANAGER, f"kP:{ticket_id}:urgent")
    chat.press(MANAGER, f"kP:{ticket_id}:urgent")  # the same again changes nothing
    run(chat, deliver_notifications)
    [news] = [c for c in chat.stub.sent() if int(c.params["chat_id"]) == AGENT][told:]
    assert "Wang Manager" in news.params["text"] and changed in news.params["text"]
    assert due in news.params["text"] and "打印机卡纸" in news.params["text"]
    assert news.buttons() == [(button, f"k:{ticket_id}")]
    assert len(to(chat, MANAGER)) == manager_told  # who made the change is not told of it


def news_to(chat, user_id: int, since: int) -> list:
    """What the notification job sent ``user_id`` after the first ``since`` messages."""
    run(chat, deliver_notifications)
    return [c for c in chat.stub.sent() if int(c.params["chat_id"]) == user_id][since:]


@pytest.mark.parametrize(("language", "moves", "button"), [
    ("zh-CN", ["的状态从 🆕 新建 改为 ✅ 已解决", "从 ✅ 已解决 改为 🔒 已关闭",
               "从 🔒 已关闭 改为 🔄 重新打开"], "🎫 打开工单"),
    ("en", ["status of your ticket", "from ✅ Resolved to 🔒 Closed",
            "from 🔒 Closed to 🔄 Reopened"], "🎫 Open the ticket")])
def test_the_assignee_is_told_when_someone_else_resolves_closes_or_reopens_their_ticket(
        chat, staff, language, moves, button) -> None:
    users.set_preferences(staff["agent"], locale=language)
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    chat.press(AGENT, f"kA:{ticket_id}:{staff['agent'].user_id}")
    run(chat, deliver_notifications)  # the managers' news of the new ticket
    told, manager_told = len(to(chat, AGENT)), len(to(chat, MANAGER))
    for status in ("resolved", "closed", "reopened"):
        chat.press(MANAGER, f"kS:{ticket_id}:{status}")
        chat.press(MANAGER, f"kS:{ticket_id}:{status}")  # an old button again: no change
    news = news_to(chat, AGENT, told)
    assert len(news) == 3  # one notice a change
    for notice, move in zip(news, moves, strict=True):
        assert "Wang Manager" in notice.params["text"] and move in notice.params["text"]
        assert "打印机卡纸" in notice.params["text"]
        assert notice.buttons() == [(button, f"k:{ticket_id}")]
    assert "✅" in news[0].params["text"]  # resolved, in the reader's words
    assert len(to(chat, MANAGER)) == manager_told  # who made the change is not told of it
    # Their own moves are news to nobody.
    told = len(to(chat, AGENT))
    chat.press(AGENT, f"kS:{ticket_id}:resolved")
    assert news_to(chat, AGENT, told) == [] and len(to(chat, MANAGER)) == manager_told


@pytest.mark.parametrize(("language", "handed", "taken_over", "unassigned", "button"), [
    ("zh-CN", "Wang Manager 把您的工单", "Wang Manager 接手了您的工单", "退回到“未指派”队列",
     "🎫 打开工单"),
    ("en", "Wang Manager handed your ticket", "Wang Manager took over your ticket",
     "it is nobody's now", "🎫 Open the ticket")])
def test_the_previous_assignee_is_told_their_ticket_was_handed_to_someone_else(
        chat, staff, language, handed, taken_over, unassigned, button) -> None:
    users.set_preferences(staff["agent"], locale=language)
    zhou = users.add_user(Actor.system(), 8305, "agent", "Zhou Support", locale=language).id
    mine = customers.create_customer(staff["agent"], customers.CustomerDraft(name="王小明"))
    own = service.open_ticket(staff["agent"], mine.id, "合同续签").id  # the agent's customer
    newcomers = open_ticket(chat, ALICE, "zh", "打印机卡纸")  # nobody's customer
    chat.press(AGENT, f"kA:{newcomers}:{staff['agent'].user_id}")
    run(chat, deliver_notifications)  # the managers' news of the new ticket
    told, zhou_told = len(to(chat, AGENT)), len(to(chat, 8305))
    manager_told = len(to(chat, MANAGER))
    chat.press(MANAGER, f"kA:{own}:{zhou}")
    chat.press(MANAGER, f"kA:{own}:{zhou}")  # the same hands again: nobody is told twice
    chat.press(MANAGER, f"kA:{newcomers}:{zhou}")
    [still_sees, gone] = news_to(chat, AGENT, told)
    assert handed in still_sees.params["text"] and "Zhou Support" in still_sees.params["text"]
    assert "合同续签" in still_sees.params["text"]
    assert still_sees.buttons() == [(button, f"k:{own}")]  # their customer: they still see it
    assert handed in gone.params["text"] and "打印机卡纸" in gone.params["text"]
    assert gone.buttons() == []  # not theirs to open any more: no button to "not there"
    assert len(news_to(chat, 8305, zhou_told)) == 2  # the new assignee, once a ticket
    assert len(to(chat, MANAGER)) == manager_told  # who made the change is not told of it
    # Taken over by the manager, then put back among nobody's tickets.
    chat.press(MANAGER, f"kA:{own}:{staff['manager'].user_id}")
    chat.press(MANAGER, f"kA:{newcomers}:0")
    [took, back] = news_to(chat, 8305, zhou_told + 2)
    assert taken_over in took.params["text"] and took.buttons() == []
    assert unassigned in back.params["text"]
    assert back.buttons() == [(button, f"k:{newcomers}")]  # the open queue: anyone opens it
    # The agent takes their customer's ticket back from the manager: the manager hears it.
    chat.press(AGENT, f"kA:{own}:{staff['agent'].user_id}")
    [back_to_agent] = news_to(chat, MANAGER, manager_told)
    assert "李娜 took over your ticket" in back_to_agent.params["text"]
    assert news_to(chat, AGENT, told + 2) == []  # their own change


@pytest.mark.parametrize(("language", "undone", "already"), [
    ("zh", "已撤销", "已经撤销过了"), ("en", "Undone", "already undone")])
def test_a_second_press_on_undo_says_it_was_already_undone_and_changes_nothing(
        chat, staff, language, undone, already) -> None:
    ticket_id = open_ticket(chat, ALICE, language, "发票问题")
    customer_id = fetch_one("select customer_id from ticket where id = ?", (ticket_id,))[0]
    consent.record_consent(Actor.system(), customer_id, "email", True, method="written")
    [answer] = chat.send(ALICE, "unsubscribe", language=language)
    [first] = shown(chat.press(ALICE, answer.buttons[0][1]))
    assert undone in first.text
    recorded = fetch_one("select count(*) from consent")[0]
    [second] = shown(chat.press(ALICE, answer.buttons[0][1]))
    assert already in second.text and undone not in second.text
    assert fetch_one("select count(*) from consent")[0] == recorded
    assert consent_now(customer_id) == {"email": True, "telegram": False}


def test_an_unsubscribe_that_withdrew_nothing_offers_no_undo(chat, staff) -> None:
    open_ticket(chat, ALICE, "en", "Invoice")  # on file, but never agreed to marketing
    [answer] = chat.send(ALICE, "unsubscribe", language="en")
    assert "You are unsubscribed" in answer.text and answer.buttons == []


@pytest.mark.parametrize(("language", "read_only"), [
    ("zh-CN", "仅供查看"), ("en", "To read only")])
def test_support_working_a_ticket_can_read_the_customer_that_sales_own(
        chat, staff, language, read_only) -> None:
    users.set_preferences(staff["agent"], locale=language)
    sales = users.add_user(Actor.system(), 8304, "agent", "Zhao Sales").as_actor()
    buyer = customers.create_customer(sales, customers.CustomerDraft(
        name="王小明", phones=("13800138000",)))
    own = {"phone_number": "+8613800138000", "first_name": "王", "user_id": ALICE}
    chat.deliver({"message": chat._message(ALICE, "zh", contact=own)})
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")
    chat.press(MANAGER, f"kA:{ticket_id}:{staff['agent'].user_id}")  # support works it
    [card] = shown(chat.press(AGENT, f"k:{ticket_id}"))
    [customer] = shown(chat.press(AGENT, card.button("👤")))
    assert "王小明" in customer.text and "138" in customer.text and read_only in customer.text
    assert "Zhao Sales" in customer.text
    assert customer.buttons == [(customer.buttons[0][0], f"k:{ticket_id}")]  # back, nothing else
    # The owner still gets the whole card, its buttons with it.
    [whole] = shown(chat.press(8304, shown(chat.press(8304, f"k:{ticket_id}"))[0].button("👤")))
    assert read_only not in whole.text and f"lg:{buyer.id}:call" in str(whole.buttons)


def test_a_ticket_in_the_open_queue_shows_no_customer_button_to_staff_who_cannot_open_it(
        chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "发票问题")  # a newcomer: nobody's customer
    [card] = shown(chat.press(AGENT, f"k:{ticket_id}"))
    assert "👤" not in str(card.buttons) and "💬 回复" in str(card.buttons)
    # a forged button is no grant: crm refuses it
    assert chat.alerts(chat.press(AGENT, f"kc:{ticket_id}")) == ["未找到该客户，或您无权查看。"]
    chat.press(AGENT, f"kA:{ticket_id}:{staff['agent'].user_id}")  # taken: now they work it
    [card] = shown(chat.press(AGENT, f"k:{ticket_id}"))
    [customer] = shown(chat.press(AGENT, card.button("👤")))
    assert "User8401" in customer.text


def picker(replies) -> object:
    """The card's buttons swapped for a picker's (status, priority, assignee)."""
    [menu] = [r for r in replies if r.method == "editMessageReplyMarkup"]
    return menu


def _ticket_now(ticket_id: int) -> tuple:
    return fetch_one("select status, priority, assignee_id from ticket where id = ?",
                     (ticket_id,))


@pytest.mark.parametrize(("language", "status_button", "resolved", "told", "closed_line",
                          "reopen"), [
    ("zh-CN", "📂 状态", "✅ 已解决", "已于 {at} 被 Wang Manager 改为 🔒 已关闭，未做任何更改",
     "🔒 已关闭 · 普通", "🔄 重新打开"),
    ("en", "📂 Status", "✅ Resolved",
     "was moved to 🔒 Closed by Wang Manager at {at}; nothing changed", "🔒 Closed · Normal",
     "🔄 Reopened")])
def test_an_older_status_menu_of_a_ticket_closed_since_says_so_and_redraws_the_card(
        chat, staff, language, status_button, resolved, told, closed_line, reopen) -> None:
    users.set_preferences(staff["agent"], locale=language)
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    [card] = shown(chat.press(AGENT, f"k:{ticket_id}"))
    menu = picker(chat.press(AGENT, card.button(status_button)))
    service.set_ticket_status(staff["manager"], ticket_id, "closed")  # a colleague, meanwhile
    said_to_alice = len(to(chat, ALICE))
    replies = chat.press(AGENT, menu.button(resolved))
    [alert] = chat.alerts(replies)
    assert told.format(at=moved_at(ticket_id)) in alert and "T-" in alert
    [redrawn] = shown(replies)
    assert redrawn.method == "editMessageText" and closed_line in redrawn.text
    assert _ticket_now(ticket_id)[0] == "closed" and len(to(chat, ALICE)) == said_to_alice
    # The redrawn card offers what the ticket takes now, and its buttons work.
    fresh = picker(chat.press(AGENT, redrawn.button(status_button)))
    assert [label for label, _ in fresh.buttons][:-1] == [reopen]
    chat.press(AGENT, fresh.button(reopen))
    assert _ticket_now(ticket_id)[0] == "reopened"


@pytest.mark.parametrize(("language", "buttons", "told", "closed_line"), [
    ("zh-CN", ("🙋 指派", "🔥 优先级"), "已于 {at} 被 Wang Manager 改为 🔒 已关闭", "🔒 已关闭"),
    ("en", ("🙋 Assign", "🔥 Priority"), "was moved to 🔒 Closed by Wang Manager at {at}",
     "🔒 Closed")])
def test_older_take_assign_and_priority_buttons_leave_a_ticket_closed_since_as_it_is(
        chat, staff, language, buttons, told, closed_line) -> None:
    users.set_preferences(staff["agent"], locale=language)
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    [card] = shown(chat.press(AGENT, f"k:{ticket_id}"))
    pickers = [picker(chat.press(AGENT, card.button(label))) for label in buttons]
    service.set_ticket_status(staff["manager"], ticket_id, "closed")
    before = _ticket_now(ticket_id)
    run(chat, deliver_notifications)
    manager_told = len(to(chat, MANAGER))
    # The card's own buttons, and the choices of pickers opened before the close.
    for pressed in (*(card.button(label) for label in buttons),
                    pickers[0].button("🙋"), pickers[1].button("🔥")):
        replies = chat.press(AGENT, pressed)
        assert told.format(at=moved_at(ticket_id)) in chat.alerts(replies)[0], pressed
        [redrawn] = shown(replies)
        assert redrawn.method == "editMessageText" and closed_line in redrawn.text
        assert f"ks:{ticket_id}:closed" in str(redrawn.buttons)
    assert _ticket_now(ticket_id) == before == ("closed", "normal", None)
    assert len(to(chat, MANAGER)) == manager_told and run(chat, deliver_notifications) == 0


@pytest.mark.parametrize(("language", "told"), [
    ("zh-CN", "这张卡片显示之后，工单 T-"), ("en", "has been handed to Zhou Support since")])
def test_taking_a_ticket_handed_to_someone_else_since_leaves_it_with_them(chat, staff, language,
                                                                         told) -> None:
    users.set_preferences(staff["agent"], locale=language)
    zhou = users.add_user(Actor.system(), 8305, "agent", "Zhou Support").id
    mine = customers.create_customer(staff["agent"], customers.CustomerDraft(name="王小明"))
    ticket_id = service.open_ticket(staff["manager"], mine.id, "合同续签").id
    [card] = shown(chat.press(AGENT, f"k:{ticket_id}"))
    menu = picker(chat.press(AGENT, card.button("🙋")))
    chat.press(MANAGER, f"kA:{ticket_id}:{zhou}")  # handed on, meanwhile
    run(chat, deliver_notifications)
    zhou_told = len(to(chat, 8305))
    replies = chat.press(AGENT, menu.button("🙋"))
    [alert] = chat.alerts(replies)
    assert told in alert and "Zhou Support" in alert
    assert "Zhou Support" in shown(replies)[0].text  # the card says whose it is now
    assert _ticket_now(ticket_id)[2] == zhou
    assert news_to(chat, 8305, zhou_told) == []  # nobody "took over" anything


def test_a_ticket_the_customer_closed_by_rating_it_says_so(chat, staff) -> None:
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    chat.press(AGENT, f"kS:{ticket_id}:resolved")
    [card] = shown(chat.press(AGENT, f"k:{ticket_id}"))
    chat.press(ALICE, f"qs:{ticket_id}:5")
    replies = chat.press(AGENT, card.button("💬"))
    assert f"已于 {moved_at(ticket_id)} 被 客户 关闭" in chat.alerts(replies)[0]
    assert "⭐⭐⭐⭐⭐" in shown(replies)[0].text


@pytest.mark.parametrize(("language", "answered", "button"), [
    ("zh-CN", "Wang Manager 回复了您的工单", "🎫 打开工单"),
    ("en", "Wang Manager answered the customer on your ticket", "🎫 Open the ticket")])
def test_the_assignee_is_told_when_someone_else_answers_their_ticket(
        chat, staff, language, answered, button) -> None:
    users.set_preferences(staff["agent"], locale=language)
    ticket_id = open_ticket(chat, ALICE, "zh", "打印机卡纸")
    chat.press(AGENT, f"kA:{ticket_id}:{staff['agent'].user_id}")
    run(chat, deliver_notifications)  # the managers' news of the new ticket
    told, manager_told = len(to(chat, AGENT)), len(to(chat, MANAGER))
    chat.press(MANAGER, f"kr:{ticket_id}")
    chat.send(MANAGER, "已经为您补寄了新的硒鼓")
    [news] = news_to(chat, AGENT, told)  # once: the move to waiting is not a second notice
    waiting = "⏳ 等待客户" if language == "zh-CN" else "⏳ Waiting for the customer"
    assert answered in news.params["text"] and "打印机卡纸" in news.params["text"]
    assert waiting in news.params["text"] and "已经为您补寄了新的硒鼓" in news.params["text"]
    assert news.buttons() == [(button, f"k:{ticket_id}")]
    assert len(to(chat, MANAGER)) == manager_told + 2  # the prompt and the card, no notice
    # The assignee's own answer is news to nobody.
    told = len(to(chat, AGENT))
    chat.press(ALICE, f"qr:{ticket_id}")
    chat.send(ALICE, "收到了，谢谢")
    run(chat, deliver_notifications)
    told, manager_told = len(to(chat, AGENT)), len(to(chat, MANAGER))
    chat.press(AGENT, f"kr:{ticket_id}")
    chat.send(AGENT, "好的")
    assert news_to(chat, AGENT, told + 2) == [] and news_to(chat, MANAGER, manager_told) == []
