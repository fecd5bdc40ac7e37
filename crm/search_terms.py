"""Search terms: what a customer is indexed under, and how a typed query becomes a match.

One scheme serves SQLite FTS5 and PostgreSQL full-text search alike, so every token is plain
ASCII letters and digits (no tokenizer or locale can split it differently):
- Chinese characters become ``u`` + hex code point, as unigrams and overlapping bigrams, so any
  2+ consecutive characters of a name are found (小明 in 王小明);
- names also get their pinyin: each syllable, the syllables joined (zhangwei) and the initials (zw);
- phone numbers become ``p`` + every 4-digit window, so any 4+ consecutive digits are found;
- Latin words, e-mail and account pieces are lower-cased words; ``o`` + owner id and ``t`` +
  shared team id restrict a search to what the actor may see.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

# Names are read one character at a time (``reading``), so pypinyin's dictionary of phrases is
# never consulted: not loading it keeps ~45 MB out of every process (and its helpers). Every
# character reads the same without it.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

from pypinyin import Style, pinyin

# Surnames whose reading differs from the character's most common one.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou", "查": "zha",
    "盖": "ge", "乐": "yue", "缪": "miao", "翟": "zhai", "尉": "yu", "召": "shao", "覃": "qin",
    "长": "chang", "重": "chong", "繁": "po", "员": "yun", "洗": "xian", "秘": "bi", "种": "chong",
    "句": "gou", "隗": "wei", "折": "she", "都": "du", "万": "wan", "沈": "shen", "曲": "qu",
}

CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Chinese characters, for a [...] class
_SEGMENT_RE = re.compile(rf"[{CJK_CHARS}]+|[0-9]+|[a-z]+")
_CJK_RE = re.compile(rf"[{CJK_CHARS}]")
_NON_DIGITS = re.compile(r"\D")
# spaces between two Chinese characters, as in a name spaced out to line up (王 小明)
_CJK_GAP = re.compile(rf"(?<=[{CJK_CHARS}]) +(?=[{CJK_CHARS}])")
MIN_PHONE_DIGITS = 4
_CN_MOBILE_E164 = re.compile(r"\+861[3-9]\d{9}")
# 1-3 digits standing as a word of their own (李 2, Wang 13, 李2), not joined to letters or
# digits the way an id or a mailbox is written (wang13, wang_13, li2, no.2).
_LOOSE_NUMBER = re.compile(r"(?<![a-z0-9._\-])\d{1,3}(?![a-z0-9._\-])")


def normalise_text(text: str) -> str:
    """Full-width to half-width, lower case, single spaces: the form names are compared in."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def is_cjk(char: str) -> bool:
    return _CJK_RE.match(char) is not None


def encode_cjk(text: str) -> str:
    """``张伟`` → ``u5f204f1f``: an ASCII token for a run of Chinese characters."""
    return "u" + "".join(f"{ord(char):x}" for char in text)


@lru_cache(maxsize=20_000)
def reading(char: str) -> str:
    """The most common pinyin of one character, without tones."""
    return pinyin(char, style=Style.NORMAL, errors="ignore")[0][0] if is_cjk(char) else ""


def name_pinyin(name: str) -> list[str]:
    """Pinyin syllables of a Chinese name, with the surname read as a surname."""
    chars = [c for c in name if is_cjk(c)]
    syllables = [reading(c) for c in chars]
    if chars and chars[0] in SURNAME_READINGS:
        syllables[0] = SURNAME_READINGS[chars[0]]
    return [s for s in syllables if s]


@lru_cache(maxsize=20_000)
def name_order(name: str) -> tuple[str, str]:
    """Where a name sorts for a Chinese reader: Chinese by pinyin (the surname read as a
    surname), mixed alphabetically with Latin names (陈静, Emily Chen, 李娜, 王经理, 张伟);
    case and width aside, the name as written breaks ties."""
    spoken = []
    for index, char in enumerate(normalise_text(name)):
        if not is_cjk(char):
            spoken.append(char)
            continue
        surname = SURNAME_READINGS.get(char) if index == 0 else None
        spoken.append(f" {surname or reading(char) or char} ")
    return " ".join("".join(spoken).split()), name


