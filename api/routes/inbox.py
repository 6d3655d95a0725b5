"""Team JSON API over the inbox: what needs a person, for teams that follow it in their own tools.

GET /api/inbox lists the open items the caller may see (their sectors' cases and the cases assigned
to them; coordinators also see the items without a case), newest first, filtered by `kind` and
`sector`. POST /api/inbox/{id}/handled closes one. Each read is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from api.deps import CurrentUser, RowId, ServicesDep, SessionDep
from api.routes.contract import closed_list
from messages import gettext
from outreach import audit
from outreach.team.inbox import KIND_LABELS, list_open, mark_handled
from outreach.text_input import Line

router = APIRouter(prefix="/api", tags=["inbox"])


class InboxItemPublic(BaseModel):
    id: int
    kind: str  # reply, not_understood, task, refusal, need_help, unknown_sender…
    label: str  # what the team reads, in French
    case_id: int | None
    case_reference: str | None
    text: str | None  # the start of the message, or the task
    channel: str | None
    received_at: datetime
    alert: bool


class InboxListPublic(BaseModel):
    items: list[InboxItemPublic]


class HandledPublic(BaseModel):
    id: int
    handled_at: datetime


@router.get("/inbox", response_model=InboxListPublic)
def inbox_index(
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    kind: Annotated[str | None, Query(json_schema_extra=closed_list(KIND_LABELS))] = None,
    sector: Annotated[Line | None, Query(max_length=64, description="a sector code")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> InboxListPublic:
    if kind is not None and kind not in KIND_LABELS:
        raise HTTPException(422, detail=gettext("Unknown kind: {kind}.", kind=kind))
    entries = list_open(session, user=user, limit=limit, kind=kind, sector=sector)
    audit.record(
        session,
        clock=services.clock,
        actor=user,
        action="inbox.list",
        case_ids=sorted({entry.case_id for entry in entries if entry.case_id is not None}),
        source="api",
    )
    return InboxListPublic(
        items=[
            InboxItemPublic(
                id=entry.id,
                kind=entry.kind,
                label=entry.label,
                case_id=entry.case_id,
                case_reference=entry.case_reference,
                text=entry.excerpt,
                channel=entry.channel,
                received_at=entry.created_at,
                alert=entry.alert,
            )
            for entry in entries
        ]
    )


@router.post("/inbox/{item_id}/handled", response_model=HandledPublic)
def inbox_handled(
    item_id: RowId, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> HandledPublic:
    item = mark_handled(session, clock=services.clock, user=user, item_id=item_id)
    if item is None or item.handled_at is None:
        raise HTTPException(404, detail=gettext("Inbox item not found."))
    return HandledPublic(id=item.id, handled_at=item.handled_at)
