"""Message catalogues (Simplified Chinese and English): trusted templates, escaped parameters."""

from __future__ import annotations

import html
import logging
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

from crm.config import LOCALES
from crm.sales.money import MINOR_UNITS

CATALOGUE_DIR = Path(__file__).with_name("locales")
FALLBACK = "en"
NOT_RECORDED = "notify.not_recorded"  # what stands for a parameter a message lacks
log = logging.getLogger(__name__)


@cache
def catalogue(locale: str) -> dict[str, str]:
    """All messages of one locale, keyed by code, from every file of its folder."""
    merged: dict[str, str] = {}
    for path in sorted((CATALOGUE_DIR / locale).glob("*.toml")):
        with path.open("rb") as handle:
            messages = _flatten(tomllib.load(handle))
        clash = set(merged) & set(messages)
        if clash:
            raise ValueError(f"{path.name} repeats message keys: {sorted(clash)[:5]}")
        merged |= messages
    return merged


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def placeholders(template: str) -> set[str]:
    """The named parameters a template uses."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def resolve_locale(*candidates: str | None) -> str:
    """The first candidate we ship (zh, zh-hans, zh-CN → zh-CN; en-US → en), else the fallback."""
    for candidate in candidates:
        if not candidate:
            continue
        lowered = candidate.lower()
        if lowered.startswith("zh"):
            return "zh-CN"
        for locale in LOCALES:
            if lowered == locale.lower() or lowered.split("-")[0] == locale.lower():
                return locale
    return FALLBACK


class _Param(str):
    """An inserted parameter. ``{count:row|rows}`` in a template picks the word for the number:
    the first for exactly one, the second otherwise (English needs it; Chinese does not)."""

    def __format__(self, spec: str) -> str:
        if "|" not in spec:
            return super().__format__(spec)
        one, _, other = spec.partition("|")
        digits = self.replace(",", "").replace(" ", "")
        return one if digits in ("1", "-1", "1.0") else other


def t(locale: str, code: str, /, *, html_escape: bool = True, **params: Any) -> str:
    """The message ``code`` in ``locale`` with parameters inserted (HTML-escaped by default)."""
    template = catalogue(locale).get(code) or catalogue(FALLBACK).get(code)
    if template is None:
        return html.escape(code) if html_escape else code
    escape = html.escape if html_escape else str
    safe = {key: _Param(escape(str(_translated(locale, value)))) for key, value in params.items()}
    try:
        return template.format_map(_Lacking(safe, locale, code))
    except (IndexError, ValueError):
        return template


class _Lacking(dict):
    """A message's parameters where one it lacks (a message queued before its text changed,
    a caller's slip) reads as a phrase in the reader's language, never as ``{name}``."""

    def __init__(self, params: dict[str, _Param], locale: str, code: str) -> None:
        super().__init__(params)
        self.locale, self.code = locale, code

    def __missing__(self, name: str) -> _Param:
        log.warning("message %s lacks its parameter %r", self.code, name)
        phrase = catalogue(self.locale).get(NOT_RECORDED) or catalogue(FALLBACK)[NOT_RECORDED]
        return _Param(html.escape(phrase))


def _translated(locale: str, value: Any) -> Any:
    """A parameter that is itself a message (``{"code": ..., "params": ...}``, e.g. why a job
    failed) in the same language, a list of them one a line; a tuple of names, or of such
    messages, listed (张伟、李娜 / 张伟（900000003）、张伟（900000007）); any other value as
    it is."""
    if _is_message(value):
        return t(locale, value["code"], html_escape=False, **(value.get("params") or {}))
    if isinstance(value, list) and value and all(_is_message(item) for item in value):
        return "\n".join(_translated(locale, item) for item in value)
    if isinstance(value, tuple) and all(isinstance(item, str) or _is_message(item)
                                        for item in value):
        return listed(locale, (_translated(locale, item) for item in value))
    return value


def _is_message(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("code"), str)


def job_name(locale: str, name: str) -> str:
    """A scheduled job's name in ``locale``; a job the catalogue does not know by its own."""
    return catalogue(locale).get(f"job_name.{name}", name)


def money(locale: str, amount: Decimal | None, code: str) -> str:
    """¥12,345.00 (Chinese) or CNY 12,345.00 (English); other currencies by their code."""
    if amount is None:
        return "—"
    places = MINOR_UNITS.get(code, 2)
    number = f"{abs(amount):,.{places}f}"
    value = f"-{number}" if amount < 0 else number
    key = f"amount.{code}"
    if key in catalogue(locale):
        return t(locale, key, html_escape=False, value=value)
    return t(locale, "amount.other", html_escape=False, code=code, value=value)


