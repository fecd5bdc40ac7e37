"""Adding customers (guided, one line, shared contact), duplicates, editing and tags."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import time
from collections.abc import Iterator

import peewee
import pytest
from openpyxl import load_workbook

from bot.handlers import edit
from bot.jobs import deliver_notifications
from crm import customers, exports, sales, users
from crm.actors import Actor
from crm.clock import utcnow
from tests.bot.harness import ChatHarness, Reply
from tests.crm.cast import customer

AGENT, ENGLISH_AGENT, OTHER = 5201, 5202, 5203


@pytest.fixture
def agent(db: peewee.Database) -> Actor:
    return users.add_user(Actor.system(), AGENT, "agent", "李娜", locale="zh-CN").as_actor()


@pytest.fixture
def english(db: peewee.Database) -> Actor:
    return users.add_user(Actor.system(), ENGLISH_AGENT, "agent", "Emily", locale="en").as_actor()


@pytest.fixture
def other(db: peewee.Database) -> Actor:
    return users.add_user(Actor.system(), OTHER, "agent", "王强").as_actor()


@pytest.fixture
def bot(chat: ChatHarness) -> Iterator[ChatHarness]:
    """The chat with its job queue running, as in production (conversation time-outs)."""
    chat.loop.run_until_complete(chat.app.job_queue.start())
    yield chat
    chat.loop.run_until_complete(chat.app.job_queue.stop(wait=False))


def messages(replies: list[Reply]) -> list[Reply]:
    return [r for r in replies if r.method in ("sendMessage", "editMessageText")]


def last(replies: list[Reply]) -> Reply:
    return messages(replies)[-1]


def all_text(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in messages(replies))


def names_of(actor: Actor, query: str) -> list[str]:
    return [item.name for item in customers.search_customers(actor, query).items]


# adding, step by step ----------------------------------------------------------------------
def test_guided_create_with_skip_and_back(bot, agent) -> None:
    ask = last(bot.send(AGENT, "/new"))
    assert "新建客户" in ask.text and [label for label, _ in ask.buttons] == ["✖ 取消"]
    phone = last(bot.send(AGENT, "王小明"))
    assert "电话" in phone.text and "没有找到" not in phone.text  # not taken as a search
    again = last(bot.press(AGENT, phone.button("上一步")))
    assert "姓名" in again.text and "当前：王小明" in again.text
    bot.send(AGENT, "王晓明")
    email = last(bot.press(AGENT, phone.button("跳过")))
    assert "邮箱" in email.text
    company = last(bot.press(AGENT, email.button("跳过")))
    assert "公司" in company.text
    bot.send(AGENT, "华为")
    summary = last(bot.send(AGENT, "#VIP, 老客户 重要"))
    assert "王晓明" in summary.text and "电话：—" in summary.text
    assert "标签：VIP、老客户、重要" in summary.text
    card = last(bot.press(AGENT, summary.button("保存")))
    assert "已保存" in card.text and "<b>王晓明</b> · 华为" in card.text and "重要" in card.text
    assert names_of(agent, "王晓明") == ["王晓明"]


def test_back_from_the_summary_and_cancel_save_nothing(bot, agent) -> None:
    bot.send(AGENT, "/new")
    bot.send(AGENT, "陈静")
    for _ in range(3):
        skip = last(bot.press(AGENT, "nw:skip"))
    summary = last(bot.press(AGENT, skip.button("跳过")))
    tags = last(bot.press(AGENT, summary.button("上一步")))
    assert "标签" in tags.text
    cancelled = last(bot.press(AGENT, tags.button("取消")))
    assert "已取消" in cancelled.text
    assert "没有找到" in last(bot.send(AGENT, "陈静")).text  # typed text is a search again


def test_slash_cancel_ends_the_conversation(bot, english) -> None:
    bot.send(ENGLISH_AGENT, "/new")
    assert "Cancelled" in last(bot.send(ENGLISH_AGENT, "/cancel")).text
    assert names_of(english, "Bob") == []
    assert "Nobody found" in last(bot.send(ENGLISH_AGENT, "Bob")).text


def test_a_bad_phone_is_refused_at_its_step_which_stays(bot, english) -> None:
    bot.send(ENGLISH_AGENT, "/new")
    bot.send(ENGLISH_AGENT, "Bob Lee")
    error, prompt = messages(bot.send(ENGLISH_AGENT, "12345"))
    assert error.text == "Phone: 12345 is not a valid phone number"
    assert "Phone number of <b>Bob Lee</b>" in prompt.text and "Now:" not in prompt.text
    email = last(bot.send(ENGLISH_AGENT, "138 0013 8000"))
    assert "E-mail address" in email.text
    company = last(bot.press(ENGLISH_AGENT, "nw:skip"))
    assert "company" in company.text.lower()
    bot.press(ENGLISH_AGENT, "nw:skip")
    summary = last(bot.press(ENGLISH_AGENT, "nw:skip"))
    assert "Save this new customer" in summary.text and "138 0013 8000" in summary.text
    card = last(bot.press(ENGLISH_AGENT, "nw:save"))
    assert "Bob Lee" in card.text and "+86 138 0013 8000" in card.text


def test_a_phone_with_an_extension_is_refused_at_its_step_saying_why(bot, english) -> None:
    bot.send(ENGLISH_AGENT, "/new")
    bot.send(ENGLISH_AGENT, "Bob Lee")
    error, prompt = messages(bot.send(ENGLISH_AGENT, "010-12345678 ext. 123"))
    assert error.text == ("Phone: 010-12345678 ext. 123 has an extension, which a phone number"
                          " cannot keep; give the number alone and put the extension in the"
                          " notes")
    assert "Phone number of <b>Bob Lee</b>" in prompt.text


def test_an_extension_after_the_number_in_one_line_is_refused_not_taken_as_the_company(
        bot, agent) -> None:
    replies = bot.send(AGENT, "/new 王五 010-12345678 转 123 华为")
    assert messages(replies)[0].text == ("电话：010-12345678 转 123 带有分机号，电话号码无法保存"
                                         "分机号；请只填总机号码，分机号写在备注里")
    card = last(bot.send(AGENT, "010-12345678"))
    assert "华为" in card.text and "转 123" not in card.text


def test_a_too_long_name_or_tag_is_refused_at_its_step(bot, agent) -> None:
    bot.send(AGENT, "/new")
    error, prompt = messages(bot.send(AGENT, "王" * 300))
    assert error.text.startswith("姓名：") and "姓名" in prompt.text
    bot.send(AGENT, "王小明")
    for _ in range(3):  # no phone, e-mail or company
        bot.press(AGENT, "nw:skip")
    error, prompt = messages(bot.send(AGENT, "VIP " + "标" * 100))
    assert error.text.startswith("标签：") and "标签" in prompt.text
    summary = last(bot.send(AGENT, "VIP"))
    assert "标签：VIP" in summary.text
    assert "王小明" in last(bot.press(AGENT, "nw:save")).text
    assert names_of(agent, "王小明") == ["王小明"]


def test_a_bad_phone_in_chinese_names_the_field(bot, agent) -> None:
    replies = bot.send(AGENT, "/new 张伟 1234567 华为")
    assert messages(replies)[0].text.startswith("电话：")
    assert "张伟" in last(replies).text and "当前：1234567" in last(replies).text
    card = last(bot.send(AGENT, "13800138000"))
    assert "保存" in card.text
    assert "<b>张伟</b> · 华为" in last(bot.press(AGENT, "nw:save")).text


# adding in one line, or from a contact -----------------------------------------------------
def test_one_line_create(bot, agent, english) -> None:
    card = last(bot.send(AGENT, "/new 张伟 138 0013 8000 华为技术 #VIP"))
    assert "已保存" in card.text and "<b>张伟</b> · 华为技术" in card.text
    assert "138 0013 8000" in card.text and "VIP" in card.text
    card = last(bot.send(ENGLISH_AGENT, "/new Emily Chen 13900139000 Acme Trading"))
    assert "Saved" in card.text and "<b>Emily Chen</b> · Acme Trading" in card.text
    assert "Nobody found" in last(bot.send(ENGLISH_AGENT, "Acme Trading Ltd")).text


def test_a_nul_character_in_typed_text_is_dropped_alike_on_either_engine(bot, agent) -> None:
    # It shows as nothing; PostgreSQL cannot store one (this was an unexpected error there).
    card = last(bot.send(AGENT, "/new 测试\x00人 13912345678 星\x00祥"))
    assert "已保存" in card.text and "<b>测试人</b> · 星祥" in card.text
    assert names_of(agent, "测试\x00人") == names_of(agent, "测试人") == ["测试人"]
    target = io.BytesIO()
    exports.export_records(Actor.system(), "customers", target)  # a sheet refuses a NUL
    assert "测试人" in [row[1] for row in load_workbook(target).active.iter_rows(values_only=True)]


def test_one_line_create_recognises_an_email_and_a_labelled_wechat_id(bot, agent,
                                                                     english) -> None:
    card = last(bot.send(AGENT, "/new 韩梅梅 13811112222 hmm@qq.com 小米科技"))
    assert "<b>韩梅梅</b> · 小米科技" in card.text and "hmm@qq.com" in card.text
    assert "小米科技 hmm" not in card.text and "hmm@qq.com 小米" not in card.text
    card = last(bot.send(ENGLISH_AGENT, "/new 李雷 lilei@example.com 微信:lilei_88 网易"))
    assert "<b>李雷</b> · 网易" in card.text and "lilei@example.com" in card.text
    assert "WeChat: lilei_88" in card.text
    card = last(bot.send(ENGLISH_AGENT, "/new Lucy lucy_w88 Acme"))  # a bare id: a word
    assert "<b>Lucy</b> · lucy_w88 Acme" in card.text and "WeChat" not in card.text


def test_a_shared_contact_becomes_a_customer(bot, agent) -> None:
    card = last(bot.share_contact(AGENT, "8613800138000", "伟", "张"))
    assert "已保存" in card.text and "<b>张伟</b>" in card.text and "138 0013 8000" in card.text
    foreign = last(bot.share_contact(AGENT, "447911123456", "Tom", "Jones"))
    assert "<b>Tom Jones</b>" in foreign.text and "+44 7911 123456" in foreign.text


def test_a_shared_contact_with_a_bad_number_is_refused_as_sent(bot, agent) -> None:
    refused = last(bot.share_contact(AGENT, "12345", "坏号码"))
    assert "12345" in refused.text and "+12345" not in refused.text
    assert names_of(agent, "坏号码") == []


def test_a_shared_contact_already_on_file_opens_their_card(bot, agent) -> None:
    made = customer(agent, "王小明", phones=("13800138000",))
    card = last(bot.share_contact(AGENT, "+86 138 0013 8000", "Xiaoming"))
    assert "<b>王小明</b>" in card.text and "已保存" not in card.text
    assert card.button("编辑") == f"ed:{made.id}"
    assert names_of(agent, "Xiaoming") == []


# duplicates --------------------------------------------------------------------------------
def test_a_duplicate_offers_open_existing_and_create_anyway(bot, agent) -> None:
    made = customer(agent, "王小明", phones=("13800138000",))
    offer = last(bot.send(AGENT, "/new 王晓明 13800138000"))
    assert "已存在" in offer.text and "<b>王小明</b>" in offer.text
    assert offer.button("打开") == f"c:{made.id}"
    assert "王小明" in last(bot.press(AGENT, offer.button("打开"))).text
    created = last(bot.press(AGENT, offer.button("仍然新建")))
    assert "已保存" in created.text and "王晓明" in created.text
    assert "已经结束" in " ".join(bot.alerts(bot.press(AGENT, offer.button("仍然新建"))))
    assert sorted(names_of(agent, "13800138000")) == ["王小明", "王晓明"]


def test_a_duplicate_phone_is_shown_as_the_card_shows_it(bot, agent) -> None:
    made = customer(agent, "刘洋", phones=("13911112222",))
    offer = last(bot.send(AGENT, "/new 刘洋 13911112222"))
    assert "• <b>刘洋</b>（电话：+86 139 1111 2222）" in offer.text
    assert offer.text.endswith("打开已有记录，还是仍然新建？")  # it has an open button
    card = last(bot.press(AGENT, offer.button("打开")))
    assert card.text.startswith("<b>刘洋</b>") and "+86 139 1111 2222" in card.text
    assert names_of(agent, "刘洋") == [made.name]


def test_a_colleagues_duplicate_is_not_described(bot, english, other) -> None:
    customer(other, "Secret Person", phones=("13800138000",))
    offer = last(bot.send(ENGLISH_AGENT, "/new Bob 13800138000"))
    assert "Already on file with a colleague" in offer.text
    assert "Secret" not in offer.text and not any(v.startswith("c:") for _, v in offer.buttons)
    # nothing to open, so the question does not offer to open it
    assert offer.text.endswith("\n\nCreate a new one anyway, or cancel?")
    created = last(bot.press(ENGLISH_AGENT, offer.button("Create anyway")))
    assert "<b>Bob</b>" in created.text


def test_a_similar_name_in_the_guided_flow(bot, english) -> None:
    made = customer(english, "Zhang Wei", company="Huawei")
    bot.send(ENGLISH_AGENT, "/new")
    bot.send(ENGLISH_AGENT, "Zhang Wei")
    bot.press(ENGLISH_AGENT, "nw:skip")
    bot.press(ENGLISH_AGENT, "nw:skip")
    bot.send(ENGLISH_AGENT, "Huawei")
    bot.press(ENGLISH_AGENT, "nw:skip")
    offer = last(bot.press(ENGLISH_AGENT, "nw:save"))
    assert "similar name" in offer.text and "(Company: Huawei)" in offer.text
    assert offer.button("Open Zhang Wei") == f"c:{made.id}"
    bot.press(ENGLISH_AGENT, offer.button("Cancel"))
    assert bot.alerts(bot.press(ENGLISH_AGENT, offer.button("Create anyway")))
    assert names_of(english, "Zhang Wei") == ["Zhang Wei"]


# escaping ----------------------------------------------------------------------------------
def test_a_user_typed_name_is_escaped(bot, english) -> None:
    bot.send(ENGLISH_AGENT, "/new")
    prompt = last(bot.send(ENGLISH_AGENT, "<b>&Co"))
    assert "<b>&lt;b&gt;&amp;Co</b>" in prompt.text
    card = last(bot.send(ENGLISH_AGENT, "/new <i>x</i> 13800138000 A&B"))
    assert "&lt;i&gt;x&lt;/i&gt;" in card.text and "A&amp;B" in card.text
    offer = last(bot.send(ENGLISH_AGENT, "/new Other 13800138000"))
    assert "&lt;i&gt;x&lt;/i&gt;" in offer.text and "<i>" not in offer.text
    assert offer.button("Open <i>x</i>")  # buttons are plain text, shown as typed


# editing -----------------------------------------------------------------------------------
def test_edit_with_a_validation_error_then_a_good_value(bot, agent) -> None:
    made = customer(agent, "王小明")
    menu = last(bot.press(AGENT, f"ed:{made.id}"))
    assert "王小明" in menu.text and all(len(v.encode()) <= 64 for _, v in menu.buttons)
    prompt = last(bot.press(AGENT, menu.button("生日")))
    assert "当前：—" in prompt.text
    error = last(bot.send(AGENT, "明天吧"))
    assert error.text.startswith("生日：") and "没有找到" not in all_text([error])
    error = last(bot.send(AGENT, "2999-01-01"))
    assert error.text.startswith("生日：")  # still at the same step
    card = last(bot.send(AGENT, "1990年3月7日"))
    assert "已保存" in card.text and "王小明" in card.text
    assert customers.get_customer(agent, made.id).birthday.isoformat() == "1990-03-07"


def test_edit_in_english_with_buttons_and_clear(bot, english) -> None:
    made = customer(english, "Bob", company="Acme", occupation="Chef")
    bot.press(ENGLISH_AGENT, f"ed:{made.id}")
    status = last(bot.press(ENGLISH_AGENT, f"ef:{made.id}:status"))
    assert "Now: Lead" in status.text
    bot.press(ENGLISH_AGENT, status.button("Customer"))
    bot.press(ENGLISH_AGENT, f"ed:{made.id}")
    gender = last(bot.press(ENGLISH_AGENT, f"ef:{made.id}:gender"))
    assert [label for label, _ in gender.buttons][:3] == ["Male", "Female", "Other"]  # as Lead
    bot.press(ENGLISH_AGENT, gender.button("Female"))
    bot.press(ENGLISH_AGENT, f"ed:{made.id}")
    occupation = last(bot.press(ENGLISH_AGENT, f"ef:{made.id}:occupation"))
    assert "Now: Chef" in occupation.text
    bot.press(ENGLISH_AGENT, occupation.button("Clear"))
    bot.press(ENGLISH_AGENT, f"ed:{made.id}")
    bot.press(ENGLISH_AGENT, f"ef:{made.id}:name")
    error = last(bot.send(ENGLISH_AGENT, "x" * 101))
    assert error.text == "Name: must be at most 100 characters"
    card = last(bot.send(ENGLISH_AGENT, "Robert"))
    assert "<b>Robert</b> · Acme" in card.text and "· Customer" in card.text
    saved = customers.get_customer(english, made.id)
    assert (saved.status, saved.gender, saved.occupation) == ("customer", "female", None)


def test_add_a_phone_and_remove_a_contact_detail(bot, agent) -> None:
    made = customer(agent, "陈静", emails=("cj@qq.com",))
    bot.press(AGENT, f"ed:{made.id}")
    bot.press(AGENT, f"ef:{made.id}:phone")
    assert last(bot.send(AGENT, "123")).text.startswith("电话：")
    card = last(bot.send(AGENT, "13800138000"))
    assert "138 0013 8000" in card.text
    bot.press(AGENT, f"ed:{made.id}")
    choices = last(bot.press(AGENT, f"ef:{made.id}:rm"))
    card = last(bot.press(AGENT, choices.button("cj@qq.com")))
    assert "cj@qq.com" not in card.text and "138 0013 8000" in card.text


def test_adding_a_phone_on_file_elsewhere_can_be_done_anyway(bot, agent) -> None:
    customer(agent, "王小明", phones=("13800138000",))
    made = customer(agent, "陈静")
    bot.press(AGENT, f"ed:{made.id}")
    bot.press(AGENT, f"ef:{made.id}:phone")
    offer = last(bot.send(AGENT, "13800138000"))
    assert "王小明" in offer.text and offer.button("打开").startswith("c:")
    assert offer.text.endswith("打开已有记录、仍然添加，或者发送另一个值。")
    card = last(bot.press(AGENT, offer.button("仍然添加")))
    assert "陈静" in card.text and "138 0013 8000" in card.text


def test_adding_a_colleagues_phone_offers_no_record_to_open(bot, english, other) -> None:
    customer(other, "Secret Person", phones=("13800138000",))
    made = customer(english, "Bob")
    bot.press(ENGLISH_AGENT, f"ed:{made.id}")
    bot.press(ENGLISH_AGENT, f"ef:{made.id}:phone")
    offer = last(bot.send(ENGLISH_AGENT, "13800138000"))
    assert offer.text.endswith("with a colleague\n\nAdd it anyway, or send another value.")
    assert not any(value.startswith("c:") for _, value in offer.buttons)


def test_a_wechat_id_and_an_address_are_added_shown_and_removed(bot, english) -> None:
    made = customer(english, "Bob")
    menu = last(bot.press(ENGLISH_AGENT, f"ed:{made.id}"))
    assert "Owner" not in str(menu.buttons)  # an agent may not hand customers to others
    bot.press(ENGLISH_AGENT, menu.button("WeChat"))
    assert last(bot.send(ENGLISH_AGENT, "a b")).text.startswith("WeChat:")  # stays at the step
    card = last(bot.send(ENGLISH_AGENT, "bob_lee88"))
    assert "WeChat: bob_lee88" in card.text
    bot.press(ENGLISH_AGENT, f"ed:{made.id}")
    prompt = last(bot.press(ENGLISH_AGENT, f"ef:{made.id}:address"))
    assert "address" in prompt.text.lower() and "Clear" not in str(prompt.buttons)
    card = last(bot.send(ENGLISH_AGENT, "深圳市南山区科技园路1号 <b>&"))
    assert "📍 深圳市南山区科技园路1号 &lt;b&gt;&amp;" in card.text
    [address] = customers.get_customer(english, made.id).addresses
    assert address.is_primary and address.street == "深圳市南山区科技园路1号 <b>&"
    bot.press(ENGLISH_AGENT, f"ed:{made.id}")
    choices = last(bot.press(ENGLISH_AGENT, f"ef:{made.id}:rm"))
    card = last(bot.press(ENGLISH_AGENT, choices.button("Address: 深圳市")))
    assert "📍" not in card.text and "bob_lee88" in card.text
    assert customers.get_customer(english, made.id).addresses == ()


def test_a_manager_hands_a_customer_to_another_owner_who_is_told(bot, agent, other) -> None:
    from crm import sales

    manager = users.add_user(Actor.system(), 5204, "manager", "王经理",
                             locale="zh-CN").as_actor()
    made = customer(agent, "王小明")
    sales.create_deal(agent, made.id, "年度合同", amount="5000")
    menu = last(bot.press(5204, f"ed:{made.id}"))
    owners = last(bot.press(5204, menu.button("负责人")))
    assert "当前：李娜" in owners.text and owners.button("✓ 李娜")
    card = last(bot.press(5204, owners.button("王强")))
    assert "王强" in card.text and "进行中的商机：1" in card.text  # the whole card, deals too
    assert customers.get_customer(manager, made.id).owner_name == "王强"
    [moved] = sales.list_assignment_history(manager, made.id)
    assert (moved.to_owner_id, moved.reason) == (users.identify(OTHER).id, "manual")


def test_a_handed_over_deal_and_follow_up_leave_the_previous_agent(bot, agent, other) -> None:
    """✏️ Edit → 👤 Owner → 王强: the deal's buttons no longer work for 李娜, her /reminders no
    longer lists the follow-up, and 王强 is told what came with the customer."""
    from crm import reminders, sales

    users.add_user(Actor.system(), 5204, "manager", "王经理", locale="zh-CN")
    made = customer(agent, "王小明")
    deal = sales.create_deal(agent, made.id, "年度合同", amount="5000")
    reminders.create_reminder(agent, utcnow() + dt.timedelta(days=1), "跟进报价",
                              customer_id=made.id)
    menu = last(bot.press(5204, f"ed:{made.id}"))
    owners = last(bot.press(5204, menu.button("负责人")))
    bot.press(5204, owners.button("王强"))
    contacted = next(s.id for s in sales.get_pipeline(Actor.system()).stages
                     if s.name_en == "Contacted")
    replies = bot.press(AGENT, f"dm:{deal.id}:{contacted}")
    assert any("找不到" in a or "未找到" in a for a in bot.alerts(replies))
    assert "跟进报价" not in all_text(bot.send(AGENT, "/reminders"))
    assert "跟进报价 · 王小明" in all_text(bot.send(OTHER, "/reminders"))
    bot.loop.run_until_complete(deliver_notifications(bot.app))
    [told] = [c.params["text"] for c in bot.stub.sent() if int(c.params["chat_id"]) == OTHER
              and "转给了您" in c.params["text"]]
    assert "进行中的商机 1 个" in told and "待办提醒 1 条" in told
    moved = last(bot.press(OTHER, f"dm:{deal.id}:{contacted}"))  # 王强 reads English
    assert "Moved to Contacted" in moved.text and "Owner: 王强" in moved.text


def test_staff_of_one_name_are_told_apart_in_the_owner_picker(bot, agent) -> None:
    users.add_user(Actor.system(), 5301, "manager", "王经理", locale="zh-CN", username="wangjl")
    users.add_user(Actor.system(), 5302, "agent", "王经理")
    made = customer(agent, "张三")
    menu = last(bot.press(5301, f"ed:{made.id}"))
    picker = last(bot.press(5301, menu.button("负责人")))
    labels = [label for label, _ in picker.buttons if "王经理" in label]
    assert len(labels) == 2 and len(set(labels)) == 2 and "王经理 (@wangjl)" in labels


def test_an_agent_cannot_hand_a_customer_over_by_forging_the_button(bot, agent, other) -> None:
    made = customer(agent, "王小明")
    bot.press(AGENT, f"ed:{made.id}")
    replies = bot.press(AGENT, f"eo:{made.id}:{users.identify(OTHER).id}")
    assert bot.alerts(replies) and customers.get_customer(agent, made.id).owner_name == "李娜"
    replies = bot.press(AGENT, f"ef:{made.id}:owner")
    assert bot.alerts(replies) or "王强" not in all_text(replies)
    assert customers.get_customer(agent, made.id).owner_name == "李娜"


def test_tags_are_added_by_typing_and_removed_by_buttons(bot, agent) -> None:
    made = customer(agent, "王小明", tags=("VIP",))
    tags = last(bot.press(AGENT, f"tg:{made.id}"))
    assert "VIP" in tags.text and tags.button("VIP").startswith("tr:")
    added = last(bot.send(AGENT, "#老客户，华东 #VIP"))
    assert "老客户" in added.text and "华东" in added.text and "没有找到" not in added.text
    removed = last(bot.press(AGENT, added.button("VIP")))
    assert removed.method == "editMessageText" and "VIP" not in removed.text
    bot.press(AGENT, tags.button("VIP"))  # an older list: the index still means VIP
    card = last(bot.press(AGENT, removed.button("完成")))
    assert "老客户 · 华东" in card.text or "华东 · 老客户" in card.text
    assert sorted(customers.get_customer(agent, made.id).tags) == ["华东", "老客户"]



def test_a_tag_of_two_words_stays_whole_when_tags_are_separated_by_commas(bot, english) -> None:
    made = customer(english, "Patricia Guo", tags=("trade show",))
    last(bot.press(ENGLISH_AGENT, f"tg:{made.id}"))
    added = last(bot.send(ENGLISH_AGENT, "vip, hot lead"))
    assert "hot lead" in added.text and added.button("hot lead")
    assert sorted(customers.get_customer(english, made.id).tags) == ["hot lead", "trade show",
                                                                     "vip"]
    last(bot.send(ENGLISH_AGENT, "newsletter partner"))  # no comma: one word a tag
    assert sorted(customers.get_customer(english, made.id).tags) == [
        "hot lead", "newsletter", "partner", "trade show", "vip"]


def test_english_prompts_name_the_field_without_a_capital_mid_sentence(bot, english) -> None:
    made = customer(english, "Patricia Guo")
    bot.press(ENGLISH_AGENT, f"ed:{made.id}")
    ask = last(bot.press(ENGLISH_AGENT, f"ef:{made.id}:phone"))
    assert ask.text == "➕ <b>Phone</b> for <b>Patricia Guo</b>: send it."
    bot.send(ENGLISH_AGENT, "/cancel")
    deal = sales.create_deal(english, made.id, "Pilot", amount="5000")
    bot.press(ENGLISH_AGENT, f"de:{deal.id}")
    ask = last(bot.press(ENGLISH_AGENT, f"df:{deal.id}:amount"))
    assert ask.text.startswith("<b>Amount</b> of <b>Pilot</b>\nNow: CNY 5,000.00")

# permissions, stale buttons and time-outs --------------------------------------------------
def test_an_agent_cannot_edit_another_agents_customer_by_forging_buttons(bot, agent,
                                                                        other) -> None:
    theirs = customer(other, "别人的客户", phones=("13900139000",))
    replies = bot.press(AGENT, f"ed:{theirs.id}")
    assert any("未找到" in alert for alert in bot.alerts(replies))
    assert "别人的客户" not in all_text(replies)
    bot.send(AGENT, "改掉了")
    for forged in (f"ef:{theirs.id}:name", f"ev:{theirs.id}:status:customer",
                   f"tg:{theirs.id}", f"tr:{theirs.id}:0", f"er:{theirs.id}:1"):
        bot.press(AGENT, forged)
    mine = customer(agent, "我的客户")
    bot.press(AGENT, f"ed:{mine.id}")
    bot.press(AGENT, f"ef:{mine.id}:status")
    assert "未找到" in all_text(bot.press(AGENT, f"ev:{theirs.id}:status:customer"))
    still = customers.get_customer(other, theirs.id)
    assert (still.name, still.status, still.tags) == ("别人的客户", "lead", ())


def test_a_viewer_is_told_they_may_not_edit(bot, agent) -> None:
    made = customer(agent, "王小明")
    users.add_user(Actor.system(), 5204, "viewer", "Vera", locale="en")
    assert bot.alerts(bot.press(5204, f"ed:{made.id}")) == [
        "Only agents, managers and admins can change records."]  # at the press, not later
    bot.press(5204, f"ef:{made.id}:name")
    assert "Nobody found" in last(bot.send(5204, "Changed")).text  # no edit was begun
    assert customers.get_customer(agent, made.id).name == "王小明"


def test_buttons_of_a_finished_conversation_are_answered(bot, english) -> None:
    for stale in ("nw:skip", "nw:save", "nw:force", "ev:1:status:lead", "tr:1:0", "ed:x"):
        replies = bot.press(ENGLISH_AGENT, stale)
        assert bot.alerts(replies) and not messages(replies)


@pytest.mark.parametrize("start", ["/new", "tags"])
def test_a_quiet_conversation_times_out_with_a_message(db, agent, monkeypatch, start) -> None:
    monkeypatch.setattr(edit, "TIMEOUT_SECONDS", 0.2)
    harness = ChatHarness(db)
    try:
        harness.loop.run_until_complete(harness.app.job_queue.start())
        made = customer(agent, "王小明")
        if start == "/new":
            harness.send(AGENT, "/new")
        else:
            harness.press(AGENT, f"tg:{made.id}")
        before = len(harness.stub.calls)
        deadline = time.monotonic() + 5
        while len(harness.stub.calls) == before and time.monotonic() < deadline:
            harness.loop.run_until_complete(asyncio.sleep(0.05))
        [notice] = harness.stub.calls[before:]
        assert "10 分钟没有操作" in notice.params["text"]
        assert "没有找到" in last(harness.send(AGENT, "陈静")).text
    finally:
        harness.loop.run_until_complete(harness.app.job_queue.stop(wait=False))
        harness.close()
