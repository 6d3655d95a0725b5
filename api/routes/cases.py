"""Team JSON API over cases: list (filters, search, pagination) and one case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from api.deps import CurrentUser, RowId, ServicesDep, SessionDep
from api.routes.schemas import CaseListPublic, CasePublic
from messages import gettext
from outreach import audit
from outreach.cases import CaseFilters, case_exists, get_case, list_cases
from outreach.models import CASE_STATUSES, STAGES

router = APIRouter(prefix="/api", tags=["cases"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get("/cases", response_model=CaseListPublic)
def cases_index(
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    status: Annotated[str | None, Query(description=f"one of {', '.join(CASE_STATUSES)}")] = None,
    sector: Annotated[str | None, Query(max_length=64)] = None,
    stage: Annotated[str | None, Query(description=f"one of {', '.join(STAGES)}")] = None,
    month: Annotated[str | None, Query(pattern=MONTH)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    opted_out: bool | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CaseListPublic:
    if status is not None and status not in CASE_STATUSES:
        raise HTTPException(422, detail=gettext("Unknown status: {status}.", status=status))
    if stage is not None and stage not in STAGES:
        raise HTTPException(422, detail=gettext("Unknown procedure stage: {stage}.", stage=stage))
    filters = CaseFilters(
        status=status, sector=sector, stage=stage, month=month, q=q, opted_out=opted_out
    )
    result = list_cases(session, user=user, filters=filters, page=page, per_page=per_page)
    audit.record(
        session,
        clock=services.clock,
        actor=user,
        action="case.list",
        case_ids=[case.id for case in result.items],
        page=page,
    )
    return CaseListPublic(
        items=[CasePublic.model_validate(case) for case in result.items],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
    )


@router.get("/cases/{case_id}", response_model=CasePublic)
def case_show(
    case_id: RowId, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> CasePublic:
    case = get_case(session, user=user, case_id=case_id)
    if case is None:
        if case_exists(session, case_id=case_id):
            raise HTTPException(403, detail=gettext("This case is not in your sectors."))
        raise HTTPException(404, detail=gettext("Case not found."))
    audit.record(session, clock=services.clock, actor=user, action="case.read", case_id=case.id)
    return CasePublic.model_validate(case)
