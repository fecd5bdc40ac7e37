"""Logging from the card, inline search, /settings, the More menu and /deleted (both languages)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import peewee
import pytest

from bot.handlers import log
from crm import consent, customers, users
from crm.actors import Actor
from crm.errors import NotFound
from tests.bot.harness import ChatHarness, Reply
from tests.crm.cast import customer

AGENT, OTHER, MANAGER, STRANGER = 5201, 5202, 5203, 9999
ID_CARD = "11010519491231002X"


def staff(telegram_id: int, role: str, name: str, locale: str = "zh-CN") -> Actor:
    return users.add_user(Actor.system(), telegram_id, role, name, locale=locale).as_actor()


@pytest.fixture
def agent(db: peewee.Database) -> Actor:
    return staff(AGENT, "agent", "李娜")


@pytest.fixture
def manager(db: peewee.Database) -> Actor:
    return staff(MANAGER, "manager", "王经理", locale="en")


def running(db: peewee.Database, monkeypatch: pytest.MonkeyPatch) -> ChatHarness:
    """The harness (its job queue runs conversation timeouts, as `crm run` does)."""
    return ChatHarness(db)


def stop(chat: ChatHarness) -> None:
    chat.close()


@pytest.fixture
def bot(db: peewee.Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatHarness]:
    chat = running(db, monkeypatch)
    yield chat
    stop(chat)


def sent(replies: list[Reply]) -> list[Reply]:
    return [r for r in replies if r.method in ("sendMessage", "editMessageText")]


def markup(reply: Reply) -> dict[str, Any]:
    value = reply.params.get("reply_markup") or {}
    return json.loads(value) if isinstance(value, str) else value


def timeline(actor: Actor, customer_id: int) -> list[Any]:
    return list(customers.get_timeline(actor, customer_id).items)


# logging --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("locale", "saved", "call"), [("zh-CN", "已为", "电话"),
                                                       ("en", "saved for", "Call")])
def test_log_a_call_from_the_card(bot, db, locale, saved, call) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    made = customer(me, "王小明")
    [ask] = sent(bot.press(AGENT, f"lg:{made.id}:call"))
    assert "王小明" in ask.text and "/cancel" in ask.text
    [done] = sent(bot.send(AGENT, "客户要 <报价> & 样品"))
    assert saved in done.text and call in done.text and "王小明" in done.text
    assert done.buttons[-1][1] == f"c:{made.id}"
    [entry, _created] = timeline(me, made.id)
    assert (entry.subkind, entry.summary, entry.staff_name) == ("call", "客户要 <报价> & 样品",
                                                                "李娜")
    [again] = bot.send(AGENT, "王小明")  # the conversation is over: text is a search again
    assert "<b>王小明</b>" in again.text


def test_log_a_visit_with_the_shared_location_and_a_document(bot, agent) -> None:
    made = customer(agent, "陈静")
    [ask] = sent(bot.press(AGENT, f"lg:{made.id}:visit"))
    keys = markup(ask)["keyboard"]
    assert keys[0][0]["request_location"] is True and keys[1][0]["text"] == "跳过"
    [located] = sent(bot.share_location(AGENT, 31.2304, 121.4737))
    assert "已附上位置" in located.text and markup(located).get("remove_keyboard")
    [attached] = sent(bot.send_document(AGENT, "报价单.pdf", mime_type="application/pdf"))
    assert "报价单.pdf" in attached.text
    [done] = sent(bot.send(AGENT, "看了样品，下周下单"))
    assert done.text == f"✅ 已为 <b>陈静</b> 保存拜访记录。 {AMAP}\n📎 已附 1 个文件。"
    assert done.params["link_preview_options"] == {"is_disabled": True}
    [entry, _created] = timeline(agent, made.id)
    assert (entry.data["latitude"], entry.data["longitude"]) == (31.2304, 121.4737)
    assert entry.data["attachments"] == 1
    [shown] = sent(bot.press(AGENT, f"tl:{made.id}:0"))
    assert "看了样品" in shown.text and "📍" in shown.text


AMAP = ('<a href="https://uri.amap.com/marker?position=121.4737,31.2304&amp;coordinate=wgs84">'
        "📍 地图</a>")


def test_a_visit_with_its_place_reads_as_one_timeline_line_with_a_map_link(bot, agent) -> None:
    made = customer(agent, "陈静")
    bot.press(AGENT, f"lg:{made.id}:visit")
    bot.share_location(AGENT, 31.2304, 121.4737)
    bot.send(AGENT, "看了样品")
    [shown] = sent(bot.press(AGENT, f"tl:{made.id}:0"))
    visit, summary = shown.text.splitlines()[1:3]
    assert visit.startswith("🚗 ") and visit.endswith(f"拜访 · 李娜 · {AMAP}")
    assert summary.strip() == "看了样品"  # the place is on the visit's line, not a line apart
    assert shown.params["link_preview_options"] == {"is_disabled": True}


def test_an_english_visit_links_its_place_on_openstreetmap(bot, db) -> None:
    me = staff(AGENT, "agent", "Li Na", locale="en")
    made = customer(me, "Chen Jing")
    bot.press(AGENT, f"lg:{made.id}:visit")
    bot.share_location(AGENT, 31.2304, 121.4737)
    [done] = sent(bot.send(AGENT, "saw the samples"))
    link = ('<a href="https://www.openstreetmap.org/?mlat=31.2304&amp;mlon=121.4737'
            '#map=17/31.2304/121.4737">📍 map</a>')
    assert done.text == f"✅ Visit saved for <b>Chen Jing</b>. {link}"
    [shown] = sent(bot.press(AGENT, f"tl:{made.id}:0"))
    assert shown.text.splitlines()[1].endswith(f"Visit · Li Na · {link}")


def test_a_visit_may_skip_the_location(bot, agent) -> None:
    made = customer(agent, "陈静")
    bot.press(AGENT, f"lg:{made.id}:visit")
    [ask] = sent(bot.send(AGENT, "跳过"))
    assert markup(ask).get("remove_keyboard")
    [done] = sent(bot.send(AGENT, "顺路拜访"))
    assert "📍" not in done.text
    [entry, _created] = timeline(agent, made.id)
    assert entry.summary == "顺路拜访" and entry.data["latitude"] is None


def test_a_summary_typed_before_skipping_the_location_is_kept_and_saved(bot, agent) -> None:
    made = customer(agent, "陈静")
    bot.press(AGENT, f"lg:{made.id}:visit")
    [kept] = sent(bot.send(AGENT, "陈静 看了样品"))
    assert "已记下" in kept.text and "跳过" in kept.text and "陈静" not in kept.text  # no search
    assert markup(kept)["keyboard"][0][0]["request_location"] is True  # still asked
    closed, done = sent(bot.send(AGENT, "跳过"))
    assert markup(closed).get("remove_keyboard") and "拜访" in done.text
    assert "📍" not in done.text
    [entry, _created] = timeline(agent, made.id)
    assert entry.summary == "陈静 看了样品" and entry.data["latitude"] is None


def test_a_summary_typed_before_the_location_is_saved_with_it(bot, agent) -> None:
    made = customer(agent, "陈静")
    bot.press(AGENT, f"lg:{made.id}:visit")
    bot.send(AGENT, "看了样品")
    bot.send(AGENT, "下周下单")  # a second message adds to the first
    saved, follow_up = sent(bot.share_location(AGENT, 31.2304, 121.4737))
    assert saved.text == ("✅ 已为 <b>陈静</b> 保存拜访记录。 " + AMAP) and \
        markup(saved).get("remove_keyboard")  # one line, the place on it; the 📍 keyboard goes
    assert "跟进" in follow_up.text and follow_up.buttons[-1][1] == f"c:{made.id}"
    [entry, _created] = timeline(agent, made.id)
    assert entry.summary == "看了样品\n下周下单" and entry.data["latitude"] == 31.2304
    [again] = bot.send(AGENT, "陈静")  # the visit is over: text is a search again
    assert "<b>陈静</b>" in again.text


def test_a_too_long_visit_completed_by_the_location_takes_the_keyboard_away_and_waits(
        bot, agent) -> None:
    made = customer(agent, "陈静")
    bot.press(AGENT, f"lg:{made.id}:visit")
    for _part in range(4):  # a paste Telegram sent in four messages, 16,387 characters in all
        bot.send(AGENT, "长" * 4096)
    [refused] = sent(bot.share_location(AGENT, 31.2304, 121.4737))
    assert "16000" in refused.text and "/cancel" in refused.text and "位置" in refused.text
    assert markup(refused).get("remove_keyboard")  # the 📍 keyboard does not stay behind
    [done] = sent(bot.send(AGENT, "看了样品"))  # the summary again: saved with the place
    assert done.text.startswith("✅ 已为 <b>陈静</b> 保存拜访记录。") and AMAP in done.text
    [entry, _created] = timeline(agent, made.id)
    assert entry.summary == "看了样品" and entry.data["latitude"] == 31.2304


def test_a_visit_whose_customer_went_meanwhile_ends_without_its_keyboard(
        bot, agent, manager) -> None:
    made = customer(agent, "Chen Jing")
    users.set_preferences(agent, locale="en")
    bot.press(AGENT, f"lg:{made.id}:visit")
    bot.send(AGENT, "Saw the samples")
    customers.delete_customer(manager, made.id)
    [gone] = sent(bot.share_location(AGENT, 31.2304, 121.4737))
    assert "not found" in gone.text.lower() and markup(gone).get("remove_keyboard")
    [search] = bot.send(AGENT, "Saw the samples")  # the entry is over: text is a search again
    assert "Saw the samples" in search.text and "saved" not in search.text


def test_a_visit_that_fails_unexpectedly_apologises_drops_the_keyboard_and_can_be_retried(
        bot, agent, monkeypatch) -> None:
    made = customer(agent, "陈静")
    bot.press(AGENT, f"lg:{made.id}:visit")
    bot.send(AGENT, "看了样品")
    real = customers.log_interaction

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk I/O error")

    monkeypatch.setattr(customers, "log_interaction", broken)
    apology, again = sent(bot.share_location(AGENT, 31.2304, 121.4737))
    assert "错误编号" in apology.text
    assert "重新发送" in again.text and markup(again).get("remove_keyboard")
    monkeypatch.setattr(customers, "log_interaction", real)
    [done] = sent(bot.send(AGENT, "看了样品"))
    assert "已为" in done.text and AMAP in done.text


def test_cancel_ends_the_entry_and_nothing_is_saved(bot, agent) -> None:
    made = customer(agent, "王小明")
    bot.press(AGENT, f"lg:{made.id}:note")
    [cancelled] = sent(bot.send(AGENT, "/cancel"))
    assert "已取消" in cancelled.text
    [search] = bot.send(AGENT, "王小明")
    assert "<b>王小明</b>" in search.text
    assert [e.subkind for e in timeline(agent, made.id)] == ["created"]


def test_a_summary_that_is_too_long_keeps_the_step(bot, agent) -> None:
    made = customer(agent, "王小明")
    bot.press(AGENT, f"lg:{made.id}:call")
    for _part in range(4):  # a paste Telegram sent in four messages, each kept for the next
        [held] = sent(bot.send(AGENT, "长" * 4096))
    [refused] = sent(bot.press(AGENT, held.button("保存")))
    assert "16000" in refused.text and "没有找到" not in refused.text
    [done] = sent(bot.send(AGENT, "短一点"))
    assert "已为" in done.text


def test_an_unanswered_entry_times_out_cleanly(db, agent, monkeypatch) -> None:
    monkeypatch.setattr(log, "TIMEOUT", 0.2)
    chat = running(db, monkeypatch)
    try:
        made = customer(agent, "王小明")
        chat.press(AGENT, f"lg:{made.id}:call")
        before = len(chat.stub.calls)
        chat.loop.run_until_complete(asyncio.sleep(0.6))
        [gone] = [c.params["text"] for c in chat.stub.calls[before:]]
        assert "⌛" in gone and "王小明" in gone
        [search] = chat.send(AGENT, "王小明")  # back to searching
        assert "<b>王小明</b>" in search.text
    finally:
        stop(chat)


def test_log_command_finds_one_customer_or_asks_whom(bot, agent) -> None:
    one = customer(agent, "王小明")
    [kinds] = bot.send(AGENT, "/log 王小明")
    assert "王小明" in kinds.text and kinds.button("电话") == f"lg:{one.id}:call"
    customer(agent, "张伟一")
    two = customer(agent, "张伟二")
    [pick] = bot.send(AGENT, "/log 张伟")
    [edited] = sent(bot.press(AGENT, pick.button("张伟二")))
    assert "张伟二" in edited.text and edited.button("拜访") == f"lg:{two.id}:visit"
    [usage] = bot.send(AGENT, "/log")
    assert "/log" in usage.text
    [none] = bot.send(AGENT, "/log 不存在的人")
    assert "没有找到" in none.text


def test_a_viewer_and_other_teams_cannot_log(bot, agent) -> None:
    staff(5204, "viewer", "赵敏")
    theirs = customer(staff(OTHER, "agent", "别人"), "别人的客户")
    mine = customer(agent, "王小明")
    assert any("未找到" in a for a in bot.alerts(bot.press(AGENT, f"lg:{theirs.id}:call")))
    assert bot.alerts(bot.press(5204, f"lg:{mine.id}:call")) == [
        "只有业务员、经理和管理员可以修改记录。"]
    assert sent(bot.send(5204, "随便写写"))[0].text.startswith("没有找到")  # not in a log


# inline ---------------------------------------------------------------------------------------
def results(replies: list[Reply]) -> list[dict[str, Any]]:
    [answer] = [r for r in replies if r.method == "answerInlineQuery"]
    value = answer.params["results"]
    assert answer.params["is_personal"] is True and answer.params["cache_time"] <= 10
    return json.loads(value) if isinstance(value, str) else value


def test_inline_search_lists_only_customers_the_user_may_see(bot, agent) -> None:
    customer(agent, "王<小>明", phones=("13800138000",), company="华为 & 子")
    customer(staff(OTHER, "agent", "别人"), "王大明")
    [found] = results(bot.inline(AGENT, "王"))
    assert found["title"] == "王<小>明"
    message = found["input_message_content"]["message_text"]
    assert message.startswith("<b>王&lt;小&gt;明</b>")
    assert "华为 &amp; 子" in message and "+86 138 0013 8000" in message
    assert results(bot.inline(AGENT, "")) == []


def inline_hint(replies: list[Reply]) -> dict[str, Any] | None:
    [answer] = [r for r in replies if r.method == "answerInlineQuery"]
    value = answer.params.get("button")
    return json.loads(value) if isinstance(value, str) else value


@pytest.mark.parametrize(("language", "what_to_type", "nothing"), [
    ("zh-CN", "输入客户姓名、电话、公司或标签", "没有找到“赵六”"),
    ("en", "Type a customer's name, phone, company or tag", "No customer matches “赵六”")])
def test_an_empty_inline_panel_says_what_to_type_or_that_nothing_matched(
        bot, agent, language, what_to_type, nothing) -> None:
    users.set_preferences(agent, locale=language)
    customer(agent, "王小明")
    assert inline_hint(bot.inline(AGENT, ""))["text"] == what_to_type
    assert inline_hint(bot.inline(AGENT, "赵六"))["text"] == nothing
    assert inline_hint(bot.inline(AGENT, "王")) is None  # results speak for themselves
    # The hint opens the bot's chat with a plain welcome, not a failed invite.
    [welcome] = sent(bot.send(AGENT, "/start " + inline_hint(
        bot.inline(AGENT, ""))["start_parameter"]))
    assert "李娜" in welcome.text


def test_a_stranger_gets_no_inline_results(bot, agent) -> None:
    customer(agent, "王小明")
    assert results(bot.inline(STRANGER, "王")) == []


# settings -------------------------------------------------------------------------------------
def test_settings_switch_to_english_then_back_to_chinese(bot, agent) -> None:
    [menu] = bot.send(AGENT, "/settings")
    assert "语言：简体中文" in menu.text and "Asia/Shanghai" in menu.text
    [english] = sent(bot.press(AGENT, menu.button("English")))
    assert "Language: English" in english.text and "Another time zone" in str(english.buttons)
    assert users.identify(AGENT).locale == "en"
    [chinese] = sent(bot.press(AGENT, english.button("简体中文")))
    assert "语言：简体中文" in chinese.text
    [search] = bot.send(AGENT, "没有这个人")
    assert "没有找到" in search.text


def test_settings_time_zone_by_button_or_typed(bot, manager) -> None:
    [menu] = bot.send(MANAGER, "/settings")
    [london] = sent(bot.press(MANAGER, menu.button("Europe/London")))
    assert "Time zone: Europe/London" in london.text and "✓ Europe/London" in str(london.buttons)
    [ask] = sent(bot.press(MANAGER, london.button("Another")))
    [wrong] = sent(bot.send(MANAGER, "Mars/<Base>"))
    assert "“Mars/&lt;Base&gt;” is not a time zone" in wrong.text
    [right] = sent(bot.send(MANAGER, "Asia/Tokyo"))
    assert "Time zone: Asia/Tokyo" in right.text and ask.text
    assert users.identify(MANAGER).timezone == "Asia/Tokyo"
    [search] = bot.send(MANAGER, "Asia/Tokyo")  # the step is over
    assert "Nobody found" in search.text


@pytest.mark.parametrize(("locale", "told"), [
    ("zh-CN", "15分钟没有回复，已不再等待您输入时区，设置未更改。"),
    ("en", "The time zone question was dropped after 15 quiet minutes; your settings are "
           "unchanged.")],
    ids=["zh-CN", "en"])
def test_a_time_zone_question_left_idle_ends_with_a_message(db, monkeypatch, locale,
                                                            told) -> None:
    """Past the quiet time the question ends and says so, in the user's language: a zone
    typed afterwards is a search, as the user was told, not a silent surprise."""
    monkeypatch.setattr(log, "TIMEOUT", 0.2)  # the quiet time, shortened
    staff(MANAGER, "manager", "王经理", locale=locale)
    chat = running(db, monkeypatch)
    try:
        [menu] = chat.send(MANAGER, "/settings")
        chat.press(MANAGER, menu.button("✏️"))
        before = len(chat.stub.calls)
        chat.loop.run_until_complete(asyncio.sleep(1))
        [notice] = [c for c in chat.stub.calls[before:] if c.method == "sendMessage"]
        assert notice.params["text"].startswith(told) and "/settings" in notice.params["text"]
        chat.send(MANAGER, "Asia/Tokyo")
        assert users.identify(MANAGER).timezone is None
    finally:
        stop(chat)


# the More menu --------------------------------------------------------------------------------
def test_reveal_is_offered_to_a_manager_and_refused_to_an_agent(bot, agent, manager) -> None:
    made = customer(agent, "王小明", secrets={"id_card": ID_CARD})
    [menu] = sent(bot.press(MANAGER, f"mo:{made.id}"))
    alerts = bot.alerts(bot.press(MANAGER, menu.button("ID card")))
    assert alerts == [f"ID card number: {ID_CARD}"]
    [own] = sent(bot.press(AGENT, f"mo:{made.id}"))
    assert "身份证" not in str(own.buttons) and "删除" not in str(own.buttons)
    assert bot.alerts(bot.press(AGENT, f"mo:{made.id}:id")) == [
        "只有经理和管理员可以查看身份证号等加密保存的信息。"]


def test_details_show_every_field_escaped_in_both_languages(bot, agent, manager) -> None:
    made = customer(
        agent, "<b>王&小明</b>", phones=("13800138000", "13900139000"),
        emails=("wang@example.com",), company="华为<技术>", tags=("VIP",), gender="male",
        birthday="1990-03-07", occupation="采购经理", notes="对价格敏感\n<i>周三</i>再联系",
        source="展会", secrets={"id_card": ID_CARD},
        channels=(customers.ChannelInput("wechat", "wx_wang"),),
        addresses=(customers.AddressInput("work", province="广东", city="深圳",
                                          street="坂田华为基地", primary=True),
                   customers.AddressInput("home", city="东莞")))
    [menu] = sent(bot.press(AGENT, f"mo:{made.id}"))
    [details] = sent(bot.press(AGENT, menu.button("详细资料")))
    text = details.text
    assert "&lt;b&gt;王&amp;小明&lt;/b&gt;" in text and "<b>王" not in text
    for shown in ("📱 电话：+86 138 0013 8000（主要）", "📱 电话：+86 139 0013 9000",
                  "✉️ 邮箱：wang@example.com", "💬 微信：wx_wang",
                  "📍 广东 深圳 坂田华为基地（单位 · 主要）", "📍 东莞（住宅）", "性别：男",
                  "生日：1990-03-07（", "职业：采购经理", "🏢 华为&lt;技术&gt;", "🏷 VIP",
                  "来源：展会", "📝 <b>备注</b>\n对价格敏感\n&lt;i&gt;周三&lt;/i&gt;再联系"):
        assert shown in text, shown
    assert ID_CARD not in text and "身份证号：" in text  # masked: revealing is its own button
    assert details.button("名片") == f"c:{made.id}"
    [english] = sent(bot.press(MANAGER, f"mo:{made.id}:dt"))
    assert "📱 Phone: +86 138 0013 8000 (primary)" in english.text
    assert "Gender: Male" in english.text and "📍 东莞 (home)" in english.text


def test_details_with_long_notes_come_whole_in_several_messages(bot, agent) -> None:
    notes = "\n".join(f"第{i}次拜访：客户关心交货期、价格和售后服务。" * 3 for i in range(60))
    made = customer(agent, "王小明", notes=notes[:4000], company="深圳市华为技术有限公司",
                    phones=("13800138000",), emails=("wang@example.com",), occupation="采购经理")
    parts = sent(bot.press(AGENT, f"mo:{made.id}:dt"))
    assert len(parts) >= 2 and "".join(p.text for p in parts).count("第") == \
        notes[:4000].count("第")
    assert parts[-1].button("名片") == f"c:{made.id}"


def share_query(bot: ChatHarness, customer_id: int) -> str:
    [menu] = sent(bot.press(AGENT, f"mo:{customer_id}"))
    [share] = [b for row in markup(menu)["inline_keyboard"] for b in row if "分享" in b["text"]]
    return share["switch_inline_query"]


def test_share_offers_this_customer_not_a_namesake(bot, agent) -> None:
    customer(agent, "张伟", phones=("13900139000",), company="华为")
    made = customer(agent, "张伟", phones=("13800138000",), company="华为")
    query = share_query(bot, made.id)
    assert query == f"张伟 #{made.id}"
    [shared] = results(bot.inline(AGENT, query))
    assert shared["id"] == f"c{made.id}" and "+86 138 0013 8000" in shared["description"]


def test_share_of_a_namesake_without_phone_or_company_offers_only_that_one(bot, agent) -> None:
    customer(agent, "张伟")
    made = customer(agent, "张伟")
    assert [r["id"] for r in results(bot.inline(AGENT, "张伟"))] == [f"c{made.id}",
                                                                    f"c{made.id - 1}"]
    [shared] = results(bot.inline(AGENT, share_query(bot, made.id)))
    assert shared["id"] == f"c{made.id}"


def test_a_shared_reference_shows_nothing_the_user_may_not_see(bot, agent, manager) -> None:
    theirs = customer(staff(OTHER, "agent", "别人"), "张伟")
    mine = customer(agent, "张伟")
    [shared] = results(bot.inline(AGENT, f"张伟 #{mine.id}"))
    assert shared["id"] == f"c{mine.id}"
    assert results(bot.inline(AGENT, f"张伟 #{theirs.id}")) == []  # not theirs to see
    assert results(bot.inline(AGENT, f"李雷 #{mine.id}")) == []  # not the name of that record
    customers.delete_customer(manager, mine.id)
    assert results(bot.inline(AGENT, f"张伟 #{mine.id}")) == []  # deleted since


def test_delete_asks_first_and_a_typed_yes_is_no_confirmation(bot, agent, manager) -> None:
    made = customer(agent, "Wang Xiaoming")
    [menu] = sent(bot.press(MANAGER, f"mo:{made.id}"))
    [ask] = sent(bot.press(MANAGER, menu.button("Delete")))
    assert "Delete <b>Wang Xiaoming</b>?" in ask.text
    bot.send(MANAGER, "yes")
    bot.send(MANAGER, "Yes, delete")
    assert customers.get_customer(manager, made.id).name == "Wang Xiaoming"
    [done] = sent(bot.press(MANAGER, ask.button("Yes, delete")))
    assert "deleted" in done.text and "/deleted" in done.text
    with pytest.raises(NotFound):
        customers.get_customer(manager, made.id)


def test_restore_from_deleted_after_confirming(bot, agent, manager) -> None:
    made = customer(agent, "王小明")
    customers.delete_customer(manager, made.id)
    [listing] = bot.send(MANAGER, "/deleted")
    assert "Recently deleted" in listing.text
    [ask] = sent(bot.press(MANAGER, listing.button("王小明")))
    assert "Restore <b>王小明</b>?" in ask.text
    [done] = sent(bot.press(MANAGER, ask.button("Yes, restore")))
    assert "王小明" in done.text and done.button("Card") == f"c:{made.id}"
    assert customers.get_customer(manager, made.id).name == "王小明"
    [empty] = bot.send(MANAGER, "/deleted")
    assert "Nothing has been deleted" in empty.text


def test_agents_have_no_deleted_list(bot, agent) -> None:
    [refused] = bot.send(AGENT, "/deleted")
    assert refused.text == "只有经理和管理员可以删除或恢复记录。"


def test_marketing_consent_shows_and_toggles_by_chat(bot, agent) -> None:
    made = customer(agent, "王小明")
    [menu] = sent(bot.press(AGENT, f"mo:{made.id}"))
    [shown] = sent(bot.press(AGENT, menu.button("营销同意")))
    assert "邮件：— 从未询问" in shown.text
    [granted] = sent(bot.press(AGENT, shown.button("标记邮件同意")))
    assert "邮件：✅ 同意" in granted.text and "李娜" in granted.text
    view = consent.current_consent(agent, made.id)["email"]
    assert view.granted and view.method == "chat"
    [withdrawn] = sent(bot.press(AGENT, granted.button("标记邮件不同意")))
    assert "邮件：❌ 不同意" in withdrawn.text
    assert not consent.may_contact(agent, made.id, "email")


def test_forged_callback_data_is_harmless(bot, agent, manager) -> None:
    theirs = customer(staff(OTHER, "agent", "别人"), "别人的客户")
    for forged in ("lg:abc", "lg:1:dance", "lg:99999999999:call", "mo:999999", "mo:abc",
                   f"mo:{theirs.id}", f"mo:{theirs.id}:dt", f"mo:{theirs.id}:cs:email:1",
                   "mo:1:cs:fax:1",
                   "rs:x", "rs:999999:yes", "st:z:Mars/Base", "st:l:fr", "st:zz"):
        replies = bot.press(AGENT, forged)
        texts = " ".join(bot.texts(replies) + bot.alerts(replies))
        assert "别人的客户" not in texts and "错误编号" not in texts, forged
    assert consent.current_consent(Actor.system(), theirs.id) == {}
    assert users.identify(AGENT).locale == "zh-CN"
