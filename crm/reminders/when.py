"""Natural dates and times for reminders, in Chinese and English, read in the user's time zone.

A pure rule: ``parse_when("明天下午3点 给张伟打电话", now)`` gives the moment and the rest of
the text. Chinese is read by the patterns below (common speech is a small grammar, and general
parsers misread it); English goes through dateparser.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from crm.errors import ValidationError
from crm.reminders.moments import DEFAULT_HOUR, Moment, When, add_months, month_days
from crm.reminders.when_english import find_english, parse_english
from crm.search_terms import CJK_CHARS
from crm.validation import CHINESE_DIGITS

# Chinese ---------------------------------------------------------------------------------
_NUM = r"(\d{1,4}|[零〇一二两三四五六七八九十]{1,3})"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "1": 0,
             "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "末": 5}  # 周末: its Saturday
_PERIODS = {"凌晨": 5, "早上": 8, "早晨": 8, "上午": DEFAULT_HOUR, "中午": 12, "下午": 15,
            "傍晚": 18, "晚上": 20, "今晚": 20, "明早": 8, "明晚": 20, "昨晚": 20}
_AFTERNOON = {"下午", "傍晚", "晚上", "今晚", "明晚", "昨晚"}
_DAY_WORDS = {"今天": 0, "今日": 0, "今晚": 0, "明天": 1, "明日": 1, "明早": 1, "明晚": 1,
              "后天": 2, "大后天": 3,
              # understood so the answer is "that has passed", not "no time found"
              "昨天": -1, "昨日": -1, "昨晚": -1, "前天": -2}
_UNITS = {"分钟": "minutes", "分": "minutes", "刻钟": "quarters", "小时": "hours",
          "钟头": "hours", "天": "days", "日": "days", "周": "weeks", "星期": "weeks",
          "礼拜": "weeks", "月": "months", "年": "years"}
_UNIT_WORDS = "分钟|刻钟|小时|钟头|天|日|周|星期|礼拜|月|年"

# 3天后, 两个小时后, 半小时后, 一个半小时后, 半个月后, 一刻钟后, 半年后
_RELATIVE = re.compile(rf"^(?:{_NUM}|(半))个?(半)?({_UNIT_WORDS})(?:以后|之后|后)")
_DAY = re.compile("^(" + "|".join(sorted(_DAY_WORDS, key=len, reverse=True)) + ")")  # 大后天 first
_WEEKDAY = re.compile(r"^(下下|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天1-7末])")
# "下周", "下个月" alone: the start of that week (Monday) or month (the 1st)
_NEXT_WEEK = re.compile(r"^下个?(?:周|星期|礼拜)(?![一二三四五六日天1-7末])")
_NEXT_MONTH = re.compile(r"^下个?月初?(?![\d零〇一二两三四五六七八九十底末])")
_DATE = re.compile(rf"^(?:(\d{{4}}|今|明|后)年)?{_NUM}月{_NUM}[日号]?")
# 5号, 15日, 下个月5号: a day of this month (or the next, once this one's has passed), not
# a building, line or gate (3号楼, 2号线)
_MONTH_DAY = re.compile(rf"^(下个?月|本月|这个?月)?{_NUM}[日号](?![楼线门栋室座库仓])")
_YEARS_FROM_NOW = {"今": 0, "明": 1, "后": 2}
# 1.5 is the 5th of January, but 1.5万 an amount (see _DOTTED_CLOCK)
_ISO_DATE = re.compile(r"^(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})(?![\d%‰万千百亿元块角wWkK])")
_PERIOD = re.compile(r"^(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上)")
# 3点, 3点半, 3点15, 15:30; voice input's spaces too (3 点 半, 10 点 15 分), where minutes
# after a space must say 分, so "3点 5个样品" keeps its five samples.
_CLOCK = re.compile(rf"^{_NUM}\s?(?:点|时|:|：)(?:\s?(半|一刻|三刻)|{_NUM}分?|\s{_NUM}\s?分)?")
# 8.30 or 8。30, as phones type a time: read so only where a time is expected, after a day or
# a part of the day (明天 8.30, 下午3.15), since 8.30 alone is the 30th of August and "1.50万"
# an amount. The full stop 。 is neither, so 8。30 is a time anywhere. Never before a unit.
_DOTTED_CLOCK = re.compile(r"^(\d{1,2})\s?([.。])(\d{2})(?![\d.。%‰万千百亿元块角wWkK])")
# Hours said without a part of the day that mean the afternoon: nobody meets at 3 in the
# night, so 明天3点 is 15:00 (凌晨3点 says the night).
_AFTERNOON_HOURS = range(1, 7)
# Spaces voice input puts between Chinese words and after numbers (明天 下午 3 点 给 张伟).
# One before a number stays: "3点 5个样品" is three o'clock and five samples, not 3:05.
_SPOKEN_GAP = re.compile(rf"(?<=[{CJK_CHARS}\d，。！？、：；]) +(?=[{CJK_CHARS}，。！？、：；])")


def without_spoken_gaps(text: str) -> str:
    """Text as a keyboard types it: the spaces voice input leaves between Chinese words and
    after numbers (``3 点 给 张伟`` → ``3点 给张伟``; the parts of a time may stand apart)
    taken out; spaces between Latin words, or before a number, stay."""
    return _SPOKEN_GAP.sub("", text)


def chinese_number(text: str) -> int:
    """一 → 1, 十五 → 15, 二十三 → 23, 两 → 2, digits as they are."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return ((CHINESE_DIGITS.get(tens, 1) if tens else 1) * 10
                + (CHINESE_DIGITS[ones] if ones else 0))
    value = 0
    for char in text:
        value = value * 10 + CHINESE_DIGITS[char]
    return value


