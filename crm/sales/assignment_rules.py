"""Lead assignment settings, kept in the database and managed by admins: the mode
(off, round robin, rules), ordered rules on city/province, industry or source, and a fallback."""

from __future__ import annotations

import datetime as dt

from crm import audit
from crm.actors import Actor
from crm.clock import utcnow
from crm.errors import NotFound, ValidationError
from crm.permissions import Action, require
from crm.sales.access import require_settings
from crm.sales.views import ASSIGNMENT_MODES, RULE_FIELDS, AssignmentRuleView, AssignmentSettings
from crm.search_terms import normalise_text
from crm.users import check_can_own
from crm.validation import check_length
from storage.database import database, fetch_all, fetch_one, insert, sql
from storage.models import LeadAssignmentSetting

SETTING_ID = 1
VALUE_MAX = 100


def ensure_setting(now: dt.datetime) -> None:
    """Create the single settings row (assignment off) if it is missing."""
    LeadAssignmentSetting.insert(id=SETTING_ID, mode="off", updated_at=now).on_conflict_ignore(
    ).execute()


def load_settings() -> AssignmentSettings:
    """The current settings and rules, without checks (the assignment itself reads them)."""
    row = fetch_one("select mode, fallback_owner_id, team_id from lead_assignment_setting"
                    " where id = ?", (SETTING_ID,))
    mode, fallback, team = row if row else ("off", None, None)
    rules = fetch_all(
        "select r.id, r.position, r.field, r.value, r.assignee_id, s.name"
        " from lead_assignment_rule r join staff_user s on s.id = r.assignee_id"
        " order by r.position, r.id")
    return AssignmentSettings(mode, fallback, team, tuple(AssignmentRuleView(*r) for r in rules))


def get_assignment_settings(actor: Actor) -> AssignmentSettings:
    """How new leads are assigned (managers and admins)."""
    require(actor, Action.REASSIGN)
    return load_settings()


def _check_staff(staff_id: int | None, field: str) -> None:
    if staff_id is not None:
        check_can_own(staff_id, field=field)


def configure_assignment(actor: Actor, mode: str, *, fallback_owner_id: int | None = None,
                         team_id: int | None = None,
                         now: dt.datetime | None = None) -> AssignmentSettings:
    """Set the mode, the fallback owner, and the team whose agents take turns (None: all)."""
    require_settings(actor)
    now = now or utcnow()
    checked = (mode or "").strip().lower()
    if checked not in ASSIGNMENT_MODES:
        raise ValidationError("validation.choice", field="mode", value=mode,
                              allowed=tuple(ASSIGNMENT_MODES))
    _check_staff(fallback_owner_id, "fallback_owner")
    if team_id is not None and not fetch_one("select 1 from team where id = ?", (team_id,)):
        raise NotFound("team.not_found")
    with database.atomic():
        ensure_setting(now)
        before = load_settings()
        database.execute_sql(sql(
            "update lead_assignment_setting set mode = ?, fallback_owner_id = ?, team_id = ?,"
            " updated_at = ? where id = ?"), (checked, fallback_owner_id, team_id, now, SETTING_ID))
        audit.record(actor, "assignment.configure", "lead_assignment_setting", SETTING_ID,
                     changes=audit.diff(
                         {"mode": before.mode, "fallback_owner_id": before.fallback_owner_id,
                          "team_id": before.team_id},
                         {"mode": checked, "fallback_owner_id": fallback_owner_id,
                          "team_id": team_id}), now=now)
    return load_settings()


def add_assignment_rule(actor: Actor, field: str, value: str, assignee_id: int, *,
                        position: int | None = None,
                        now: dt.datetime | None = None) -> AssignmentSettings:
    """Add a rule "leads whose <field> is <value> go to <assignee>" (at the end by default)."""
    require_settings(actor)
    now = now or utcnow()
    checked_field = (field or "").strip().lower()
    if checked_field not in RULE_FIELDS:
        raise ValidationError("validation.choice", field="field", value=field,
                              allowed=tuple(RULE_FIELDS))
    text = check_length(value, field="value", max_length=VALUE_MAX, required=True)
    assert text is not None
    _check_staff(assignee_id, "assignee")
    with database.atomic():
        ids = [r.id for r in load_settings().rules]
        rule_id = insert("lead_assignment_rule", {
            "position": len(ids), "field": checked_field, "value": text,
            "value_norm": normalise_text(text), "assignee_id": assignee_id, "created_at": now})
        ids.insert(len(ids) if position is None else max(0, min(position, len(ids))), rule_id)
        _renumber(ids)
        audit.record(actor, "assignment.rule_add", "lead_assignment_rule", rule_id, changes={
            "field": [None, checked_field], "value": [None, text],
            "assignee_id": [None, assignee_id]}, now=now)
    return load_settings()


def _renumber(rule_ids: list[int]) -> None:
    for position, rule_id in enumerate(rule_ids):
        database.execute_sql(sql("update lead_assignment_rule set position = ? where id = ?"),
                             (position, rule_id))


def move_assignment_rule(actor: Actor, rule_id: int, position: int, *,
                         now: dt.datetime | None = None) -> AssignmentSettings:
    """Put a rule at another place in the order (0 = tried first)."""
    require_settings(actor)
    now = now or utcnow()
    with database.atomic():
        ids = [r.id for r in load_settings().rules]
        if rule_id not in ids:
            raise NotFound("assignment.rule_not_found")
        before = ids.index(rule_id)
        ids.remove(rule_id)
        ids.insert(max(0, min(position, len(ids))), rule_id)
        _renumber(ids)
        audit.record(actor, "assignment.rule_move", "lead_assignment_rule", rule_id,
                     changes={"position": [before, ids.index(rule_id)]}, now=now)
    return load_settings()


def remove_assignment_rule(actor: Actor, rule_id: int, *,
                           now: dt.datetime | None = None) -> AssignmentSettings:
    """Delete a rule (past assignments keep their history)."""
    require_settings(actor)
    now = now or utcnow()
    with database.atomic():
        rule = next((r for r in load_settings().rules if r.id == rule_id), None)
        if rule is None:
            raise NotFound("assignment.rule_not_found")
        database.execute_sql(sql("delete from lead_assignment_rule where id = ?"), (rule_id,))
        _renumber([r.id for r in load_settings().rules])
        audit.record(actor, "assignment.rule_remove", "lead_assignment_rule", rule_id, changes={
            "field": [rule.field, None], "value": [rule.value, None],
            "assignee_id": [rule.assignee_id, None]}, now=now)
    return load_settings()
