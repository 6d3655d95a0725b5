"""Team JSON API over a case's démarches (engagement steps), with bearer tokens.

GET /api/cases/{id}/steps lists them (the conversation's check-in reads the open ones),
POST adds one, PATCH /api/cases/{id}/steps/{step_id} changes status, due date or detail.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.deps import CurrentUser, RowId, ServicesDep, SessionDep
from api.routes.contract import closed_list
from api.routes.params import Day
from messages import gettext
from outreach import audit
from outreach.cases import case_exists, get_case
from outreach.casework import step_kinds
from outreach.models import Case, TeamUser
from outreach.team.followup import (
    MAX_DETAIL_LENGTH,
    STEP_ACTOR_LABELS,
    STEP_STATUS_LABELS,
    FollowupError,
    StepChange,
    add_step,
    get_step,
    open_steps,
    step_kind_label,
    step_status_label,
    steps_for,
    update_step,
)
from outreach.text_input import Text

router = APIRouter(prefix="/api", tags=["steps"])


def _kind_labels() -> dict[str, str]:
    return {kind.key: kind.label for kind in step_kinds.step_kinds()}


Detail = Annotated[Text | None, Field(max_length=MAX_DETAIL_LENGTH)]
KIND = closed_list(_kind_labels)
STATUS = closed_list(STEP_STATUS_LABELS)
ACTOR = closed_list(STEP_ACTOR_LABELS)


class StepCreate(BaseModel):
    kind: str = Field(json_schema_extra=KIND)
    due_date: Day | None = None
    detail: Detail = None
    objective: Detail = None
    actor: str = Field(default="household", json_schema_extra=ACTOR)


class StepUpdate(BaseModel):
    status: str | None = Field(default=None, json_schema_extra=STATUS)
    due_date: Day | None = None
    detail: Detail = None
    objective: Detail = None
    actor: str | None = Field(default=None, json_schema_extra=ACTOR)
    result: Detail = None


class StepPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    kind: str
    kind_label: Annotated[
        str, Field(validation_alias="kind"), AfterValidator(step_kind_label)
    ]  # read from the row's kind
    status: str
    status_label: Annotated[
        str, Field(validation_alias="status"), AfterValidator(step_status_label)
    ]
    due_date: date | None
    detail: str | None
    objective: str | None
    actor: str
    result: str | None
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None


class StepListPublic(BaseModel):
    items: list[StepPublic]


@router.get("/cases/{case_id}/steps", response_model=StepListPublic)
def list_steps(
    case_id: RowId,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
    open_only: Annotated[bool, Query(alias="open")] = False,
) -> StepListPublic:
    """The case's steps in the order agreed; ?open=true: only those to do, soonest due first."""
    case = _visible_case(session, user=user, case_id=case_id)
    steps = (
        open_steps(session, case_id=case.id) if open_only else steps_for(session, case_id=case.id)
    )
    audit.record(session, clock=services.clock, actor=user, action="step.list", case_id=case.id)
    return StepListPublic(items=[StepPublic.model_validate(step) for step in steps])


@router.post("/cases/{case_id}/steps", response_model=StepPublic, status_code=201)
def create_step(
    case_id: RowId,
    payload: StepCreate,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> StepPublic:
    case = _visible_case(session, user=user, case_id=case_id)
    try:
        step = add_step(
            session,
            clock=services.clock,
            case=case,
            actor=user,
            kind=payload.kind,
            due_date=payload.due_date,
            detail=payload.detail,
            objective=payload.objective,
            by=payload.actor,
        )
    except FollowupError as error:
        raise HTTPException(422, detail=str(error)) from None
    return StepPublic.model_validate(step)


@router.patch("/cases/{case_id}/steps/{step_id}", response_model=StepPublic)
def patch_step(
    case_id: RowId,
    step_id: RowId,
    payload: StepUpdate,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> StepPublic:
    """Change what the body names; `"due_date": null` removes the date."""
    case = _visible_case(session, user=user, case_id=case_id)
    step = get_step(session, case_id=case.id, step_id=step_id)
    if step is None:
        raise HTTPException(404, detail=gettext("Step not found."))
    sent = payload.model_fields_set
    change = StepChange(
        status=payload.status,
        due_date=payload.due_date,
        clear_due_date="due_date" in sent and payload.due_date is None,
        detail=payload.detail if "detail" in sent else None,
        objective=payload.objective if "objective" in sent else None,
        actor=payload.actor,
        result=payload.result if "result" in sent else None,
    )
    try:
        update_step(session, clock=services.clock, step=step, actor=user, change=change)
    except FollowupError as error:
        raise HTTPException(422, detail=str(error)) from None
    return StepPublic.model_validate(step)


def _visible_case(session: Session, *, user: TeamUser, case_id: int) -> Case:
    case = get_case(session, user=user, case_id=case_id)
    if case is None:
        if case_exists(session, case_id=case_id):
            raise HTTPException(403, detail=gettext("This case is not in your sectors."))
        raise HTTPException(404, detail=gettext("Case not found."))
    return case
