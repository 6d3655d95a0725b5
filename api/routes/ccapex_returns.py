"""The monthly return to the CCAPEX for coordinators: GET /api/ccapex-returns/{month}.csv and
.xlsx (outreach.ccapex.monthly_return; each download is audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path
from fastapi.responses import Response

from api.deps import CurrentUser, ServicesDep, SessionDep
from api.routes.cases import MONTH
from api.routes.contract import CsvResponse, XlsxResponse
from messages import gettext
from outreach import audit
from outreach.ccapex import monthly_return
from outreach.ccapex.monthly_return import ReturnError

router = APIRouter(prefix="/api", tags=["ccapex"])

XLSX = XlsxResponse.media_type


def download(body: bytes, *, month: str, kind: str) -> Response:
    media = XLSX if kind == "xlsx" else "text/csv; charset=utf-8"
    name = f"retour-ccapex-{month}.{kind}"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def build(session: SessionDep, *, month: str, kind: str) -> bytes:
    rows = monthly_return.rows_for_month(session, month=month)
    return (
        monthly_return.to_xlsx(rows, month=month) if kind == "xlsx" else monthly_return.to_csv(rows)
    )


@router.get(
    "/ccapex-returns/{month}.{kind}",
    response_class=CsvResponse,
    responses={200: {"content": {XlsxResponse.media_type: {}}}},
)
def ccapex_return(
    month: Annotated[str, Path(pattern=MONTH)],
    kind: Annotated[str, Path(json_schema_extra={"enum": ["csv", "xlsx"]})],
    session: SessionDep,
    services: ServicesDep,
    user: CurrentUser,
) -> Response:
    """Every case the CCAPEX transferred in `month` (YYYY-MM), with what happened since."""
    if not user.is_coordinator:
        raise HTTPException(403, detail=gettext("Reserved for the coordination team."))
    if kind not in ("csv", "xlsx"):
        raise HTTPException(404, detail=gettext("Page not found."))
    try:
        body = build(session, month=month, kind=kind)
    except ReturnError as error:
        raise HTTPException(422, detail=str(error)) from None
    audit.record(session, clock=services.clock, actor=user, action="ccapex.return", month=month)
    return download(body, month=month, kind=kind)
