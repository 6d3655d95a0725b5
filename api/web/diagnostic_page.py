"""The diagnostic page (DSF), made for a phone at the kitchen table: the questions of the data
file as sections, saved as a draft (by the form, and every few seconds by api/static/diagnostic.js,
which keeps a copy on the phone while the network is down), then submitted; once submitted, the
answers read as text with a button to edit them again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from api.deps import RowId, ServicesDep, SessionDep
from api.services import Services
from api.web.access import visible_case
from api.web.auth import FormUserDep, WebUser, WebUserDep
from api.web.rendering import render, secure
from messages import gettext
from messages.formatting import amount, short_date, time_of_day
from outreach import audit
from outreach.casework import diagnostic
from outreach.casework.diagnostic_form import TEXT_MAX, current_form, shown
from outreach.models import Case
from outreach.privacy.consent import current_consent
from outreach.team.inbox import household_name

router = APIRouter(include_in_schema=False)

# The form is read when the app starts: a wrong data file stops the start with the entry at fault.
current_form()

MAX_REVISION = 2**31 - 1
Revision = Annotated[int, Form(ge=0, le=MAX_REVISION)]


class DraftIn(BaseModel):
    """An autosave: the revision the draft was made from and every answer as typed."""

    revision: int = Field(ge=0, le=MAX_REVISION)
    answers: dict[str, str | list[str]] = Field(max_length=500)


@router.get("/cases/{case_id}/diagnostic")
def diagnostic_page(
    case_id: RowId, request: Request, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    case = visible_case(session, user=web.user, case_id=case_id)
    audit.record(
        session, clock=services.clock, actor=web.user, action="diagnostic.read", case_id=case.id
    )
    notice = {
        "saved": gettext("Draft saved."),
        "submitted": gettext("Diagnostic submitted."),
    }.get(request.query_params.get("done", ""))
    return _render(request, session, services, web, case, notice=notice)


async def posted_answers(request: Request) -> dict[str, str | list[str]]:
    """The answers of the posted form, read on the event loop; the handlers that write them run
    in the thread pool like every other form (their database work never blocks the loop)."""
    return _given(await request.form())


Answers = Annotated[dict[str, str | list[str]], Depends(posted_answers)]


@router.post("/cases/{case_id}/diagnostic")
def save(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    given: Answers,
    revision: Revision = 0,
) -> Response:
    """Save the draft from the form (phones without JavaScript, or the Save button)."""
    case = visible_case(session, user=web.user, case_id=case_id)
    refused = _save(request, session, services, web, case, given=given, revision=revision)
    return refused or _back(case.id, "saved")


@router.post("/cases/{case_id}/diagnostic/submit")
def submit(
    case_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    given: Answers,
    revision: Revision = 0,
) -> Response:
    """Save the answers on the form, then submit the diagnostic (needs the consent given)."""
    case = visible_case(session, user=web.user, case_id=case_id)
    refused = _save(request, session, services, web, case, given=given, revision=revision)
    if refused:
        return refused
    try:
        diagnostic.submit(session, clock=services.clock, case=case, actor=web.user)
    except diagnostic.DiagnosticError as error:
        # The draft just saved stays; the page says what is missing.
        return _render(request, session, services, web, case, error=str(error), status_code=409)
    return _back(case.id, "submitted")


@router.post("/cases/{case_id}/diagnostic/edit")
def edit(
    case_id: RowId, request: Request, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    """Open a submitted diagnostic for changes again (it is a draft until submitted again)."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        diagnostic.reopen(session, clock=services.clock, case=case, actor=web.user)
    except diagnostic.DiagnosticError as error:
        return _render(request, session, services, web, case, error=str(error), status_code=409)
    return RedirectResponse(f"/cases/{case.id}/diagnostic", status_code=303)


