"""Imports between their preview and their confirmation: the uploaded file is kept as sent in
<data_dir>/imports/ (mode 600) and a row of ``import_job`` says whose it is and how it ended.

The file, not a parsed plan, is what survives a restart: reading it again is deterministic, and
the database is matched again at confirmation anyway, since it may have changed meanwhile.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm import runtime
from crm.actors import Actor
from crm.clock import as_datetime
from crm.errors import Conflict, NotFound, ValidationError
from storage.database import database, fetch_all, fetch_one, insert, sql

PENDING, APPLIED, CANCELLED, EXPIRED = "pending", "applied", "cancelled", "expired"


@dataclass(frozen=True)
class Job:
    token: str
    file_name: str
    path: Path
    sha256: str
    status: str
    expires_at: dt.datetime


def imports_dir() -> Path:
    """Where uploaded files wait for their confirmation."""
    folder = runtime.config().data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def save_upload(actor: Actor, file_name: str, content: bytes, summary: dict[str, Any],
                now: dt.datetime) -> str:
    """Keep the file and record the pending import (call inside a transaction)."""
    token = secrets.token_urlsafe(9)
    suffix = "".join(c for c in Path(file_name).suffix.lower()[:8] if c.isalnum() or c == ".")
    stored = f"{token}{suffix}"
    path = imports_dir() / stored
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    hours = runtime.config()["import.keep_hours"]
    insert("import_job", {
        "token": token, "staff_id": actor.user_id, "channel": str(actor.channel),
        "file_name": file_name[:255], "stored_name": stored, "file_size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(), "status": PENDING, "mode": None,
        "summary": json.dumps(summary), "created_at": now,
        "expires_at": now + dt.timedelta(hours=hours)})
    return token


def load_job(actor: Actor, token: str, now: dt.datetime) -> Job:
    """The actor's own pending import; another person's is not found."""
    row = fetch_one("select token, file_name, stored_name, sha256, status, expires_at, staff_id"
                    " from import_job where token = ?", (token,))
    if row is None or row[6] != actor.user_id:
        raise NotFound("import.not_found")
    expires_at = as_datetime(row[5])
    if row[4] != PENDING:
        raise Conflict("import.finished", status=row[4])
    if expires_at <= now:
        raise ValidationError("import.expired", field="file")
    return Job(row[0], row[1], imports_dir() / row[2], row[3], row[4], expires_at)


def read_file(job: Job) -> bytes:
    """The uploaded bytes, checked against the hash taken at upload."""
    try:
        content = job.path.read_bytes()
    except OSError:
        content = b""
    if hashlib.sha256(content).hexdigest() != job.sha256:
        raise Conflict("import.file_missing", name=job.file_name)
    return content


def claim(token: str, status: str, mode: str | None, summary: dict[str, Any],
          now: dt.datetime) -> None:
    """End a pending import (inside the transaction doing it): a second confirmation or a
    cancel after it finds nothing pending and is refused."""
    cursor = database.execute_sql(sql(
        "update import_job set status = ?, mode = ?, summary = ?, finished_at = ?"
        " where token = ? and status = ?"),
        (status, mode, json.dumps(summary), now, token, PENDING))
    if cursor.rowcount != 1:
        row = fetch_one("select status from import_job where token = ?", (token,))
        raise Conflict("import.finished", status=row[0] if row else "?")


def set_summary(token: str, summary: dict[str, Any]) -> None:
    """Keep what an import did on its row."""
    database.execute_sql(sql("update import_job set summary = ? where token = ?"),
                         (json.dumps(summary), token))


def remove_file(job: Job) -> None:
    """Delete an uploaded file once its import has ended (it holds personal data)."""
    with contextlib.suppress(FileNotFoundError):
        job.path.unlink()


def expire_old(now: dt.datetime) -> int:
    """Mark imports nobody confirmed in time as expired and delete their files."""
    rows = fetch_all("select token, stored_name from import_job where status = ?"
                     " and expires_at <= ?", (PENDING, now))
    for token, stored in rows:
        with database.atomic():
            database.execute_sql(sql("update import_job set status = ?, finished_at = ?"
                                     " where token = ? and status = ?"),
                                 (EXPIRED, now, token, PENDING))
        with contextlib.suppress(FileNotFoundError):
            (imports_dir() / stored).unlink()
    return len(rows)
