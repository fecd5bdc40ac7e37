"""Message catalogues: both languages complete, same placeholders, every error translated."""

from __future__ import annotations

from bot.i18n import catalogue, placeholders, resolve_locale, t
from crm.config import LOCALES
from crm.errors import CrmError
from crm.key_rotation import KeyRotationError
from storage.backup import BackupError
from storage.errors import EncryptionKeyError, StorageError


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    english, chinese = catalogue("en"), catalogue("zh-CN")
    assert set(english) == set(chinese)
    for key in english:
        assert placeholders(english[key]) == placeholders(chinese[key]), key


def test_every_error_code_has_a_message_in_every_language() -> None:
    codes = (set(CrmError.defaults) | set(StorageError.defaults)
             | set(EncryptionKeyError.defaults) | set(KeyRotationError.defaults)
             | set(BackupError.defaults))
    for locale in LOCALES:
        missing = sorted(code for code in codes if code not in catalogue(locale))
        assert not missing, f"{locale} lacks {missing}"


def test_parameters_are_escaped_but_templates_are_trusted() -> None:
    text = t("en", "start.staff", name="<script>&", role="agent")
    assert "<b>&lt;script&gt;&amp;</b>" in text


def test_telegram_language_codes_map_to_shipped_catalogues() -> None:
    assert resolve_locale("zh-hans") == "zh-CN"
    assert resolve_locale("zh-TW") == "zh-CN"
    assert resolve_locale("en-GB") == "en"
    assert resolve_locale(None, "de", "zh-CN") == "zh-CN"
    assert resolve_locale("de") == "en"


def test_every_flow_says_cancelled_nothing_saved_the_same_way() -> None:
    keys = ("create.cancelled", "log.cancelled", "deal.new.cancelled", "ticket.cancelled",
            "kb.cancelled")
    for locale in LOCALES:
        assert len({catalogue(locale)[key] for key in keys}) == 1, locale