@router.post("/cases/{case_id}/diagnostic/draft")
def autosave(
    case_id: RowId, payload: DraftIn, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    """The page's autosave (JSON, X-CSRF-Token): 200 with the new revision; 409 when the draft
    changed elsewhere or cannot change; 422 with the message of each wrong answer."""
    case = visible_case(session, user=web.user, case_id=case_id)
    try:
        row = diagnostic.save_draft(
            session,
            clock=services.clock,
            case=case,
            actor=web.user,
            given=payload.answers,
            revision=payload.revision,
        )
    except diagnostic.InvalidAnswers as error:
        return _json({"error": str(error), "errors": error.errors}, 422)
    except diagnostic.StaleRevision as error:
        return _json({"error": str(error), "revision": error.current}, 409)
    except diagnostic.DiagnosticError as error:
        return _json({"error": str(error)}, 409)
    return _json({"revision": row.revision, "saved_at": time_of_day(row.updated_at, "fr")}, 200)


def _json(body: dict[str, Any], status: int) -> Response:
    return secure(JSONResponse(body, status_code=status))


def _back(case_id: int, done: str) -> Response:
    return RedirectResponse(f"/cases/{case_id}/diagnostic?done={done}", status_code=303)


def _given(form: FormData) -> dict[str, str | list[str]]:
    """The answers of a posted form: a list for a ticked list, the text otherwise."""
    fields = current_form().fields
    given: dict[str, str | list[str]] = {}
    for key in form:
        if key not in fields:
            continue
        values = [value for value in form.getlist(key) if isinstance(value, str)]
        given[key] = values if fields[key].type == "multichoice" else (values[-1] if values else "")
    return given


def _save(
    request: Request,
    session: Session,
    services: Services,
    web: WebUser,
    case: Case,
    *,
    given: dict[str, str | list[str]],
    revision: int,
) -> Response | None:
    """Save the draft; the page again with the reasons when it is refused, else None."""
    try:
        diagnostic.save_draft(
            session,
            clock=services.clock,
            case=case,
            actor=web.user,
            given=given,
            revision=revision,
        )
    except diagnostic.InvalidAnswers as error:
        return _render(
            request, session, services, web, case,
            error=str(error), errors=error.errors, typed=given, status_code=422,
        )  # fmt: skip
    except diagnostic.DiagnosticError as error:
        # A newer save exists: the typed answers stay on the page, to be saved over it or not.
        return _render(
            request, session, services, web, case,
            error=str(error), typed=given, status_code=409,
        )  # fmt: skip
    return None


def _render(
    request: Request,
    session: Session,
    services: Services,
    web: WebUser,
    case: Case,
    *,
    notice: str | None = None,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    typed: dict[str, str | list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    form = current_form()
    stored = diagnostic.shown(session, case_id=case.id)
    row = diagnostic.get(session, case_id=case.id)
    errors = errors or {}
    sections = [
        {
            "key": section.key,
            "title": section.title,
            "help": section.help,
            "fields": [
                {
                    "field": field,
                    "value": typed.get(field.key, "")
                    if typed is not None
                    else shown(field, stored.answers.get(field.key)),
                    "error": errors.get(field.key),
                }
                for field in section.fields
            ],
        }
        for section in form.sections
    ]
    consent = current_consent(session, case_id=case.id, purpose="diagnostic")
    context = {
        "case": case,
        "household": household_name(case),
        "status": stored.status,
        "revision": stored.revision,
        "sections": sections,
        "read_only": diagnostic.read_only(form, stored.answers),
        "figures": _figures(diagnostic.summary(session, case_id=case.id, form=form)),
        "submitted_on": short_date(row.submitted_at) if row and row.submitted_at else None,
        "updated_on": short_date(row.updated_at) if row else None,
        "consent_given": consent is not None and consent.decision == "given",
        "text_max": TEXT_MAX,
        "notice": notice,
        "error": error,
    }
    return render(request, "team/diagnostic.html", context, web=web, status_code=status_code)


def _figures(found: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The totals a reader of the diagnostic looks for first."""
    if not found:
        return []
    rows = []
    if found["monthly_resources_cents"] is not None:
        rows.append((gettext("Resources a month"), amount(found["monthly_resources_cents"], "fr")))
    housing = [c for c in (found["rent_cents"], found["charges_cents"]) if c is not None]
    if housing:
        rows.append((gettext("Rent and charges a month"), amount(sum(housing), "fr")))
    if found["household_size"] is not None:
        rows.append((gettext("People in the household"), str(found["household_size"])))
    return rows