def _add(moment: Moment, unit: str, amount: float) -> Moment:
    if unit == "years":
        unit, amount = "months", amount * 12
    if unit == "months":  # 一个半月后: a month and a half, the half being 15 days
        whole = int(amount)
        return add_months(moment, whole) + dt.timedelta(days=15 * (amount - whole) * 2)
    if unit == "quarters":
        unit, amount = "minutes", amount * 15
    return moment + dt.timedelta(**{unit: amount})



def _relative(match: re.Match[str]) -> tuple[str, float]:
    """The unit and amount of "3天后", "半小时后", "一个半小时后", "半个月后"."""
    number, half_alone, and_a_half, unit = match.groups()
    amount = 0.5 if half_alone else chinese_number(number) + (0.5 if and_a_half else 0)
    return _UNITS[unit], amount


def _is_day_offset(unit: str, amount: float) -> bool:
    """"3天后", "两周后", "半个月后", "半年后" name a day (its time of day said or the default
    one); "2小时后", "半天后" name an exact moment from now."""
    return (unit in ("days", "weeks") and amount == int(amount)) or unit in ("months", "years")


def _parse_chinese(text: str, now: dt.datetime, *, strict: bool = False,
                   daily: bool = False) -> When | None:
    """The moment Chinese words at the start of ``text`` name; ``strict`` (a time being set,
    not a note searched) refuses a dotted figure where the time goes that is no time, and
    ``daily`` (after 每天, which said the day) reads 8.30 as the time, not the 30th of August."""
    relative = _RELATIVE.match(text)
    if relative:
        offset = _relative(relative)
        if not _is_day_offset(*offset):
            return When(_add(now, *offset), text[relative.end():].strip())
    day, rest = (None, text) if daily and _DOTTED_CLOCK.match(text) else _chinese_day(text, now)
    period, rest = _chinese_period(rest.lstrip(), text[:len(text) - len(rest)])
    clock, rest = _chinese_clock(rest.lstrip(), after_day=daily or day is not None
                                 or period is not None, strict=strict)
    if day is None and period is None and clock is None:
        return None
    hour, minute = clock if clock else (_PERIODS.get(period or "", DEFAULT_HOUR), 0)
    afternoon = (period in _AFTERNOON and hour < 12) or (period == "中午" and hour < 6) or (
        period is None and hour in _AFTERNOON_HOURS)
    if clock and afternoon:  # 下午3点 is 15:00, 中午1点 is 13:00
        hour += 12
    midnight = bool(clock) and period in _AFTERNOON and hour == 12  # 晚上12点: the night's end
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    moment = (day or now.date()) + dt.timedelta(days=1 if midnight else 0)
    hour = 0 if midnight else hour
    found = now.replace(year=moment.year, month=moment.month, day=moment.day, hour=hour,
                        minute=minute, second=0, microsecond=0)
    if found <= now and day is None:  # "下午3点" said after three: tomorrow
        found += dt.timedelta(days=1)
    elif found <= now and _WEEKDAY.match(text) and not _WEEKDAY.match(text).group(1):
        found += dt.timedelta(weeks=1)  # "周四9点" said on Thursday at ten: next Thursday
    return When(found, rest.strip())


