"""The guided /new asks for an e-mail address (skippable, checked at its step), and an address
typed where the company or a tag goes is refused there, saying where it belongs."""

from __future__ import annotations

import pytest

from crm import customers, users
from crm.actors import Actor
from tests.bot.harness import said

AGENT = 6601
ZH_ELSEWHERE = "bob@acme.com 看起来是邮箱地址，请在“邮箱”那一步填写（点 ◀ 上一步），不要填在这里"


def agent_speaking(locale: str) -> Actor:
    return users.add_user(Actor.system(), AGENT, "agent", "Emily", locale=locale).as_actor()


@pytest.mark.parametrize(("locale", "asked", "refused", "company_asked"), [
    ("en", "E-mail address of <b>Bob Lee</b>?",
     "E-mail: bob@@acme is not a valid e-mail address", "Company of <b>Bob Lee</b>?"),
    ("zh-CN", "<b>Bob Lee</b> 的邮箱地址？", "邮箱：bob@@acme 不是有效的电子邮箱地址",
     "<b>Bob Lee</b> 所在的公司？")])
def test_the_guided_form_asks_for_an_email_and_checks_it(chat, db, locale, asked, refused,
                                                         company_asked) -> None:
    agent = agent_speaking(locale)
    chat.send(AGENT, "/new")
    chat.send(AGENT, "Bob Lee")
    [question] = said(chat.press(AGENT, "nw:skip"))  # no phone
    assert question.text == asked
    assert [value for _, value in question.buttons] == ["nw:skip", "nw:back", "nw:x"]
    error, again = said(chat.send(AGENT, "bob@@acme"))
    assert error.text == refused and again.text == asked  # the step stays
    [company] = said(chat.send(AGENT, "Bob@Acme.com"))
    assert company.text == company_asked
    chat.press(AGENT, "nw:skip")
    [summary] = said(chat.press(AGENT, "nw:skip"))
    assert "Bob@Acme.com" in summary.text  # as typed, like the phone
    chat.press(AGENT, summary.button("✅"))
    [found] = customers.search_customers(agent, "Bob Lee").items
    card = customers.get_customer(agent, found.id)
    assert [(c.kind, c.value) for c in card.channels] == [("email", "bob@acme.com")]
    assert card.company is None and card.tags == ()


@pytest.mark.parametrize(("locale", "company_refused", "tag_refused", "skip"), [
    ("en", "Company: bob@acme.com looks like an e-mail address; it goes at the E-mail step"
           " (◀ Back), not here",
     "Tags: bob@acme.com looks like an e-mail address; it goes at the E-mail step (◀ Back),"
     " not here", "Skip"),
    ("zh-CN", "公司：" + ZH_ELSEWHERE, "标签：" + ZH_ELSEWHERE, "跳过")])
def test_an_email_typed_as_the_company_or_a_tag_is_refused_at_that_step(
        chat, db, locale, company_refused, tag_refused, skip) -> None:
    agent = agent_speaking(locale)
    chat.send(AGENT, "/new")
    chat.send(AGENT, "Bob Lee")
    chat.press(AGENT, "nw:skip")  # no phone
    [company] = said(chat.press(AGENT, "nw:skip"))  # no e-mail
    error, again = said(chat.send(AGENT, "bob@acme.com"))
    assert error.text == company_refused and again.text == company.text
    [tags] = said(chat.send(AGENT, "Acme & Sons"))
    error, again = said(chat.send(AGENT, "vip, bob@acme.com"))
    assert error.text == tag_refused and again.text == tags.text
    back = said(chat.press(AGENT, again.button("◀")))[0]
    email_step = said(chat.press(AGENT, back.button("◀")))[0]
    [company] = said(chat.send(AGENT, "bob@acme.com"))  # from the e-mail step, on to company
    assert "Acme &amp; Sons" in company.text and company.button(skip) == "nw:skip"
    chat.send(AGENT, "Acme & Sons")
    [summary] = said(chat.send(AGENT, "vip"))
    chat.press(AGENT, summary.button("✅"))
    assert "bob@acme.com" not in email_step.text
    [found] = customers.search_customers(agent, "Bob Lee").items
    card = customers.get_customer(agent, found.id)
    assert [(c.kind, c.value) for c in card.channels] == [("email", "bob@acme.com")]
    assert card.company.name == "Acme & Sons" and card.tags == ("vip",)