# Errors whose ``current`` and ``status`` are status codes, and where their words are.
_STATUS_WORDS = {"order.transition": "order.status", "order.already": "order.status",
                 "ticket.transition": "ticket.status"}


def _shown_params(locale: str, code: str, params: dict[str, Any]) -> dict[str, Any]:
    """An error's params as shown: amounts of money (Decimal beside a currency) formatted,
    statuses, roles, actions and export kinds in the reader's words."""
    if code == "permission.only":
        return {**params, **_who_may(locale, params)}
    if code.startswith("export.") and "kind" in params:  # an export's kind in words
        params = {**params, "kind": catalogue(locale).get(f"export.column.{params['kind']}",
                                                          params["kind"])}
    group = _STATUS_WORDS.get(code)
    if group:
        words = catalogue(locale)
        params = {**params, **{key: words.get(f"{group}.{params[key]}", params[key])
                               for key in ("current", "status") if key in params}}
    currency = params.get("currency")
    if not isinstance(currency, str):
        return params
    return {key: money(locale, value, currency) if isinstance(value, Decimal) else value
            for key, value in params.items()}


def _who_may(locale: str, params: dict[str, Any]) -> dict[str, str]:
    """A refusal's roles and action in words: "managers and admins", "export"."""
    words = catalogue(locale)
    roles = [words.get(f"permission.roles.{role}", role) for role in params.get("roles", ())]
    action = str(params.get("action", ""))
    return {"roles": listed_and(locale, roles),
            "what": words.get(f"permission.action.{action}", action)}


_TAG = re.compile(r"</?[a-z][^>]*>")  # the catalogue's own tags (what users typed is escaped)


def plain(message: str) -> str:
    """A message made for HTML as plain text, for a pop-up (which shows no formatting): its
    tags dropped and its escapes read back, so a typed `12 & <34>` shows as typed."""
    return html.unescape(_TAG.sub("", message))


def describe_error(locale: str, error: Any, *, html_escape: bool = True) -> str:
    """A coded error as the user should read it; validation errors name their field.
    ``html_escape=False`` for a terminal."""
    message = t(locale, error.code, html_escape=html_escape,
                **_shown_params(locale, error.code, error.params))
    field = error.params.get("field") if error.code.startswith("validation.") else None
    label = catalogue(locale).get(f"field.{field}") if field else None
    if label is None:  # a field without a label is not shown: its code means nothing to users
        return message
    return t(locale, "error.field", field=label, message=message, html_escape=False)


def codes_named(locale: str, prefixes: tuple[str, ...], word: str,
                codes: Collection[str] | None = None) -> list[str]:
    """The codes (among ``codes``, when given) a user may mean by ``word``: the code itself,
    else those whose wording (catalogue key ``<prefix>.<code>``) is ``word``, else those whose
    wording contains it (``漏斗`` → ``funnel`` by 销售漏斗). Several: the word is ambiguous;
    none: it names nothing."""
    wanted = word.strip().casefold()
    if not wanted:
        return []
    if codes is not None and wanted in codes:
        return [wanted]
    named = [(code, text.casefold()) for key, text in catalogue(locale).items()
             for prefix, _, code in [key.rpartition(".")]
             if prefix in prefixes and (codes is None or code in codes)]
    for match in (lambda text: text == wanted, lambda text: wanted in text):
        found = list(dict.fromkeys(code for code, text in named if match(text)))
        if found:
            return found
    return []


def code_named(locale: str, prefixes: tuple[str, ...], word: str,
               codes: Collection[str] | None = None) -> str:
    """The one code a user named in their own words (``codes_named``); otherwise ``word`` as
    it is, for crm to refuse with what it takes."""
    found = codes_named(locale, prefixes, word, codes)
    return found[0] if len(found) == 1 else word


_FULL_WIDTH_ENDS = tuple("：，。；！？、")


def spaced(text: str) -> str:
    """``text`` followed by what goes on the line after it (a prompt's answer, a heading's
    value): a space, but none after full-width punctuation, which has its own (提醒：解决)."""
    return text if text.rstrip().endswith(_FULL_WIDTH_ENDS) else text + " "


def listed(locale: str, texts: Iterable[str]) -> str:
    """Names one after another as the language lists them (漏斗、活动 / Funnel, Activity)."""
    return t(locale, "list_separator", html_escape=False).join(texts)


def listed_and(locale: str, texts: Iterable[str]) -> str:
    """Names with "and" before the last (agents, managers and admins / 业务员、经理和管理员)."""
    items = list(texts)
    if len(items) < 2:
        return "".join(items)
    return t(locale, "list_and", html_escape=False, items=listed(locale, items[:-1]),
             last=items[-1])
