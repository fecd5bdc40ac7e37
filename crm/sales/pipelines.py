"""Pipelines and their ordered stages: the default one, and what admins change about them.

Stages are data with a fixed kind (open, won, lost); code keys on the kind, never the name.
Stages are archived, never deleted, so the history of every deal keeps its names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from crm import audit
from crm.actors import Actor
from crm.clock import utcnow
from crm.errors import Conflict, NotFound, ValidationError
from crm.permissions import Action, require
from crm.sales.access import require_settings
from crm.sales.views import STAGE_KINDS, PipelineView, StageView
from crm.validation import check_length
from storage.database import database, fetch_all, fetch_one, insert, sql
from storage.models import Pipeline

DEFAULT_KEY = "default"
DEFAULT_NAME = ("销售管道", "Sales pipeline")
# (Chinese, English, win probability %, kind)
DEFAULT_STAGES: tuple[tuple[str, str, int, str], ...] = (
    ("线索", "Lead", 10, "open"),
    ("已联系", "Contacted", 20, "open"),
    ("需求确认", "Qualified", 40, "open"),
    ("报价", "Proposal", 60, "open"),
    ("谈判", "Negotiation", 80, "open"),
    ("赢单", "Won", 100, "won"),
    ("输单", "Lost", 0, "lost"),
)
NAME_MAX = 100
_STAGE_SQL = ("select id, pipeline_id, name_zh, name_en, position, probability, kind,"
              " archived_at from pipeline_stage")


def _stage(row: tuple) -> StageView:
    return StageView(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] is not None)


def ensure_default_pipeline(*, now: dt.datetime | None = None) -> int:
    """The default pipeline's id, created with its seven stages on first call (idempotent)."""
    row = fetch_one("select id from pipeline where key = ?", (DEFAULT_KEY,))
    if row is not None:
        return row[0]
    now = now or utcnow()
    with database.atomic():
        # A concurrent start-up waits on the unique key, then finds the committed row.
        Pipeline.insert(key=DEFAULT_KEY, name_zh=DEFAULT_NAME[0], name_en=DEFAULT_NAME[1],
                        created_at=now).on_conflict_ignore().execute()
        pipeline_id = fetch_one("select id from pipeline where key = ?", (DEFAULT_KEY,))[0]
        if fetch_one("select 1 from pipeline_stage where pipeline_id = ?", (pipeline_id,)) is None:
            _insert_stages(pipeline_id, DEFAULT_STAGES, now)
    return pipeline_id


def _insert_stages(pipeline_id: int, stages: Sequence[tuple[str, str, int, str]],
                   now: dt.datetime) -> None:
    for position, (name_zh, name_en, probability, kind) in enumerate(stages):
        insert("pipeline_stage", {"pipeline_id": pipeline_id, "name_zh": name_zh,
                                  "name_en": name_en, "position": position,
                                  "probability": probability, "kind": kind,
                                  "created_at": now})


def stages_of(pipeline_id: int, *, include_archived: bool = False) -> tuple[StageView, ...]:
    """The pipeline's stages in order (active ones unless asked otherwise)."""
    where = "" if include_archived else " and archived_at is null"
    rows = fetch_all(f"{_STAGE_SQL} where pipeline_id = ?{where} order by position, id",
                     (pipeline_id,))
    return tuple(_stage(r) for r in rows)


def load_stage(stage_id: int) -> StageView:
    """One stage, archived or not; NotFound when there is none."""
    row = fetch_one(f"{_STAGE_SQL} where id = ?", (stage_id,))
    if row is None:
        raise NotFound("stage.not_found")
    return _stage(row)


def load_pipeline(pipeline_id: int | None) -> PipelineView:
    """A pipeline with its active stages; the default one for None."""
    if pipeline_id is None:
        pipeline_id = ensure_default_pipeline()
    row = fetch_one("select id, key, name_zh, name_en from pipeline where id = ?",
                    (pipeline_id,))
    if row is None:
        raise NotFound("pipeline.not_found")
    return PipelineView(row[0], row[1], row[2], row[3], stages_of(row[0]))


