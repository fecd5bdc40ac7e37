"""Assigning leads: by the rules in the database when a lead arrives, or by a manager; every
change of owner leaves a history row and tells the new owner through the outbox
(crm.handover), and a "change" to the owner a customer already has changes nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crm import audit
from crm.actors import Actor, Role
from crm.clock import as_datetime, utcnow
from crm.customers.load import require_visible
from crm.customers.views import TimelineEntry
from crm.errors import ValidationError
from crm.handover import MANUAL, hand_over_customer, staff_name
from crm.permissions import Action, require
from crm.sales.access import check_assignee
from crm.sales.assignment_rules import SETTING_ID, ensure_setting, load_settings
from crm.sales.views import AssignmentRuleView, AssignmentSettings, AssignmentView
from crm.search_terms import normalise_text
from crm.validation import check_length
from storage.database import bytewise, database, fetch_all, fetch_one, sql

NOTE_MAX = 200
_CURSOR_TRIES = 5


@dataclass(frozen=True)
class Choice:
    assignee_id: int
    reason: str  # rule, round_robin, fallback
    rule_id: int | None = None


def choose_assignee(settings: AssignmentSettings, facts: Mapping[str, set[str]],
                    agents: Sequence[int], active: set[int],
                    last_assignee_id: int | None) -> Choice | None:
    """Who gets a lead (pure): the first matching rule whose assignee is active, or the next
    agent in turn, else the fallback owner; None when nobody is set up to take it."""
    if settings.mode == "rules":
        for rule in settings.rules:
            if rule.assignee_id in active and _matches(rule, facts):
                return Choice(rule.assignee_id, "rule", rule.id)
    elif settings.mode == "round_robin" and agents:
        return Choice(next_in_turn(agents, last_assignee_id), "round_robin")
    if settings.mode != "off" and settings.fallback_owner_id in active:
        return Choice(settings.fallback_owner_id, "fallback")  # type: ignore[arg-type]
    return None


def _matches(rule: AssignmentRuleView, facts: Mapping[str, set[str]]) -> bool:
    return normalise_text(rule.value) in facts.get(rule.field, set())


def next_in_turn(agents: Sequence[int], last_assignee_id: int | None) -> int:
    """The agent after the last one served (by id, wrapping round)."""
    ordered = sorted(agents)
    return next((a for a in ordered if a > (last_assignee_id or 0)), ordered[0])


def lead_facts(customer_id: int) -> dict[str, set[str]]:
    """What rules can match on: the cities and provinces of its addresses, its company's
    industry and its source, normalised."""
    facts: dict[str, set[str]] = {"city": set(), "province": set(), "industry": set(),
                                  "source": set()}
    for city, province in fetch_all("select city, province from address where customer_id = ?",
                                    (customer_id,)):
        facts["city"] |= {normalise_text(city)} if city else set()
        facts["province"] |= {normalise_text(province)} if province else set()
    row = fetch_one("select co.industry, c.source from customer c"
                    " left join company co on co.id = c.company_id where c.id = ?",
                    (customer_id,))
    if row and row[0]:
        facts["industry"].add(normalise_text(row[0]))
    if row and row[1]:
        facts["source"].add(normalise_text(row[1]))
    return facts


def _active_staff() -> set[int]:
    return {r[0] for r in fetch_all("select id from staff_user where active = ?", (True,))}


def _agents(team_id: int | None) -> list[int]:
    team_sql, params = (" and team_id = ?", (team_id,)) if team_id else ("", ())
    return [r[0] for r in fetch_all(
        f"select id from staff_user where role = ? and active = ?{team_sql} order by id",
        ("agent", True, *params))]


def _decide(customer_id: int, now: dt.datetime) -> Choice | None:
    """Choose, moving the round-robin cursor with a conditional update so two leads arriving
    together go to different agents."""
    ensure_setting(now)
    settings = load_settings()
    facts, active = lead_facts(customer_id), _active_staff()
    agents = _agents(settings.team_id)
    for _ in range(_CURSOR_TRIES):
        last = fetch_one("select last_assignee_id from lead_assignment_setting where id = ?",
                         (SETTING_ID,))[0]
        choice = choose_assignee(settings, facts, agents, active, last)
        if choice is None or choice.reason != "round_robin":
            return choice
        moved = database.execute_sql(sql(
            "update lead_assignment_setting set last_assignee_id = ? where id = ?"
            " and coalesce(last_assignee_id, 0) = ?"), (choice.assignee_id, SETTING_ID, last or 0))
        if moved.rowcount == 1:
            return choice
    raise RuntimeError("the round-robin cursor kept moving")  # only under heavy contention


def assign_lead(actor: Actor, customer_id: int, *,
                now: dt.datetime | None = None) -> AssignmentView | None:
    """Give a lead an owner by the assignment rules; None when the rules name nobody, or the
    owner it already has."""
    require(actor, Action.REASSIGN)
    now = now or utcnow()
    with database.atomic():
        customer = require_visible(actor, customer_id)
        if customer.status != "lead":
            raise ValidationError("lead.not_lead", field="status")
        choice = _decide(customer_id, now)
        if choice is None or choice.assignee_id == customer.owner_id:
            return None
        return _assign(actor, customer_id, customer.owner_id, choice, None, now)


def assign_new_lead(actor: Actor, customer_id: int, *,
                    now: dt.datetime | None = None) -> AssignmentView | None:
    """The hook run right after a customer is created with no owner named: a lead entered by
    the system, an import or a manager goes to whoever the rules name. An agent's own leads
    stay theirs, and so does everything when assignment is off."""
    if actor.role is Role.AGENT or load_settings().mode == "off":
        return None
    row = fetch_one("select status, owner_id from customer where id = ?", (customer_id,))
    if row is None or row[0] != "lead":
        return None
    now = now or utcnow()
    with database.atomic():
        choice = _decide(customer_id, now)
        if choice is None or choice.assignee_id == row[1]:
            return None
        return _assign(actor, customer_id, row[1], choice, None, now)


def reassign_lead(actor: Actor, customer_id: int, owner_id: int, *, note: str | None = None,
                  now: dt.datetime | None = None) -> AssignmentView:
    """A manager hands a customer to another owner, who is told; naming the owner it already
    has is refused (``lead.same_owner``) and changes nothing."""
    require(actor, Action.REASSIGN)
    now = now or utcnow()
    text = check_length(note, field="note", max_length=NOTE_MAX)
    with database.atomic():
        customer = require_visible(actor, customer_id)
        check_assignee(actor, owner_id)
        if owner_id == customer.owner_id:
            raise ValidationError("lead.same_owner", field="owner", customer_name=customer.name,
                                  owner=staff_name(owner_id))
        return _assign(actor, customer_id, customer.owner_id, Choice(owner_id, MANUAL), text,
                       now)


def owner_choices(actor: Actor, *, limit: int = 60) -> list[tuple[int, str]]:
    """Who this actor may hand a customer to (they must be allowed to reassign): active staff
    who can work on customers (not viewers), as (staff id, name) by name."""
    require(actor, Action.REASSIGN)
    rows = fetch_all("select s.id, s.name, s.username, t.name from staff_user s"
                     " left join team t on t.id = s.team_id where s.active = ? and s.role <> ?"
                     f" order by {bytewise('s.name')}, s.id limit ?",
                     (True, Role.VIEWER.value, limit))
    names = Counter(row[1] for row in rows)
    return [(staff_id, name if names[name] == 1 else _told_apart(staff_id, name, user, team))
            for staff_id, name, user, team in rows]


def _told_apart(staff_id: int, name: str, username: str | None, team: str | None) -> str:
    """Two staff of one name: 王经理 (@wangjl, 华南组), else 王经理 #5 (their staff number)."""
    extra = [f"@{username}" if username else None, team]
    shown = ", ".join(part for part in extra if part)
    return f"{name} ({shown})" if shown else f"{name} #{staff_id}"


