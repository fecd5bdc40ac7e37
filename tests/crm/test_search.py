"""One search box: every query kind, Chinese included, ranked, paginated, visibility-limited,
and kept in step with every write."""

from __future__ import annotations

import peewee
import pytest

from crm import customers
from tests.crm.cast import SYSTEM, customer, make_cast


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def names(actor, text: str, **kwargs) -> list[str]:
    return [c.name for c in customers.search_customers(actor, text, **kwargs).items]


@pytest.fixture
def people(cast):
    """A small town of customers, all owned by the agent."""
    made = {}
    for name, fields in [
        ("张伟", {"phones": ("13800138000",), "company": "华为技术有限公司"}),
        ("王小明", {"phones": ("13912345678",), "emails": ("xiaoming.wang@qq.com",),
                   "tags": ("VIP",)}),
        ("欧阳小明", {"phones": ("13700001111",)}),
        ("John Smith", {"phones": ("+1 415 555 0199",), "emails": ("john@acme.com",),
                        "company": "Acme Trading"}),
        ("Smithers Lee", {"phones": ("+65 8123 4567",)}),
        ("曾小贤", {"phones": ("15012340000",)}),
    ]:
        made[name] = customer(cast.agent, name, **fields)
    return made


@pytest.mark.parametrize(("query", "expected"), [
    ("张伟", ["张伟"]),                      # 2-character Chinese name
    ("小明", ["王小明", "欧阳小明"]),          # given name inside full names (substring)
    ("欧阳小明", ["欧阳小明"]),               # 4 characters, verified adjacent
    ("zhangwei", ["张伟"]),                  # full pinyin
    ("zw", ["张伟"]),                        # pinyin initials
    ("zengxiaoxian", ["曾小贤"]),             # surname read as a surname (zeng, not ceng)
    ("wangx", ["王小明"]),                   # pinyin prefix while typing
    ("smith", ["John Smith", "Smithers Lee"]),  # Latin, case-insensitive, prefix after exact
    ("SMITH", ["John Smith", "Smithers Lee"]),
    ("0199", ["John Smith"]),                # last 4 digits
    ("1234", ["王小明", "Smithers Lee", "曾小贤"]),  # any 4 consecutive digits
    ("13800138000", ["张伟"]),               # the whole number
    ("138 0013 8000", ["张伟"]),
    ("+86 138-0013-8000", ["张伟"]),
    ("xiaoming.wang@qq.com", ["王小明"]),     # e-mail
    ("华为", ["张伟"]),                      # company, part of its name
    ("acme", ["John Smith"]),
    ("VIP", ["王小明"]),                     # tag
    ("nobody", []),
    ("  ", []),
])
def test_every_kind_of_query_finds_the_right_people(cast, people, query: str,
                                                    expected: list[str]) -> None:
    assert sorted(names(cast.agent, query)) == sorted(expected)


def test_exact_then_prefix_then_anywhere(cast) -> None:
    customer(cast.agent, "李明明")   # contains 明 elsewhere
    customer(cast.agent, "明")       # exact
    customer(cast.agent, "明华")     # prefix
    customer(cast.agent, "王明")     # contains
    assert names(cast.agent, "明")[:2] == ["明", "明华"]
    assert set(names(cast.agent, "明")[2:]) == {"李明明", "王明"}


def test_an_exact_phone_comes_before_partial_digit_matches(cast) -> None:
    customer(cast.agent, "部分", phones=("13813800138",))
    customer(cast.agent, "完全", phones=("13800138000",))
    assert names(cast.agent, "13800138000")[0] == "完全"


def test_results_come_a_page_at_a_time(cast) -> None:
    for i in range(25):
        customer(cast.agent, f"张{'伟' if i % 2 else '薇'}{i}")
    first = customers.search_customers(cast.agent, "张", limit=10)
    second = customers.search_customers(cast.agent, "张", offset=10, limit=10)
    third = customers.search_customers(cast.agent, "张", offset=20, limit=10)
    assert first.has_more and second.has_more and not third.has_more
    everyone = [c.id for page in (first, second, third) for c in page.items]
    assert len(everyone) == 25 == len(set(everyone))