def get_pipeline(actor: Actor, pipeline_id: int | None = None) -> PipelineView:
    """A pipeline and its stages in order (the default pipeline unless one is named)."""
    require(actor, Action.READ)
    return load_pipeline(pipeline_id)


def archived_stages(actor: Actor, pipeline_id: int) -> tuple[StageView, ...]:
    """A pipeline's archived stages, which ``restore_stage`` brings back."""
    require(actor, Action.READ)
    return tuple(s for s in stages_of(pipeline_id, include_archived=True) if s.archived)


def list_pipelines(actor: Actor) -> list[PipelineView]:
    """Every pipeline in use, the default one first."""
    require(actor, Action.READ)
    ensure_default_pipeline()
    rows = fetch_all("select id from pipeline where archived_at is null"
                     " order by case when key = ? then 0 else 1 end, id", (DEFAULT_KEY,))
    return [load_pipeline(r[0]) for r in rows]


def _name(value: str | None, field: str) -> str:
    checked = check_length(" ".join((value or "").split()), field=field, max_length=NAME_MAX,
                           required=True)
    assert checked is not None
    return checked


def probability(value: object) -> int:
    """A win probability: a whole percent from 0 to 100."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError("stage.probability", field="probability", value=str(value))
    try:
        number = int(value)
    except ValueError as exc:
        raise ValidationError("stage.probability", field="probability", value=value) from exc
    if not 0 <= number <= 100:
        raise ValidationError("stage.probability", field="probability", value=str(value))
    return number


def create_pipeline(actor: Actor, name_zh: str, name_en: str, *,
                    now: dt.datetime | None = None) -> PipelineView:
    """A new pipeline, starting with the default stages for the admin to adapt."""
    require_settings(actor)
    now = now or utcnow()
    names = _name(name_zh, "name_zh"), _name(name_en, "name_en")
    with database.atomic():
        pipeline_id = insert("pipeline", {"name_zh": names[0], "name_en": names[1],
                                          "created_at": now})
        _insert_stages(pipeline_id, DEFAULT_STAGES, now)
        audit.record(actor, "pipeline.create", "pipeline", pipeline_id, changes={
            "name_zh": [None, names[0]], "name_en": [None, names[1]]}, now=now)
    return load_pipeline(pipeline_id)


def add_stage(actor: Actor, pipeline_id: int, name_zh: str, name_en: str, kind: str,
              win_probability: int, *, position: int | None = None,
              now: dt.datetime | None = None) -> PipelineView:
    """Add a stage at ``position`` (0 = first; default: before the closing stages)."""
    require_settings(actor)
    now = now or utcnow()
    names = _name(name_zh, "name_zh"), _name(name_en, "name_en")
    checked_kind = _kind(kind)
    chance = probability(win_probability)
    with database.atomic():
        stages = list(load_pipeline(pipeline_id).stages)
        if position is None:
            closing = [i for i, s in enumerate(stages) if s.kind != "open"]
            position = closing[0] if closing and checked_kind == "open" else len(stages)
        position = max(0, min(position, len(stages)))
        stage_id = insert("pipeline_stage", {
            "pipeline_id": pipeline_id, "name_zh": names[0], "name_en": names[1],
            "position": position, "probability": chance, "kind": checked_kind,
            "created_at": now})
        ids = [s.id for s in stages]
        ids.insert(position, stage_id)
        _renumber(ids)
        audit.record(actor, "stage.add", "pipeline_stage", stage_id, changes={
            "name_zh": [None, names[0]], "name_en": [None, names[1]], "kind": [None, checked_kind],
            "probability": [None, chance], "position": [None, position]}, now=now)
    return load_pipeline(pipeline_id)


def _kind(value: str) -> str:
    lowered = (value or "").strip().lower()
    if lowered not in STAGE_KINDS:
        raise ValidationError("validation.choice", field="kind", value=value,
                              allowed=tuple(STAGE_KINDS))
    return lowered


def _renumber(stage_ids: Sequence[int]) -> None:
    for position, stage_id in enumerate(stage_ids):
        database.execute_sql(sql("update pipeline_stage set position = ? where id = ?"),
                             (position, stage_id))


def rename_stage(actor: Actor, stage_id: int, *, name_zh: str | None = None,
                 name_en: str | None = None, now: dt.datetime | None = None) -> StageView:
    """Give a stage new names; its history shows the new names from now on."""
    require_settings(actor)
    if name_zh is None and name_en is None:
        raise ValidationError("stage.no_new_name", field="name")
    now = now or utcnow()
    with database.atomic():
        current = load_stage(stage_id)
        after = {"name_zh": _name(name_zh, "name_zh") if name_zh is not None else current.name_zh,
                 "name_en": _name(name_en, "name_en") if name_en is not None else current.name_en}
        database.execute_sql(sql("update pipeline_stage set name_zh = ?, name_en = ?"
                                 " where id = ?"), (after["name_zh"], after["name_en"], stage_id))
        audit.record(actor, "stage.rename", "pipeline_stage", stage_id, changes=audit.diff(
            {"name_zh": current.name_zh, "name_en": current.name_en}, after), now=now)
    return load_stage(stage_id)


def set_stage_probability(actor: Actor, stage_id: int, win_probability: int, *,
                          now: dt.datetime | None = None) -> StageView:
    """Change a stage's win probability (used by the weighted forecast)."""
    require_settings(actor)
    chance = probability(win_probability)
    now = now or utcnow()
    with database.atomic():
        current = load_stage(stage_id)
        database.execute_sql(sql("update pipeline_stage set probability = ? where id = ?"),
                             (chance, stage_id))
        audit.record(actor, "stage.probability", "pipeline_stage", stage_id,
                     changes=audit.diff({"probability": current.probability},
                                        {"probability": chance}), now=now)
    return load_stage(stage_id)


