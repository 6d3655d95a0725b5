"""Team JSON API: the feed of case events, read with a cursor.

GET /api/events?after=<cursor> gives the events after the cursor, oldest first: a reply received,
a visit booked, changed or cancelled, consent given, refused or withdrawn, an opt-out or opt-in,
a task opened or closed. Keep `next` and ask again with it: nothing is missed and nothing comes
twice (see outreach.team.events). Without `after`, the feed starts at the beginning. Sector rules
apply: a worker sees the events of the cases they may see. Each read is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from api.deps import CurrentUser, ServicesDep, SessionDep
from messages import gettext
from outreach import audit
from outreach.team import events

router = APIRouter(prefix="/api", tags=["events"])

CURSOR = r"^[0-9]{1,19}-[0-9]{1,19}$"


class EventPublic(BaseModel):
    id: int
    cursor: str
    kind: str  # one of outreach.team.events.KINDS
    case_id: int
    case_reference: str
    at: datetime
    detail: dict[str, Any]  # identifiers and dates only (visit_id, message_id, starts_at…)


class EventFeedPublic(BaseModel):
    items: list[EventPublic]
    next: str  # the cursor to ask with next time (unchanged when nothing new)


@router.get("/events", response_model=EventFeedPublic)
def events_feed(
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    after: Annotated[
        str, Query(pattern=CURSOR, description="the `next` of the previous answer")
    ] = events.START,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventFeedPublic:
    try:
        found = events.feed(session, user=user, after=after, limit=limit)
    except events.CursorError:
        raise HTTPException(
            422, detail=gettext("Unknown cursor: give the 'next' of a previous answer.")
        ) from None
    audit.record(
        session,
        clock=services.clock,
        actor=user,
        action="events.list",
        after=after,
        count=len(found),
    )
    return EventFeedPublic(
        items=[EventPublic(**vars(event)) for event in found],
        next=found[-1].cursor if found else after,
    )
