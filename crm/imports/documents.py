"""Search entries of imported customers: ``crm.search_terms.build_document``'s output (pinned by
tests against it), built at bulk speed.

A file repeats names (a common Chinese name thousands of times), companies and tags, and the
name's tokens and pinyin are most of an entry's cost: they are worked out once per distinct
name. The digits a phone number is dialled with at home come from the check that parsed it
(``Checker.national``) instead of parsing it again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crm.search_terms import (
    SearchDocument,
    _national_digits,
    _shared_text,
    digit_windows,
    name_tokens,
    normalise_text,
    text_tokens,
)

_NON_DIGITS = re.compile(r"\D")


class DocumentBuilder:
    """``build_document`` for many customers of one import (no aliases, no team)."""

    def __init__(self, national: dict[str, str] | None = None) -> None:
        self._names: dict[str, tuple[list[str], list[str]]] = {}
        self._national = national or {}

    def _name(self, name: str) -> tuple[list[str], list[str]]:
        found = self._names.get(name)
        if found is None:
            tokens, pinyin_text = name_tokens(name)
            found = self._names[name] = (tokens, [normalise_text(name), pinyin_text])
        return found

    def build(self, *, name: str, owner_id: int | None, company: str | None,
              phones: Iterable[str], emails: Iterable[str], accounts: Iterable[str],
              tags: Iterable[str]) -> SearchDocument:
        """The entry ``build_document`` makes from the same values."""
        name_part, name_hay = self._name(name)
        tokens, hay = list(name_part), list(name_hay)
        for phone in phones:
            digits = _NON_DIGITS.sub("", phone)
            national = self._national.get(phone) or _national_digits(phone)
            tokens += digit_windows(national) + digit_windows(digits)
            hay += [digits, national]
        for value in (*emails, *accounts):
            tokens += text_tokens(value)
            hay.append(normalise_text(value))
        for value in (*tags, *([company] if company else [])):
            shared, normal = _shared_text(value)
            tokens += shared
            hay.append(normal)
        tokens.append(f"o{owner_id or 0}")
        return SearchDocument(" ".join(dict.fromkeys(tokens)), " | ".join(h for h in hay if h))
