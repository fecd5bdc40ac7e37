"""/audit NAME: one staff member's entries (what they did and what was done to them), paged
and exported with the same filter; a name nobody has is said so, not ignored. Each entry names
its record as people know it, not by a bare number."""

from __future__ import annotations

import io
from collections.abc import Iterator

import peewee
import pytest
from openpyxl import load_workbook

from bot.cli import main
from crm import invites, privacy, users
from crm.actors import Actor
from tests.bot.harness import ChatHarness
from tests.conftest import without_outside_settings
from tests.crm.cast import customer

ADMIN, AGENT, OTHER = 6201, 6202, 6203


@pytest.fixture
def chat(db: peewee.Database) -> Iterator[ChatHarness]:
    harness = ChatHarness(db)
    yield harness
    harness.close()


@pytest.fixture
def staff(db: peewee.Database) -> None:
    """The agent adds 12 customers and is made a viewer; someone else adds a team."""
    users.add_user(Actor.system(), ADMIN, "admin", "Ada Admin")
    agent = users.add_user(Actor.system(), AGENT, "agent", "Li Na").as_actor()
    users.add_user(Actor.system(), OTHER, "agent", "Wang Wei")
    for number in range(12):
        customer(agent, f"Customer {number}")
    users.change_role(Actor.system(), AGENT, "viewer")
    users.create_team(Actor.system(), "East")


def edited(replies) -> str:
    [page] = [r for r in replies if r.method == "editMessageText"]
    return page.text


def test_audit_of_one_member_pages_and_exports_their_entries_only(chat, staff) -> None:
    [first] = chat.send(ADMIN, "/audit Li Na")
    assert first.text.startswith("<b>Audit log</b> of Li Na: what they did and what was done"
                                 " to them, newest first (from 1):")
    assert "Role: agent → viewer" in first.text  # done to them, by the system
    assert "team.create" not in first.text and "Wang Wei" not in first.text
    older = edited(chat.press(ADMIN, first.button("▶")))
    assert older.startswith("<b>Audit log</b> of Li Na") and "(from 11)" in older
    assert older.count("customer.create") == 3 and "team.create" not in older
    replies = chat.press(ADMIN, first.button("📤"))
    [document] = [r for r in replies if r.method == "sendDocument"]
    [(_, content, _)] = document.params["_files"].values()
    codes = [row[4] for row in load_workbook(io.BytesIO(content)).active.iter_rows(
        min_row=2, values_only=True)]
    assert codes == ["user.add", *["customer.create"] * 12, "user.role"]


def test_audit_of_a_name_nobody_has_says_so_in_the_readers_language(chat, staff) -> None:
    [reply] = chat.send(ADMIN, "/audit Nobody", language="en")
    assert reply.text == "No staff member is called “Nobody”."
    [reply] = chat.send(ADMIN, "/audit 王五", language="zh-CN")
    assert reply.text == "没有名为“王五”的员工。"
    [page] = chat.send(ADMIN, "/audit Wang Wei")  # only added: that entry is about him
    assert page.text.count("user.add") == 1 and "customer.create" not in page.text


def test_audit_of_a_member_in_chinese(chat, staff) -> None:
    [page] = chat.send(ADMIN, "/audit Li Na", language="zh-CN")
    title = "<b>审计日志</b>：Li Na 的操作及对其的操作，最新在前（从第 1 条起）："
    assert page.text.startswith(title)
    assert "角色: 业务员 → 只读用户" in page.text


def test_a_non_admin_is_refused_before_any_name_is_looked_up(chat, staff) -> None:
    [reply] = chat.send(OTHER, "/audit Nobody")
    assert reply.text == "Only admins can read the audit log."


def test_crm_audit_user_shows_what_was_done_to_them_too(tmp_path, monkeypatch, capsys) -> None:
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "en")
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert main(["user", "add", "301", "--role", "agent", "--name", "Zhao Min"]) == 0
    assert main(["user", "deactivate", "301"]) == 0
    capsys.readouterr()
    assert main(["audit", "--user", "Zhao Min"]) == 0
    out = capsys.readouterr().out
    assert "[user.deactivate]" in out and "[user.add]" in out


def test_audit_entries_name_staff_invites_and_erased_customers_as_people_know_them(
        chat, staff) -> None:
    admin = users.identify(ADMIN).as_actor()
    invite = invites.create_invite(admin, "agent")
    chat.send(6204, f"/start {invite.code}")
    gone = customer(admin, "Gone Person")
    privacy.erase_customer(admin, gone.id)
    [page] = chat.send(ADMIN, "/audit")
    joined = f"User6204 (Telegram) · Joined with an invite <code>user.join_by_invite</code> · " \
             f"staff member User6204 (#{users.identify(6204).id})"
    assert joined in page.text
    assert "Invite: — → invite from Ada Admin (#1)" in page.text
    assert "<code>invite.create</code> · invite from Ada Admin (#1)" in page.text
    assert f"<code>customer.create</code> · erased customer (#{gone.id})" in page.text
    assert "Gone Person" not in page.text
    [mine] = chat.send(ADMIN, "/audit Li Na")
    assert "<code>user.role</code> · staff member Li Na (#2)" in mine.text
