"""Forms of the case page: answer the household, add a note, agree or update a démarche, assign.

Each form posts here with its CSRF token, then goes back to the case page (303); a refused form
shows the case page again with the reason next to the form.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from api.deps import RowId, ServicesDep, SessionDep
from api.routes.messages import write_and_send
from api.web.access import visible_case
from api.web.auth import FormUserDep, require_coordinator
from api.web.case_page import render_case
from api.web.rendering import PageError
from messages import gettext
from outreach.casework.assignment import AssignmentError
from outreach.casework.assignment import assign as assign_case
from outreach.casework.checks import ITEMS as CHECK_ITEMS
from outreach.casework.checks import CheckError, propose_orientation, record_verdicts
from outreach.casework.closing import ClosingError, close, reopen, set_out_of_scope
from outreach.casework.procedure import DATE_FIELDS, ProcedureError, update_dates
from outreach.sending.send_now import NotSendable
from outreach.team.followup import (
    FollowupError,
    StepChange,
    add_note,
    add_step,
    get_step,
    update_step,
)
from outreach.team.messages import MessageRefused

router = APIRouter(include_in_schema=False)

LongText = Annotated[str, Form(max_length=10_000)]
ShortText = Annotated[str, Form(max_length=200)]


def _back(case_id: int, anchor: str) -> Response:
    return RedirectResponse(f"/cases/{case_id}#{anchor}", status_code=303)


@router.post("/cases/{case_id}/messages")
def answer(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    body: LongText = "",
) -> Response:
    """Write to the household on its best channel, outbox first (like the JSON API)."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        write_and_send(session, services, case=case, author=web.user, text=body)
    except (NotSendable, MessageRefused) as refusal:
        status = 409 if isinstance(refusal, NotSendable) else 422
        return render_case(
            request, session, services, web, case,
            errors={"answer": str(refusal)}, drafts={"answer": body}, status_code=status,
        )  # fmt: skip
    return _back(case.id, "timeline")


@router.post("/cases/{case_id}/notes")
def note(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    body: LongText = "",
) -> Response:
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        add_note(session, clock=services.clock, case=case, author=web.user, body=body)
    except FollowupError as error:
        return render_case(
            request, session, services, web, case,
            errors={"note": str(error)}, drafts={"note": body}, status_code=422,
        )  # fmt: skip
    return _back(case.id, "timeline")


@router.post("/cases/{case_id}/steps")
def new_step(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    kind: ShortText = "",
    due_date: ShortText = "",
    detail: Annotated[str, Form(max_length=2000)] = "",
    objective: Annotated[str, Form(max_length=2000)] = "",
    by: ShortText = "household",
) -> Response:
    """Agree a démarche: its kind, the objective in the household's words, who does it, when."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        add_step(
            session,
            clock=services.clock,
            case=case,
            actor=web.user,
            kind=kind,
            due_date=parse_date(due_date),
            detail=detail,
            objective=objective,
            by=by,
        )
    except FollowupError as error:
        drafts = {"step_detail": detail, "step_objective": objective, "step_kind": kind}
        return render_case(
            request, session, services, web, case,
            errors={"step": str(error)}, drafts=drafts, status_code=422,
        )  # fmt: skip
    return _back(case.id, "steps")


@router.post("/cases/{case_id}/steps/{step_id}")
def change_step(
    case_id: RowId,
    step_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    status: ShortText = "",
    due_date: ShortText = "",
    result: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    case = visible_case(session, user=web.user, case_id=case_id)
    step = get_step(session, case_id=case.id, step_id=step_id)
    if step is None:
        raise PageError(404, gettext("Step not found."))
    try:
        change = StepChange(
            status=status or None,
            due_date=parse_date(due_date),
            clear_due_date=not due_date.strip(),
            result=result,
        )
        update_step(session, clock=services.clock, step=step, actor=web.user, change=change)
    except FollowupError as error:
        return render_case(
            request, session, services, web, case, errors={"step": str(error)}, status_code=422
        )
    return _back(case.id, "steps")


@router.post("/cases/{case_id}/assign")
def assign(
    case_id: RowId,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    worker: ShortText = "",
) -> Response:
    """Coordinators assign a case to a team member (or to nobody)."""
    require_coordinator(web)
    case = visible_case(session, user=web.user, case_id=case_id)
    worker_id = int(worker) if worker.isdigit() else None
    try:
        assign_case(session, clock=services.clock, case=case, worker_id=worker_id, actor=web.user)
    except AssignmentError:
        raise PageError(422, gettext("Unknown team member.")) from None
    return _back(case.id, "assignment")


@router.post("/cases/{case_id}/take")
def take(case_id: RowId, session: SessionDep, services: ServicesDep, web: FormUserDep) -> Response:
    """ "Je prends ce dossier": the worker becomes the case's worker."""
    case = visible_case(session, user=web.user, case_id=case_id)
    assign_case(session, clock=services.clock, case=case, worker_id=web.user.id, actor=web.user)
    return _back(case.id, "assignment")


