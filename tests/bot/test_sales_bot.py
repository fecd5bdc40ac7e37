"""Sales in the chat, through the real Application in both languages: /deals, the deal card and
its moves, a new deal from the customer card, /forecast, orders and payments."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from decimal import Decimal

import peewee
import pytest

from bot.i18n import t
from crm import sales, users
from crm.actors import Actor
from crm.localtime import local_naive
from crm.sales.views import DealView, OrderLineInput
from tests.bot.harness import ChatHarness, Reply
from tests.crm.cast import customer

AGENT, OTHER, MANAGER, ADMIN = 5301, 5302, 5303, 5304


@pytest.fixture
def bot(chat: ChatHarness) -> Iterator[ChatHarness]:
    yield chat


def staff(telegram_id: int, role: str, name: str, locale: str = "zh-CN") -> Actor:
    return users.add_user(Actor.system(), telegram_id, role, name, locale=locale).as_actor()


@pytest.fixture
def agent(db: peewee.Database) -> Actor:
    return staff(AGENT, "agent", "李娜")


def shown(replies: list[Reply]) -> Reply:
    """The one message the bot sent or edited."""
    [message] = [r for r in replies if r.method in ("sendMessage", "editMessageText")]
    return message


def messages(replies: list[Reply]) -> list[Reply]:
    return [r for r in replies if r.method in ("sendMessage", "editMessageText")]


def stage_id(kind_or_name: str) -> int:
    pipeline = sales.get_pipeline(Actor.system())
    return next(s.id for s in pipeline.stages if kind_or_name in (s.kind, s.name_en))


def a_deal(actor: Actor, title: str = "年度采购", amount: str = "12345", **fields) -> DealView:
    buyer = customer(actor, fields.pop("name", "王小明"), company=fields.pop("company", "华为"))
    return sales.create_deal(actor, buyer.id, title, amount=amount, **fields)


# /deals ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("locale", "lead", "won", "button"), [
    ("zh-CN", "线索（10%）：2 个 · ¥12,445.00", "🏆 赢单：1 个 · ¥500.00", "线索（2）"),
    ("en", "Lead (10%): 2 · CNY 12,445.00", "🏆 Won: 1 · CNY 500.00", "Lead (2)")])
def test_deals_shows_counts_and_sums_by_stage(bot, db, locale, lead, won, button) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    a_deal(me, "甲", "12345")
    a_deal(me, "乙", "100")
    moved = a_deal(me, "丙", "7000")
    sales.move_deal_to_stage(me, moved.id, stage_id("Contacted"))
    sales.move_deal_to_stage(me, a_deal(me, "丁", "500").id, stage_id("won"))
    overview = shown(bot.send(AGENT, "/deals"))
    assert lead in overview.text and won in overview.text
    assert ("已联系（20%）：1 个 · ¥7,000.00" if locale == "zh-CN"
            else "Contacted (20%): 1 · CNY 7,000.00") in overview.text
    assert overview.button(button) == f"ds:{stage_id('Lead')}:0"
    assert all(len(value.encode()) <= 64 for _, value in overview.buttons)


def test_a_stage_opens_its_deals_and_a_deal_its_card(bot, agent) -> None:
    deal = a_deal(agent, "年度采购", "12345.6", expected_close="2026-12-31", source="展会",
                  notes="老客户")
    overview = shown(bot.send(AGENT, "/deals"))
    listing = shown(bot.press(AGENT, overview.button("线索")))
    assert listing.method == "editMessageText" and "年度采购" in listing.text
    assert "¥12,345.60" in listing.text and "2026-12-31" in listing.text
    card = shown(bot.press(AGENT, listing.button("年度采购")))
    for part in ("<b>年度采购</b>", "王小明", "华为", "李娜", "¥12,345.60", "2026-12-31",
                 "线索（10%）", "展会", "老客户"):
        assert part in card.text, part
    labels = [label for label, _ in card.buttons]
    assert labels[:4] == ["➡ 已联系", "➡ 需求确认", "➡ 报价", "➡ 谈判"]
    assert "🏆 赢单" in labels and "✖ 输单" in labels
    assert card.button("客户") == f"c:{deal.customer_id}"
    back = shown(bot.press(AGENT, listing.button("销售管道")))
    assert back.text.startswith("<b>💼 销售管道</b>") and back.method == "editMessageText"


def test_the_stage_list_pages(bot, agent) -> None:
    for i in range(10):
        a_deal(agent, f"商机{i}", "100")
    listing = shown(bot.press(AGENT, f"ds:{stage_id('Lead')}:0"))
    assert listing.text.count("商机") == 8
    more = shown(bot.press(AGENT, listing.button("▶")))
    assert more.text.count("商机") == 2 and "◀" in [label for label, _ in more.buttons]


# moving a deal --------------------------------------------------------------------------------
def test_move_a_deal_forward_and_see_the_history(bot, agent) -> None:
    deal = a_deal(agent)
    card = shown(bot.press(AGENT, f"d:{deal.id}"))
    moved = shown(bot.press(AGENT, card.button("已联系")))
    assert "已移到已联系" in moved.text and "已联系（20%）" in moved.text
    assert sales.get_deal(agent, deal.id).stage.name_en == "Contacted"
    assert "➡ 已联系" not in [label for label, _ in moved.buttons]
    history = shown(bot.press(AGENT, moved.button("阶段记录")))
    assert "线索 → 已联系" in history.text and "李娜" in history.text



@pytest.mark.parametrize(("locale", "proposal", "back", "moved_back"), [
    ("zh-CN", "➡ 报价", "⬅ 需求确认", "已移到需求确认"),
    ("en", "➡ Proposal", "⬅ Qualified", "Moved to Qualified")])
def test_a_stage_moved_to_by_mistake_is_taken_back_from_the_card(bot, db, locale, proposal,
                                                                 back, moved_back) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    deal = a_deal(me)
    sales.move_deal_to_stage(me, deal.id, stage_id("Qualified"))
    card = shown(bot.press(AGENT, f"d:{deal.id}"))
    wrong = shown(bot.press(AGENT, card.button(proposal)))
    undone = shown(bot.press(AGENT, wrong.button(back)))
    assert moved_back in undone.text
    assert sales.get_deal(me, deal.id).stage.name_en == "Qualified"
    assert [label for label, _ in undone.buttons if label.startswith("⬅")] == [
        "⬅ 已联系" if locale == "zh-CN" else "⬅ Contacted"]

@pytest.mark.parametrize(("locale", "ask", "price", "because"), [
    ("zh-CN", "为什么输单", "价格", "输单原因：价格"),
    ("en", "Why was", "Price", "Lost because: Price")])
def test_lose_a_deal_with_a_reason(bot, db, locale, ask, price, because) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    deal = a_deal(me)
    card = shown(bot.press(AGENT, f"d:{deal.id}"))
    question = shown(bot.press(AGENT, card.button("✖")))
    assert ask in question.text and sales.get_deal(me, deal.id).stage.kind == "open"
    lost = stage_id("lost")
    refused = bot.press(AGENT, f"dr:{deal.id}:{lost}:")  # forged: no reason
    assert any("price" in alert for alert in bot.alerts(refused))
    assert sales.get_deal(me, deal.id).stage.kind == "open"
    done = shown(bot.press(AGENT, question.button(price)))
    assert because in done.text
    assert sales.get_deal(me, deal.id).lost_reason == "price"


def closed_day(deal_id: int) -> str:
    """The day a deal was closed on the agent's clock (the installation's zone)."""
    closed = sales.get_deal(Actor.system(), deal_id).closed_at
    return local_naive(closed, "Asia/Shanghai").date().isoformat()


def history_length(actor: Actor, deal_id: int) -> int:
    return len(sales.get_deal_history(actor, deal_id))


@pytest.mark.parametrize(("locale", "pressed", "told", "won_label"), [
    ("zh-CN", ("➡ 已联系", "✖ 输单", "🏆 赢单"), "已于 {day} 赢单，未做任何更改", "🏆 赢单"),
    ("en", ("➡ Contacted", "✖ Lost", "🏆 Won"), "was already won on {day}; nothing changed",
     "🏆 Won")])
def test_an_older_cards_buttons_leave_a_deal_won_since_as_it_is(bot, db, locale, pressed,
                                                                 told, won_label) -> None:
    """A colleague (or the user, on another card) won the deal: the old card's moves must not
    reopen it, lose it or win it again; the card is redrawn in place as it now is."""
    me = staff(AGENT, "agent", "李娜", locale=locale)
    deal = a_deal(me)
    old = shown(bot.press(AGENT, f"d:{deal.id}"))
    sales.move_deal_to_stage(me, deal.id, stage_id("won"))
    moves = history_length(me, deal.id)
    for label in pressed:
        replies = bot.press(AGENT, old.button(label))
        [alert] = bot.alerts(replies)
        assert told.format(day=closed_day(deal.id)) in alert and "年度采购" in alert
        redrawn = shown(replies)
        assert redrawn.method == "editMessageText"
        assert ("赢单（100%）" if locale == "zh-CN" else "Won (100%)") in redrawn.text
        assert won_label not in [name for name, _ in redrawn.buttons]
        after = sales.get_deal(me, deal.id)
        assert (after.stage.kind, after.order_id) == ("won", None)
        assert history_length(me, deal.id) == moves


def test_a_won_question_answered_after_the_deal_was_lost_changes_nothing(bot, agent) -> None:
    deal = a_deal(agent)
    card = shown(bot.press(AGENT, f"d:{deal.id}"))
    question = shown(bot.press(AGENT, card.button("🏆")))
    sales.move_deal_to_stage(agent, deal.id, stage_id("lost"), lost_reason="price")
    replies = bot.press(AGENT, question.button("建订单"))
    assert f"已于 {closed_day(deal.id)} 输单" in bot.alerts(replies)[0]
    assert "输单原因：价格" in shown(replies).text
    after = sales.get_deal(agent, deal.id)
    assert (after.stage.kind, after.order_id) == ("lost", None)


def test_an_older_card_of_a_deal_a_colleague_moved_on_does_not_move_it_back(bot, db) -> None:
    me = staff(AGENT, "agent", "Li Na", locale="en")
    deal = a_deal(me)
    old = shown(bot.press(AGENT, f"d:{deal.id}"))
    sales.move_deal_to_stage(me, deal.id, stage_id("Proposal"))
    replies = bot.press(AGENT, old.button("Contacted"))
    assert "has moved to another stage since this card was shown" in bot.alerts(replies)[0]
    assert "Proposal (60%)" in shown(replies).text
    assert sales.get_deal(me, deal.id).stage.name_en == "Proposal"
    fresh = shown(replies)  # the redrawn card's buttons work
    assert "Moved to Negotiation" in shown(bot.press(AGENT, fresh.button("Negotiation"))).text


def test_a_lost_note_typed_after_the_deal_was_won_keeps_it_won(bot, agent) -> None:
    deal = a_deal(agent)
    card = shown(bot.press(AGENT, f"d:{deal.id}"))
    question = shown(bot.press(AGENT, card.button("✖")))
    shown(bot.press(AGENT, question.button("其他")))
    sales.move_deal_to_stage(agent, deal.id, stage_id("won"))
    said = [r.text for r in messages(bot.send(AGENT, "客户被收购"))]
    assert f"已于 {closed_day(deal.id)} 赢单" in said[0] and "赢单（100%）" in said[-1]
    assert sales.get_deal(agent, deal.id).stage.kind == "won"
    assert "没有找到" in " ".join(bot.texts(bot.send(AGENT, "客户被收购")))  # a search now


def test_the_current_card_of_a_won_deal_still_reopens_it(bot, agent) -> None:
    deal = a_deal(agent)
    sales.move_deal_to_stage(agent, deal.id, stage_id("won"))
    card = shown(bot.press(AGENT, f"d:{deal.id}"))
    assert "已移到已联系" in shown(bot.press(AGENT, card.button("已联系"))).text
    assert sales.get_deal(agent, deal.id).stage.name_en == "Contacted"


@pytest.mark.parametrize(("locale", "presses", "cancelled"), [
    ("en", {"Mark shipped": "An order that is cancelled cannot become shipped",
            "Record a payment": "This order is cancelled and takes no payments",
            "Cancel the order": "The order is already cancelled; nothing changed"},
     "· cancelled"),
    ("zh-CN", {"发货": "订单状态不能从 已取消 变为 已发货", "登记收款": "该订单已取消，不能再收款",
               "取消订单": "订单已经是已取消状态，未做任何更改"}, "· 已取消")])
def test_an_older_order_cards_buttons_on_an_order_cancelled_since_change_nothing(
        bot, db, locale, presses, cancelled) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    order_id = sales.move_deal_to_stage(me, a_deal(me).id, stage_id("won"),
                                        create_order=True).order_id
    sales.change_order_status(me, order_id, "confirmed")
    old = shown(bot.press(AGENT, f"o:{order_id}"))
    sales.change_order_status(me, order_id, "cancelled")
    for label, told in presses.items():
        replies = bot.press(AGENT, old.button(label))
        assert told in bot.alerts(replies)[0], label
        redrawn = shown(replies)
        assert redrawn.method == "editMessageText" and cancelled in redrawn.text
        assert [name for name, _ in redrawn.buttons if "💰" in name or "🚚" in name] == []
    order = sales.get_order(me, order_id)
    assert (order.status, order.paid) == ("cancelled", Decimal(0))


def test_an_older_order_cards_payment_button_on_an_order_paid_since_asks_nothing(bot,
                                                                                 agent) -> None:
    order_id = sales.move_deal_to_stage(agent, a_deal(agent, amount="500").id,
                                        stage_id("won"), create_order=True).order_id
    sales.change_order_status(agent, order_id, "confirmed")
    old = shown(bot.press(AGENT, f"o:{order_id}"))
    sales.record_payment(agent, order_id, "500", "cash")
    replies = bot.press(AGENT, old.button("登记收款"))
    assert "已全额付清" in bot.alerts(replies)[0]
    assert "登记收款" not in [name for name, _ in shown(replies).buttons]
    assert "未付 <b>¥0.00</b>" in shown(replies).text


def test_the_reason_other_asks_for_a_note(bot, agent) -> None:
    deal = a_deal(agent)
    question = shown(bot.press(AGENT, f"dm:{deal.id}:{stage_id('lost')}"))
    ask = shown(bot.press(AGENT, question.button("其他")))
    assert "写几句" in ask.text
    done = shown(bot.send(AGENT, "客户 <公司> 被收购"))
    assert "✖ 输单原因：客户 &lt;公司&gt; 被收购" in done.text and "其他…" not in done.text
    assert sales.get_deal(agent, deal.id).lost_note == "客户 <公司> 被收购"


def test_a_lost_reason_typed_at_the_question_is_taken_in_chinese_too(bot, agent) -> None:
    deal = a_deal(agent)
    card = shown(bot.press(AGENT, f"d:{deal.id}"))
    question = shown(bot.press(AGENT, card.button("输单")))
    assert "点一个原因，或直接写几句说明" in question.text
    done = shown(bot.send(AGENT, "预算被砍"))
    assert "✖ 输单原因：预算被砍" in done.text and "没有找到" not in done.text
    assert sales.get_deal(agent, deal.id).lost_note == "预算被砍"


@pytest.mark.parametrize(("locale", "yes", "total"), [
    ("zh-CN", "建订单", "合计 ¥12,345.00"), ("en", "create an order", "Total CNY 12,345.00")])
def test_win_a_deal_and_create_its_order(bot, db, locale, yes, total) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    deal = a_deal(me)
    card = shown(bot.press(AGENT, f"d:{deal.id}"))
    question = shown(bot.press(AGENT, card.button("🏆")))
    moved, order = messages(bot.press(AGENT, question.button(yes)))
    assert sales.get_deal(me, deal.id).stage.kind == "won"
    assert "SO-" in order.text and total in order.text and "年度采购" in order.text
    order_id = sales.get_deal(me, deal.id).order_id
    assert order.button("💰") == f"pa:{order_id}" and moved.button("🧾") == f"o:{order_id}"


def test_edit_a_deal_amount_and_date(bot, agent) -> None:
    deal = a_deal(agent)
    menu = shown(bot.press(AGENT, f"de:{deal.id}"))
    ask = shown(bot.press(AGENT, menu.button("金额")))
    assert "¥12,345.00" in ask.text
    assert "不是有效的金额" in shown(bot.send(AGENT, "很多")).text
    saved = shown(bot.send(AGENT, "8000 USD"))
    assert "USD 8,000.00" in saved.text
    bot.press(AGENT, f"df:{deal.id}:expected_close")
    shown(bot.send(AGENT, "2027-01-15"))
    changed = sales.get_deal(agent, deal.id)
    assert (changed.amount, changed.currency) == (Decimal("8000.00"), "USD")
    assert changed.expected_close == dt.date(2027, 1, 15)



def test_a_word_typed_as_an_amount_is_called_no_amount_not_a_currency(bot, db) -> None:
    me = staff(AGENT, "agent", "Emily", locale="en")
    deal = a_deal(me)
    menu = shown(bot.press(AGENT, f"de:{deal.id}"))
    ask = shown(bot.press(AGENT, menu.button("Amount")))
    assert "CNY 12,345.00" in ask.text
    answer = shown(bot.send(AGENT, "abc"))
    assert "abc is not an amount of money" in answer.text and "Currency" not in answer.text
    assert sales.get_deal(me, deal.id).amount == Decimal("12345.00")

# a new deal from the customer card ------------------------------------------------------------
def test_new_deal_from_the_customer_card(bot, agent) -> None:
    buyer = customer(agent, "陈静", company="腾讯")
    ask = shown(bot.press(AGENT, f"dl:{buyer.id}"))
    assert "陈静" in ask.text and ask.method == "sendMessage"
    amount = shown(bot.send(AGENT, "<b>年度 & 采购</b>"))
    assert "金额" in amount.text
    refused = shown(bot.send(AGENT, "一万二十五"))
    assert "不是有效的金额" in refused.text
    close = shown(bot.send(AGENT, "¥12,000.50"))
    assert "预计成交" in close.text
    summary = shown(bot.send(AGENT, "12/31"))
    assert "¥12,000.50" in summary.text and "-12-31" in summary.text
    assert "&lt;b&gt;年度 &amp; 采购&lt;/b&gt;" in summary.text
    card = shown(bot.press(AGENT, summary.button("保存")))
    assert "商机已保存" in card.text and "&lt;b&gt;年度 &amp; 采购&lt;/b&gt;" in card.text
    assert "<b>年度" not in card.text
    [made] = sales.list_customer_deals(agent, buyer.id).items
    assert made.title == "<b>年度 & 采购</b>" and made.amount == Decimal("12000.50")
    assert made.expected_close.month == 12 and made.expected_close.day == 31
    assert "陈静" in shown(bot.send(AGENT, "陈静")).text  # the flow is over: a search again


def test_a_round_sum_and_a_month_end_are_typed_as_people_say_them(bot, agent) -> None:
    buyer = customer(agent, "陈静")
    bot.press(AGENT, f"dl:{buyer.id}")
    bot.send(AGENT, "年度维保")
    shown(bot.send(AGENT, "8万元"))
    summary = shown(bot.send(AGENT, "12月底"))
    assert "¥80,000.00" in summary.text and "-12-31" in summary.text
    bot.press(AGENT, summary.button("保存"))
    [made] = sales.list_customer_deals(agent, buyer.id).items
    assert made.amount == Decimal("80000.00") and (made.expected_close.month,
                                                   made.expected_close.day) == (12, 31)


@pytest.mark.parametrize(("typed", "shown_as"), [
    ("3万8", "¥38,000.00"), ("五万", "¥50,000.00"),
    # as Chinese chat writes a sum: 块 for 元, w for 万, the currency as 人民币 or RMB
    ("3万块", "¥30,000.00"), ("3w", "¥30,000.00"), ("1.5W", "¥15,000.00"),
    ("人民币3万", "¥30,000.00"), ("3万 RMB", "¥30,000.00"), ("5000元整", "¥5,000.00")])
def test_a_spoken_amount_is_taken_for_a_deal(bot, agent, typed, shown_as) -> None:
    buyer = customer(agent, "陈静")
    bot.press(AGENT, f"dl:{buyer.id}")
    bot.send(AGENT, "年度维保")
    bot.send(AGENT, typed)
    summary = shown(bot.press(AGENT, "sx:skip"))
    assert shown_as in summary.text


@pytest.mark.parametrize(("locale", "warning", "keep"), [
    ("zh-CN", "2025-01-01 已经过去了", "仍用这个日期"), ("en", "2025-01-01 has already passed",
                                                 "Keep this date")])
def test_a_close_date_in_the_past_is_confirmed_before_it_is_taken(bot, db, locale, warning,
                                                                  keep) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    buyer = customer(me, "陈静")
    bot.press(AGENT, f"dl:{buyer.id}")
    bot.send(AGENT, "年度维保")
    bot.send(AGENT, "8万")
    warned = shown(bot.send(AGENT, "2025-01-01"))
    assert warning in warned.text and "2025-01-01" not in str(sales.list_customer_deals(
        me, buyer.id).items)
    retyped = shown(bot.send(AGENT, "2026-12-31"))  # a new date: no question
    assert "2026-12-31" in retyped.text and "2025" not in retyped.text
    bot.press(AGENT, retyped.button("◀"))
    warned = shown(bot.send(AGENT, "2025-01-01"))
    summary = shown(bot.press(AGENT, warned.button(keep)))
    assert "2025-01-01" in summary.text
    bot.press(AGENT, summary.button("✅"))
    [made] = sales.list_customer_deals(me, buyer.id).items
    assert made.expected_close == dt.date(2025, 1, 1)


def test_the_cards_deals_button_lists_the_customers_deals_with_a_new_one(bot, agent) -> None:
    buyer = customer(agent, "陈静", company="腾讯")
    first = sales.create_deal(agent, buyer.id, "<b>年度</b> & 采购", amount="12000")
    for i in range(9):
        sales.create_deal(agent, buyer.id, f"补货{i}", amount="100")
    sales.move_deal_to_stage(agent, first.id, stage_id("won"))
    listing = shown(bot.press(AGENT, f"dl:{buyer.id}"))
    assert listing.method == "sendMessage" and "陈静" in listing.text
    assert "补货8" in listing.text and "年度" not in listing.text  # newest first, 8 a page
    older = shown(bot.press(AGENT, listing.button("▶")))
    assert older.method == "editMessageText" and "&lt;b&gt;年度&lt;/b&gt; &amp; 采购" in older.text
    assert "赢单" in older.text and older.button("<b>年度</b> & 采购") == f"d:{first.id}"
    ask = shown(bot.press(AGENT, listing.button("新商机")))
    assert "新商机" in ask.text or "陈静" in ask.text
    assert shown(bot.press(AGENT, listing.button("客户卡片"))).text.startswith("<b>陈静</b>")


def test_a_viewer_sees_the_deals_but_no_new_deal_button(bot, agent) -> None:
    buyer = customer(agent, "陈静")
    sales.create_deal(agent, buyer.id, "年度采购", amount="12000")
    staff(5399, "viewer", "赵敏")
    listing = shown(bot.press(5399, f"dl:{buyer.id}"))
    assert "年度采购" in listing.text and "新商机" not in str(listing.buttons)
    assert bot.alerts(bot.press(5399, f"dn:{buyer.id}"))  # forged: crm refuses


@pytest.mark.parametrize(("locale", "buttons"), [
    ("en", ["🕑 History", "⏰ Remind", "👤 Customer", "🧾 Orders"]),
    ("zh-CN", ["🕑 阶段记录", "⏰ 提醒", "👤 客户", "🧾 订单列表"])])
def test_a_viewer_is_shown_only_the_deal_buttons_they_may_use(bot, agent, locale,
                                                              buttons) -> None:
    deal = a_deal(agent)
    won = a_deal(agent, "已赢的单")
    sales.move_deal_to_stage(agent, won.id, stage_id("won"))
    staff(5399, "viewer", "赵敏", locale=locale)
    for shown_deal in (deal, won):  # no moves, no edit, no new order
        card = shown(bot.press(5399, f"d:{shown_deal.id}"))
        assert [label for label, _ in card.buttons] == buttons
    own = shown(bot.press(AGENT, f"d:{won.id}"))
    assert own.button("新建订单").startswith("on:") and own.button("编辑") == f"de:{won.id}"
    nothing_yet = customer(agent, "还没商机")  # 💼 on their card: nothing to list, nothing to add
    replies = bot.press(5399, f"dl:{nothing_yet.id}")
    assert bot.alerts(replies) == [t(locale, "deals.customer_empty")]


def test_new_deal_in_english_with_a_currency_skip_and_back(bot, db) -> None:
    me = staff(AGENT, "agent", "Emily", locale="en")
    buyer = customer(me, "Acme")
    bot.press(AGENT, f"dl:{buyer.id}")
    bot.send(AGENT, "Servers")
    close = shown(bot.send(AGENT, "5000 usd"))
    back = shown(bot.press(AGENT, close.button("Back")))
    assert "Amount?" in back.text
    shown(bot.send(AGENT, "USD 5,000"))
    summary = shown(bot.press(AGENT, "sx:skip"))
    assert "USD 5,000.00" in summary.text and "Expected close: —" in summary.text
    card = shown(bot.press(AGENT, "sx:save"))
    assert "Deal saved" in card.text and "Stage: Lead (10%)" in card.text


def test_a_new_deal_can_be_cancelled(bot, agent) -> None:
    buyer = customer(agent, "陈静")
    bot.press(AGENT, f"dl:{buyer.id}")
    assert "已取消" in shown(bot.send(AGENT, "/cancel")).text
    assert not sales.list_customer_deals(agent, buyer.id).items


# /forecast ------------------------------------------------------------------------------------
def test_forecast_for_a_manager(bot, db) -> None:
    manager = staff(MANAGER, "manager", "王经理", locale="en")
    a_deal(manager, "Big", "10000", expected_close="2026-12-31")
    sales.move_deal_to_stage(manager, a_deal(manager, "Done", "300").id, stage_id("won"))
    text = shown(bot.send(MANAGER, "/forecast")).text
    assert "2026-12 · 1 · CNY 10,000.00 → weighted <b>CNY 1,000.00</b>" in text
    year = dt.datetime.now().year
    assert f"Won in {year}" in text and "CNY 300.00" in text


def test_forecast_is_refused_to_an_agent(bot, agent) -> None:
    [reply] = bot.send(AGENT, "/forecast")
    assert reply.text == "只有经理和管理员可以查看销售预测。"


# orders and payments --------------------------------------------------------------------------
def test_record_an_order_line_and_a_partial_payment(bot, agent) -> None:
    admin = staff(ADMIN, "admin", "Admin")
    product = sales.create_product(admin, "样品包", "SAMPLE-1", "99.50")
    deal = a_deal(agent, amount="1000")
    won = sales.move_deal_to_stage(agent, deal.id, stage_id("won"), create_order=True)
    lines = shown(bot.press(AGENT, f"oe:{won.order_id}"))
    assert "品名 数量 单价" in lines.text
    picked = shown(bot.press(AGENT, lines.button("样品包")))
    assert "样品包 × 1 @ ¥99.50" in picked.text and "合计 ¥1,099.50" in picked.text
    typed = shown(bot.send(AGENT, "安装 服务 2 150 10%"))
    assert "安装 服务 × 2 @ ¥150.00 − 10% = ¥270.00" in typed.text
    assert "合计 ¥1,369.50" in typed.text
    refused = shown(bot.send(AGENT, "螺丝 0 1"))
    assert "不是有效数量" in refused.text
    confirmed = shown(bot.press(AGENT, typed.button("确认订单")))
    assert "已确认" in confirmed.text
    ask = shown(bot.press(AGENT, confirmed.button("登记收款")))
    assert "未付 ¥1,369.50" in ask.text
    ask_amount = shown(bot.press(AGENT, ask.button("微信支付")))
    assert "微信支付" in ask_amount.text
    over = shown(bot.send(AGENT, "2000"))
    assert "¥2,000.00 超过了未付余额 ¥1,369.50" in over.text
    paid = shown(bot.send(AGENT, "500"))
    assert "已登记收款：¥500.00（微信支付）" in paid.text and "未付：<b>¥869.50</b>" in paid.text
    order = sales.get_order(agent, won.order_id)
    assert (order.status, order.paid, order.outstanding) == ("confirmed", Decimal("500.00"),
                                                             Decimal("869.50"))
    assert product.id == order.lines[1].product_id


def confirmed_order(agent: Actor, amount: str = "50000") -> int:
    deal = a_deal(agent, amount=amount)
    won = sales.move_deal_to_stage(agent, deal.id, stage_id("won"), create_order=True)
    sales.change_order_status(agent, won.order_id, "confirmed")
    return won.order_id


@pytest.mark.parametrize(("locale", "method", "noted", "paid"), [
    ("zh-CN", "银行转账", "请先选择付款方式；金额 ¥12,000.00 已记下",
     "已登记收款：¥12,000.00（银行转账）"),
    ("en", "Bank transfer", "First pick how it was paid; CNY 12,000.00 is noted",
     "Payment recorded: CNY 12,000.00 (Bank transfer)")])
def test_an_amount_typed_before_the_method_is_kept_not_searched(bot, db, locale, method,
                                                                 noted, paid) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    order_id = confirmed_order(me)
    bot.press(AGENT, f"pa:{order_id}")
    early = shown(bot.send(AGENT, "¥12,000"))
    assert noted in early.text and "found" not in early.text and "没有找到" not in early.text
    assert early.button(method).startswith("pm:")
    [recorded] = messages(bot.press(AGENT, early.button(method)))
    assert paid in recorded.text
    assert sales.get_order(me, order_id).paid == Decimal("12000.00")


@pytest.mark.parametrize(("locale", "refused"), [
    ("en", "$50 is in USD, but this order is in CNY: an order has one currency"),
    ("zh-CN", "$50 是 USD，但这张订单的币种是 CNY：一张订单只有一种币种")])
def test_an_amount_in_another_currency_is_refused_on_an_order_naming_both(bot, db, locale,
                                                                          refused) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    order_id = confirmed_order(me, "1000")
    bot.press(AGENT, f"pa:{order_id}")
    early = shown(bot.send(AGENT, "$50"))  # before the method
    assert refused in early.text and early.buttons[0][1].startswith("pm:")
    bot.press(AGENT, "pm:cash")
    for typed in ("$50", "€20", "US$50", "HK$100", "50 USD"):
        assert "CNY" in shown(bot.send(AGENT, typed)).text
    assert sales.get_order(me, order_id).paid == Decimal("0.00")  # nothing recorded
    paid = shown(bot.send(AGENT, "50 CNY"))  # the order's own currency named is fine
    assert sales.get_order(me, order_id).paid == Decimal("50.00") and paid.buttons
    draft = sales.create_order(me, customer(me, "王五").id, [])
    lines = shown(bot.press(AGENT, f"oe:{draft.id}"))
    assert "品名" in lines.text or "name" in lines.text.lower()
    line = shown(bot.send(AGENT, "Widget 2 $50"))
    assert refused in line.text
    assert sales.get_order(me, draft.id).lines == ()


def test_a_bare_dollar_is_the_orders_own_dollar(bot, agent) -> None:
    deal = sales.create_deal(agent, customer(agent, "陈静").id, "港币单", amount="1000",
                             currency="HKD")
    won = sales.move_deal_to_stage(agent, deal.id, stage_id("won"), create_order=True)
    sales.change_order_status(agent, won.order_id, "confirmed")
    bot.press(AGENT, f"pa:{won.order_id}")
    bot.press(AGENT, "pm:cash")
    assert "US$100 是 USD，但这张订单的币种是 HKD" in shown(bot.send(AGENT, "US$100")).text
    shown(bot.send(AGENT, "$100"))
    assert sales.get_order(agent, won.order_id).paid == Decimal("100.00")
    bot.press(AGENT, f"pa:{won.order_id}")
    bot.press(AGENT, "pm:cash")
    for typed in ("人民币50", "50 RMB"):  # the yuan, by the names Chinese gives it
        assert "是 CNY，但这张订单的币种是 HKD" in shown(bot.send(AGENT, typed)).text
    assert sales.get_order(agent, won.order_id).paid == Decimal("100.00")


def test_a_kept_amount_too_big_is_explained_and_the_amount_asked(bot, agent) -> None:
    order_id = confirmed_order(agent, "38000")
    bot.press(AGENT, f"pa:{order_id}")
    refused = shown(bot.send(AGENT, "一些钱"))
    assert "不是" in refused.text and refused.button("现金").startswith("pm:")
    bot.send(AGENT, "10万")
    error, ask = messages(bot.press(AGENT, "pm:cash"))
    assert "¥100,000.00 超过了未付余额 ¥38,000.00" in error.text and "收到多少" in ask.text
    paid = shown(bot.send(AGENT, "38000"))
    assert "未付：<b>¥0.00</b>" in paid.text


def test_a_customers_orders_and_a_new_one(bot, db) -> None:
    me = staff(AGENT, "agent", "Emily", locale="en")
    buyer = customer(me, "Acme")
    listing = shown(bot.press(AGENT, f"co:{buyer.id}"))
    assert "No orders yet" in listing.text
    lines = shown(bot.press(AGENT, listing.button("New order")))
    assert "SO-" in lines.text and "No lines yet" in lines.text
    added = shown(bot.send(AGENT, "Widget 3 2.50"))
    assert "Widget × 3 @ CNY 2.50 = CNY 7.50" in added.text
    done = shown(bot.press(AGENT, added.button("Done")))
    assert "Total CNY 7.50" in done.text and "draft" in done.text


# a button is not a grant ----------------------------------------------------------------------
def test_an_agent_cannot_open_or_move_another_agents_deal(bot, agent) -> None:
    other = staff(OTHER, "agent", "别人")
    theirs = a_deal(other, "别人的商机", name="别人的客户")
    for forged in (f"d:{theirs.id}", f"dm:{theirs.id}:{stage_id('Contacted')}",
                   f"dm:{theirs.id}:{stage_id('won')}", f"dw:{theirs.id}:{stage_id('won')}:1",
                   f"dr:{theirs.id}:{stage_id('lost')}:price", f"dh:{theirs.id}",
                   f"de:{theirs.id}", f"df:{theirs.id}:title",
                   f"dr:{theirs.id}:{stage_id('lost')}:other", f"on:{theirs.customer_id}"):
        replies = bot.press(AGENT, forged)
        assert "别人的商机" not in " ".join(bot.texts(replies)), forged
        assert any("找不到" in a or "未找到" in a for a in bot.alerts(replies)), forged
    after = sales.get_deal(other, theirs.id)
    assert after.stage.name_en == "Lead" and after.order_id is None


def test_forged_sales_data_is_harmless(bot, agent) -> None:
    for forged in ("d:abc", "dm:1", "ds:x:y", "dw:1:2:7", "pm:gold", "sx:save", "oc:",
                   "dr:1:2:<b>", "o:99999999999"):
        replies = bot.press(AGENT, forged)
        assert not messages(replies), forged


def test_a_deal_with_4000_characters_of_notes_opens_whole(bot, agent) -> None:
    notes = "\n".join(f"第{i}次沟通：客户关心 <价格> & 交期。" for i in range(300))[:4000]
    deal = a_deal(agent, "大单", "500000", notes=notes)
    parts = messages(bot.press(AGENT, f"d:{deal.id}"))
    assert len(parts) == 2 and parts[-1].buttons and not parts[0].buttons
    assert "&lt;价格&gt; &amp; 交期" in parts[0].text
    assert notes in html.unescape(re.sub(r"<[^>]*>", "", "".join(p.text for p in parts)))


def test_the_orders_buttons_of_the_deal_card_and_the_customers_more_menu_work(bot,
                                                                              agent) -> None:
    deal = a_deal(agent, "年度采购")
    sales.create_order(agent, deal.customer_id,
                       [OrderLineInput(description="样品", unit_price="99")])
    card = shown(bot.press(AGENT, f"d:{deal.id}"))
    from_deal = messages(bot.press(AGENT, card.button("订单列表")))
    assert from_deal and "王小明" in from_deal[-1].text and "SO-" in str(from_deal[-1].buttons)
    more = shown(bot.press(AGENT, f"mo:{deal.customer_id}"))
    from_card = messages(bot.press(AGENT, more.button("订单列表")))
    assert from_card and from_card[-1].text == from_deal[-1].text


@pytest.mark.parametrize(("locale", "ship", "shipped", "complete", "completed"), [
    ("zh-CN", "标记为已发货", "订单已发货", "标记为已完成", "订单已完成"),
    ("en", "Mark shipped", "Order shipped", "Mark completed", "Order completed")])
def test_a_confirmed_order_is_shipped_then_completed_from_its_card(bot, db, locale, ship,
                                                                   shipped, complete,
                                                                   completed) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    order_id = confirmed_order(me)
    card = shown(bot.press(AGENT, f"o:{order_id}"))
    assert card.button(complete) == f"os:{order_id}:completed"
    moved = shown(bot.press(AGENT, card.button(ship)))
    assert shipped in moved.text and sales.get_order(me, order_id).status == "shipped"
    labels = [label for label, _ in moved.buttons]
    assert not any(ship in label for label in labels)  # shipped once; cancelling is past too
    assert not any(value.startswith("ox:") for _, value in moved.buttons)
    done = shown(bot.press(AGENT, moved.button(complete)))
    assert completed in done.text and sales.get_order(me, order_id).status == "completed"
    assert not any(value.startswith(("os:", "ox:")) for _, value in done.buttons)


@pytest.mark.parametrize(("locale", "cancel", "asked", "keep", "yes", "cancelled"), [
    ("zh-CN", "取消订单", "确定取消订单", "保留订单", "确定取消", "订单已取消"),
    ("en", "Cancel the order", "Cancel order", "Keep the order", "Yes, cancel it",
     "Order cancelled")])
def test_cancelling_an_order_asks_first(bot, db, locale, cancel, asked, keep, yes,
                                        cancelled) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    order_id = confirmed_order(me)
    card = shown(bot.press(AGENT, f"o:{order_id}"))
    question = shown(bot.press(AGENT, card.button(cancel)))
    assert asked in question.text and sales.get_order(me, order_id).status == "confirmed"
    kept = shown(bot.press(AGENT, question.button(keep)))
    assert kept.method == "editMessageText" and kept.button(cancel) == f"ox:{order_id}"
    question = shown(bot.press(AGENT, kept.button(cancel)))
    done = shown(bot.press(AGENT, question.button(yes)))
    assert cancelled in done.text and sales.get_order(me, order_id).status == "cancelled"


def test_a_paid_order_offers_no_cancel_and_a_viewer_no_status_buttons(bot, agent) -> None:
    order_id = confirmed_order(agent)
    sales.record_payment(agent, order_id, "100", "cash")
    card = shown(bot.press(AGENT, f"o:{order_id}"))
    assert card.button("发货").startswith("os:")
    assert not any(value.startswith("ox:") for _, value in card.buttons)
    viewer = staff(ADMIN, "viewer", "看客")
    seen = shown(bot.press(ADMIN, f"o:{order_id}"))
    assert not any(value.startswith(("os:", "ox:", "oc:")) for _, value in seen.buttons)
    refused = bot.press(ADMIN, f"os:{order_id}:shipped")  # a forged press: crm refuses
    assert sales.get_order(viewer, order_id).status == "confirmed"
    assert "只有业务员、经理和管理员可以修改记录。" in bot.alerts(refused)


@pytest.mark.parametrize(("locale", "moved", "won", "opened"), [
    ("zh-CN", "商机推进：线索 → 已联系", "赢单：已联系 → 赢单", "新商机，阶段：线索"),
    ("en", "Deal moved: Lead → Contacted", "Deal won: Contacted → Won", "New deal, at Lead")])
def test_the_customer_timeline_names_the_stages_a_deal_moved_between(bot, db, locale, moved,
                                                                      won, opened) -> None:
    me = staff(AGENT, "agent", "李娜", locale=locale)
    deal = a_deal(me, "年度采购")
    sales.move_deal_to_stage(me, deal.id, stage_id("Contacted"))
    sales.move_deal_to_stage(me, deal.id, stage_id("won"))
    [timeline] = [r for r in bot.press(AGENT, f"tl:{deal.customer_id}:0")
                  if r.method == "sendMessage"]
    assert moved in timeline.text and won in timeline.text and opened in timeline.text
