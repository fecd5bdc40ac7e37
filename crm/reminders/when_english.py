"""English dates and times for reminders ("tomorrow 3pm", "next Friday", "in 2 hours"),
through dateparser, with the day words the Chinese side reads alike."""

from __future__ import annotations

import datetime as dt
import re

from crm.reminders.moments import DEFAULT_HOUR, When, add_months, month_days

ENGLISH_MAX_WORDS = 6


_HAS_TIME = re.compile(r"\d{1,2}(:\d{2}|\s*[ap]\.?m\b)|\b(noon|midnight|hours?|hrs?|minutes?|"
                       r"mins?|seconds?|tonight|morning|afternoon|evening|night)\b",
                       re.IGNORECASE)  # "tonight", "this afternoon" name their hour too
_SHORT_FORMS = {"tmr": "tomorrow", "tmrw": "tomorrow", "tmw": "tomorrow", "tdy": "today"}
_WORDY = re.compile(r"[A-Za-z]{2,}|\d{1,2}:\d{2}")
_EN_WEEKDAY = re.compile(r"^(?:on\s+)?(mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|r|rs|rsday|"
                         r"urday)?\b", re.IGNORECASE)
_EN_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_EN_DAY_NAME = r"(mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|r|rs|rsday|urday)?\b"
# "next week" (not "next week Friday", dateparser's), "next Friday", "this Friday"
_EN_NAMED_DAY = re.compile(rf"^(?:on\s+)?(?:next\s+week\b(?!\s+{_EN_DAY_NAME})|"
                           rf"(?P<which>next|this)\s+(?P<day>{_EN_DAY_NAME}))", re.IGNORECASE)
_EN_CLOCK_WORDS = re.compile(r"(?<![A-Za-z])(?:at|[ap]\.?m\.?|noon|midnight)(?![A-Za-z])",
                             re.IGNORECASE)


# A period named by its first or last day, as the Chinese words are: "next month" the 1st
# (下个月), "end of the month" its last day (月底), "this weekend" Saturday (周末).
_EN_PERIOD = re.compile(r"^(?:by\s+)?(?:(?P<end>(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?"
                        r"(?P<end_next>next\s+)?(?P<end_of>month|year))|(?P<month>next\s+month)|"
                        r"(?P<weekend>(?:this\s+|the\s+)?(?P<weekend_next>next\s+)?weekend))\b",
                        re.IGNORECASE)


def _english_period(match: re.Match[str], today: dt.date) -> dt.date:
    """The day an English period names (see ``_EN_PERIOD``)."""
    if match.group("month"):
        return add_months(today.replace(day=1), 1)
    if match.group("weekend"):
        if match.group("weekend_next"):
            return today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1, days=5)
        return today + dt.timedelta(days=(5 - today.weekday()) % 7)
    if match.group("end_of").lower() == "year":
        return dt.date(today.year + (1 if match.group("end_next") else 0), 12, 31)
    first = add_months(today.replace(day=1), 1 if match.group("end_next") else 0)
    return first.replace(day=month_days(first.year, first.month))


def parse_english(text: str, now: dt.datetime) -> When | None:
    import dateparser  # loading its language data takes a moment: only when needed

    words = text.split()
    named = _EN_NAMED_DAY.match(text)
    period = None if named else _EN_PERIOD.match(text)
    if named:  # the day as a date, so dateparser reads only the time said after it
        words = [_named_day(named, now.date()).isoformat(), *text[named.end():].split()]
    elif period:
        words = [_english_period(period, now.date()).isoformat(), *text[period.end():].split()]
    read = [_SHORT_FORMS.get(word.lower(), word) for word in words]  # as dateparser knows them
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": now.replace(tzinfo=None),
                "RETURN_AS_TIMEZONE_AWARE": False}
    for count in range(min(len(words), ENGLISH_MAX_WORDS), 0, -1):
        phrase = " ".join(read[:count])
        if not (named or period or _WORDY.search(phrase)):
            continue
        found = dateparser.parse(phrase, languages=["en"], settings=settings)
        if found is None:
            continue
        if not _HAS_TIME.search(phrase):
            found = found.replace(hour=DEFAULT_HOUR, minute=0, second=0, microsecond=0)
        # A time said keeps no seconds of its own; a time from now ("in 1 minute") keeps
        # them, as 1分钟后 does: cut to the minute it could be past before it is saved.
        moment = found.replace(tzinfo=now.tzinfo)
        if named and (named.group("which") or "").lower() == "this" and moment <= now:
            moment += dt.timedelta(weeks=1)  # "this Friday" said on Friday after that time
        elif not (named or period):
            moment = _bare_weekday(phrase, moment, now)
        return When(moment, " ".join(words[count:]))
    return None


def _named_day(match: re.Match[str], today: dt.date) -> dt.date:
    """As the Chinese words read: "next week" is next Monday (下周), "next Friday" the Friday of
    next week (下周五, even said on Monday), "this Friday" the coming one (today included)."""
    monday = today - dt.timedelta(days=today.weekday())
    which, day = (match.group("which") or "").lower(), match.group("day")
    if day is None:
        return monday + dt.timedelta(weeks=1)
    weekday = _EN_DAYS.index(day[:3].lower())
    if which == "next":
        return monday + dt.timedelta(weeks=1, days=weekday)
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7)


def _bare_weekday(phrase: str, moment: dt.datetime, now: dt.datetime) -> dt.datetime:
    """"Friday 10am" as "周五上午10点" reads: the next Friday still ahead, today included when
    that time is still to come (dateparser would skip today)."""
    match = _EN_WEEKDAY.match(phrase)
    if not match or re.search("[A-Za-z]", _EN_CLOCK_WORDS.sub("", phrase[match.end():])):
        return moment  # "Monday next week", "Friday after next": dateparser's reading
    weekday = _EN_DAYS.index(match.group(1).lower())
    day = now.date() + dt.timedelta(days=(weekday - now.weekday()) % 7)
    found = moment.replace(year=day.year, month=day.month, day=day.day)
    return found if found > now else found + dt.timedelta(weeks=1)


# Where a day said inside an English note may begin: "tomorrow", "next Tuesday", "on Friday",
# "this weekend", "in 3 days", a weekday. Month names are not among them ("may", "march" are
# ordinary words too often), nor are dates in figures.
_EN_NAMED_START = re.compile(
    r"(?<![A-Za-z0-9])(?=(?:tomorrow|tmrw?|tmw|next\s+(?:week|month)|(?:next|this|on)\s+"
    rf"{_EN_DAY_NAME}|(?:this|next)\s+weekend|in\s+\d{{1,2}}\s+(?:days?|weeks?)\b|"
    rf"{_EN_DAY_NAME}))", re.IGNORECASE)


def find_english(text: str, now: dt.datetime) -> When | None:
    """The first future day an English note names by a day word ("call me next Tuesday at
    3pm" → next week's Tuesday 15:00), with the words that named it as ``rest``."""
    text = " ".join(text.split())
    for start in _EN_NAMED_START.finditer(text):
        tail = text[start.start():]
        found = parse_english(tail, now)
        if found is not None and found.moment > now:
            named = tail[:len(tail) - len(found.rest)].strip() if found.rest else tail
            return When(found.moment, named)
    return None
