"""`crm console`: a person at a terminal chats with the same handlers, no token needed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import plain, run_console
from crm import customers, reminders, runtime, users
from crm.actors import Actor
from crm.clock import utcnow
from crm.config import load_config
from storage.database import fetch_all, fetch_one
from tests.conftest import without_outside_settings


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "en")
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    return runtime.config()


def test_a_person_searches_and_presses_buttons_by_number(installed, capsys) -> None:
    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    customers.create_customer(boss, customers.CustomerDraft(
        name="王小明", phones=("13800138000",), company="华为"))
    out = io.StringIO()
    code = run_console(installed, lines=io.StringIO("小明\n9\n/quit\n"), out=out)
    shown = out.getvalue()
    assert code == 0
    assert "Local console: you are Chen Jing (admin)" in shown
    assert "王小明 · 华为" in shown and "+86 138 0013 8000" in shown
    assert "[9] 🕑 Timeline" in shown and "timeline" in shown  # button 9 pressed
    assert "<b>" not in shown


def test_without_an_admin_it_acts_as_the_member_with_the_widest_role(installed) -> None:
    """Sample data alone has no admin: the console is its manager, not its first agent."""
    for telegram_id, role, name in ((41, "agent", "Li Na"), (42, "viewer", "Zhao Min"),
                                    (43, "manager", "Wang Jing")):
        users.add_user(Actor.system(), telegram_id, role, name, locale="en")
    out = io.StringIO()
    assert run_console(installed, lines=io.StringIO("/quit\n"), out=out) == 0
    assert "Local console: you are Wang Jing (manager)" in out.getvalue()


def test_without_staff_it_says_how_to_add_the_first_admin(installed) -> None:
    out = io.StringIO()
    assert run_console(installed, lines=io.StringIO(""), out=out) == 1
    assert "crm user add" in out.getvalue()


def test_run_without_a_token_and_without_a_terminal_explains(installed, capsys) -> None:
    assert main(["run"]) == 0
    shown = capsys.readouterr().out
    assert "@BotFather" in shown and "console" in shown


def test_html_becomes_plain_text() -> None:
    assert plain("<b>张&amp;伟</b> &lt;x&gt;") == "张&伟 <x>"


def test_a_link_keeps_its_address_in_the_terminal() -> None:
    link = '<a href="https://uri.amap.com/marker?position=121.47,31.23&amp;a=b">📍 地图</a>'
    assert plain(f"拜访 · {link}") == ("拜访 · 📍 地图"
                                     " (https://uri.amap.com/marker?position=121.47,31.23&a=b)")


def test_a_new_installation_makes_the_person_at_the_terminal_its_first_admin(installed) -> None:
    out = io.StringIO()
    lines = io.StringIO("123456789\nChen Jing\n/help\n/quit\n")
    assert run_console(installed, lines=lines, out=out, interactive=True) == 0
    shown = out.getvalue()
    assert "first admin" in shown and "you are Chen Jing" in shown and "/new" in shown
    assert users.identify(123456789).role.value == "admin"


def test_a_second_session_is_answered_like_the_first(installed) -> None:
    """Handled updates are remembered for two days: a new session must not look like a
    redelivery of the last one's messages."""
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    answers = []
    for _ in range(2):
        out = io.StringIO()
        assert run_console(installed, lines=io.StringIO("/help\n/today\n/quit\n"), out=out) == 0
        answers.append(out.getvalue())
    assert all("What you can do" in shown and "agenda" in shown.lower() for shown in answers)


def test_files_the_bot_sends_are_saved_for_the_person_at_the_terminal(installed) -> None:
    from openpyxl import load_workbook

    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    customers.create_customer(boss, customers.CustomerDraft(name="王小明",
                                                            phones=("13800138000",)))
    out = io.StringIO()
    assert run_console(installed, lines=io.StringIO("/export customers xlsx\n/quit\n"),
                       out=out) == 0
    [shown] = [line for line in out.getvalue().splitlines() if "📎" in line]
    saved = Path(shown.split("📎", 1)[1].strip())
    assert saved.parent == installed.data_dir / "console" and saved.suffix == ".xlsx"
    assert saved.stat().st_mode & 0o777 == 0o600
    rows = list(load_workbook(saved, read_only=True).worksheets[0].values)
    assert any("王小明" in row for row in rows)


