"""A new customer typed in one line, and tags typed in one message, read the same way by
every interface: ``张伟 13800138000 华为 #VIP``, ``吴十，13900139004，腾讯``,
``华为 张伟 13800138000``."""

from __future__ import annotations

import re
from typing import Any

from crm.customers.inputs import split_channels
from crm.search_terms import CJK_CHARS
from crm.validation import EXTENSION_WORD

MIN_PHONE_DIGITS = 5  # fewer is a number in a company name (360, 3M)
_TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")
_TAG_LIST_SEPARATORS = re.compile(r"\s*[,，、;；]+\s*")
_TAG_MARK = re.compile(r"\s+(?=#)")
_HAN = re.compile(rf"[{CJK_CHARS}]")
# Chinese writes the fields of a line apart with these as often as with spaces.
_FIELD_SEPARATORS = re.compile(r"[\s，、；]+")
_PHONE_LIKE = re.compile(r"\+?[\d\-().]+")
# A number and its extension in one word (010-12345678转123, 010-12345678x123).
_PHONE_WITH_EXTENSION = re.compile(rf"\+?[\d\-().]+{EXTENSION_WORD.pattern}", re.I)


def split_tags(text: str) -> list[str]:
    """Tags as typed, '#' optional: separated by commas when there are any, so "VIP, trade
    show" keeps a tag of two English words (Chinese puts no space inside a term: "老客户 重要"
    are two; a '#' after a space starts another too), else by spaces."""
    if _TAG_LIST_SEPARATORS.search(text):
        pieces = [part for piece in _TAG_LIST_SEPARATORS.split(text)
                  for part in (_TAG_SEPARATORS.split(piece) if _HAN.search(piece)
                               else _TAG_MARK.split(piece))]
    else:
        pieces = _TAG_SEPARATORS.split(text)
    tags = (" ".join(piece.split()).lstrip("#").strip() for piece in pieces)
    return [tag for tag in tags if tag]


def read_one_line(text: str) -> dict[str, Any]:
    """``张伟 13800138000 zw@qq.com 微信:zhangwei88 华为 #VIP``: a name, an optional phone,
    e-mail and WeChat id (the words plainly those), the rest is the company; ``#`` marks tags
    (``#潜在、华东`` two). Fields may stand apart with Chinese commas as with spaces, and a
    company written before the name, as contacts are often noted (``华为 张伟 138…``), is the
    company. Returns name, phone, company, tags and channels, unchecked."""
    tags = [tag for word in text.split() if word.startswith("#") for tag in split_tags(word)]
    words = [piece for word in text.split() if not word.startswith("#")
             for piece in _FIELD_SEPARATORS.split(word) if piece]
    channels, rest = split_channels(words[1:])
    words = words[:1] + rest
    found: dict[str, Any] = {"tags": tags, "channels": channels}
    run = _phone_run(words)
    if run is None:
        return found | {"name": words[0] if words else "", "phone": None,
                        "company": " ".join(words[1:]) or None}
    start, end = run
    number, end = "".join(words[start:end]), _extension_end(words, end)
    phone = " ".join([number, *words[run[1]:end]])
    name, company = words[:start], " ".join(words[end:])
    if not company and len(name) > 1 and all(len(w) > 1 and _HAN.match(w) for w in name):
        name, company = name[-1:], " ".join(name[:-1])  # 华为 张伟: the company, then the name
    return found | {"name": " ".join(name), "phone": phone, "company": company or None}


def _phone_run(words: list[str]) -> tuple[int, int] | None:
    """Where the phone is: consecutive number-like words after the name (138 0013 8000)."""
    start = 1
    while start < len(words):
        end = start
        while end < len(words) and _PHONE_LIKE.fullmatch(words[end]):
            end += 1
        if end < len(words) and _PHONE_WITH_EXTENSION.fullmatch(words[end]):
            end += 1
        if sum(c.isdigit() for word in words[start:end] for c in word) >= MIN_PHONE_DIGITS:
            return start, end
        start = max(end, start + 1)
    return None


def _extension_end(words: list[str], end: int) -> int:
    """Past an extension written after the number (ext. 123, x123, 转 123): it goes with the
    phone, which crm refuses saying a phone cannot keep one, rather than into the company."""
    mark = EXTENSION_WORD.fullmatch(words[end]) if end < len(words) else None
    if mark is None:
        return end
    if mark[1]:
        return end + 1
    return end + 2 if end + 1 < len(words) and words[end + 1].isdigit() else end