def _chinese_day(text: str, now: dt.datetime) -> tuple[dt.date | None, str]:
    """The day named at the start of ``text``, and what follows it."""
    today = now.date()
    match = _RELATIVE.match(text)
    offset = _relative(match) if match else None
    if match and offset and _is_day_offset(*offset):
        return _add(today, *offset), text[match.end():]
    match = _DAY.match(text)
    if match:
        return today + dt.timedelta(days=_DAY_WORDS[match.group(1)]), text[match.end():]
    match = _WEEKDAY.match(text)
    if match:
        return _weekday(today, match.group(1) or "", _WEEKDAYS[match.group(2)]), \
            text[match.end():]
    match = _PERIOD_END_START.match(text)
    if match:  # 月底, 下个月底, 年底, 季度末: the last day
        return _period_end(match, today), text[match.end():]
    match = _NEXT_WEEK.match(text)
    if match:
        return _weekday(today, "下", 0), text[match.end():]
    match = _MONTH_DAY.match(text)
    if match:
        return _month_day(today, match[1], chinese_number(match[2])), text[match.end():]
    match = _NEXT_MONTH.match(text)
    if match:
        return add_months(today.replace(day=1), 1), text[match.end():]
    match = _DATE.match(text) or _ISO_DATE.match(text)
    if match:
        year = _year(match.group(1), today)
        try:
            found = _calendar_day(today, year, chinese_number(match.group(2)),
                                  chinese_number(match.group(3)))
        except ValueError:
            raise ValidationError("reminder.when_invalid", field="when") from None
        return found, text[match.end():]
    return None, text


def _year(said: str | None, today: dt.date) -> int | None:
    """2027年 → 2027, 明年 → next year, 今年 → this one; None when no year was said."""
    if not said:
        return None
    return today.year + _YEARS_FROM_NOW[said] if said in _YEARS_FROM_NOW else int(said)


def _month_day(today: dt.date, month: str | None, day: int) -> dt.date:
    """5号: this month's 5th, or next month's once it has passed; 下个月5号: next month's."""
    first = today.replace(day=1)
    next_month = month.startswith("下") if month else day < today.day
    if next_month:
        first = add_months(first, 1)
    if not 1 <= day <= month_days(first.year, first.month):
        raise ValidationError("reminder.when_invalid", field="when")
    return first.replace(day=day)


def _weekday(today: dt.date, prefix: str, weekday: int) -> dt.date:
    """周五 → the coming Friday (today counts); 下周五 → next week's; 这周五 → this week's."""
    monday = today - dt.timedelta(days=today.weekday())
    if prefix.startswith("下下"):
        return monday + dt.timedelta(weeks=2, days=weekday)
    if prefix.startswith("下"):
        return monday + dt.timedelta(weeks=1, days=weekday)
    if prefix:
        return monday + dt.timedelta(days=weekday)
    ahead = (weekday - today.weekday()) % 7
    return today + dt.timedelta(days=ahead)


def _calendar_day(today: dt.date, year: int | None, month: int, day: int) -> dt.date:
    """12月3日: this year's, or next year's when this year's has passed."""
    found = dt.date(year or today.year, month, day)
    if year is None and found < today:
        found = dt.date(today.year + 1, month, day)
    return found


def _chinese_period(text: str, consumed: str) -> tuple[str | None, str]:
    match = _PERIOD.match(text)
    if match:
        return match.group(1), text[match.end():]
    for word in ("今晚", "明早", "明晚"):  # the day word already carried the period
        if consumed.endswith(word):
            return word, text
    return None, text


def _chinese_clock(text: str, *, after_day: bool,
                   strict: bool = False) -> tuple[tuple[int, int] | None, str]:
    match = _CLOCK.match(text)
    if not match:
        return _dotted_clock(text, after_day=after_day, strict=strict)
    hour = chinese_number(match.group(1))
    fraction, minutes = match.group(2), match.group(3) or match.group(4)
    minute = {"半": 30, "一刻": 15, "三刻": 45}.get(fraction or "", 0)
    if minutes:
        minute = chinese_number(minutes)
    return (hour, minute), text[match.end():]


def _dotted_clock(text: str, *, after_day: bool,
                  strict: bool = False) -> tuple[tuple[int, int] | None, str]:
    """8.30 after a day or a part of the day, or 8。30 anywhere: 8:30 (see ``_DOTTED_CLOCK``).
    明天 8.75 is no time: ``strict`` refuses it, as a slip for 8:45 or 8:57 would otherwise be
    kept at 9:00 with the figure in the text; a note searched for a time passes it by."""
    match = _DOTTED_CLOCK.match(text)
    if not match or not (after_day or match.group(2) == "。"):
        return None, text
    hour, minute = int(match.group(1)), int(match.group(3))
    if hour > 23 or minute > 59:
        if strict:
            raise ValidationError("reminder.when_dotted_invalid", field="when",
                                  text=match.group(0).replace(" ", ""))
        return None, text
    return (hour, minute), text[match.end():]



