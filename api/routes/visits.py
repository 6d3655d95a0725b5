"""Team JSON API over booked home visits: the agenda, and what happened at a visit.

GET /api/visits?from=&to=&worker= lists the visits starting in the period (dates are Paris days,
`to` included; or ISO datetimes). A coordinator sees every visit, a worker the visits of their
sectors and their own. POST /api/visits/{id}/no-show and /held record the outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel

from api.deps import MAX_ROW_ID, CurrentUser, RowId, ServicesDep, SessionDep
from api.routes.params import Day, Instant
from messages import N_, gettext
from messages.formatting import visit_date
from outreach import audit
from outreach.booking.visits import VisitError, mark_held, mark_no_show, visits_between
from outreach.cases import may_see_case
from outreach.clock import PARIS
from outreach.models import TeamUser, Visit
from outreach.sending.quiet_hours import wall_to_utc

router = APIRouter(prefix="/api", tags=["visits"])

DEFAULT_DAYS = 14
MAX_DAYS = 366
NOT_FOUND = N_("Visit not found.")
NOT_YOURS = N_("This visit is not in your sectors.")
BAD_PERIOD = N_("The period must end after it starts and last at most {days} days.")
VISIT_ERRORS = {
    VisitError.CANCELLED: N_("This visit was cancelled."),
    VisitError.NOT_STARTED: N_("This visit has not started yet."),
}


class VisitPublic(BaseModel):
    id: int
    case_id: int
    case_reference: str
    household: str
    address: str | None
    postcode: str | None
    commune: str | None
    status: str
    starts_at: datetime
    ends_at: datetime
    label: str  # "mardi 3 décembre à 10 h"
    window_starts_at: datetime
    window_ends_at: datetime
    time_window: str  # "entre 10 h et 11 h"
    worker_id: int | None
    worker_name: str | None
    sector: str | None
    created_at: datetime
    reminded_at: datetime | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    outcome_at: datetime | None

    @classmethod
    def of(cls, visit: Visit) -> VisitPublic:
        case = visit.case
        tenant = next((p for p in case.people if p.role == "tenant"), None)
        household = " ".join(filter(None, (tenant.last_name, tenant.first_name))) if tenant else ""
        return cls(
            id=visit.id,
            case_id=case.id,
            case_reference=case.reference,
            household=household,
            address=case.address,
            postcode=case.postcode,
            commune=case.commune,
            status=visit.status,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            label=visit_date(visit.starts_at, "fr"),
            window_starts_at=visit.window_starts_at,
            window_ends_at=visit.window_ends_at,
            time_window=visit.time_window,
            worker_id=visit.worker_id,
            worker_name=visit.worker.name if visit.worker else None,
            sector=visit.sector.code if visit.sector else None,
            created_at=visit.created_at,
            reminded_at=visit.reminded_at,
            cancelled_at=visit.cancelled_at,
            cancelled_by=visit.cancelled_by,
            outcome_at=visit.outcome_at,
        )


class VisitListPublic(BaseModel):
    start: datetime
    end: datetime
    items: list[VisitPublic]


@router.get("/visits", response_model=VisitListPublic)
def visits_index(
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    start: Annotated[
        Day | Instant | None, Query(alias="from", description="a date (Paris) or a datetime")
    ] = None,
    end: Annotated[
        Day | Instant | None, Query(alias="to", description="a date (included) or a datetime")
    ] = None,
    worker: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    include_cancelled: bool = False,
) -> VisitListPublic:
    now = services.clock.now()
    first = _instant(start, now.astimezone(PARIS).date())
    last = _instant(end, None, day_end=True) if end is not None else first + timedelta(DEFAULT_DAYS)
    if last <= first or last - first > timedelta(days=MAX_DAYS):
        raise HTTPException(422, detail=gettext(BAD_PERIOD, days=MAX_DAYS))
    visits = visits_between(
        session,
        start=first,
        end=last,
        worker_id=worker,
        viewer=user,
        include_cancelled=include_cancelled,
    )
    audit.record(
        session,
        clock=services.clock,
        actor=user,
        action="visit.list",
        visit_ids=[visit.id for visit in visits],
    )
    return VisitListPublic(start=first, end=last, items=[VisitPublic.of(v) for v in visits])


@router.post("/visits/{visit_id}/no-show", response_model=VisitPublic)
def visit_no_show(
    visit_id: RowId, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> VisitPublic:
    visit = _visible_visit(session, user=user, visit_id=visit_id)
    return _record(lambda: mark_no_show(session, clock=services.clock, visit=visit, actor=user))


@router.post("/visits/{visit_id}/held", response_model=VisitPublic)
def visit_held(
    visit_id: RowId, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> VisitPublic:
    visit = _visible_visit(session, user=user, visit_id=visit_id)
    return _record(lambda: mark_held(session, clock=services.clock, visit=visit, actor=user))


def _record(mark: Callable[[], Visit]) -> VisitPublic:
    try:
        return VisitPublic.of(mark())
    except VisitError as error:
        raise HTTPException(409, detail=gettext(VISIT_ERRORS[error.reason])) from None


def _visible_visit(session: SessionDep, *, user: TeamUser, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise HTTPException(404, detail=gettext(NOT_FOUND))
    if not may_see_case(user, visit.case):
        raise HTTPException(403, detail=gettext(NOT_YOURS))
    return visit


def _instant(
    value: date | datetime | None, default: date | None, *, day_end: bool = False
) -> datetime:
    """A query bound as a UTC instant: a date is a Paris day (its end when `day_end`)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=PARIS)
    day = value or default
    assert day is not None
    if day_end:
        day += timedelta(days=1)
    return wall_to_utc(datetime.combine(day, time(0)))