def reorder_stages(actor: Actor, pipeline_id: int, stage_ids: Sequence[int], *,
                   now: dt.datetime | None = None) -> PipelineView:
    """Put the pipeline's active stages in this order (each exactly once)."""
    require_settings(actor)
    now = now or utcnow()
    with database.atomic():
        before = [s.id for s in load_pipeline(pipeline_id).stages]
        wanted = [int(i) for i in stage_ids]
        if sorted(wanted) != sorted(before) or len(set(wanted)) != len(wanted):
            raise ValidationError("stage.order", field="stages")
        _renumber(wanted)
        audit.record(actor, "stage.reorder", "pipeline", pipeline_id,
                     changes={"stages": [before, wanted]}, now=now)
    return load_pipeline(pipeline_id)


def archive_stage(actor: Actor, stage_id: int, *, now: dt.datetime | None = None) -> PipelineView:
    """Retire an empty stage; its history stays. Each kind keeps at least one active stage."""
    require_settings(actor)
    now = now or utcnow()
    with database.atomic():
        stage = load_stage(stage_id)
        if stage.archived:
            return load_pipeline(stage.pipeline_id)
        count = fetch_one("select count(*) from deal where stage_id = ? and deleted_at is null",
                          (stage_id,))[0]
        if count:
            raise Conflict("stage.not_empty", count=count)
        same_kind = [s for s in stages_of(stage.pipeline_id) if s.kind == stage.kind]
        if len(same_kind) <= 1:
            raise Conflict("stage.last_of_kind", kind=stage.kind)
        database.execute_sql(sql("update pipeline_stage set archived_at = ? where id = ?"),
                             (now, stage_id))
        _renumber([s.id for s in stages_of(stage.pipeline_id)])
        audit.record(actor, "stage.archive", "pipeline_stage", stage_id,
                     changes={"archived": [False, True]}, now=now)
    return load_pipeline(stage.pipeline_id)


def restore_stage(actor: Actor, stage_id: int, *, now: dt.datetime | None = None) -> PipelineView:
    """Bring an archived stage back, at the end of the pipeline (reorder to place it)."""
    require_settings(actor)
    now = now or utcnow()
    with database.atomic():
        stage = load_stage(stage_id)
        if stage.archived:
            position = len(stages_of(stage.pipeline_id))
            database.execute_sql(sql("update pipeline_stage set archived_at = null, position = ?"
                                     " where id = ?"), (position, stage_id))
            audit.record(actor, "stage.restore", "pipeline_stage", stage_id,
                         changes={"archived": [True, False]}, now=now)
    return load_pipeline(stage.pipeline_id)
