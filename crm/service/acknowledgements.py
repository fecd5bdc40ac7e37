"""Whether a customer's message is only a short acknowledgement ("谢谢", "好的", "thank you",
👍): after a resolution it is kept on the ticket but reopens nothing, since nobody needs to
answer it."""

from __future__ import annotations

import unicodedata

# Whole phrases, written without spaces (the message is compared without them).
ZH_PHRASES = (
    "谢谢", "谢谢你", "谢谢您", "谢谢你们", "谢了", "谢啦", "多谢", "多谢了", "感谢", "感谢你",
    "感谢您", "非常感谢", "十分感谢", "万分感谢", "辛苦了", "辛苦", "麻烦了", "好的", "好",
    "好了", "好滴", "好嘞", "好哒", "嗯", "嗯嗯", "收到", "收到了", "明白", "明白了", "了解",
    "知道了", "懂了", "行", "可以", "可以了", "没问题", "没事了", "解决了", "已解决", "太好了",
    "棒", "赞", "拜拜", "再见",
)
EN_PHRASES = (
    "thanks", "thank", "thankyou", "thx", "ty", "tks", "manythanks", "muchappreciated",
    "appreciated", "appreciateit", "ok", "okay", "okey", "k", "kk", "gotit", "great",
    "perfect", "cool", "nice", "awesome", "cheers", "noted", "understood", "allgood", "fine",
    "alright", "bye", "goodbye",
)
EMOJI = ("👍", "🙏", "👌", "❤", "♥", "😊", "🙂", "😀", "😁", "😄", "🥰", "💯", "✅", "🎉",
         "🌹", "🤝", "👏")
# Words that only go with an acknowledgement ("谢谢啦", "thank you so much"): never one alone.
FILLERS = ("啦", "了", "呀", "啊", "哈", "哈哈", "哦", "噢", "呢", "哟", "喔",
           "you", "somuch", "verymuch", "alot", "again", "foryourhelp", "forthehelp", "guys",
           "team", "all", "everyone")
LONGEST = 40  # characters, spaces and punctuation left out: anything longer says more
QUESTION_MARKS = frozenset("?？")  # "ok?" asks something

_ACKNOWLEDGING = frozenset((*ZH_PHRASES, *EN_PHRASES, *EMOJI))
_WORDS = sorted({*_ACKNOWLEDGING, *FILLERS}, key=len, reverse=True)


def is_acknowledgement(text: str) -> bool:
    """Whether ``text`` says nothing but thanks or "fine" ("好的，谢谢！", "Thank you so
    much 👍"): it is made only of the listed phrases, at least one of them more than a
    filler, in either language, and asks nothing."""
    compact = _compact(text)
    if not compact or len(compact) > LONGEST or QUESTION_MARKS & set(text):
        return False
    found = _split(compact)
    return found is not None and any(word in _ACKNOWLEDGING for word in found)


def _compact(text: str) -> str:
    """Lower case, without spaces, punctuation, emoji variation selectors or skin tones."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower()
                   if not ch.isspace() and unicodedata.category(ch)[0] not in "PZ"
                   and unicodedata.category(ch) not in ("Mn", "Sk", "Cf"))


def _split(compact: str) -> list[str] | None:
    """The listed words ``compact`` is made of, longest first at each point; None when
    something else is in it."""
    found: list[str] = []
    at = 0
    while at < len(compact):
        word = next((w for w in _WORDS if compact.startswith(w, at)), None)
        if word is None:
            return None
        found.append(word)
        at += len(word)
    return found