@router.post("/cases/{case_id}/close")
def close_case(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    outcome: ShortText = "",
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        close(
            session,
            clock=services.clock,
            case=case,
            outcome=outcome,
            comment=comment,
            actor=web.user,
        )
    except ClosingError as refusal:
        return render_case(
            request, session, services, web, case,
            errors={"closing": str(refusal)}, drafts={"comment": comment}, status_code=409,
        )  # fmt: skip
    return _back(case.id, "closing")


@router.post("/cases/{case_id}/reopen")
def reopen_case(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        reopen(session, clock=services.clock, case=case, reason=reason, actor=web.user)
    except ClosingError as refusal:
        return render_case(
            request, session, services, web, case,
            errors={"closing": str(refusal)}, drafts={"reason": reason}, status_code=409,
        )  # fmt: skip
    return _back(case.id, "closing")


def parse_date(text: str) -> date | None:
    """An <input type=date> value (YYYY-MM-DD); empty is None; anything else is refused."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FollowupError(gettext("Write the date as DD/MM/YYYY.")) from None


class ProcedureDates(BaseModel):
    """The date fields of the procedure form (YYYY-MM-DD from <input type=date>, or empty)."""

    date_cdp: str = Field("", max_length=20)
    date_assignation: str = Field("", max_length=20)
    date_audience: str = Field("", max_length=20)
    date_jugement: str = Field("", max_length=20)
    date_cql: str = Field("", max_length=20)
    date_cfp: str = Field("", max_length=20)
    lease_signed_on: str = Field("", max_length=20)


class CommandementChecks(BaseModel):
    """One radio group per point of the order to pay (outreach.casework.checks.ITEMS)."""

    check_served: str = Field("", max_length=20)
    check_time_to_pay: str = Field("", max_length=20)
    check_monthly_rent: str = Field("", max_length=20)
    check_breakdown: str = Field("", max_length=20)
    check_warning: str = Field("", max_length=20)
    check_fsl: str = Field("", max_length=20)
    check_grace_period: str = Field("", max_length=20)
    check_clause: str = Field("", max_length=20)
    check_ccapex: str = Field("", max_length=20)


@router.post("/cases/{case_id}/procedure")
def procedure_dates(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    form: Annotated[ProcedureDates, Form()],
) -> Response:
    """The procedure's dates as read on the acts; an empty field clears a date."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        values = {name: parse_date(getattr(form, name)) for name in DATE_FIELDS}
        update_dates(session, clock=services.clock, case=case, values=values, actor=web.user)
    except (FollowupError, ProcedureError) as error:
        return render_case(
            request, session, services, web, case, errors={"procedure": str(error)},
            status_code=422,
        )  # fmt: skip
    return _back(case.id, "procedure")


@router.post("/cases/{case_id}/procedure/checks")
def procedure_checks(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    form: Annotated[CommandementChecks, Form()],
) -> Response:
    """The verdict on each point of the order to pay (a point left blank stays unchecked)."""
    case = visible_case(session, user=web.user, case_id=case_id)
    given = {item: getattr(form, f"check_{item}") for item in CHECK_ITEMS}
    try:
        record_verdicts(session, clock=services.clock, case=case, given=given, actor=web.user)
    except CheckError as error:
        return render_case(
            request, session, services, web, case, errors={"procedure": str(error)},
            status_code=422,
        )  # fmt: skip
    return _back(case.id, "procedure")


@router.post("/cases/{case_id}/procedure/orientation")
def procedure_orientation(
    case_id: RowId, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    """Add the ADIL / lawyer démarche a point not compliant calls for."""
    case = visible_case(session, user=web.user, case_id=case_id)
    propose_orientation(session, clock=services.clock, case=case, actor=web.user)
    return _back(case.id, "steps")


@router.post("/cases/{case_id}/out-of-scope")
def out_of_scope(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    reason: ShortText = "",
) -> Response:
    """Hors dispositif: already followed by a social service, social housing, not a tenant."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        set_out_of_scope(session, clock=services.clock, case=case, reason=reason, actor=web.user)
    except ClosingError as refusal:
        return render_case(
            request, session, services, web, case, errors={"closing": str(refusal)},
            status_code=409,
        )  # fmt: skip
    return _back(case.id, "closing")
