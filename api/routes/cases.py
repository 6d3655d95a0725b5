"""Team JSON API over cases: list (filters, search, pagination) and one case."""

from __future__ import annotations

from datetime import date
from typing import Annotated, overload

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy.orm import Session

from api.deps import CurrentUser, RowId, ServicesDep, SessionDep
from api.routes.contract import CONFLICT, closed_list
from api.routes.schemas import (
    CaseDetailPublic,
    CaseListPublic,
    CasePublic,
    CloseCase,
    ConsentPublic,
    DeadlinePublic,
    DiagnosticSummaryPublic,
    ProcedurePublic,
    ReopenCase,
    StepSummaryPublic,
    VisitSummaryPublic,
    WorkerPublic,
)
from api.services import Services
from api.web.labels import STAGE_LABELS
from messages import gettext
from outreach import audit
from outreach.cases import CaseFilters, case_exists, get_case, list_cases
from outreach.casework.closing import ClosingError, close, reopen
from outreach.casework.diagnostic import summary as diagnostic_summary
from outreach.casework.lifecycle import STATUS_LABELS
from outreach.casework.procedure import Deadline, paris_today
from outreach.casework.summary import summarise
from outreach.models import CASE_STATUSES, STAGES, Case, TeamUser
from outreach.text_input import Line

router = APIRouter(prefix="/api", tags=["cases"])

MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


@router.get("/cases", response_model=CaseListPublic)
def cases_index(
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    status: Annotated[str | None, Query(json_schema_extra=closed_list(STATUS_LABELS))] = None,
    sector: Annotated[Line | None, Query(max_length=64)] = None,
    stage: Annotated[str | None, Query(json_schema_extra=closed_list(STAGE_LABELS))] = None,
    month: Annotated[str | None, Query(pattern=MONTH)] = None,
    q: Annotated[Line | None, Query(max_length=200)] = None,
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


@router.get("/cases/{case_id}", response_model=CaseDetailPublic)
def case_show(
    case_id: RowId, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> CaseDetailPublic:
    case = _visible(session, user=user, case_id=case_id)
    audit.record(session, clock=services.clock, actor=user, action="case.read", case_id=case.id)
    return _detail(session, case, services)


@router.post(
    "/cases/{case_id}/close",
    response_model=CaseDetailPublic,
    responses=CONFLICT,
)
def case_close(
    case_id: RowId,
    payload: CloseCase,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> CaseDetailPublic:
    """Close the case with its outcome: its sequences stop and nothing more is sent to it."""
    case = _visible(session, user=user, case_id=case_id)
    try:
        close(
            session,
            clock=services.clock,
            case=case,
            outcome=payload.outcome,
            comment=payload.comment,
            actor=user,
        )
    except ClosingError as refusal:
        raise HTTPException(409, detail=str(refusal)) from None
    return _detail(session, case, services)


@router.post(
    "/cases/{case_id}/reopen",
    response_model=CaseDetailPublic,
    responses=CONFLICT,
)
def case_reopen(
    case_id: RowId,
    payload: ReopenCase,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> CaseDetailPublic:
    """Reopen a closed case where it stood; the reason is kept in its notes."""
    case = _visible(session, user=user, case_id=case_id)
    try:
        reopen(session, clock=services.clock, case=case, reason=payload.reason, actor=user)
    except ClosingError as refusal:
        raise HTTPException(409, detail=str(refusal)) from None
    return _detail(session, case, services)


def _visible(session: Session, *, user: TeamUser, case_id: int) -> Case:
    case = get_case(session, user=user, case_id=case_id)
    if case is None:
        if case_exists(session, case_id=case_id):
            raise HTTPException(403, detail=gettext("This case is not in your sectors."))
        raise HTTPException(404, detail=gettext("Case not found."))
    return case


def _detail(session: Session, case: Case, services: Services) -> CaseDetailPublic:
    today = paris_today(services.clock.now())
    summary = summarise(session, case=case, today=today)
    procedure = summary.procedure
    base = CasePublic.model_validate(case).model_dump()
    return CaseDetailPublic(
        **base,
        outcome=case.outcome,
        outcome_comment=case.outcome_comment,
        closed_at=case.closed_at,
        aside_reason=case.aside_reason,
        assigned_worker=(
            WorkerPublic.model_validate(summary.assigned_worker)
            if summary.assigned_worker
            else None
        ),
        procedure=ProcedurePublic(
            stage=procedure.stage,
            **procedure.dates,
            lease_signed_on=procedure.lease_signed_on,
            next_deadline=_deadline(procedure.next_deadline, today),
            deadlines=[_deadline(deadline, today) for deadline in procedure.deadlines],
        ),
        visit=VisitSummaryPublic.model_validate(summary.visit) if summary.visit else None,
        consents=[ConsentPublic.model_validate(record) for record in summary.consents],
        steps=[StepSummaryPublic.model_validate(step) for step in summary.steps],
        diagnostic=_diagnostic(session, case),
    )


def _diagnostic(session: Session, case: Case) -> DiagnosticSummaryPublic | None:
    found = diagnostic_summary(session, case_id=case.id)
    return DiagnosticSummaryPublic(**found) if found else None


@overload
def _deadline(deadline: Deadline, today: date) -> DeadlinePublic: ...
@overload
def _deadline(deadline: None, today: date) -> None: ...
def _deadline(deadline: Deadline | None, today: date) -> DeadlinePublic | None:
    if deadline is None:
        return None
    return DeadlinePublic(
        kind=deadline.kind,
        date=deadline.on,
        days_left=deadline.days_left(today),
        label=deadline.label,
        source=deadline.source,
        assumed=deadline.assumed,
    )
