"""The audit trail, for coordinators: GET /api/audit (filters, pages) and GET /api/audit.csv.

Read-only by design: there is no route to change or delete an event. Reading the trail and
exporting it are themselves audited.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Select, func, select

from api.deps import CurrentUser, Id, ServicesDep, SessionDep
from api.routes.contract import CsvResponse
from api.routes.params import Instant
from messages import gettext
from outreach import audit
from outreach.models import AuditEvent, TeamUser
from outreach.spreadsheet import SafeCsvWriter
from outreach.text_input import Line

router = APIRouter(prefix="/api", tags=["audit"])

CSV_LIMIT = 100_000


class AuditEventPublic(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    case_id: int | None
    detail: dict[str, Any]


class AuditPagePublic(BaseModel):
    items: list[AuditEventPublic]  # newest first
    total: int
    page: int
    per_page: int


def _coordinator_only(user: TeamUser) -> None:
    if not user.is_coordinator:
        raise HTTPException(403, detail=gettext("Reserved for the coordination team."))


def _query(
    case: int | None,
    actor: int | None,
    action: str | None,
    start: datetime | None,
    end: datetime | None,
) -> Select[tuple[AuditEvent]]:
    query = select(AuditEvent)
    if case is not None:
        query = query.where(AuditEvent.case_id == case)
    if actor is not None:
        query = query.where(AuditEvent.actor_id == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if end is not None:
        query = query.where(AuditEvent.at < end)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _public(event: AuditEvent) -> AuditEventPublic:
    return AuditEventPublic(
        id=event.id,
        at=event.at,
        actor_id=event.actor_id,
        actor=event.actor_label,
        action=event.action,
        case_id=event.case_id,
        detail=event.detail or {},
    )


CaseQ = Annotated[Id | None, Query(alias="case")]
ActorQ = Annotated[Id | None, Query()]
ActionQ = Annotated[Line | None, Query(max_length=64)]
FromQ = Annotated[Instant | None, Query(alias="from")]
ToQ = Annotated[Instant | None, Query(alias="to")]


@router.get("/audit", response_model=AuditPagePublic)
def audit_index(
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    case_id: CaseQ = None,
    actor: ActorQ = None,
    action: ActionQ = None,
    start: FromQ = None,
    end: ToQ = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPagePublic:
    _coordinator_only(user)
    query = _query(case_id, actor, action, start, end)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    items = [_public(row) for row in rows]
    audit.record(
        session, clock=services.clock, actor=user, action="audit.read", page=page, count=len(items)
    )
    return AuditPagePublic(items=items, total=total, page=page, per_page=per_page)


@router.get("/audit.csv", response_class=CsvResponse)
def audit_csv(
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    case_id: CaseQ = None,
    actor: ActorQ = None,
    action: ActionQ = None,
    start: FromQ = None,
    end: ToQ = None,
) -> Response:
    _coordinator_only(user)
    rows = session.scalars(_query(case_id, actor, action, start, end).limit(CSV_LIMIT)).all()
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(["id", "at", "actor_id", "actor", "action", "case_id", "detail"])
    for row in rows:
        event = _public(row)
        writer.writerow(
            [
                event.id,
                event.at.isoformat(),
                event.actor_id or "",
                event.actor,
                event.action,
                event.case_id or "",
                _detail(event.detail),
            ]
        )
    audit.record(session, clock=services.clock, actor=user, action="audit.export", count=len(rows))
    return CsvResponse(
        buffer.getvalue(),
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


def _detail(detail: dict[str, Any]) -> str:
    import json

    return json.dumps(detail, sort_keys=True, ensure_ascii=False)