def test_pages_keep_the_ranking_across_exact_prefix_and_anywhere_matches(cast) -> None:
    anywhere = [customer(cast.agent, f"李明{i}") for i in range(3)]
    prefix = [customer(cast.agent, name) for name in ("明华", "明丽", "明华")]
    exact = [customer(cast.agent, "明") for _ in range(3)]
    pages = [customers.search_customers(cast.agent, "明", offset=offset, limit=2)
             for offset in range(0, 10, 2)]
    ranked = [c.id for page in pages for c in page.items]
    assert ranked[:3] == [c.id for c in reversed(exact)]  # newest exact match first
    assert ranked[3:6] == [prefix[1].id, prefix[2].id, prefix[0].id]  # 明丽 < 明华 bytewise
    assert sorted(ranked[6:]) == sorted(c.id for c in anywhere)
    assert [page.has_more for page in pages] == [True, True, True, True, False]


def test_search_shows_only_what_the_actor_may_see(cast) -> None:
    customer(cast.agent, "张伟")
    customer(cast.other_agent, "张伟")
    assert len(names(cast.agent, "张伟")) == 1
    assert len(names(cast.agent, "zw")) == 1
    assert len(names(cast.manager, "张伟")) == 2
    assert len(names(cast.viewer, "zhangwei")) == 2


def test_the_index_follows_every_write(cast) -> None:
    created = customer(cast.agent, "张伟", phones=("13800138000",))
    customers.update_customer(cast.agent, created.id, "name", "李娜")
    assert names(cast.agent, "张伟") == [] and names(cast.agent, "lina") == ["李娜"]
    customers.add_channel(cast.agent, created.id, "phone", "13911112222")
    assert names(cast.agent, "2222") == ["李娜"]
    customers.add_tags(cast.agent, created.id, ["经销商"])
    assert names(cast.agent, "经销商") == ["李娜"]
    customers.remove_tag(cast.agent, created.id, "经销商")
    assert names(cast.agent, "经销商") == []
    customers.update_customer(cast.agent, created.id, "company", "星辰贸易")
    assert names(cast.agent, "星辰") == ["李娜"]
    customers.update_customer(cast.manager, created.id, "owner_id", cast.other_agent.user_id)
    assert names(cast.agent, "李娜") == [] and names(cast.other_agent, "李娜") == ["李娜"]


def test_full_width_input_from_chinese_keyboards_is_understood(cast) -> None:
    customer(cast.agent, "Ｅｍｉｌｙ", phones=("１３８００１３８０００",))
    assert names(cast.agent, "emily") == ["Emily"]
    assert names(cast.agent, "８０００") == ["Emily"]


def test_system_sees_everyone(cast) -> None:
    customer(cast.agent, "张伟")
    assert names(SYSTEM, "张伟") == ["张伟"]


def test_an_agent_with_few_customers_still_finds_theirs_among_many(cast) -> None:
    from crm.customers import create_customer
    from crm.customers.inputs import CustomerDraft

    for _ in range(250):  # other people's 张伟, all older than the agent's own
        create_customer(cast.other_agent, CustomerDraft(name="张伟"), allow_duplicate=True)
    mine = customer(cast.agent, "张伟")
    assert [c.id for c in customers.search_customers(cast.agent, "zhangwei").items] == [mine.id]
    assert [c.id for c in customers.search_customers(cast.agent, "张伟").items] == [mine.id]


def test_one_to_three_digits_match_names_and_text_not_phones_wechat_or_mail(cast) -> None:
    from crm.customers.inputs import ChannelInput

    customer(cast.agent, "李雷", phones=("13800138222",), emails=("lei2@qq.com",),
             channels=(ChannelInput("wechat", "lilei_2"),))
    customer(cast.agent, "韩梅梅", company="360安全", tags=("2号仓",))
    customer(cast.agent, "Room 22 Trading")
    assert names(cast.agent, "2") == ["韩梅梅"]  # by the tag 2号仓, not 李雷's contacts
    assert names(cast.agent, "22") == ["Room 22 Trading"]
    assert names(cast.agent, "360") == ["韩梅梅"]
    assert names(cast.agent, "8222") == ["李雷"]  # four digits: a phone's, as before


