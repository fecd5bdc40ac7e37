"""Pure validation rules for customer fields: normalised values and stable error codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from crm import validation as v
from crm.customers.inputs import split_channels
from crm.errors import ValidationError

TODAY = dt.date(2024, 6, 15)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_card(area: str = "440305", birth: str = "19900307", seq: str = "123") -> str:
    """A valid 18-character ID number, computed independently of the module under test."""
    body = area + birth + seq
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def credit_code(body: str) -> str:
    """A valid unified social credit code for a 17-character body."""
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return body + CREDIT_CHARS[(31 - total % 31) % 31]


def raises(code: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> ValidationError:
    """Call ``func`` and return the ValidationError it must raise with ``code``."""
    with pytest.raises(ValidationError) as caught:
        func(*args, **kwargs)
    assert caught.value.code == code
    return caught.value


# Phone numbers


@pytest.mark.parametrize(("typed", "e164"), [
    ("13800138000", "+8613800138000"),
    ("138 0013 8000", "+8613800138000"),
    ("138-0013-8000", "+8613800138000"),
    ("+86 138 0013 8000", "+8613800138000"),
    ("0086 13800138000", "+8613800138000"),
    ("１３８００１３８０００", "+8613800138000"),
    ("＋８６ １３８００１３８０００", "+8613800138000"),
    ("(010) 6552 9988", "+861065529988"),
    ("（０２１）６２３４ ５６７８", "+862162345678"),
    ("+1 650-253-0000", "+16502530000"),
    ("  +852 9123 4567 ", "+85291234567"),
])
def test_phone_numbers_typed_many_ways_are_stored_as_e164(typed: str, e164: str) -> None:
    assert v.normalise_phone(typed) == e164


def test_phone_region_decides_how_a_national_number_is_read() -> None:
    assert v.normalise_phone("(650) 253-0000", "US") == "+16502530000"


@pytest.mark.parametrize("typed", ["", "abc", "12345", "1380013800", "+86 138 0013 80001"])
def test_invalid_phone_numbers_are_refused_with_the_value(typed: str) -> None:
    error = raises("validation.phone", v.normalise_phone, typed, field="mobile")
    assert error.field == "mobile"
    assert error.params["value"] == typed.strip()


@pytest.mark.parametrize("typed", [
    "010-12345678 ext. 123", "010-12345678 ext 123", "010-12345678x123", "010-12345678 X 123",
    "010-12345678 #123", "010-12345678 extension 123", "010-12345678;ext=123",
    "010-12345678转123", "010-12345678 分机 123", "010-12345678 轉 123", "010-12345678内线8",
    "010-12345678-8008", "+1 650-253-0000 ext. 5",
])
def test_a_phone_with_an_extension_is_refused_saying_so_in_every_written_form(
        typed: str) -> None:
    error = raises("validation.phone_extension", v.normalise_phone, typed)
    assert error.params["value"] == typed  # the extension is never dropped silently


@pytest.mark.parametrize("typed", ["010-1234-5678", "138-0013-8000"])
def test_dashes_between_a_numbers_own_groups_are_no_extension(typed: str) -> None:
    assert v.normalise_phone(typed).startswith("+86")


def test_phone_is_shown_nationally_at_home_and_internationally_abroad() -> None:
    assert v.format_phone("+8613800138000") == "138 0013 8000"
    assert v.format_phone("+861065529988") == "010 6552 9988"
    assert v.format_phone("+16502530000") == "+1 650-253-0000"
    assert v.format_phone("+16502530000", "US") == "(650) 253-0000"


def test_format_phone_leaves_unparseable_stored_values_alone() -> None:
    assert v.format_phone("not a number") == "not a number"


# E-mail


@pytest.mark.parametrize(("typed", "stored"), [
    ("  Li.Na@Example.COM ", "li.na@example.com"),
    ("zhang_san+crm@mail.qq.com", "zhang_san+crm@mail.qq.com"),
    ("wangwei＠163.com", "wangwei@163.com"),
    ("ｃｈｅｎ＠ｓｉｎａ．ｃｎ", "chen@sina.cn"),
])
def test_email_is_trimmed_and_lower_cased(typed: str, stored: str) -> None:
    assert v.normalise_email(typed) == stored


@pytest.mark.parametrize("typed", [
    "", "lina", "@example.com", "li@na@example.com", "lina@example", "li na@example.com",
    "lina@example..com", "lina@.example.com", "lina@example.com.",
    "a" * 250 + "@x.cn",
])
def test_malformed_email_is_refused(typed: str) -> None:
    error = raises("validation.email", v.normalise_email, typed)
    assert error.field == "email"


def test_email_at_the_length_limit_is_accepted() -> None:
    address = "a" * 247 + "@qq.com"
    assert len(address) == 254
    assert v.normalise_email(address) == address


# Dates and birthdays


@pytest.mark.parametrize("typed", [
    "1990-03-07", "1990-3-7", "1990/3/7", "1990.3.7", "19900307", "1990年3月7日", "1990年03月07日",
    "1990年3月7号", "１９９０年３月７日", " 1990 / 03 / 07 ",
])
def test_dates_are_read_in_common_chinese_and_iso_forms(typed: str) -> None:
    assert v.parse_date(typed, field="birthday") == dt.date(1990, 3, 7)


@pytest.mark.parametrize("typed", [
    "7 March 1990", "March 7, 1990", "Mar 7 1990", "7-Mar-1990", "7th of March 1990",
    "march 7th, 1990", "Mar. 7 1990",
])
def test_dates_are_read_with_the_english_month_name(typed: str) -> None:
    assert v.parse_date(typed, field="birthday") == dt.date(1990, 3, 7)


@pytest.mark.parametrize("typed", [
    "", "yesterday", "1990-02-30", "1990-13-01", "1990/3-7", "07/03/1990", "9000307", "1990年3月",
    "February 30 1990", "7 Marsh 1990", "March 1990",
])
def test_unreadable_or_impossible_dates_are_refused(typed: str) -> None:
    error = raises("validation.date", v.parse_date, typed, field="signed_on")
    assert error.field == "signed_on"
    assert error.params["value"] == " ".join(typed.split())  # said back as typed


@pytest.mark.parametrize(("typed", "born"), [
    ("90年3月5号", dt.date(1990, 3, 5)), ("90年3月5日", dt.date(1990, 3, 5)),
    ("９０年３月５号", dt.date(1990, 3, 5)), ("90 年 3 月 5 号", dt.date(1990, 3, 5)),
    ("05年3月5号", dt.date(2005, 3, 5)), ("1990年3月5号", dt.date(1990, 3, 5)),
    ("24年3月5日", dt.date(2024, 3, 5)), ("00年2月29日", dt.date(2000, 2, 29)),
    ("24年12月5日", dt.date(1924, 12, 5)),  # this year's is still to come: never born yet
])
def test_a_birthday_with_a_two_digit_year_is_the_latest_such_day_gone_by(typed, born) -> None:
    assert v.parse_birthday(typed, TODAY) == born


@pytest.mark.parametrize(("typed", "code"), [
    ("90.3.5", "validation.date_short_year"), ("5/3/90", "validation.date_short_year"),
    ("05-03-05", "validation.date_short_year"), ("90年2月30日", "validation.date"),
    ("90年13月5号", "validation.date"),
])
def test_a_birthday_whose_short_year_cannot_be_told_is_refused(typed, code) -> None:
    assert raises(code, v.parse_birthday, typed, TODAY).params["value"] == typed


@pytest.mark.parametrize(("typed", "read"), [
    ("1975年3月", (1975, 3)), ("1975年03月", (1975, 3)), ("1975-03", (1975, 3)),
    ("1975/3", (1975, 3)), ("1975.3", (1975, 3)), ("１９７５年１１月", (1975, 11)),
    ("1975-03-07", None), ("1975", None), ("197503", None), ("March 1975", None)])
def test_a_year_and_month_is_read_apart_from_a_whole_date(typed: str, read) -> None:
    assert v.parse_year_month(typed) == read


def test_a_birth_month_is_checked_like_a_birthday() -> None:
    assert v.check_birth_month(1975, 3, TODAY) == "1975-03"
    raises("validation.date", v.check_birth_month, 1975, 13, TODAY)
    raises("validation.birthday_future", v.check_birth_month, TODAY.year + 1, 1, TODAY)
    raises("validation.birthday_too_old", v.check_birth_month, 1899, 12, TODAY)


def test_a_birthday_in_range_is_returned_unchanged() -> None:
    assert v.check_birthday(dt.date(1985, 10, 1), TODAY) == dt.date(1985, 10, 1)
    assert v.check_birthday(TODAY, TODAY) == TODAY
    assert v.check_birthday(dt.date(1900, 1, 1), TODAY) == dt.date(1900, 1, 1)


def test_a_birthday_after_today_is_refused() -> None:
    error = raises("validation.birthday_future", v.check_birthday, dt.date(2024, 6, 16), TODAY)
    assert (error.field, error.params["value"]) == ("birthday", "2024-06-16")


def test_a_birthday_before_1900_is_refused() -> None:
    raises("validation.birthday_too_old", v.check_birthday, dt.date(1899, 12, 31), TODAY)


@pytest.mark.parametrize(("birthday", "today", "age"), [
    (dt.date(1990, 3, 7), dt.date(2024, 3, 6), 33),
    (dt.date(1990, 3, 7), dt.date(2024, 3, 7), 34),
    (dt.date(2000, 2, 29), dt.date(2023, 2, 28), 22),
    (dt.date(2000, 2, 29), dt.date(2023, 3, 1), 23),
    (dt.date(2000, 2, 29), dt.date(2024, 2, 29), 24),
    (TODAY, TODAY, 0),
])
def test_age_counts_completed_years(birthday: dt.date, today: dt.date, age: int) -> None:
    assert v.age_on(birthday, today) == age


def test_age_of_someone_not_yet_born_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        v.age_on(dt.date(2025, 1, 1), TODAY)


# Resident ID cards


def test_the_published_sample_id_number_is_valid() -> None:
    assert v.normalise_id_card("11010519491231002X") == "11010519491231002X"


def test_id_number_accepts_lower_case_x_spaces_and_full_width_digits() -> None:
    assert v.normalise_id_card(" 110105 19491231 002x ") == "11010519491231002X"
    assert v.normalise_id_card("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"


@pytest.mark.parametrize("birth", ["19900307", "20000229", "19000101", "20240615"])
def test_computed_id_numbers_are_valid(birth: str) -> None:
    number = id_card(birth=birth)
    assert v.normalise_id_card(number, today=TODAY) == number


def test_id_check_char_matches_the_independent_computation() -> None:
    for seq in ("000", "123", "456", "789", "999"):
        number = id_card(seq=seq)
        assert v.id_card_check_char(number[:17]) == number[17]


def test_a_mistyped_id_digit_fails_the_checksum() -> None:
    number = id_card()
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]
    raises("validation.id_card_checksum", v.normalise_id_card, wrong[:17] + number[17])
    raises("validation.id_card_checksum", v.normalise_id_card, "110105194912310021")


@pytest.mark.parametrize("typed", ["", "1101051949", "11010519491231002", "11010519491231002X1"])
def test_id_numbers_of_the_wrong_length_are_refused(typed: str) -> None:
    error = raises("validation.id_card_length", v.normalise_id_card, typed)
    assert error.params["length"] == len(typed)
    assert error.field == "id_card"


@pytest.mark.parametrize("typed", ["1101051949123100AX", "11010519491231002Y", "11010549123100X"])
def test_id_numbers_with_stray_letters_are_refused(typed: str) -> None:
    raises("validation.id_card_format", v.normalise_id_card, typed)


@pytest.mark.parametrize("birth", ["19900230", "19901301", "18991231", "20240616"])
def test_id_numbers_with_impossible_or_future_birth_dates_are_refused(birth: str) -> None:
    raises("validation.id_card_birthdate", v.normalise_id_card, id_card(birth=birth), today=TODAY)


def test_legacy_15_digit_id_numbers_are_kept_unchanged() -> None:
    assert v.normalise_id_card("110105491231002") == "110105491231002"
    assert v.normalise_id_card(" 440305 900307 123 ") == "440305900307123"


def test_legacy_id_numbers_with_impossible_birth_dates_are_refused() -> None:
    raises("validation.id_card_birthdate", v.normalise_id_card, "110105490231002")


def test_id_errors_do_not_echo_the_number() -> None:
    error = raises("validation.id_card_checksum", v.normalise_id_card, "110105194912310021")
    assert "110105194912310021" not in str(error)
    assert "value" not in error.params


def test_id_numbers_are_masked_to_first_and_last_four() -> None:
    assert v.mask_id_card("11010519491231002X") == "1101**********002X"
    assert v.mask_id_card("110105491231002") == "1101*******1002"
    assert v.mask_id_card("12345678") == "********"


# Free text


def test_check_length_trims_and_turns_blank_into_none() -> None:
    assert v.check_length("  上海浦东分公司 ", field="company", max_length=10) == "上海浦东分公司"
    assert v.check_length("   ", field="company", max_length=10) is None
    assert v.check_length(None, field="company", max_length=10) is None


def test_check_length_counts_characters_not_bytes() -> None:
    assert v.check_length("王" * 5, field="name", max_length=5) == "王" * 5


def test_required_text_cannot_be_blank() -> None:
    error = raises("validation.required", v.check_length, " ", field="name", max_length=50,
                   required=True)
    assert error.field == "name"


def test_text_over_the_limit_reports_the_limit() -> None:
    error = raises("validation.too_long", v.check_length, "王" * 6, field="name", max_length=5)
    assert (error.field, error.params["max"]) == ("name", 5)


# Gender


@pytest.mark.parametrize(("typed", "stored"), [
    ("male", "male"), ("M", "male"), (" 男 ", "male"), ("男性", "male"),
    ("Female", "female"), ("f", "female"), ("女", "female"), ("女士", "female"),
    ("other", "other"), ("其他", "other"), ("其它", "other"),
])
def test_gender_is_read_in_english_and_chinese(typed: str, stored: str) -> None:
    assert v.normalise_gender(typed) == stored


def test_blank_gender_is_none() -> None:
    assert v.normalise_gender("  ") is None
    assert v.normalise_gender(None) is None


def test_unknown_gender_words_are_refused() -> None:
    error = raises("validation.gender", v.normalise_gender, "unknown")
    assert error.params["value"] == "unknown"


# Social accounts


@pytest.mark.parametrize("typed", ["wxid_abc123", "zhangsan", "Li-Na_1988", "a" * 20])
def test_wechat_ids_are_kept_as_typed(typed: str) -> None:
    assert v.normalise_wechat(f" {typed} ") == typed


@pytest.mark.parametrize(("typed", "stored"), [
    ("13800138000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("+86 138 0013 8000", "+8613800138000"),
])
def test_a_phone_number_is_accepted_as_a_wechat_id(typed: str, stored: str) -> None:
    assert v.normalise_wechat(typed) == stored


@pytest.mark.parametrize("typed", ["", "abc12", "1abcdef", "a" * 21, "zhang san", "张三的微信",
                                   "wx.id.123", "12345678"])
def test_invalid_wechat_ids_are_refused(typed: str) -> None:
    raises("validation.wechat", v.normalise_wechat, typed)


@pytest.mark.parametrize(("typed", "stored"), [
    ("10001", "10001"), ("123456789012", "123456789012"), (" 8888 8888 ", "88888888"),
    ("１２３４５６７", "1234567"),
])
def test_qq_numbers_are_digits_only(typed: str, stored: str) -> None:
    assert v.normalise_qq(typed) == stored


@pytest.mark.parametrize("typed", ["", "1234", "1234567890123", "012345", "qq12345", "12345.6"])
def test_invalid_qq_numbers_are_refused(typed: str) -> None:
    raises("validation.qq", v.normalise_qq, typed)


@pytest.mark.parametrize(("typed", "stored"), [
    ("@lina_design", "lina_design"), ("  lina.design ", "lina.design"),
    ("@小红书用户", "小红书用户"),
    ("@" + "a" * 64, "a" * 64),
])
def test_social_handles_lose_their_leading_at(typed: str, stored: str) -> None:
    assert v.normalise_social_handle(typed, field="douyin") == stored


@pytest.mark.parametrize("typed", ["", "@", "  @ ", "li na", "a" * 65])
def test_invalid_social_handles_are_refused(typed: str) -> None:
    error = raises("validation.handle", v.normalise_social_handle, typed, field="weibo")
    assert error.field == "weibo"


# Companies and websites


@pytest.mark.parametrize("code", [
    "91350100M000100Y43", "911100007109310534", "91110000802100433B",
    credit_code("91440300MA5F00000"), credit_code("12100000400000000"),
])
def test_valid_credit_codes_are_accepted(code: str) -> None:
    assert v.normalise_credit_code(code) == code


def test_credit_code_is_upper_cased_and_spaces_dropped() -> None:
    assert v.normalise_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert v.normalise_credit_code("9135 0100 M000 100Y 43") == "91350100M000100Y43"


def test_credit_code_check_char_matches_the_independent_computation() -> None:
    code = credit_code("91310115MA1K00000")
    assert v.credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("typed", [
    "", "91350100M000100Y4", "91350100M000100Y433", "91350100M000100Y44",
    "91350100I000100Y43", "91350100M000100Y4O",
])
def test_invalid_credit_codes_are_refused(typed: str) -> None:
    error = raises("validation.credit_code", v.normalise_credit_code, typed)
    assert error.field == "credit_code"


@pytest.mark.parametrize(("typed", "stored"), [
    ("www.example.com", "https://www.example.com"),
    ("example.com.cn/about?x=1", "https://example.com.cn/about?x=1"),
    ("HTTP://WWW.Example.COM/Path", "http://www.example.com/Path"),
    ("https://shop.example.cn:8443/", "https://shop.example.cn:8443/"),
    ("例子.中国", "https://例子.中国"),
    ("ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ", "https://www.example.com"),
])
def test_websites_get_a_scheme_and_a_lower_case_host(typed: str, stored: str) -> None:
    assert v.normalise_website(typed) == stored


@pytest.mark.parametrize("typed", [
    "", "localhost", "ftp://files.example.com", "https://", "exa mple.com",
    "mailto:li@example.com", "https://user@example.com", "https://example.com:99999",
    "https://example..com",
])
def test_invalid_websites_are_refused(typed: str) -> None:
    raises("validation.website", v.normalise_website, typed)


@pytest.mark.parametrize(("words", "channels", "left"), [
    ("13811112222 hmm@qq.com 小米科技", [("email", "hmm@qq.com")], "13811112222 小米科技"),
    ("LiLei@Example.com 网易", [("email", "lilei@example.com")], "网易"),
    ("微信:lilei_88 网易", [("wechat", "lilei_88")], "网易"),
    ("微信号： lilei_88 网易", [("wechat", "lilei_88")], "网易"),
    ("WeChat:bob_lee88 wxid_k2j3h4 Acme", [("wechat", "bob_lee88"), ("wechat", "wxid_k2j3h4")],
     "Acme"),
])
def test_a_one_line_entry_yields_the_channels_it_plainly_names(words: str, channels: list,
                                                               left: str) -> None:
    found, rest = split_channels(words.split())
    assert [(c.kind, c.value) for c in found] == channels and " ".join(rest) == left


@pytest.mark.parametrize("words", ["lilei_88 网易", "AT@T 电信", "微信:a 腾讯", "微信 支付宝",
                                   "bob@localhost 公司"])
def test_anything_unsure_in_a_one_line_entry_stays_a_word(words: str) -> None:
    assert split_channels(words.split()) == ([], words.split())
