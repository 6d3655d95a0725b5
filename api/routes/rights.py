"""Rights of the person, for coordinators: export everything held about a household (JSON, or a
readable page to print as PDF) and erase it on request. Workers get 403."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from api.deps import CurrentUser, RowId, ServicesDep, SessionDep
from api.routes.messages import _visible_case
from api.web.templating import templates
from messages import N_, gettext
from outreach import audit
from outreach.models import Case, TeamUser
from outreach.privacy.rights import ERASE_CONFIRMATION, ErasureNotConfirmed, erase_case, export_case

router = APIRouter(prefix="/api", tags=["rights"])

NOT_CONFIRMED = N_("Type {word} to confirm the erasure.")


class ErasureRequest(BaseModel):
    confirmation: str = Field(
        description="the word EFFACER", json_schema_extra={"enum": [ERASE_CONFIRMATION]}
    )


class ErasurePublic(BaseModel):
    case_id: int
    erased: bool


def _coordinator_case(session: SessionDep, user: TeamUser, case_id: int) -> Case:
    if not user.is_coordinator:
        raise HTTPException(403, detail=gettext("Reserved for the coordination team."))
    return _visible_case(session, user=user, case_id=case_id)


def _export(
    session: SessionDep, services: ServicesDep, user: TeamUser, case_id: int, kind: str
) -> dict[str, Any]:
    case = _coordinator_case(session, user, case_id)
    data = export_case(session, case=case)
    audit.record(
        session,
        clock=services.clock,
        actor=user,
        action="case.export",
        case_id=case.id,
        format=kind,
    )
    return data


@router.get("/cases/{case_id}/export.json")
def export_json(
    case_id: RowId, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> Response:
    data = _export(session, services, user, case_id, "json")
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="dossier-{case_id}.json"'},
    )


@router.get("/cases/{case_id}/export.html", response_class=HTMLResponse)
def export_html(
    case_id: RowId, request: Request, session: SessionDep, services: ServicesDep, user: CurrentUser
) -> HTMLResponse:
    data = _export(session, services, user, case_id, "html")
    generated = services.clock.now().isoformat(timespec="minutes")
    context = {"data": data, "case_id": case_id, "generated": generated}
    response = templates.TemplateResponse(request, "case_export.html", context)
    # A standalone printable file: its one inline style block is all it needs, no script.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    return response


@router.post("/cases/{case_id}/erase", response_model=ErasurePublic)
def erase(
    case_id: RowId,
    payload: ErasureRequest,
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> ErasurePublic:
    case = _coordinator_case(session, user, case_id)
    try:
        erase_case(
            session, clock=services.clock, case=case, actor=user, confirmation=payload.confirmation
        )
    except ErasureNotConfirmed:
        raise HTTPException(422, detail=gettext(NOT_CONFIRMED, word=ERASE_CONFIRMATION)) from None
    return ErasurePublic(case_id=case.id, erased=True)
