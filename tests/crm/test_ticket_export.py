"""Tickets as an export kind: read back, filtered, only what the exporter may see."""

from __future__ import annotations

import datetime as dt
import io

import peewee
import pytest

from crm import exports, service
from crm.errors import NotFound, PermissionDenied
from crm.service import PortalUser
from tests.crm.cast import customer, make_cast
from tests.crm.import_files import read_sheet

T0 = dt.datetime(2026, 3, 10, 2, 30)


@pytest.fixture
def cast(db: peewee.Database):
    return make_cast()


def export(actor, **filters) -> list[dict]:
    buffer = io.BytesIO()
    exports.export_records(actor, "tickets", buffer, fmt="xlsx",
                           filters=exports.Filters(**filters), now=T0)
    rows = read_sheet(buffer.getvalue())
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_tickets_export_with_filters_and_visibility(cast) -> None:
    mine = customer(cast.manager, "王小明")
    theirs = service.open_ticket(cast.manager, mine.id, "=HYPERLINK(\"x\")", now=T0)
    service.set_ticket_priority(cast.manager, theirs.id, "urgent", now=T0)
    service.open_customer_ticket(PortalUser(70001, "Alice"), "打印机坏了", now=T0)
    rows = export(cast.admin)
    assert [r["ticket_number"] for r in rows] == ["T-2026-000001", "T-2026-000002"]
    first = rows[0]
    assert first["subject"] == "=HYPERLINK(\"x\")"  # a formula typed in shows as typed
    assert (first["customer"], first["ticket_status"], first["priority"]) == (
        "王小明", "new", "urgent")
    assert first["first_response_due"] == dt.datetime(2026, 3, 10, 11, 30)  # local, +1 h
    assert [r["subject"] for r in export(cast.admin, status="new")] == \
        [first["subject"], "打印机坏了"]
    with pytest.raises(NotFound):  # no closed ticket: said so, rather than an empty file
        export(cast.admin, status="closed")
    with pytest.raises(PermissionDenied):
        export(cast.agent)  # exporting is for managers and admins


def test_a_team_manager_exports_the_tickets_they_may_see(cast) -> None:
    from crm import users
    from tests.crm.cast import SYSTEM

    team = users.create_team(SYSTEM, "华南")
    users.set_team(SYSTEM, cast.manager.telegram_id, team.id)
    manager = users.get_user(SYSTEM, cast.manager.telegram_id).as_actor()
    outsider = customer(cast.other_agent, "别队客户")
    service.open_ticket(cast.other_agent, outsider.id, "别队的工单", now=T0)
    service.open_customer_ticket(PortalUser(70001, "Alice"), "打印机坏了", now=T0)
    assert [r["subject"] for r in export(manager)] == ["打印机坏了"]  # the open queue only
