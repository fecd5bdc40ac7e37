"""Message catalogues: both languages complete, same placeholders, every error translated."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import crm
from bot.i18n import catalogue, describe_error, placeholders, resolve_locale, t
from crm import users
from crm.config import LOCALES
from crm.customers.views import DIRECTIONS, GENDERS, INTERACTION_KINDS
from crm.customers.views import STATUSES as CUSTOMER_STATUSES
from crm.errors import CrmError, ValidationError
from crm.key_rotation import KeyRotationError
from crm.sales.views import LOST_REASONS, ORDER_STATUSES, STAGE_KINDS
from crm.service import sla
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


def _field_names() -> set[str]:
    """Every field name the domain can put on a ValidationError: ``field="..."`` in a call,
    the second argument of ``ValidationError(...)``, and a ``field`` parameter's default."""
    names: set[str] = set()
    for path in Path(crm.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                values = [k.value for k in node.keywords if k.arg == "field"]
                if getattr(node.func, "id", getattr(node.func, "attr", "")) == "ValidationError":
                    values += node.args[1:2]
            elif isinstance(node, ast.FunctionDef):
                arguments = node.args
                pairs = [*zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
                         *zip(arguments.args[::-1], arguments.defaults[::-1], strict=False)]
                values = [default for arg, default in pairs if arg.arg == "field"]
            else:
                continue
            names |= {v.value for v in values
                      if isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value}
    return names


def test_every_field_an_error_can_name_has_a_label_in_every_language() -> None:
    names = _field_names()
    assert {"body", "name", "phone", "subject", "amount", "title"} <= names
    for locale in LOCALES:
        missing = sorted(n for n in names if f"field.{n}" not in catalogue(locale))
        assert not missing, f"{locale} lacks labels for {missing}"


def test_an_error_names_its_field_by_label_and_never_by_code() -> None:
    assert describe_error("en", ValidationError("validation.required", field="body")) == (
        "Text: is required")
    assert describe_error("zh-CN", ValidationError("validation.required", field="body")) == (
        "正文：为必填项")
    # a field nobody labelled yet: the message alone rather than an internal name
    unlabelled = ValidationError("validation.required", field="internal_code")
    assert describe_error("en", unlabelled) == "is required"


def test_every_coded_value_an_export_writes_has_words_in_every_language() -> None:
    coded = {"gender": GENDERS, "status": CUSTOMER_STATUSES, "interaction": INTERACTION_KINDS,
             "direction": DIRECTIONS, "deal_status": STAGE_KINDS, "lost_reason": LOST_REASONS,
             "order_status": ORDER_STATUSES, "ticket_status": sla.STATUSES,
             "priority": sla.PRIORITIES, "ticket_channel": sla.CHANNELS}
    for locale in LOCALES:
        missing = sorted(f"{what}.{code}" for what, codes in coded.items() for code in codes
                         if f"export.value.{what}.{code}" not in catalogue(locale))
        assert not missing, f"{locale} lacks {missing}"


def test_english_counts_agree_with_their_nouns_and_chinese_needs_none() -> None:
    assert t("en", "exports.caption", kind="customers", count=1,
             filters="") == "📤 customers: 1 row"
    assert t("en", "exports.caption", kind="customers", count=2,
             filters="") == "📤 customers: 2 rows"
    assert t("en", "exports.caption", kind="customers", count=0,
             filters="") == "📤 customers: 0 rows"
    assert t("en", "imports.import_button", count=1) == "✅ Import 1 customer"
    assert t("en", "imports.import_button", count="12,000") == "✅ Import 12,000 customers"
    assert t("zh-CN", "exports.caption", kind="客户", count=1, filters="") == "📤 客户：1 行"
    status = t("en", "admin.status_staff", active=3, admin=1, manager=2, agent=5, viewer=0,
               inactive=1)
    assert "(1 admin, 2 managers, 5 agents, 0 viewers)" in status


def test_every_flow_says_cancelled_nothing_saved_the_same_way() -> None:
    keys = ("create.cancelled", "log.cancelled", "deal.new.cancelled", "ticket.cancelled",
            "kb.cancelled")
    for locale in LOCALES:
        assert len({catalogue(locale)[key] for key in keys}) == 1, locale


# Where crm names an audit action: the action argument of the audit functions and of the
# helpers that pass theirs on; (function name, index of the action, index of the record kind).
_AUDIT_CALLS = {"record": (1, 2), "record_new_customers": (1, None), "_update_user": (2, None),
                "_change": (2, None), "_Kind": (4, 0)}


def _audit_codes() -> tuple[set[str], set[str]]:
    """Every action and record kind crm writes to the audit log, read from its source: the
    calls above, and the (action, customer, changes) entries imports queue up."""
    actions, entities = set(), {"customer"}  # bulk entries are about customers
    for path in Path(crm.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in _AUDIT_CALLS:
                action, entity = _AUDIT_CALLS[name]
                actions |= _constants(node.args[action:action + 1])
                if entity is not None:
                    entities |= _constants(node.args[entity:entity + 1])
            elif name == "append" and getattr(node.func.value, "attr", "") == "audit":
                actions |= _constants([e.elts[0] for e in node.args if isinstance(e, ast.Tuple)])
    return actions, entities


def _constants(nodes: list[ast.expr]) -> set[str]:
    return {n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_every_audit_action_has_words_in_every_language() -> None:
    from crm.actors import Channel
    from crm.audit import ACTIONS
    from crm.exports import export_kinds

    actions, entities = _audit_codes()
    assert {"customer.create", "user.role", "ticket.reply", "deal.update",
            "customer.tags", "backup.failed"} <= actions
    assert actions <= ACTIONS, f"add {sorted(actions - ACTIONS)} to crm.audit.ACTIONS"
    for locale in LOCALES:
        words = catalogue(locale)
        wanted = ({f"audit.action.{a}" for a in ACTIONS} | {f"audit.channel.{c}" for c in Channel}
                  | {f"audit.entity.{e}" for e in entities}
                  | {f"export.column.{kind}" for kind in export_kinds()})
        missing = sorted(wanted - set(words))
        assert not missing, f"{locale} lacks {missing}"


def test_a_message_lacking_a_parameter_says_so_and_never_shows_a_placeholder() -> None:
    text = t("zh-CN", "start.staff", name="<李娜>")  # the role is missing
    assert text.startswith("您好，<b>&lt;李娜&gt;</b>") and "（未记录）" in text and "{" not in text
    assert "(not recorded)" in t("en", "exports.caption", kind="customers")


def test_a_refused_status_change_names_the_statuses_in_the_readers_words() -> None:
    """An order or ticket that cannot move reads 已发货/已取消, never shipped/cancelled."""
    from crm.sales import rules

    try:
        rules.check_order_transition("shipped", "cancelled")
    except ValidationError as error:
        refused = error
    chinese = describe_error("zh-CN", refused)
    assert "已发货" in chinese and "已取消" in chinese and "shipped" not in chinese
    assert "An order that is shipped cannot become cancelled." in describe_error("en", refused)
    ticket = ValidationError("ticket.transition", field="status", current="closed",
                             status="waiting")
    assert "closed" not in describe_error("zh-CN", ticket)


def test_every_coded_value_the_audit_log_shows_has_words_in_every_language() -> None:
    from bot.audit_text import VALUE_GROUPS
    from crm.audit import FAILURE, MONEY, MONEY_MINOR, REFERENCES, VALUE_KINDS
    from crm.backups import SAFETY
    from crm.consent import CONSENT_METHODS
    from crm.exports import FORMATS
    from crm.permissions import Role
    from crm.reports import KINDS
    from crm.sales.views import ASSIGNMENT_MODES, PAYMENT_METHODS
    from crm.service import kb

    codes = {
        "assignment_mode": ASSIGNMENT_MODES, "assignment_reason": ("rule", "round_robin",
                                                                   "fallback", "manual"),
        "backup_reason": ("manual", "scheduled", SAFETY),
        "consent": ("true", "false"), "consent_method": CONSENT_METHODS,
        "customer_status": CUSTOMER_STATUSES, "export_format": FORMATS, "gender": GENDERS,
        "interaction": INTERACTION_KINDS, "kb_status": kb.STATUSES, "lost_reason": LOST_REASONS,
        "order_status": ORDER_STATUSES, "payment_method": PAYMENT_METHODS,
        "priority": sla.PRIORITIES, "reach": ("all", "team", "own"),
        "repeat": ("none", "daily", "weekly", "monthly"),
        "report": tuple(KINDS), "role": tuple(r.value for r in Role),
        "stage_kind": STAGE_KINDS, "ticket_channel": ("staff", "telegram"),
        "ticket_status": sla.STATUSES, "yes_no": ("true", "false")}
    # ids of other records read as those records' names, looked up, not worded; a failure
    # reads as its own message
    kinds = set(VALUE_KINDS.values()) - {MONEY, MONEY_MINOR, "field", FAILURE} - set(REFERENCES)
    assert kinds == set(VALUE_GROUPS) == set(codes)
    for locale in LOCALES:
        missing = sorted(f"{VALUE_GROUPS[kind]}.{code}" for kind in kinds
                         for code in codes[kind]
                         if f"{VALUE_GROUPS[kind]}.{code}" not in catalogue(locale))
        assert not missing, f"{locale} lacks {missing}"


def test_a_consent_method_and_a_payment_method_have_their_own_labels() -> None:
    def refused(field: str) -> str:
        return describe_error("zh-CN", ValidationError("validation.choice", field=field,
                                                       value="pigeon", allowed="chat"))

    assert refused("consent_method").startswith("同意方式")
    assert refused("method").startswith("付款方式")


def test_a_failure_in_the_audit_log_reads_as_its_message_even_without_its_details() -> None:
    from bot.audit_text import value_words
    from crm.audit import FAILURE

    stored = {"code": "failure.no_space", "params": {"path": "/srv/backups"}}
    assert value_words("zh-CN", FAILURE, stored, None).startswith(
        "磁盘已满（写入 /srv/backups 时空间不足）")
    # older entries kept the code alone
    assert value_words("en", FAILURE, "failure.database_busy", None).startswith(
        "the database was locked by other work")
    assert value_words("en", FAILURE, "no.such_code", None) == "no.such_code"


def test_every_scheduled_job_is_named_in_words_in_every_language() -> None:
    """Admins read a job's name in alerts, /status and `crm check`: words, not only the
    name the config uses (weekly_report)."""
    from bot.i18n import job_name
    from bot.scheduler import JOBS

    for locale in LOCALES:
        for spec in JOBS:
            named = job_name(locale, spec.name)
            assert named != spec.name and spec.name in named, (locale, spec.name)


def test_chinese_full_width_punctuation_is_never_followed_by_a_space() -> None:
    """：and ，carry their own spacing; a space after them shows as a gap (提醒： 解决)."""
    spaced_out = {key: text for key, text in catalogue("zh-CN").items()
                  if any(f"{mark} " in text for mark in "：，；。、！？")}
    assert spaced_out == {}


# What is code in a Chinese message and keeps ASCII brackets: `crm ...` commands, argparse's
# %(name)s placeholders, /commands with their arguments.
_CODE_IN_CHINESE = re.compile(r"`[^`]*`|%\(\w+\)[a-z]|/\w+\([^)]*\)")


def test_chinese_messages_bracket_with_full_width_parentheses() -> None:
    """张伟（900000003）, not 张伟 (900000003): a half-width bracket in Chinese text, even around
    a placeholder, reads as a typo; only code keeps its own."""
    half_width = {key: text for key, text in catalogue("zh-CN").items()
                  if "(" in _CODE_IN_CHINESE.sub("", text) or ")" in _CODE_IN_CHINESE.sub("", text)}
    assert half_width == {}


# Words the message quotes rather than says: a sample typed in <code>, or someone else's words
# in Chinese quotation marks. A 你 there (“你好，我想订货”) is theirs, not the bot addressing
# its reader.
_QUOTED_IN_CHINESE = re.compile(r"<code>.*?</code>|“[^”]*”|「[^」]*」|『[^』]*』", re.DOTALL)


def test_chinese_messages_address_the_reader_as_nin_never_ni() -> None:
    """Staff and customers alike are addressed with the polite 您 in every message; a 你 the
    bot says itself (在 9:00 提醒你, 交给了你) reads as a switch of tone mid-conversation."""
    informal = {key: text for key, text in catalogue("zh-CN").items()
                if "你" in _QUOTED_IN_CHINESE.sub("", text)}
    assert informal == {}


def test_quoted_words_may_say_ni_without_counting_as_address() -> None:
    """The rule above exempts exactly what is quoted, so a sample greeting stays possible."""
    assert "你" not in _QUOTED_IN_CHINESE.sub("", "例如 <code>你好</code> 或 “你们几点开门”。")
    assert "你" in _QUOTED_IN_CHINESE.sub("", "“好的”，我会提醒你。")


def test_lists_in_chinese_output_are_joined_with_the_enumeration_comma() -> None:
    """Choices a refusal offers, and names a staff member shares, are listed as Chinese lists
    them (甲、乙), with each name's id in full-width brackets; English keeps its commas."""
    several = {"code": "user.with_id", "params": {"name": "张伟", "telegram_id": 900000003}}
    other = {"code": "user.with_id", "params": {"name": "张伟", "telegram_id": 900000007}}
    error = ValidationError("user.ambiguous", name="张伟", names=(several, other))
    assert describe_error("zh-CN", error) == (
        "“张伟”对应多位员工：张伟（900000003）、张伟（900000007）。请改用其 Telegram ID。")
    assert describe_error("en", error) == ("“张伟” could be any of 张伟 (900000003), "
                                           "张伟 (900000007); give their Telegram id instead.")
    with pytest.raises(ValidationError) as refused:
        users.validate_role("boss")
    assert "admin、manager、agent、viewer" in describe_error("zh-CN", refused.value)
    assert "admin, manager, agent, viewer" in str(refused.value)  # the English default lists alike