def cjk_tokens(run: str) -> list[str]:
    """Unigrams and overlapping bigrams of a run of Chinese characters."""
    tokens = [encode_cjk(c) for c in run]
    tokens += [encode_cjk(run[i:i + 2]) for i in range(len(run) - 1)]
    return tokens


def digit_windows(digits: str) -> list[str]:
    """Every 4-digit window of a phone number, as ``p`` tokens."""
    return [f"p{digits[i:i + MIN_PHONE_DIGITS]}"
            for i in range(len(digits) - MIN_PHONE_DIGITS + 1)]


def text_tokens(text: str) -> list[str]:
    """Tokens of free text (company names, tags, e-mail and account pieces)."""
    tokens: list[str] = []
    for segment in _SEGMENT_RE.findall(normalise_text(text)):
        tokens.extend(cjk_tokens(segment) if is_cjk(segment[0]) else [segment])
    return tokens


def name_tokens(name: str) -> tuple[list[str], str]:
    """Tokens of a person's name, and the pinyin text to verify matches against."""
    tokens = text_tokens(name)
    syllables = name_pinyin(name)
    if not syllables:
        return tokens, ""
    joined, initials = "".join(syllables), "".join(s[0] for s in syllables)
    tokens += [*syllables, joined, initials]
    return tokens, f"{joined} {initials} {' '.join(syllables)}"


@dataclass(frozen=True)
class SearchDocument:
    terms: str  # indexed tokens
    haystack: str  # normalised text that a match must contain (checks multi-token queries)


def build_document(*, name: str, owner_id: int | None, team_id: int | None = None,
                   company: str | None = None,
                   phones: Iterable[str] = (), emails: Iterable[str] = (),
                   accounts: Iterable[str] = (), tags: Iterable[str] = (),
                   aliases: Iterable[str] = (),
                   national: Mapping[str, str] | None = None) -> SearchDocument:
    """Everything a customer can be found by (``aliases``: names of records merged into it;
    ``national``: phones' home digits already worked out, e.g. by an import's phone check)."""
    tokens: list[str] = []
    hay: list[str] = []
    for each in (name, *aliases):
        each_tokens, each_hay = _name_entry(each)
        tokens += each_tokens
        hay += each_hay
    for phone in phones:
        digits = _NON_DIGITS.sub("", phone)
        home = (national.get(phone) if national else None) or _national_digits(phone)
        tokens += digit_windows(home) + digit_windows(digits)
        hay += [digits, home]
    for value in (*emails, *accounts):
        tokens += text_tokens(value)
        hay.append(normalise_text(value))
    for value in (*tags, *([company] if company else [])):
        shared, normal = _shared_text(value)
        tokens += shared
        hay.append(normal)
    tokens.append(owner_token(owner_id))
    if team_id:
        tokens.append(f"t{team_id}")
    unique = list(dict.fromkeys(tokens))
    return SearchDocument(" ".join(unique), " | ".join(h for h in hay if h))


def owner_token(owner_id: int | None) -> str:
    """The token that files an entry under its owner (search keeps to what one may see)."""
    return f"o{owner_id or 0}"


def tag_entry(tag: str) -> tuple[str, str]:
    """What a tag adds to an entry: its tokens, and its text for the haystack."""
    tokens, normal = _shared_text(tag)
    return " ".join(tokens), normal


@lru_cache(maxsize=20_000)
def _name_entry(name: str) -> tuple[tuple[str, ...], tuple[str, str]]:
    """Tokens and haystack parts of a name: most of an entry's cost, and names repeat (a common
    Chinese name thousands of times in an imported file)."""
    tokens, pinyin_text = name_tokens(name)
    normal = normalise_text(name)
    joined = _CJK_GAP.sub("", normal)
    if joined != normal:  # 王 小明 is found by 王小明 too, as people type it
        return (*tokens, *text_tokens(joined)), (f"{normal} {joined}", pinyin_text)
    return tuple(tokens), (normal, pinyin_text)


