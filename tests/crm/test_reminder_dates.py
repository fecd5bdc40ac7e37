"""Reading natural dates in Chinese and English in the user's time zone, and repeats."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from crm.errors import ValidationError
from crm.reminders.when import (
    FollowUpChoices,
    chinese_number,
    find_when,
    follow_up_choices,
    next_occurrence,
    parse_day,
    parse_when,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Thursday 26 November 2026, 10:00 in Shanghai
NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("words", "expected", "rest"), [
    ("明天下午3点 给张伟打电话", (11, 27, 15, 0), "给张伟打电话"),
    ("周五上午", (11, 27, 9, 0), ""),
    ("3天后", (11, 29, 9, 0), ""),  # a day offset: the day's default time, like 后天
    ("三天后 回访", (11, 29, 9, 0), "回访"),
    ("两天后", (11, 28, 9, 0), ""),
    ("3天后下午2点 给王总回电话", (11, 29, 14, 0), "给王总回电话"),
    ("3天后 下午2点 给王总回电话", (11, 29, 14, 0), "给王总回电话"),
    ("2天后上午10点 开会", (11, 28, 10, 0), "开会"),
    ("两周后 复查", (12, 10, 9, 0), "复查"),
    ("一个月后", (12, 26, 9, 0), ""),
    ("半天后", (11, 26, 22, 0), ""),  # half a day is hours, kept exact
    ("in 3 days at 2pm", (11, 29, 14, 0), ""),
    ("in 3 days", (11, 29, 9, 0), ""),
    ("2小时后", (11, 26, 12, 0), ""),
    ("半小时后 回电", (11, 26, 10, 30), "回电"),
    ("下周一", (11, 30, 9, 0), ""),
    ("后天上午10点", (11, 28, 10, 0), ""),
    ("下午三点半 开会", (11, 26, 15, 30), "开会"),
    ("今晚8点", (11, 26, 20, 0), ""),
    ("明早", (11, 27, 8, 0), ""),
    ("中午1点", (11, 26, 13, 0), ""),
    ("9点", (11, 27, 9, 0), ""),  # already past today: tomorrow
    ("周四 9点", (12, 3, 9, 0), ""),  # Thursday morning has passed: next Thursday
    ("12月3日 14:00 交付", (12, 3, 14, 0), "交付"),
    ("11月1日", (11, 1, 9, 0), ""),  # passed this year: next year's
    ("2026-12-01 14:30 交付", (12, 1, 14, 30), "交付"),
    ("tomorrow 15:00", (11, 27, 15, 0), ""),
    ("tomorrow 3pm call Zhang", (11, 27, 15, 0), "call Zhang"),
    ("in 2 hours", (11, 26, 12, 0), ""),
    ("in 30 minutes call back", (11, 26, 10, 30), "call back"),
    ("next Monday send quote", (11, 30, 9, 0), "send quote"),
    ("friday 9am", (11, 27, 9, 0), ""),
    # periods by their first or last day, as 下个月, 月底, 周末 read
    ("next month review prices", (12, 1, 9, 0), "review prices"),
    ("end of the month 3pm invoices", (11, 30, 15, 0), "invoices"),
    ("by the end of next month", (12, 31, 9, 0), ""),
    ("this weekend tidy up", (11, 28, 9, 0), "tidy up"),
    ("next weekend", (12, 5, 9, 0), ""),
    ("end of year", (12, 31, 9, 0), ""),
])
def test_natural_dates_are_read_in_the_users_zone(words, expected, rest) -> None:
    found = parse_when(words, NOW)
    month, day, hour, minute = expected
    year = 2027 if (month, day) == (11, 1) else 2026
    assert found.moment == dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)
    assert found.rest == rest


@pytest.mark.parametrize(("words", "expected", "rest"), [
    # voice input's spaces between words and after numbers
    ("明天上午 10 点 开会", (2026, 11, 27, 10, 0), "开会"),
    ("明天 下午 3 点 半 给 张伟 打 电话", (2026, 11, 27, 15, 30), "给张伟打电话"),
    ("明天 10 点 15 分 开会", (2026, 11, 27, 10, 15), "开会"),
    ("3 天 后 回访", (2026, 11, 29, 9, 0), "回访"),
    ("明天3点 5个样品", (2026, 11, 27, 15, 0), "5个样品"),  # not 3:05
    # an hour said without a part of the day, that nobody means at night
    ("3点 回电", (2026, 11, 26, 15, 0), "回电"),
    ("明天3点15", (2026, 11, 27, 15, 15), ""),
    ("明天三点 开会", (2026, 11, 27, 15, 0), "开会"),
    ("凌晨3点 上线", (2026, 11, 27, 3, 0), "上线"),
    ("8点", (2026, 11, 27, 8, 0), ""),
    ("晚上12点 上线", (2026, 11, 27, 0, 0), "上线"),  # tonight's midnight, not noon
    # a day of the month
    ("5号 收款", (2026, 12, 5, 9, 0), "收款"),  # this month's 5th has passed
    ("30号", (2026, 11, 30, 9, 0), ""),
    ("下个月5号 续费", (2026, 12, 5, 9, 0), "续费"),
    ("15日下午2点 开会", (2026, 12, 15, 14, 0), "开会"),
    # halves, quarters and years
    ("一个半小时后 回电", (2026, 11, 26, 11, 30), "回电"),
    ("一刻钟后", (2026, 11, 26, 10, 15), ""),
    ("半个月后 回访", (2026, 12, 11, 9, 0), "回访"),
    ("半年后 续约", (2027, 5, 26, 9, 0), "续约"),
    ("一年后", (2027, 11, 26, 9, 0), ""),
    ("明年1月3日 开工", (2027, 1, 3, 9, 0), "开工"),
    ("下个月初 对账", (2026, 12, 1, 9, 0), "对账"),
])
def test_chinese_as_people_say_it_is_read(words, expected, rest) -> None:
    found = parse_when(words, NOW)
    assert found.moment == dt.datetime(*expected, tzinfo=SHANGHAI)
    assert found.rest == rest


@pytest.mark.parametrize(("words", "expected", "rest"), [
    ("明天 8.30 给张伟打电话", (11, 27, 8, 30), "给张伟打电话"),
    ("明天8.30给张伟打电话", (11, 27, 8, 30), "给张伟打电话"),
    ("明天 8。30 开会", (11, 27, 8, 30), "开会"),
    ("明天 8.30 报价", (11, 27, 8, 30), "报价"),
    ("明天 8.30 报价 A 款 两份", (11, 27, 8, 30), "报价 A 款两份"),  # spaced beside Latin
    ("周五上午9.45 拜访", (11, 27, 9, 45), "拜访"),
    ("明天 3.30 回电", (11, 27, 15, 30), "回电"),  # as 明天3点: the afternoon
    ("8。30 开会", (11, 27, 8, 30), "开会"),  # a full stop is no date: the time, anywhere
])
def test_a_time_typed_with_a_dot_is_read_as_the_time(words, expected, rest) -> None:
    found = parse_when(words, NOW)
    assert found.moment == dt.datetime(2026, *expected, tzinfo=SHANGHAI)
    assert found.rest == rest


@pytest.mark.parametrize(("words", "rest"), [
    ("明天 1.50万的单子", "1.50万的单子"),
    ("明天 2.5 版本上线", "2.5 版本上线"),  # its space kept: the words are the user's
    ("明天 1.50万 报价", "1.50万报价"),
    ("明天 报价 12.30元", "报价 12.30元"),
])
def test_a_figure_after_a_day_is_no_time(words, rest) -> None:
    found = parse_when(words, NOW)
    assert found.moment == dt.datetime(2026, 11, 27, 9, 0, tzinfo=SHANGHAI)
    assert found.rest == rest


@pytest.mark.parametrize(("words", "figure"), [
    ("明天 8.75 报价", "8.75"), ("明天8.75报价", "8.75"), ("下午3.75 开会", "3.75"),
    ("明天 25.30 报价", "25.30"), ("每天 8.75 打卡", "8.75"),
])
def test_a_dotted_figure_where_the_time_goes_that_is_no_time_is_refused(words, figure) -> None:
    with pytest.raises(ValidationError) as caught:  # a slip for 8:45? not 9:00 with 8.75 kept
        parse_when(words, NOW)
    assert (caught.value.code, caught.value.params["text"]) == (
        "reminder.when_dotted_invalid", figure)


def test_a_note_naming_a_day_before_such_a_figure_still_offers_that_day() -> None:
    found = find_when("客户说明天 8.75 报价", NOW)
    assert found is not None and found.moment == dt.datetime(2026, 11, 27, 9, 0,
                                                             tzinfo=SHANGHAI)


def test_a_dotted_figure_alone_stays_a_date() -> None:
    found = parse_when("8.30 交货", NOW)  # the 30th of August, as 8.30 is written on orders
    assert (found.moment.month, found.moment.day, found.moment.hour) == (8, 30, 9)


def test_an_amount_alone_is_no_date() -> None:
    with pytest.raises(ValidationError) as caught:  # was the 5th of January
        parse_when("1.5万 的单子", NOW)
    assert caught.value.code == "reminder.when_unclear"


def test_a_numbered_building_is_no_day() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when("3号楼 送货", NOW)
    assert caught.value.code == "reminder.when_unclear"


def test_a_spoken_time_in_a_note_is_offered_as_said() -> None:
    found = find_when("客户 说 3 天 后 给 答复", NOW)
    assert found is not None and found.moment == dt.datetime(2026, 11, 29, 9, 0, tzinfo=SHANGHAI)


def test_the_same_words_mean_a_different_instant_in_another_zone() -> None:
    berlin = NOW.astimezone(ZoneInfo("Europe/Berlin"))  # 03:00 there
    there = parse_when("明天下午3点", berlin).moment
    here = parse_when("明天下午3点", NOW).moment
    assert there.hour == here.hour == 15 and there - here == dt.timedelta(hours=7)


@pytest.mark.parametrize("words", ["给张伟打电话", "hello there", "", "   "])
def test_words_without_a_time_are_refused(words) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when(words, NOW)
    assert caught.value.code in ("reminder.when_unclear", "validation.required")


@pytest.mark.parametrize("words", ["2026-11-20 9:00", "昨天下午3点 回访", "昨晚 打电话",
                                   "前天 拜访", "yesterday 3pm call"])
def test_a_time_in_the_past_is_refused_as_past(words) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when(words, NOW)
    assert caught.value.code == "reminder.when_past"


def test_an_impossible_date_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_when("2月30日", NOW)
    assert caught.value.code == "reminder.when_invalid"


def test_chinese_numbers() -> None:
    assert [chinese_number(s) for s in ("一", "十", "十五", "二十三", "两", "12")] == \
        [1, 10, 15, 23, 2, 12]


def test_repeats_come_back_at_the_same_local_time() -> None:
    first = dt.datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
    assert next_occurrence(first, "daily", first) == first + dt.timedelta(days=1)
    assert next_occurrence(first, "weekly", first + dt.timedelta(days=3)) == \
        first + dt.timedelta(days=7)
    # A Monday delivery three days late still lands on the next one, not in the past.
    assert next_occurrence(first, "daily", first + dt.timedelta(days=3, hours=1)) == \
        first + dt.timedelta(days=4)


def test_a_monthly_reminder_on_the_31st_keeps_its_day() -> None:
    first = dt.datetime(2027, 1, 31, 9, 0, tzinfo=SHANGHAI)
    february = next_occurrence(first, "monthly", first)
    march = next_occurrence(first, "monthly", february)
    assert (february.month, february.day) == (2, 28)
    assert (march.month, march.day) == (3, 31)


def test_a_daily_reminder_keeps_its_wall_clock_time_across_daylight_saving() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    first = dt.datetime(2027, 3, 27, 9, 0, tzinfo=berlin)  # summer time starts on the 28th
    following = next_occurrence(first, "daily", first)
    assert (following.day, following.hour) == (28, 9)
    assert following.utcoffset() == dt.timedelta(hours=2)


@pytest.mark.parametrize(("words", "expected"), [
    ("月底", dt.date(2026, 11, 30)), ("本月底", dt.date(2026, 11, 30)),
    ("下个月底", dt.date(2026, 12, 31)), ("12月底", dt.date(2026, 12, 31)),
    ("十二月底", dt.date(2026, 12, 31)), ("2月底", dt.date(2027, 2, 28)),
    ("2028年2月底", dt.date(2028, 2, 29)), ("年底", dt.date(2026, 12, 31)),
    ("明年底", dt.date(2027, 12, 31)), ("季度末", dt.date(2026, 12, 31)),
    ("下季度末", dt.date(2027, 3, 31)), ("下周五", dt.date(2026, 12, 4)),
    ("3个月后", dt.date(2027, 2, 26)), ("12月31日", dt.date(2026, 12, 31)),
    ("1/15", dt.date(2027, 1, 15)), ("2027-01-15", dt.date(2027, 1, 15)),
    ("next Friday", dt.date(2026, 12, 4)), ("this Friday", dt.date(2026, 11, 27)),
    ("end of month", dt.date(2026, 11, 30)), ("end of next month", dt.date(2026, 12, 31)),
    ("end of the year", dt.date(2026, 12, 31)),
])
def test_deadline_days_are_read_as_people_name_them(words: str, expected: dt.date) -> None:
    assert parse_day(words, NOW.date()) == expected


@pytest.mark.parametrize("words", ["很多", "下周五 给张伟打电话", "soon-ish", ""])
def test_anything_else_is_not_a_day(words: str) -> None:
    assert parse_day(words, NOW.date()) is None


def test_a_month_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValidationError):
        parse_day("13月底", NOW.date())


@pytest.mark.parametrize(("note", "expected", "words"), [
    ("客户说下周三再联系，报价要打九折", (12, 2, 9, 0), "下周三"),
    ("明天下午3点去送样品", (11, 27, 15, 0), "明天下午3点"),
    ("他说3天后给答复", (11, 29, 9, 0), "3天后"),
    ("客户说3天后下午2点给答复", (11, 29, 14, 0), "3天后下午2点"),
    ("12月5日开标", (12, 5, 9, 0), "12月5日"),
    ("约了周五上午10点半 电话", (11, 27, 10, 30), "周五上午10点半"),
    ("后天上午送样品", (11, 28, 9, 0), "后天上午"),
])
def test_a_time_named_inside_a_note_is_found(note: str, expected, words: str) -> None:
    found = find_when(note, NOW)
    assert found is not None and found.rest == words
    assert (found.moment.month, found.moment.day, found.moment.hour, found.moment.minute) == \
        expected


@pytest.mark.parametrize(("note", "expected", "words"), [
    ("Customer asked me to call back next Tuesday at 3pm", (12, 1, 15, 0), "next Tuesday at 3pm"),
    ("Will visit tomorrow at 10am with samples", (11, 27, 10, 0), "tomorrow at 10am"),
    ("Send the catalogue in 3 days", (11, 29, 9, 0), "in 3 days"),
    ("She wants a demo on Friday", (11, 27, 9, 0), "on Friday"),
])
def test_a_day_word_inside_an_english_note_is_found(note: str, expected, words: str) -> None:
    found = find_when(note, NOW)
    assert found is not None and found.rest == words
    assert (found.moment.month, found.moment.day, found.moment.hour, found.moment.minute) == \
        expected


@pytest.mark.parametrize("note", ["报价1.5万，型号 HP M428", "昨天已经发了报价", "2月30日再说",
                                  "没有时间", "", "开完会之后天气好再去", "以后天天联系",
                                  "Talked about the May order and March prices",
                                  "Sent 3 samples, 12/05 invoice", "Visited yesterday"])
def test_a_note_without_a_future_time_names_none(note: str) -> None:
    assert find_when(note, NOW) is None


# Friday 27 November 2026, 05:34 in Shanghai; the tester's morning
FRIDAY_DAWN = dt.datetime(2026, 11, 27, 5, 34, tzinfo=SHANGHAI)
FRIDAY_NOON = FRIDAY_DAWN.replace(hour=12, minute=0)


@pytest.mark.parametrize(("words", "now", "expected"), [
    ("周五", FRIDAY_DAWN, (11, 27, 9, 0)), ("friday", FRIDAY_DAWN, (11, 27, 9, 0)),
    ("周五上午10点", FRIDAY_DAWN, (11, 27, 10, 0)), ("friday 10am", FRIDAY_DAWN, (11, 27, 10, 0)),
    ("Fri 8am", FRIDAY_DAWN, (11, 27, 8, 0)), ("on Friday at 3pm", FRIDAY_DAWN, (11, 27, 15, 0)),
    ("周五", FRIDAY_NOON, (12, 4, 9, 0)), ("friday", FRIDAY_NOON, (12, 4, 9, 0)),
    ("周五上午10点", FRIDAY_NOON, (12, 4, 10, 0)), ("friday 10am", FRIDAY_NOON, (12, 4, 10, 0)),
    ("周五下午3点", FRIDAY_NOON, (11, 27, 15, 0)), ("friday 3pm", FRIDAY_NOON, (11, 27, 15, 0)),
    ("周一", FRIDAY_NOON, (11, 30, 9, 0)), ("monday", FRIDAY_NOON, (11, 30, 9, 0)),
    ("下周五", FRIDAY_NOON, (12, 4, 9, 0)),
])
def test_a_weekday_alone_is_the_next_one_still_ahead_in_both_languages(words, now,
                                                                        expected) -> None:
    found = parse_when(words, now).moment
    assert (found.month, found.day, found.hour, found.minute) == expected


def test_after_a_named_day_offset_the_same_day_offer_is_not_repeated() -> None:
    said = follow_up_choices("3天后给答复", FRIDAY_DAWN)
    assert said.named.moment == dt.datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)
    assert said.days == (1, 7)  # "⏰ 3天后跟进" would be the same Monday 09:00
    timed = follow_up_choices("3天后下午2点给答复", FRIDAY_DAWN)
    assert timed.named.rest == "3天后下午2点" and timed.days == (1, 3, 7)
    assert follow_up_choices("谈了价格", FRIDAY_DAWN) == FollowUpChoices(None, (1, 3, 7))


@pytest.mark.parametrize(("words", "expected", "rest"), [
    ("tonight call Zhang", (11, 26, 20, 0), "call Zhang"),
    ("this afternoon send the quote", (11, 26, 15, 0), "send the quote"),
    ("this evening call back", (11, 26, 18, 0), "call back"),
    ("tomorrow afternoon visit", (11, 27, 15, 0), "visit"),
    ("tmr 10am call Tom", (11, 27, 10, 0), "call Tom"),
])
def test_a_part_of_the_day_said_in_english_keeps_its_hour(words, expected, rest) -> None:
    found = parse_when(words, NOW)
    assert (found.moment.month, found.moment.day, found.moment.hour, found.moment.minute) == \
        expected
    assert found.rest == rest


@pytest.mark.parametrize(("words", "expected", "rest"), [
    ("月底 对账", (11, 30, 9, 0), "对账"),
    ("月底下午3点 对账", (11, 30, 15, 0), "对账"),
    ("下个月底 催款", (12, 31, 9, 0), "催款"),
    ("年底 总结", (12, 31, 9, 0), "总结"),
    ("下周 回访", (11, 30, 9, 0), "回访"),
    ("下个月 回访", (12, 1, 9, 0), "回访"),
    ("周末 回访", (11, 28, 9, 0), "回访"),
    ("下周末 拜访", (12, 5, 9, 0), "拜访"),
])
def test_a_period_named_in_chinese_is_its_first_or_last_day(words, expected, rest) -> None:
    found = parse_when(words, NOW)
    assert (found.moment.month, found.moment.day, found.moment.hour, found.moment.minute) == \
        expected
    assert found.rest == rest and found.repeat == ""


@pytest.mark.parametrize(("words", "expected", "rest", "repeat"), [
    ("每周一上午9点 周会", (11, 30, 9, 0), "周会", "weekly"),
    ("每个星期五 交周报", (11, 27, 9, 0), "交周报", "weekly"),
    ("每天下午5点 写日报", (11, 26, 17, 0), "写日报", "daily"),
    ("每天 打卡", (11, 27, 9, 0), "打卡", "daily"),  # 9:00 has passed today
    ("每天 8.30 打卡", (11, 27, 8, 30), "打卡", "daily"),  # 每天 said the day: not 30 August
    ("每天 18.30 写 日报", (11, 26, 18, 30), "写日报", "daily"),
    ("每天 1.5万 目标", (11, 27, 9, 0), "1.5万目标", "daily"),  # an amount, not 5 January
    ("every monday 9am team call", (11, 30, 9, 0), "team call", "weekly"),
    ("every day 6pm daily report", (11, 26, 18, 0), "daily report", "daily"),
])
def test_a_repeat_said_with_the_time_is_understood(words, expected, rest, repeat) -> None:
    found = parse_when(words, NOW)
    assert (found.moment.month, found.moment.day, found.moment.hour, found.moment.minute) == \
        expected
    assert (found.rest, found.repeat) == (rest, repeat)


MONDAY = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
SUNDAY = dt.datetime(2026, 11, 29, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("now", [MONDAY, NOW, FRIDAY_NOON, SUNDAY])
@pytest.mark.parametrize(("english", "chinese"), [
    ("next week", "下周"), ("next week 3pm", "下周下午3点"), ("next Friday", "下周五"),
    ("next fri 10am", "下周五上午10点"), ("next Monday", "下周一"), ("on next Wednesday", "下周三"),
])
def test_next_week_and_next_weekday_mean_the_same_in_english_and_chinese(english, chinese,
                                                                         now) -> None:
    assert parse_when(english, now).moment == parse_when(chinese, now).moment


@pytest.mark.parametrize(("words", "now", "expected"), [
    ("next week call Zhang", NOW, (11, 30, 9, 0)),  # Thursday: next Monday, not Thursday
    ("next Friday", MONDAY, (12, 4, 9, 0)),  # the Friday of next week, even said on Monday
    ("this Friday", MONDAY, (11, 27, 9, 0)),  # the coming one
    ("this Friday", SUNDAY, (12, 4, 9, 0)),
    ("this friday", FRIDAY_NOON, (12, 4, 9, 0)),  # its morning has passed: the next one
    ("this fri 3pm", FRIDAY_NOON, (11, 27, 15, 0)),
    ("next Friday evening", NOW, (12, 4, 18, 0)),
])
def test_english_next_and_this_name_one_day(words, now, expected) -> None:
    found = parse_when(words, now)
    assert (found.moment.month, found.moment.day, found.moment.hour, found.moment.minute) == \
        expected
    assert found.rest == ("call Zhang" if "Zhang" in words else "")


@pytest.mark.parametrize(("english", "chinese"), [
    ("in 1 minute", "1分钟后"), ("in 2 hours", "2小时后"), ("in 10 minutes", "10分钟后")])
def test_a_time_from_now_is_as_far_ahead_in_english_as_in_chinese(english, chinese) -> None:
    # Said at 19:52:40: "in 1 minute" is 19:53:40, not 19:53:00, which a tap on ✅ Save a few
    # seconds later would refuse as already past.
    now = dt.datetime(2026, 11, 26, 19, 52, 40, tzinfo=SHANGHAI)
    assert parse_when(f"{english} call", now).moment == parse_when(f"{chinese} call", now).moment
    assert parse_when(f"{english} call", now).moment - now >= dt.timedelta(minutes=1)