# "每天", "每周一", "every day", "every Monday": the first time, and how it repeats. The
# lookahead keeps the weekday for the ordinary reading.
_REPEAT_WORDS = (
    (re.compile(r"^每(?:天|日)\s*"), "daily"),
    (re.compile(r"^每个?(?=(?:周|星期|礼拜)[一二三四五六日天1-7])"), "weekly"),
    (re.compile(r"^(?:every\s*day|daily|each\s+day)\b\s*", re.IGNORECASE), "daily"),
    (re.compile(r"^(?:every|each)\s+(?=(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b)", re.IGNORECASE),
     "weekly"),
)


def _parse_repeating(text: str, now: dt.datetime) -> When | None:
    """"每天上午9点 打卡" → the next 9:00, daily; "every monday 9am" → the next Monday, weekly."""
    for pattern, repeat in _REPEAT_WORDS:
        match = pattern.match(text)
        if not match:
            continue
        rest = text[match.end():].strip()
        found = (_parse_chinese(rest, now, strict=True, daily=repeat == "daily")
                 or parse_english(rest, now) if rest else None)
        if found is None:  # "每天 打卡": at the default hour, from the next one to come
            found = When(follow_up_moment(0 if now.hour < DEFAULT_HOUR else 1, now), rest)
        return When(found.moment, found.rest, repeat)
    return None


def parse_when(text: str, now: dt.datetime) -> When:
    """The moment at the start of ``text`` (``now`` is aware, in the user's time zone), and
    the repeat its words ask for."""
    typed = " ".join((text or "").split())
    cleaned = without_spoken_gaps(typed)  # for reading the time; the words stay as typed
    if not cleaned:
        raise ValidationError("validation.required", field="when")
    found = (_parse_repeating(cleaned, now) or _parse_chinese(cleaned, now, strict=True)
             or parse_english(cleaned, now))
    if found is None:
        raise ValidationError("reminder.when_unclear", field="when", text=typed[:40])
    if found.moment <= now:
        raise ValidationError("reminder.when_past", field="when")
    return When(found.moment, _as_typed(found.rest, typed), found.repeat)


def _as_typed(rest: str, typed: str) -> str:
    """``rest``, the end of the text as read without voice input's gaps, with the spaces it
    was typed with where they separate something ("明天 8.30 报价 iPhone 15" → "报价 iPhone 15"):
    the gaps matter to reading the time, not to the words after it, which are the user's. A gap
    between two Chinese characters is voice input's, not the user's, and stays out ("给 张伟
    打 电话" → "给张伟打电话"). Only spaces were taken out, so the rest is the same number of
    other characters at the end of ``typed``."""
    left = len(rest.replace(" ", ""))
    for index in range(len(typed) - 1, -1, -1):
        if typed[index] != " ":
            left -= 1
            if left == 0:
                return _VOICE_GAP.sub("", typed[index:].strip())
    return rest


# A space (or several) with a Chinese character on each side.
_VOICE_GAP = re.compile(f"(?<=[{CJK_CHARS}]) +(?=[{CJK_CHARS}])")


# A time named inside a note ---------------------------------------------------------------
# Where a Chinese time expression may begin: a day word, a weekday, "N天后", or "12月5日"
# (digits alone are not: "1.5万" or a model number is no date).
_NAMED_START = re.compile(
    "(?=" + "|".join(sorted(_DAY_WORDS, key=len, reverse=True))
    + r"|(?:下下|下个?|这个?|本)?(?:周|星期|礼拜)[一二三四五六日天1-7]"
    + rf"|(?:{_NUM}|半)个?半?(?:{_UNIT_WORDS})(?:以后|之后|后)"
    + rf"|{_NUM}月{_NUM}[日号])")


_AFTER_WORDS = set("之以然最今随过背前落往")  # X后 words ("之后", "以后"...)


def find_when(text: str, now: dt.datetime) -> When | None:
    """The first future moment a note names anywhere in it ("客户说下周三再联系" → next
    Wednesday 9:00, "call me next Tuesday at 3pm"), with the words that named it as ``rest``;
    None when it names none. English only from a day word (see ``find_english``): dates in
    English are too easily read into ordinary words."""
    return _find_chinese(text, now) or find_english(text or "", now)


