"""The partner directory page: every member reads it (who to orient a household to, how to reach
the service); coordinators add, correct, confirm and remove partners."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import RowId, ServicesDep, SessionDep
from api.web.auth import FormUserDep, WebUser, WebUserDep, require_coordinator
from api.web.rendering import PageError, render
from messages import gettext
from outreach.models import Partner, Sector
from outreach.models.partner import PARTNER_KINDS
from outreach.partners.directory import (
    PartnerError,
    PartnerInput,
    kind_label,
    partners,
    remove,
    save,
)

router = APIRouter(include_in_schema=False)


@router.get("/partners")
def partners_page(request: Request, session: SessionDep, web: WebUserDep) -> Response:
    return _page(request, session, web)


def _page(
    request: Request,
    session: Session,
    web: WebUser,
    *,
    error: str | None = None,
    failed: int | None = None,
    draft: dict[str, object] | None = None,
) -> Response:
    sectors = list(session.scalars(select(Sector).order_by(Sector.name)))
    names = {sector.code: sector.name for sector in sectors}
    rows = [
        {
            "id": partner.id,
            "name": partner.name,
            "kind": partner.kind,
            "kind_label": kind_label(partner.kind),
            "sectors": ", ".join(names.get(code, code) for code in partner.sector_codes)
            or gettext("the whole territory"),
            "sector_codes": partner.sector_codes,
            "email": partner.email,
            "phone": partner.phone,
            "address": partner.address,
            "accepts": partner.accepts,
            "confirmed": partner.confirmed,
        }
        for partner in partners(session)
    ]
    context = {
        "partners": rows,
        "kinds": [(kind, kind_label(kind)) for kind in PARTNER_KINDS],
        "sectors": [(sector.code, sector.name) for sector in sectors],
        "error": error,
        "failed": failed,
        "draft": draft or {},
    }
    status = 422 if error else 200
    return render(request, "team/partners.html", context, web=web, status_code=status)


class PartnerForm(BaseModel):
    """The partner form's fields (the add and the correct forms are the same)."""

    name: str = Field("", max_length=300)
    kind: str = Field("", max_length=30)
    sectors: list[str] = Field(default_factory=list, max_length=200)
    email: str = Field("", max_length=300)
    phone: str = Field("", max_length=300)
    address: str = Field("", max_length=300)
    accepts: str = Field("", max_length=4000)
    confirmed: str = Field("", max_length=10)

    def given(self) -> PartnerInput:
        return PartnerInput(
            name=self.name,
            kind=self.kind,
            sector_codes=tuple(self.sectors),
            email=self.email,
            phone=self.phone,
            address=self.address,
            accepts=self.accepts,
            confirmed=self.confirmed == "yes",
        )


PartnerFormDep = Annotated[PartnerForm, Form()]


@router.post("/partners")
def add_partner(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    form: PartnerFormDep,
) -> Response:
    require_coordinator(web)
    given = form.given()
    try:
        save(session, clock=services.clock, given=given, actor=web.user)
    except PartnerError as error:
        return _page(request, session, web, error=str(error), draft=given.__dict__)
    return RedirectResponse("/partners", status_code=303)


@router.post("/partners/{partner_id}")
def change_partner(
    partner_id: RowId,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    form: PartnerFormDep,
) -> Response:
    require_coordinator(web)
    partner = _partner(session, partner_id)
    try:
        save(session, clock=services.clock, given=form.given(), actor=web.user, partner=partner)
    except PartnerError as error:
        return _page(request, session, web, error=str(error), failed=partner_id)
    return RedirectResponse(f"/partners#partner-{partner_id}", status_code=303)


@router.post("/partners/{partner_id}/remove")
def remove_partner(
    partner_id: RowId, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    require_coordinator(web)
    remove(session, clock=services.clock, partner=_partner(session, partner_id), actor=web.user)
    return RedirectResponse("/partners", status_code=303)


def _partner(session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None or not partner.active:
        raise PageError(404, gettext("Partner not found."))
    return partner