def test_a_member_without_a_language_of_their_own_gets_the_installations(installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing")  # no locale; CRM_LOCALE=en
    out = io.StringIO()
    assert run_console(installed, lines=io.StringIO("/today\n/quit\n"), out=out) == 0
    assert "Nothing planned today" in out.getvalue() and "今天" not in out.getvalue()


class _SlowLines(io.StringIO):
    """Typed lines, the last one only after the scheduled jobs had time to run."""

    def __init__(self, text: str, wait: float) -> None:
        super().__init__(text)
        self.wait = wait

    def readline(self, *args) -> str:  # type: ignore[override]
        line = super().readline(*args)
        if line.strip() == "/quit":
            time.sleep(self.wait)
        return line


def _due_soon(actor: Actor, text: str) -> None:
    reminders.create_reminder(actor, utcnow() + dt.timedelta(seconds=1), text)


def test_jobs_messages_to_others_are_shown_apart_and_keep_my_buttons(installed,
                                                                     monkeypatch) -> None:
    monkeypatch.setenv("CRM_REMINDERS_POLL_SECONDS", "1")
    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    agent = users.add_user(Actor.system(), 43, "agent", "李娜", locale="zh-CN").as_actor()
    customers.create_customer(boss, customers.CustomerDraft(name="王小明", phones=("13800138000",)))
    customers.create_customer(boss, customers.CustomerDraft(name="王小红", phones=("13900139000",)))
    _due_soon(boss, "call the bank")
    _due_soon(agent, "回访<王总>")
    out = io.StringIO()
    code = run_console(load_config(environ=dict(os.environ), look_in_cwd=True),
                       lines=_SlowLines("王小\n/quit\n", 3.0), out=out)
    shown = out.getvalue()
    assert code == 0
    assert "→ 李娜: ⏰" in shown and "回访<王总>" in shown  # hers, under her name, plain text
    mine = shown.split("call the bank", 1)
    assert len(mine) == 2 and "[1] ✅ Done" in mine[1]  # mine, with its buttons
    assert fetch_one("select count(*) from reminder where sent_at is null")[0] == 0


def test_with_a_token_the_console_leaves_scheduled_jobs_to_the_running_bot(installed,
                                                                          monkeypatch) -> None:
    monkeypatch.setenv("CRM_REMINDERS_POLL_SECONDS", "1")
    monkeypatch.setenv("CRM_TELEGRAM_TOKEN", "123456789:AAE" + "x" * 32)
    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    _due_soon(boss, "call the bank")
    out = io.StringIO()
    code = run_console(load_config(environ=dict(os.environ), look_in_cwd=True),
                       lines=_SlowLines("/help\n/quit\n", 3.0), out=out)
    shown = out.getvalue()
    assert code == 0 and "left to the running bot" in shown and "call the bank" not in shown
    assert fetch_one("select count(*) from reminder where sent_at is null")[0] == 1  # for the bot


def test_a_customer_console_shows_the_customers_side(installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    out = io.StringIO()
    code = run_console(installed, lines=io.StringIO("printer offline\n1\n/users\n/quit\n"),
                       out=out, customer=True)
    shown = out.getvalue()
    assert code == 0 and "a customer (Telegram id" in shown
    assert "No article matches" in shown  # its button opens the ticket with the question
    assert fetch_one("select subject from ticket")[0] == "printer offline"
    assert "Chen Jing" not in shown and "Staff (" not in shown  # /users is not theirs


def _lead_of_the_ticket() -> str:
    return fetch_one("select c.name from ticket t join customer c on c.id = t.customer_id")[0]


def test_a_customer_console_without_a_record_is_a_guest_in_the_installations_language(
        installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    out = io.StringIO()
    lines = io.StringIO("2\nPrinter offline\n/quit\n")
    assert run_console(installed, lines=lines, out=out, customer=True) == 0
    assert "you are Guest 1000000001, a customer" in out.getvalue()
    assert _lead_of_the_ticket() == "Guest 1000000001"  # the new lead staff see, not "Customer"


def test_a_chinese_installations_customer_console_is_a_chinese_guest(installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "陈静", locale="zh-CN")
    chinese = dataclasses.replace(installed, values={**installed.values, "locale": "zh-CN"})
    out = io.StringIO()
    lines = io.StringIO("2\n打印机坏了\n/quit\n")
    assert run_console(chinese, lines=lines, out=out, customer=True) == 0
    assert "您的身份是客户 访客 1000000001" in out.getvalue()
    assert _lead_of_the_ticket() == "访客 1000000001"


def test_a_customer_console_of_a_linked_customer_acts_under_their_name(installed) -> None:
    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    wang = customers.create_customer(boss, customers.CustomerDraft(
        name="王小明", phones=("13800138000",)))
    linking = io.StringIO("2\n/contact 13800138000\n/quit\n")
    assert run_console(installed, lines=linking, out=io.StringIO(), customer=True) == 0
    out = io.StringIO()
    assert run_console(installed, lines=io.StringIO("unsubscribe\n/quit\n"), out=out,
                       customer=True) == 0
    assert "you are 王小明, a customer" in out.getvalue()
    [by] = fetch_all("select actor_name from audit_log where action like 'consent%'"
                     " and entity_id = ?", (wang.id,)) or [("",)]
    assert by == ("王小明",)  # staff read who withdrew consent: the customer, by name


def test_a_customer_console_refuses_a_staff_members_id(installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    out = io.StringIO()
    assert run_console(installed, 42, lines=io.StringIO("/quit\n"), out=out, customer=True) == 1
    assert "belongs to a staff member" in out.getvalue()


def _answers(shown: str) -> list[str]:
    """What the bot printed after each typed line, in order (the prompt separates them)."""
    return shown.split("> ")[1:]


def test_paging_search_results_shows_the_next_page_and_its_numbers(installed) -> None:
    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    for number in range(1, 11):
        customers.create_customer(boss, customers.CustomerDraft(
            name=f"王小{number:02}", phones=(f"138001380{number:02}",)))
    out = io.StringIO()
    assert run_console(installed, lines=io.StringIO("王小\n9\n1\n/quit\n"), out=out) == 0
    first, second, card = _answers(out.getvalue())[:3]
    assert "[8] 王小08" in first and "[9] ▶" in first
    assert "[1] 王小09" in second and "[2] 王小10" in second and "[3] ◀" in second
    assert "王小01" not in second
    assert card.startswith("王小09") and "+86 138 0013 8009" in card  # the new [1]


def test_a_tickets_status_is_changed_with_the_buttons_it_shows_instead(installed) -> None:
    from crm.service import tickets

    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    buyer = customers.create_customer(boss, customers.CustomerDraft(
        name="李四", phones=("13900139000",)))
    tickets.open_ticket(boss, buyer.id, "Printer offline")
    out = io.StringIO()
    assert run_console(installed, lines=io.StringIO("/tickets\n1\n4\n3\n/quit\n"),
                       out=out) == 0
    _, card, statuses, saved = _answers(out.getvalue())[:4]
    assert "[4] 📂 Status" in card
    assert "Printer offline" in statuses and "[3] ✅ Resolved" in statuses  # the card, again
    assert "Saved" in saved and "✅ Resolved" in saved and "[4] 📂 Status" in saved
    assert fetch_one("select status from ticket")[0] == "resolved"


def test_buttons_an_edit_takes_away_are_no_longer_offered(installed) -> None:
    from crm.service import kb

    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    kb.write_article(boss, "Printer offline", "Unplug it.")
    out = io.StringIO()
    assert run_console(installed, lines=io.StringIO("/kb\n1\n3\n1\n1\n/quit\n"), out=out) == 0
    _, article, confirm, deleted, after = _answers(out.getvalue())[:5]
    assert "[3] 🗑 Delete" in article
    assert "Unplug it." in confirm and "[1] 🗑 Yes, delete" in confirm
    assert "The article was deleted." in deleted and "[1]" not in deleted
    assert "Nobody found for “1”" in after  # a number without buttons is just text
    assert fetch_one("select count(*) from kb_article where deleted_at is null")[0] == 0


def test_a_file_that_is_not_there_is_refused_before_the_bot_sees_it(installed,
                                                                    tmp_path: Path) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    out = io.StringIO()
    missing = tmp_path / "nowhere" / "rows.xlsx"
    assert run_console(installed, lines=io.StringIO(f"/file {missing}\n/quit\n"), out=out) == 0
    [answer] = _answers(out.getvalue())[:1]
    assert answer.strip() == f"There is no file at {missing}; nothing was sent."  # only


def test_a_file_dragged_into_the_terminal_is_found_in_its_quotes(installed,
                                                                 tmp_path: Path) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    folder = tmp_path / "my files"
    folder.mkdir()
    (folder / "people.csv").write_text("name,phone\n王小明,13800138000\n", encoding="utf-8")
    out = io.StringIO()
    quoted = f"/file '{folder / 'people.csv'}'"
    escaped = "/file " + str(folder / "people.csv").replace(" ", "\\ ")
    assert run_console(installed, lines=io.StringIO(f"{quoted}\n{escaped}\n/quit\n"),
                       out=out) == 0
    first, second = _answers(out.getvalue())[:2]
    assert "people.csv: 1 row\n" in first and "New customers: 1" in first
    assert "people.csv: 1 row\n" in second


def test_a_customer_shares_their_own_number_and_their_ticket_is_theirs(installed) -> None:
    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    wang = customers.create_customer(boss, customers.CustomerDraft(
        name="王小明", phones=("13800138000",)))
    out = io.StringIO()
    lines = io.StringIO("2\n/contact 13800138000\n2\nPrinter offline\n/quit\n")
    assert run_console(installed, lines=lines, out=out, customer=True) == 0
    asked, shared = _answers(out.getvalue())[:2]
    assert "[1] 📱 Share my phone number (type /contact PHONE" in asked
    assert "your number is linked" in shared and "someone else" not in shared
    assert fetch_one("select customer_id from ticket")[0] == wang.id


def test_staff_share_someone_elses_card_to_add_a_customer(installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    out = io.StringIO()
    assert run_console(installed, lines=io.StringIO("/contact 13900139000 李四\n/quit\n"),
                       out=out) == 0
    [card] = _answers(out.getvalue())[:1]
    assert "Saved" in card and "李四" in card and "+86 139 0013 9000" in card


def test_an_article_of_several_lines_is_pasted_as_one_message(installed) -> None:
    from crm.service import kb

    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    article = "Printer offline\nUnplug it.\n  Wait ten seconds, then plug it in.\n#printer"
    out = io.StringIO()
    lines = io.StringIO(f"/kb\n1\n/paste\n{article}\n.\n/quit\n")
    assert run_console(installed, lines=lines, out=out) == 0
    shown = out.getvalue()
    assert "a line with a single . sends it" in shown
    [saved] = kb.list_articles(boss)
    assert saved.title == "Printer offline" and "#printer" not in saved.body
    assert saved.body.splitlines()[:2] == ["Unplug it.", "  Wait ten seconds, then plug it in."]
    assert "Unplug it.\n  Wait ten seconds" in plain(shown)  # the article, shown back


def test_a_line_ending_in_a_backslash_goes_on_in_the_next(installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    out = io.StringIO()
    lines = io.StringIO("2\nPrinter offline\\\nThe light blinks red.\\\nSince Monday.\n/quit\n")
    assert run_console(installed, lines=lines, out=out, customer=True) == 0
    assert "… … " in out.getvalue()  # each line that goes on is prompted for
    subject, description = fetch_one("select subject, description from ticket")
    assert subject == "Printer offline"
    assert description == "Printer offline\nThe light blinks red.\nSince Monday."


class Terminal(io.StringIO):
    """Lines as a terminal hands them over: cut at its line buffer's size."""

    def isatty(self) -> bool:
        return True


def test_a_line_the_terminal_cut_is_not_sent_as_if_it_were_whole(installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    cut = "说" * 1365  # 4,095 bytes: all a terminal keeps of a longer pasted line
    out = io.StringIO()
    lines = Terminal(f"2\n{cut}\nPrinter offline\n/quit\n")
    assert run_console(installed, lines=lines, out=out, customer=True) == 0
    assert "the end was cut off, so nothing was sent" in out.getvalue()
    [(subject, description)] = fetch_all("select subject, description from ticket")
    assert (subject, description) == ("Printer offline", "Printer offline")


def test_the_welcome_tells_how_to_type_several_lines(installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    for customer in (False, True):
        out = io.StringIO()
        assert run_console(installed, lines=io.StringIO(""), out=out, customer=customer) == 0
        assert "a line ending in \\ goes on in the next" in out.getvalue()
        assert "/paste takes every line up to a single ." in out.getvalue()


def test_a_location_that_is_not_two_numbers_is_explained_and_the_console_goes_on(
        installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    out = io.StringIO()
    lines = io.StringIO("/location north east\n/location 95 10\n/help\n/quit\n")
    assert run_console(installed, lines=lines, out=out) == 0
    words, too_far, helped = _answers(out.getvalue())[:3]
    assert "/location takes a latitude and a longitude" in words and words == too_far
    assert "What you can do" in helped


def test_the_visit_keyboard_is_numbered_skip_sends_its_text_location_says_what_to_type(
        installed) -> None:
    boss = users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en").as_actor()
    wang = customers.create_customer(boss, customers.CustomerDraft(name="王小明"))
    out = io.StringIO()
    lines = io.StringIO("小明\n2\n1\n2\nTalked prices\n/quit\n")
    assert run_console(installed, lines=lines, out=out) == 0
    _card, asked, location, skipped, saved = _answers(out.getvalue())[:5]
    assert "[1] 📍 Send location (type /location LAT LON)   [2] Skip" in asked
    assert "type /location LAT LON, e.g. /location 51.5072 -0.1276" in location
    assert "summary of the visit" in skipped and "Visit saved for 王小明" in saved
    [visit] = [i for i in customers.get_timeline(boss, wang.id).items if i.subkind == "visit"]
    assert visit.summary == "Talked prices"


def test_a_newcomer_joins_with_an_invite_at_the_console(installed) -> None:
    from crm import invites

    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    invite = invites.create_invite(users.identify(42).as_actor(), "agent")
    out = io.StringIO()
    code = run_console(installed, 5001, lines=io.StringIO(f"Li Lei\n/start {invite.code}\n"
                                                          "/quit\n"), out=out, interactive=True)
    shown = out.getvalue()
    assert code == 0 and "No staff user yet" not in shown
    assert "Telegram id 5001 is not staff" in shown and "/start" in shown
    joined = users.identify(5001)
    assert joined is not None and joined.name == "Li Lei" and joined.role.value == "agent"
    assert "Li Lei" in shown.split("> ")[1]  # the bot welcomed them by the name they gave


def test_a_newcomer_joining_through_a_pipe_is_named_to_the_admin_as_the_consoles_guest(
        installed, monkeypatch) -> None:
    """Nobody at a terminal types a name: the admin reads the name the console gives anyone
    who is not staff, as the customer's side does, not a bare number."""
    from crm import invites

    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    invite = invites.create_invite(users.identify(42).as_actor(), "agent")
    out = io.StringIO()
    lines = _SlowLines(f"/start {invite.code}\n/quit\n", 4.0)  # the notice goes out meanwhile
    assert run_console(installed, 5001, lines=lines, out=out) == 0
    [told] = [line.split("→ Chen Jing: ")[1] for line in out.getvalue().splitlines()
              if "→ Chen Jing: " in line]
    assert told.startswith("🆕 Guest 5001 (Telegram id 5001) joined the staff")
    joined = users.identify(5001)
    assert joined is not None and joined.name == "Guest 5001"


def test_a_deactivated_members_console_says_so(installed) -> None:
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    users.add_user(Actor.system(), 43, "agent", "Li Na", locale="en")
    users.deactivate_user(Actor.system(), 43)
    out = io.StringIO()
    assert run_console(installed, 43, lines=io.StringIO("/quit\n"), out=out) == 1
    assert out.getvalue().strip() == ("Li Na (Telegram id 43) is deactivated: they have no"
                                      " access. To let them back in: crm user reactivate 43")


def test_a_file_a_customer_sent_is_shown_where_it_lies_when_staff_open_it(installed,
                                                                          tmp_path) -> None:
    log = tmp_path / "error.log"
    log.write_text("E42 paper jam\n")
    users.add_user(Actor.system(), 42, "admin", "Chen Jing", locale="en")
    customer = io.StringIO()
    assert run_console(installed, 555, customer=True, out=customer, lines=io.StringIO(
        f"/file {log}\n1\n/quit\n")) == 0
    assert "Open a ticket with it?" in customer.getvalue()
    out = io.StringIO()
    assert run_console(installed, lines=io.StringIO("/tickets unassigned\n1\n1\n/quit\n"),
                       out=out) == 0
    assert "📎 1 · error.log" in out.getvalue()
    assert f"📎 {log}" in out.getvalue()  # pressed: the file itself, not a caption alone