def test_a_short_number_beside_other_words_matches_names_and_text_not_contacts(cast) -> None:
    from crm.customers.inputs import ChannelInput

    customer(cast.agent, "李雷", emails=("li2@163.com",), channels=(ChannelInput("wechat",
                                                                                "lilei_13"),))
    customer(cast.agent, "李娜", tags=("2号仓",))
    customer(cast.agent, "Wang Lei", emails=("wang13@qq.com",),
             channels=(ChannelInput("wechat", "wang_13"),))
    customer(cast.agent, "Wang 13 Studio")
    customer(cast.agent, "王小明", emails=("xm@163.com",))
    assert names(cast.agent, "李 2") == ["李娜"]  # by the tag 2号仓, not 李雷's e-mail li2@
    assert names(cast.agent, "李2") == ["李娜"]
    assert names(cast.agent, "Wang 13") == ["Wang 13 Studio"]  # not Wang Lei's wang_13
    assert names(cast.agent, "13 wang") == ["Wang 13 Studio"]
    assert names(cast.agent, "王 163") == []  # the mail domain is no word of 王小明's
    # digits joined to letters are an id or a mailbox typed as such: found as before
    assert set(names(cast.agent, "wang13")) == {"Wang Lei", "Wang 13 Studio"}
    assert set(names(cast.agent, "wang_13")) == {"Wang Lei", "Wang 13 Studio"}
    assert "李雷" in names(cast.agent, "li2")


def test_a_name_typed_with_spaces_between_characters_is_found_as_people_type_it(cast) -> None:
    spaced = customer(cast.agent, "王 小明")
    customer(cast.agent, "王大明")

    def names(query: str) -> list[str]:
        return [c.name for c in customers.search_customers(cast.agent, query).items]

    assert names("王小明") == ["王 小明"]
    assert names("小明") == ["王 小明"]
    assert names("王 小明") == ["王 小明"]
    assert customers.search_customers(cast.agent, "王小明").items[0].id == spaced.id


def ids(actor, text: str) -> list[int]:
    return [c.id for c in customers.search_customers(actor, text).items]


def test_a_record_number_after_a_hash_finds_that_one_namesake_if_visible(cast) -> None:
    customer(cast.agent, "张伟")
    mine = customer(cast.agent, "张伟")
    theirs = customer(cast.other_agent, "张伟")
    assert ids(cast.agent, f"张伟 #{mine.id}") == [mine.id]
    assert ids(cast.agent, f"张伟＃{mine.id}") == [mine.id]  # full-width, as Chinese keyboards type
    assert ids(cast.agent, f"张伟 #{theirs.id}") == []  # a number shows no one else's record
    assert ids(cast.manager, f"张伟 #{theirs.id}") == [theirs.id]
    assert ids(cast.agent, f"李雷 #{mine.id}") == []  # not that record's name: searched as text
    assert ids(cast.agent, f"#{mine.id}") == []  # a bare # marks a tag
    customers.delete_customer(cast.manager, mine.id)
    assert ids(cast.agent, f"张伟 #{mine.id}") == []


def test_characters_read_as_their_most_common_pinyin_without_the_phrase_dictionary() -> None:
    """Names are read a character at a time: the phrase dictionary pypinyin can load is left
    out (memory), and the readings stay those of the characters alone."""
    import pypinyin.constants

    from crm.search_terms import name_pinyin, reading

    assert pypinyin.constants.PHRASES_DICT == {}
    assert [reading(c) for c in "长行重乐张伟"] == ["zhang", "xing", "zhong", "le", "zhang", "wei"]
    assert name_pinyin("单田芳") == ["shan", "tian", "fang"]
    assert name_pinyin("曾小明") == ["zeng", "xiao", "ming"]
