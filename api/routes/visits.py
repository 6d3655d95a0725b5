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
from pydantic import AliasPath, BaseModel, BeforeValidator, ConfigDict, Field

from api.deps import CurrentUser, Id, RowId, ServicesDep, SessionDep
from api.routes.contract import CONFLICT
from api.routes.params import Day, Instant
from api.routes.schemas import sector_code
from messages import N_, gettext
from messages.formatting import visit_date
from outreach import audit
from outreach.booking.visits import VisitError, mark_held, mark_no_show, visits_between
from outreach.cases import may_see_case
from outreach.clock import PARIS
from outreach.models import Case, TeamUser, Visit
from outreach.sending.quiet_hours import wall_to_utc

router = APIRouter(prefix="/api", tags=["visits"])

DEFAULT_DAYS = 14
MAX_DAYS = 366
NOT_FOUND = N_("Visit not found.")
NOT_YOURS = N_("This visit is not in your sectors.")
VISIT_ERRORS = {
    VisitError.CANCELLED: N_("This visit was cancelled."),
    VisitError.NOT_STARTED: N_("This visit has not started yet."),
}


def _household(case: Case) -> str:
    tenant = next((p for p in case.people if p.role == "tenant"), None)
    return " ".join(filter(None, (tenant.last_name, tenant.first_name))) if tenant else ""


def _label(starts_at: datetime) -> str:
    return visit_date(starts_at, "fr")


def _worker_name(worker: TeamUser | None) -> str | None:
    return worker.name if worker else None


# A visit row, with what the team reads of its case and worker.
class VisitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    case_reference: Annotated[str, Field(validation_alias=AliasPath("case", "reference"))]
    household: Annotated[str, Field(validation_alias="case"), BeforeValidator(_household)]
    address: Annotated[str | None, Field(validation_alias=AliasPath("case", "address"))]
    postcode: Annotated[str | None, Field(validation_alias=AliasPath("case", "postcode"))]
    commune: Annotated[str | None, Field(validation_alias=AliasPath("case", "commune"))]
    status: str
    starts_at: datetime
    ends_at: datetime
    # "mardi 3 décembre à 10 h"
    label: Annotated[str, Field(validation_alias="starts_at"), BeforeValidator(_label)]
    window_starts_at: datetime
    window_ends_at: datetime
    time_window: str  # "entre 10 h et 11 h"
    worker_id: int | None
    worker_name: Annotated[
        str | None, Field(validation_alias="worker"), BeforeValidator(_worker_name)
    ]
    sector: Annotated[str | None, BeforeValidator(sector_code)]
    created_at: datetime
    reminded_at: datetime | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    outcome_at: datetime | None


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
    worker: Annotated[Id | None, Query()] = None,
    include_cancelled: bool = False,
) -> VisitListPublic:
    """The visits starting in the period. A period that ends before it starts is empty; one
    longer than a year is cut to its first 366 days (`end` says where it stopped)."""
    now = services.clock.now()
    first = _instant(start, now.astimezone(PARIS).date())
    last = _instant(end, None, day_end=True) if end is not None else first + timedelta(DEFAULT_DAYS)
    last = max(first, min(last, first + timedelta(days=MAX_DAYS)))
    visits = (
        visits_between(
            session,
            start=first,
            end=last,
            worker_id=worker,
            viewer=user,
            include_cancelled=include_cancelled,
        )
        if last > first
        else []
    )
    audit.record(
        session,
        clock=services.clock,
        actor=user,
        action="visit.list",
        visit_ids=[visit.id for visit in visits],
    )
    return VisitListPublic(
        start=first, end=last, items=[VisitPublic.model_validate(v) for v in visits]
    )


@router.post("/visits/{visit_id}/no-show", response_model=VisitPublic, responses=CONFLICT)
def visit_no_show(
    visit_id: RowId, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> VisitPublic:
    visit = _visible_visit(session, user=user, visit_id=visit_id)
    return _record(lambda: mark_no_show(session, clock=services.clock, visit=visit, actor=user))


@router.post("/visits/{visit_id}/held", response_model=VisitPublic, responses=CONFLICT)
def visit_held(
    visit_id: RowId, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> VisitPublic:
    visit = _visible_visit(session, user=user, visit_id=visit_id)
    return _record(lambda: mark_held(session, clock=services.clock, visit=visit, actor=user))


def _record(mark: Callable[[], Visit]) -> VisitPublic:
    try:
        return VisitPublic.model_validate(mark())
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