def _find_chinese(text: str, now: dt.datetime) -> When | None:
    cleaned = without_spoken_gaps(" ".join((text or "").split()))
    for start in _NAMED_START.finditer(cleaned):
        tail = cleaned[start.start():]
        if tail.startswith("后天") and cleaned[start.start() - 1:start.start()] in _AFTER_WORDS:
            continue  # 之后|天气, 以后|天天: "after" and a word starting with 天, not a day
        try:
            found = _parse_chinese(tail, now)
        except ValidationError:  # "2月30日": not a day
            continue
        if found is not None and found.moment > now:
            named = tail[:len(tail) - len(found.rest)].strip() if found.rest else tail
            return When(found.moment, named)
    return None


# Follow-ups after a call or visit ---------------------------------------------------------
FOLLOW_UP_DAYS = (1, 3, 7)  # ⏰ tomorrow, in 3 days, in a week


@dataclass(frozen=True)
class FollowUpChoices:
    """What to offer under a logged note: the time it names, and the day offers that fall
    at another moment (one meaning the same moment as the named time would be a duplicate)."""

    named: When | None
    days: tuple[int, ...]


def follow_up_moment(days: int, now: dt.datetime) -> dt.datetime:
    """``days`` after ``now`` (aware) at the default hour of that day."""
    day = now.date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(DEFAULT_HOUR), now.tzinfo)


def follow_up_choices(note: str, now: dt.datetime) -> FollowUpChoices:
    """The follow-ups to offer for ``note`` written at ``now`` (aware, the user's zone)."""
    named = find_when(note, now)
    days = tuple(d for d in FOLLOW_UP_DAYS
                 if named is None or follow_up_moment(d, now) != named.moment)
    return FollowUpChoices(named, days)


# Days (expected close dates) --------------------------------------------------------------
_PERIOD_END_START = re.compile(rf"^(?:(\d{{4}})年)?(?:(本|这个?|下个?)?月|{_NUM}月|(本|今|明)?年|"
                               r"(本|这个?|下个?)?季度?)(?:底|末)")
_PERIOD_END = re.compile(_PERIOD_END_START.pattern + "$")


def parse_day(text: str, today: dt.date) -> dt.date | None:
    """A day as people name one for a deadline: 月底, 12月底, 下个月底, 年底, 季度末, or any day
    ``parse_when`` reads (下周五, 3个月后, 12月31日, next Friday); None when it is none of them.
    A day already past is kept: the caller decides whether that is allowed."""
    cleaned = "".join((text or "").split())
    match = _PERIOD_END.match(cleaned)
    if match:
        return _period_end(match, today)
    now = dt.datetime.combine(today, dt.time(12))
    found = _parse_chinese(cleaned, now) or parse_english(" ".join(text.split()), now)
    return found.moment.date() if found is not None and not found.rest else None


def _period_end(match: re.Match[str], today: dt.date) -> dt.date:
    year_given, this_month, month, this_year, quarter = match.groups()
    year = int(year_given) if year_given else today.year
    if "季" in match.group(0):
        first_month = (today.month - 1) // 3 * 3 + 1 + (3 if (quarter or "").startswith("下")
                                                        else 0)
        year, last_month = year + (first_month - 1) // 12, (first_month - 1) % 12 + 3
        return dt.date(year, last_month, month_days(year, last_month))
    if "年" in match.group(0) and month is None:
        return dt.date(year + (1 if this_year == "明" else 0), 12, 31)
    if month is not None:
        number = chinese_number(month)
        if not 1 <= number <= 12:
            raise ValidationError("reminder.when_invalid", field="when")
        if not year_given and number < today.month:
            year += 1  # 3月底 said in November: next March
        return dt.date(year, number, month_days(year, number))
    month_index = today.month + (1 if (this_month or "").startswith("下") else 0)
    year, number = year + (month_index - 1) // 12, (month_index - 1) % 12 + 1
    return dt.date(year, number, month_days(year, number))


# Repeats ---------------------------------------------------------------------------------
REPEATS = ("", "daily", "weekly", "monthly")


def next_occurrence(first: dt.datetime, repeat: str, after: dt.datetime) -> dt.datetime:
    """The first occurrence of a series later than ``after`` (both aware, in the series' zone):
    counted from the first one, so a monthly reminder on the 31st comes back on the 31st."""
    if repeat == "monthly":
        months = (after.year - first.year) * 12 + after.month - first.month
        candidate = add_months(first, max(months, 0))
        while candidate <= after:
            months += 1
            candidate = add_months(first, months)
        return candidate
    step = dt.timedelta(days=1 if repeat == "daily" else 7)
    if after < first:
        return first
    # Local wall-clock steps: 9:00 stays 9:00 across a daylight-saving change.
    naive_first, naive_after = first.replace(tzinfo=None), after.replace(tzinfo=None)
    steps = (naive_after - naive_first) // step + 1
    return (naive_first + steps * step).replace(tzinfo=first.tzinfo)
