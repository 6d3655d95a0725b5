"""The unassigned queue for every team member: cases no sector matches, and "Affecter à mon
secteur" (outreach.casework.placement)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import RowId, ServicesDep, SessionDep
from api.web.auth import FormUserDep, WebUserDep
from api.web.labels import STAGE_LABELS, label
from api.web.rendering import PageError, render
from messages import gettext
from outreach import audit
from outreach.casework.placement import (
    PlacementError,
    place_in_sector,
    sectors_for,
    unassigned_cases,
)
from outreach.models import Case

router = APIRouter(include_in_schema=False)


@router.get("/unassigned")
def queue(
    request: Request, session: SessionDep, services: ServicesDep, web: WebUserDep
) -> Response:
    cases = unassigned_cases(session)
    audit.record(
        session,
        clock=services.clock,
        actor=web.user,
        action="case.unassigned_list",
        case_ids=[case.id for case in cases],
    )
    rows = [
        {
            "id": case.id,
            "reference": case.reference,
            "commune": case.commune or "",
            "postcode": case.postcode or "",
            "stage": label(STAGE_LABELS, case.stage) if case.stage else "",
            "month": case.import_month or "",
        }
        for case in cases
    ]
    sectors = [(sector.id, sector.name) for sector in sectors_for(session, web.user)]
    return render(request, "team/unassigned.html", {"rows": rows, "sectors": sectors}, web=web)


@router.post("/unassigned/{case_id}")
def place(
    case_id: RowId,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    sector: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Place an unassigned case in one of the member's sectors, then open it."""
    case = session.get(Case, case_id)
    if case is None:
        raise PageError(404, gettext("Case not found."))
    try:
        place_in_sector(
            session,
            clock=services.clock,
            case=case,
            sector_id=int(sector) if sector.isdigit() else 0,
            actor=web.user,
        )
    except PlacementError as error:
        raise PageError(409 if case.sector_id else 403, str(error)) from None
    return RedirectResponse(f"/cases/{case.id}", status_code=303)
