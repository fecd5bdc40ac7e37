"""Administration from the shell: users, teams, invites, audit, privacy and keys."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from crm import customers
from crm.actors import Actor
from crm.failures import Failure
from storage.database import fetch_all
from tests.conftest import without_outside_settings


@pytest.fixture(autouse=True)
def _installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """A fresh installation in a temporary folder, English output."""
    without_outside_settings(monkeypatch)
    monkeypatch.setenv("CRM_LOCALE", "en")
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert main(["user", "add", "100", "--role", "admin", "--name", "Boss"]) == 0
    capsys.readouterr()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_teams_roles_and_reassignment(capsys) -> None:
    assert run(capsys, "team", "add", "华南组")[0] == 0
    run(capsys, "user", "add", "201", "--role", "agent", "--name", "Li Na", "--team", "华南组")
    run(capsys, "user", "add", "202", "--role", "agent", "--name", "Wang Wei")
    code, out, _ = run(capsys, "team", "list")
    assert "华南组: 1 active member" in out
    code, out, _ = run(capsys, "user", "role", "202", "manager")
    assert code == 0 and "Wang Wei is now manager" in out
    code, _, err = run(capsys, "user", "role", "100", "agent")
    assert code == 1 and "last active admin" in err
    agent = Actor.system()
    from crm import users

    li = users.identify(201).as_actor()
    for name in ("甲", "乙"):
        customers.create_customer(li, customers.CustomerDraft(name=name))
    run(capsys, "user", "deactivate", "201")
    code, out, _ = run(capsys, "user", "reassign", "201", "202")
    assert code == 0 and "2 customers handed to Wang Wei (202)" in out
    assert agent.is_system
    code, _, err = run(capsys, "user", "reassign", "202", "202")
    assert code == 1 and "202 would hand their customers to themselves" in err


def test_taking_someone_out_of_their_team_says_so(capsys, monkeypatch) -> None:
    run(capsys, "team", "add", "华南组")
    run(capsys, "user", "add", "201", "--role", "manager", "--name", "Max", "--team", "华南组")
    code, out, _ = run(capsys, "user", "team", "201", "-")
    assert code == 0 and out.strip() == "Max is no longer in a team (left 华南组)"
    code, out, _ = run(capsys, "user", "team", "201", "-")
    assert code == 0 and out.strip() == "Max is not in a team"
    assert "0 active members" in run(capsys, "team", "list")[1]
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    run(capsys, "user", "team", "201", "华南组")
    code, out, _ = run(capsys, "user", "team", "201", "-")
    assert code == 0 and out.strip() == "Max 已离开团队 华南组，现不属于任何团队"


def test_an_invite_without_a_token_prints_the_code_to_send(capsys) -> None:
    code, out, _ = run(capsys, "user", "invite", "--role", "agent", "--hours", "2")
    assert code == 0
    invite = re.search(r"/start (inv_\S+)", out).group(1)
    from crm import invites

    joined = invites.accept_invite(invite, telegram_id=303, name="Newcomer")
    assert joined.role.value == "agent"


def test_an_invite_for_a_team_says_which_team_the_newcomer_joins(capsys, monkeypatch) -> None:
    assert run(capsys, "team", "add", "华东组")[0] == 0
    code, out, _ = run(capsys, "user", "invite", "--role", "agent", "--team", "华东组")
    assert code == 0 and "invite code for a new agent (team 华东组), valid until" in out
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, out, _ = run(capsys, "user", "invite", "--role", "agent", "--team", "华东组")
    assert code == 0 and "新业务员（团队：华东组）的邀请码" in out


def test_an_invites_expiry_is_on_the_installations_clock(capsys) -> None:
    from zoneinfo import ZoneInfo

    from crm.clock import as_datetime

    code, out, _ = run(capsys, "user", "invite", "--role", "agent", "--hours", "2")
    [(stored,)] = fetch_all("select expires_at from invite")  # UTC
    local = as_datetime(stored).replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    assert code == 0 and f"valid until {local:%Y-%m-%d %H:%M} (Asia/Shanghai)" in out
    assert "UTC" not in out


def test_a_chinese_invites_expiry_names_its_zone_in_full_width_brackets(capsys,
                                                                        monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, out, _ = run(capsys, "user", "invite", "--role", "agent", "--hours", "2")
    until = re.search(r"有效期至 \d{4}-\d\d-\d\d \d\d:\d\d（Asia/Shanghai）：", out)
    assert code == 0 and until, out


def test_the_audit_log_reads_and_exports(capsys, tmp_path: Path) -> None:
    run(capsys, "user", "add", "204", "--role", "viewer", "--name", "Zhao Min")
    code, out, _ = run(capsys, "audit", "--limit", "5")
    assert code == 0 and "user.add" in out and "Zhao Min" in out
    code, out, _ = run(capsys, "audit", "--export", str(tmp_path / "audit.xlsx"))
    assert code == 0 and "written to" in out
    sheet = load_workbook(tmp_path / "audit.xlsx").active
    actions = [row[4].value for row in sheet.iter_rows(min_row=2)]
    assert actions.count("user.add") == 2
    run(capsys, "audit", "--export", str(tmp_path / "audit.csv"), "--since", "2000-01-01")
    rows = list(csv.reader(io.StringIO((tmp_path / "audit.csv").read_text("utf-8-sig"))))
    assert rows[0][:5] == ["time", "by", "via", "action", "action code"] and len(rows) >= 2
    logged = [r[0] for r in fetch_all("select action from audit_log")]
    assert logged.count("audit.export") == 2


def test_a_chinese_installation_reads_the_audit_log_in_chinese(capsys, tmp_path,
                                                                monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    run(capsys, "user", "invite", "--role", "agent")
    code, out, _ = run(capsys, "audit", "--limit", "1")
    # who, through what, what they did (its code kept to search on), about what, which fields
    assert code == 0
    assert "  系统（命令行）  创建邀请 [invite.create]  邀请（来自 系统） (#1)  " in out
    assert "角色: — → 业务员; 到期时间: — → " in out
    assert not {"system", "cli", "role", "expires_at"} & set(re.findall(r"[a-z_]+", out))
    run(capsys, "audit", "--export", str(tmp_path / "audit.csv"))
    rows = list(csv.reader(io.StringIO((tmp_path / "audit.csv").read_text("utf-8-sig"))))
    [invited] = [row for row in rows if row[4] == "invite.create"]
    assert invited[1:6] == ["系统", "命令行", "创建邀请", "invite.create", "邀请"]
    assert "角色" in json.loads(invited[8])


def test_the_audit_log_names_staff_invites_and_backups_as_people_know_them(capsys,
                                                                          monkeypatch) -> None:
    from crm import invites, users

    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    invite = invites.create_invite(users.identify(100).as_actor(), "agent")
    invites.accept_invite(invite.code, telegram_id=300, name="李娜")
    run(capsys, "user", "role", "300", "viewer")
    assert run(capsys, "backup", "create")[0] == 0
    code, out, _ = run(capsys, "audit", "--limit", "5")
    assert code == 0
    lines = out.splitlines()
    [made] = [line for line in lines if "[backup.created]" in line]
    file = re.search(r"crm-\S+", made).group(0)
    assert f"  备份 {file}  文件: — → {file}" in made and "#-" not in made
    [moved] = [line for line in lines if "[user.role]" in line]
    assert "  员工 李娜 (#2)  角色: 业务员 → 只读用户" in moved
    [joined] = [line for line in lines if "[user.join_by_invite]" in line]
    assert "  员工 李娜 (#2)  邀请: — → 邀请（来自 Boss） (#1); 角色: — → 业务员" in joined
    [created] = [line for line in lines if "[invite.create]" in line]
    assert "  邀请（来自 Boss） (#1)  " in created
    assert "null" not in out and "[None" not in out and '": [' not in out


def test_the_audit_log_names_teams_and_staff_instead_of_their_ids(capsys, tmp_path,
                                                                   monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    run(capsys, "team", "add", "华东组")
    run(capsys, "user", "team", "100", "华东组")
    run(capsys, "report", "funnel", "-o", str(tmp_path / "funnel.xlsx"))
    code, out, _ = run(capsys, "audit", "--limit", "2")
    assert code == 0 and "团队: — → 华东组 (#1)" in out
    assert "范围: — → 全部记录" in out and "all" not in out
    run(capsys, "audit", "--export", str(tmp_path / "audit.csv"))
    rows = list(csv.reader(io.StringIO((tmp_path / "audit.csv").read_text("utf-8-sig"))))
    [moved] = [row for row in rows if row[4] == "user.team"]
    assert json.loads(moved[8]) == {"团队": [None, "华东组 (#1)"]}


def test_an_export_reads_in_the_audit_log_with_its_status_and_owner_in_words(
        capsys, tmp_path, monkeypatch) -> None:
    from crm import sales, users

    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    boss = users.identify(100).as_actor()
    deal = sales.create_deal(boss, _a_customer(), "年度合同", amount="1000.00")
    won = next(s.id for s in sales.get_pipeline(boss).stages if s.kind == "won")
    sales.move_deal_to_stage(boss, deal.id, won)
    code, _, _ = run(capsys, "export", "deals", "-o", str(tmp_path / "d.csv"), "--status", "赢单",
                     "--owner", "Boss")
    assert code == 0
    boss = fetch_all("select id from staff_user where telegram_id = 100")[0][0]
    code, out, _ = run(capsys, "audit", "--limit", "1")
    assert "状态: — → 赢单" in out and f"负责人: — → Boss (#{boss})" in out
    assert "→ won" not in out and f"负责人: — → {boss}" not in out


def test_an_export_of_the_audit_log_reads_with_whose_actions_it_held_by_name(
        capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    made = _a_customer()
    code, _, _ = run(capsys, "audit", "--user", "100", "--customer", str(made), "--export",
                     str(tmp_path / "log.csv"))
    assert code == 0
    boss = fetch_all("select id from staff_user where telegram_id = 100")[0][0]
    code, out, _ = run(capsys, "audit", "--limit", "1")
    assert f"— → Boss (#{boss})" in out and f"— → 欧阳娜娜 (#{made})" in out
    assert f"→ {boss}" not in out and f"→ {made}" not in out


def test_audit_dates_and_times_are_the_installations_local_ones(capsys, tmp_path) -> None:
    from crm import users

    boss = users.identify(100).as_actor()
    made = customers.create_customer(boss, customers.CustomerDraft(name="早起的客户"),
                                     now=dt.datetime(2025, 1, 14, 21, 25))  # UTC
    # The installation runs on Asia/Shanghai: that was 05:25 on the 15th.
    code, out, _ = run(capsys, "audit", "--since", "2025-01-15", "--until", "2025-01-16")
    assert code == 0 and out.startswith(
        "2025-01-15 05:25:00  Boss (Telegram)  Customer added [customer.create]")
    code, out, _ = run(capsys, "audit", "--customer", str(made.id), "--until", "2025-01-15")
    assert code == 0 and out == "no audit entries match these filters\n"
    run(capsys, "audit", "--export", str(tmp_path / "day.csv"), "--since", "2025-01-15",
        "--until", "2025-01-16")
    rows = list(csv.reader(io.StringIO((tmp_path / "day.csv").read_text("utf-8-sig"))))
    assert rows[1][0] == "2025-01-15 05:25:00" and rows[1][4] == "customer.create"


def test_audit_changes_show_their_times_in_the_installations_zone(capsys, tmp_path) -> None:
    from crm import reminders, users

    boss = users.identify(100).as_actor()
    reminders.create_reminder(boss, dt.datetime(2025, 1, 15, 1, 30), "回访",
                              now=dt.datetime(2025, 1, 14, 2))  # UTC
    code, out, _ = run(capsys, "audit", "--since", "2025-01-14", "--until", "2025-01-15")
    assert code == 0 and "Due: — → 2025-01-15 09:30" in out
    run(capsys, "audit", "--export", str(tmp_path / "log.csv"))
    rows = list(csv.reader(io.StringIO((tmp_path / "log.csv").read_text("utf-8-sig"))))
    [created] = [row for row in rows if row[4] == "reminder.create"]
    assert json.loads(created[8])["Due"] == [None, "2025-01-15 09:30:00 +08:00"]


def test_check_gives_job_times_in_the_installations_zone(capsys) -> None:
    from crm import scheduling

    scheduling.job_finished("backup", dt.datetime(2026, 11, 26, 18, 30), ok=False,
                            failure=Failure("failure.no_space", {"path": "/srv"}),
                            alert=False)  # UTC
    out = run(capsys, "check")[1]  # a failed job only warns
    assert "job scheduled backup (backup) failed at 2026-11-27 02:30: the disk is full" in out
    assert "UTC" not in out


def _a_customer() -> int:
    from crm import users

    boss = users.identify(100).as_actor()
    return customers.create_customer(boss, customers.CustomerDraft(
        name="欧阳娜娜", phones=("13812345678",))).id


def test_privacy_export_and_confirmed_erase(capsys, tmp_path: Path, monkeypatch) -> None:
    customer_id = _a_customer()
    code, out, _ = run(capsys, "privacy", "export", str(customer_id), "--out",
                       str(tmp_path / "p.json"))
    assert code == 0
    assert json.loads((tmp_path / "p.json").read_text())["customer"]["name"] == "欧阳娜娜"
    # -o, as crm export and crm report take the file
    run(capsys, "privacy", "export", str(customer_id), "-o", str(tmp_path / "p.xlsx"))
    assert load_workbook(tmp_path / "p.xlsx").sheetnames[0] == "customer"
    monkeypatch.setattr("bot.terminal.read_answer", lambda prompt="": "no")
    code, out, _ = run(capsys, "privacy", "erase", str(customer_id))
    assert code == 1 and "nothing erased" in out
    monkeypatch.setattr("bot.terminal.read_answer", lambda prompt="": str(customer_id))
    code, out, _ = run(capsys, "privacy", "erase", str(customer_id))
    assert code == 0 and "erased" in out
    assert fetch_all("select name from customer where id = ?", (customer_id,))[0][0] == "[erased]"


def test_exporting_an_erased_customer_says_so_in_the_operators_language(
        capsys, tmp_path: Path, monkeypatch) -> None:
    customer_id = _a_customer()
    assert run(capsys, "privacy", "erase", str(customer_id), "--yes")[0] == 0
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, _, err = run(capsys, "privacy", "export", str(customer_id), "--out",
                       str(tmp_path / "p.json"))
    assert code == 1 and not (tmp_path / "p.json").exists()
    assert re.search(rf"客户 {customer_id} 已于 \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d"
                     " 被清除", err), err
    assert "未找到" not in err


def test_keys_rotate_keeps_everything_readable(capsys, tmp_path: Path) -> None:
    from crm import users

    boss = users.identify(100).as_actor()
    made = customers.create_customer(boss, customers.CustomerDraft(
        name="有证件的人", secrets={"id_card": "11010519491231002X"}))
    before = (tmp_path / "data" / "crm.key").read_text()
    code, out, _ = run(capsys, "keys", "rotate")
    assert code == 0 and "now sealed with key" in out
    assert (tmp_path / "data" / "crm.key").read_text() != before
    from crm import runtime

    runtime.reload_keys()
    assert customers.reveal_secret(boss, made.id, "id_card") == "11010519491231002X"
    code, out, _ = run(capsys, "check")
    assert code == 0


def test_a_refused_value_names_its_field_as_the_bot_does(capsys) -> None:
    code, _, err = run(capsys, "team", "add", "  ")
    assert code == 1 and err.strip() == "error: Team: name must be 1 to 100 characters"


def test_a_whole_book_handed_over_says_what_work_came_with_it(capsys) -> None:
    from crm import reminders, sales, users

    run(capsys, "user", "add", "201", "--role", "agent", "--name", "Li Na")
    run(capsys, "user", "add", "202", "--role", "agent", "--name", "Wang Wei")
    li = users.identify(201).as_actor()
    buyer = customers.create_customer(li, customers.CustomerDraft(name="甲"))
    sales.create_deal(li, buyer.id, "年度合同", amount="5000")
    reminders.create_reminder(li, dt.datetime.now(dt.UTC).replace(tzinfo=None)
                              + dt.timedelta(days=1), "回访", customer_id=buyer.id)
    code, out, _ = run(capsys, "user", "reassign", "201", "202")
    assert code == 0 and "1 customer handed to Wang Wei (202)" in out
    assert "with their open deals (1), open orders (0) and reminders (1)" in out


def test_roles_are_named_in_the_operators_language(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, out, _ = run(capsys, "user", "add", "301", "--role", "agent", "--name", "张三")
    assert code == 0 and "角色：业务员" in out and "agent" not in out
    code, out, _ = run(capsys, "user", "role", "301", "manager")
    assert code == 0 and out.strip() == "张三 的角色已改为 经理"
    code, out, _ = run(capsys, "user", "list")
    assert "301  张三  经理" in out and "100  Boss  管理员" in out
    assert not re.search(r"\b(admin|manager|agent|viewer)\b", out)


def test_erase_names_the_person_and_an_unanswered_question_erases_nothing(
        capsys, monkeypatch) -> None:
    customer_id = _a_customer()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # cron, a pipe, < /dev/null
    code, out, err = run(capsys, "privacy", "erase", str(customer_id))
    assert code == 1 and "欧阳娜娜" in out and "no answer" in err and "Traceback" not in err
    assert "nothing erased" in out
    assert fetch_all("select name from customer where id = ?", (customer_id,))[0][0] == "欧阳娜娜"


def test_erase_of_an_unknown_or_erased_customer_asks_nothing(capsys, monkeypatch) -> None:
    customer_id = _a_customer()
    monkeypatch.setattr("bot.terminal.read_answer",
                        lambda prompt="": pytest.fail("asked: " + prompt))
    code, _, err = run(capsys, "privacy", "erase", "99999")
    assert code == 1 and "not found" in err
    assert run(capsys, "privacy", "erase", str(customer_id), "--yes")[0] == 0
    code, out, _ = run(capsys, "privacy", "erase", str(customer_id))
    assert code == 0 and f"customer {customer_id} was already erased on" in out
    assert len(fetch_all("select id from audit_log where action = 'privacy.erase'")) == 1


def _owned_by(telegram_id: int) -> int:
    return fetch_all("select count(*) from customer c join staff_user s on s.id = c.owner_id"
                     " where s.telegram_id = ? and c.deleted_at is null", (telegram_id,))[0][0]


def test_a_chinese_operator_names_staff_instead_of_giving_their_ids(capsys, monkeypatch) -> None:
    from crm import users

    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    run(capsys, "user", "add", "201", "--role", "业务员", "--name", "李娜")
    run(capsys, "user", "add", "202", "--role", "agent", "--name", "张伟")
    li = users.identify(201).as_actor()
    customers.create_customer(li, customers.CustomerDraft(name="甲"))
    code, out, err = run(capsys, "user", "reassign", "李娜", "张伟")
    assert code == 0 and "已将 1 位客户转交给 张伟（202）" in out, err
    assert (_owned_by(201), _owned_by(202)) == (0, 1)
    code, out, _ = run(capsys, "user", "role", "李娜", "经理")
    assert code == 0 and out.strip() == "李娜 的角色已改为 经理"


def test_a_name_several_staff_share_lists_them_and_changes_nothing(capsys, monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    run(capsys, "user", "add", "201", "--role", "agent", "--name", "李娜")
    run(capsys, "user", "add", "202", "--role", "agent", "--name", "李娜")
    code, out, err = run(capsys, "user", "deactivate", "李娜")
    assert code == 1 and out == ""
    assert err.strip() == ("错误：“李娜”对应多位员工：李娜（201）、李娜（202）。"
                           "请改用其 Telegram ID。")
    code, out, _ = run(capsys, "user", "deactivate", "202")
    assert code == 0 and "202" in out
    code, _, err = run(capsys, "user", "deactivate", "王五")
    assert code == 1 and err.strip() == "错误：没有名为“王五”的员工。"
    assert [row[0] for row in fetch_all("select active from staff_user where telegram_id = 201")
            ] == [True]


def test_a_mistyped_telegram_id_is_refused_in_the_installations_language(capsys,
                                                                         monkeypatch) -> None:
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, _, err = run(capsys, "user", "add", "李娜", "--role", "agent", "--name", "李娜")
    assert code == 1 and err.strip() == "错误：Telegram ID 必须是正整数，且不超过 9007199254740991"
    # more than a database integer holds: was a traceback on either engine
    code, _, err = run(capsys, "user", "add", "9" * 20, "--role", "agent", "--name", "李娜")
    assert code == 1 and err.strip() == "错误：Telegram ID 必须是正整数，且不超过 9007199254740991"
    code, _, err = run(capsys, "user", "add", "301", "--role", "老板", "--name", "李娜")
    assert code == 1 and "老板 不在可选范围内：管理员、经理、业务员、只读用户" in err
    assert fetch_all("select count(*) from staff_user")[0][0] == 1


def test_audit_filters_that_match_nothing_say_so(capsys, monkeypatch) -> None:
    code, out, _ = run(capsys, "audit", "--user", "100", "--since", "2999-01-01")
    assert code == 0 and out == "no audit entries match these filters\n"
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, out, _ = run(capsys, "audit", "--since", "2999-01-01")
    assert code == 0 and out == "没有符合这些条件的审计记录\n"


def test_a_change_to_what_a_member_already_is_says_so_and_is_not_audited(capsys) -> None:
    run(capsys, "user", "add", "301", "--role", "agent", "--name", "Zhao Min")
    code, out, _ = run(capsys, "user", "reactivate", "301")
    assert code == 0 and out.strip() == "Zhao Min (301) is already active: nothing changed"
    code, out, _ = run(capsys, "user", "role", "301", "agent")
    assert code == 0 and out.strip() == "Zhao Min is already agent: nothing changed"
    run(capsys, "user", "deactivate", "301")
    code, out, _ = run(capsys, "user", "deactivate", "301")
    assert code == 0 and out.strip() == "Zhao Min (301) was already deactivated: nothing changed"
    actions = [row[0] for row in fetch_all(
        "select action from audit_log where entity = 'staff_user' order by id")]
    # one entry per real change: no "reactivated" or "role changed" for what already was
    assert actions == ["user.add", "user.add", "user.deactivate"]


def test_a_team_nobody_has_is_named_in_the_refusal(capsys, monkeypatch) -> None:
    run(capsys, "team", "add", "华南组")
    run(capsys, "user", "add", "302", "--role", "agent", "--name", "Li Lei")
    code, _, err = run(capsys, "user", "team", "302", "华东组")  # a typo for 华南组
    assert code == 1 and "No team is called “华东组”." in err
    monkeypatch.setenv("CRM_LOCALE", "zh-CN")
    code, _, err = run(capsys, "user", "invite", "--role", "agent", "--team", "华东组")
    assert code == 1 and "没有名为“华东组”的团队。" in err