def _assign(actor: Actor, customer_id: int, from_owner: int | None, choice: Choice,
            note: str | None, now: dt.datetime) -> AssignmentView:
    from crm.customers.write import reindex

    database.execute_sql(sql("update customer set owner_id = ?, updated_at = ? where id = ?"),
                         (choice.assignee_id, now, customer_id))
    reindex(customer_id)  # the search index carries the owner for visibility
    hand_over_customer(actor, customer_id, from_owner, choice.assignee_id, now,
                       reason=choice.reason, note=note, rule_id=choice.rule_id,
                       code="lead.assigned" if choice.reason != MANUAL else "lead.reassigned",
                       params={"reason": choice.reason})
    audit.record(actor, "lead.assign", "customer", customer_id, customer_id=customer_id,
                 changes={"owner_id": [from_owner, choice.assignee_id],
                          "reason": [None, choice.reason]}, now=now)
    return _latest(customer_id)


_HISTORY_SQL = ("select id, customer_id, from_owner_id, to_owner_id, reason, rule_id, note, at,"
                " by_id from lead_assignment")


def _latest(customer_id: int) -> AssignmentView:
    """The customer's newest history row (the one just written)."""
    row = fetch_one(f"{_HISTORY_SQL} where customer_id = ? order by id desc limit 1",
                    (customer_id,))
    return AssignmentView(*row[:7], as_datetime(row[7]), row[8])  # type: ignore[index]


def list_assignment_history(actor: Actor, customer_id: int) -> list[AssignmentView]:
    """Every change of a customer's owner, by whichever door (``reason``), oldest first."""
    require_visible(actor, customer_id)
    rows = fetch_all(f"{_HISTORY_SQL} where customer_id = ? order by at, id", (customer_id,))
    return [AssignmentView(*r[:7], as_datetime(r[7]), r[8]) for r in rows]


def assignment_timeline(customer_id: int, count: int) -> list[TimelineEntry]:
    """Timeline source: owner changes, newest first."""
    rows = fetch_all(
        "select a.id, a.reason, a.at, b.name, t.name, a.to_owner_id from lead_assignment a"
        " left join staff_user b on b.id = a.by_id left join staff_user t on t.id = a.to_owner_id"
        " where a.customer_id = ? order by a.at desc, a.id desc limit ?", (customer_id, count))
    return [TimelineEntry(as_datetime(r[2]), "assignment", r[1],
                          r[4] or ("—" if r[5] is None else ""), r[3], r[0],
                          {"to_owner_id": r[5]}) for r in rows]