@lru_cache(maxsize=20_000)
def _shared_text(value: str) -> tuple[tuple[str, ...], str]:
    """Tokens and normal form of a tag or company name, which many customers share."""
    return tuple(text_tokens(value)), normalise_text(value)


def _national_digits(e164: str) -> str:
    """The digits as dialled at home (+8613800138000 → 13800138000)."""
    import phonenumbers

    if _CN_MOBILE_E164.fullmatch(e164) and not e164.startswith("+86179"):
        return e164[3:]  # what parsing gives, at a fraction of its cost (see chinese_mobile)
    try:
        return str(phonenumbers.parse(e164).national_number)
    except phonenumbers.NumberParseException:
        return _NON_DIGITS.sub("", e164)


# A customer's name and record number, as the card's 📤 Share types it ("张伟 #42"): the name
# is for the reader, the number says which 张伟. A bare "#42" is no reference: # marks tags.
_RECORD_REFERENCE = re.compile(r"(\S.*?)\s*#(\d{1,9})")


def record_reference(text: str) -> tuple[str, int] | None:
    """``张伟 #42`` → (``张伟``, 42): a name (normalised) and a record number; None for any
    other text."""
    found = _RECORD_REFERENCE.fullmatch(normalise_text(text))
    return (found[1], int(found[2])) if found else None


@dataclass(frozen=True)
class ParsedQuery:
    """A typed query turned into index tokens (all must match)."""

    text: str  # normalised query
    tokens: tuple[str, ...]  # every token must match exactly
    prefix: str  # a last Latin word to also try as a prefix ("" when not applicable)
    checks: tuple[str, ...]  # substrings a candidate's haystack must contain
    digits: str  # the query's digits when it looks like a phone number
    # 1-3 digits standing alone, the whole query or a word of it: too few to be part of a
    # phone number, WeChat id or e-mail (they would match half the book), so they are looked
    # for in names and other text only.
    short_numbers: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.tokens


def parse_query(text: str) -> ParsedQuery:
    """Split a query into Chinese runs, digit runs and Latin words, each giving tokens."""
    normal = normalise_text(text)
    digits = re.sub(r"\D", "", normal)
    phone_like = len(digits) >= MIN_PHONE_DIGITS and re.fullmatch(r"[\d\s+()\-]+", normal)
    # A phone number typed with spaces or dashes is one run of digits.
    segments = [digits] if phone_like else _SEGMENT_RE.findall(normal)
    if "@" in normal and not phone_like:
        # The domain (qq.com, 163.com) is shared by half the customers: match the mailbox
        # name in the index (as the document has it) and check the whole address against
        # the text.
        local = text_tokens(normal.split("@", 1)[0])
        if local:
            return ParsedQuery(normal, tuple(dict.fromkeys(local)), "", (normal,), "")
    tokens: list[str] = []
    checks: list[str] = []
    for segment in segments:
        if is_cjk(segment[0]):
            tokens += [encode_cjk(segment)] if len(segment) == 1 else [
                encode_cjk(segment[i:i + 2]) for i in range(len(segment) - 1)]
            if len(segment) > 2:
                checks.append(segment)
        elif segment.isdigit() and len(segment) >= MIN_PHONE_DIGITS:
            tokens += digit_windows(segment)
            if len(segment) > MIN_PHONE_DIGITS:
                checks.append(segment)
        else:
            tokens.append(segment)
    if "@" in normal:
        checks.append(normal)
    last = segments[-1] if segments else ""
    prefix = last if last.isascii() and last.isalpha() and len(last) >= 2 else ""
    short = () if phone_like else tuple(dict.fromkeys(_LOOSE_NUMBER.findall(normal)))
    return ParsedQuery(normal, tuple(dict.fromkeys(tokens)), prefix, tuple(checks),
                       digits if phone_like else "", short)
