"""The team page (coordinators): who is in the team, and cutting a member off or letting them
back in; the meeting places near the households of each sector (mairie, CCAS, France Services…).
Deactivating ends the member's web sessions, API token and calendar feed at once
(`outreach.team.users.deactivate`); a coordinator cannot deactivate themself."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from api.deps import RowId, ServicesDep, SessionDep
from api.web.auth import FormUserDep, WebUser, WebUserDep, require_coordinator
from api.web.rendering import PageError, render
from messages import gettext
from outreach.booking.places import PlaceError, add_place, all_places, remove_place
from outreach.models import MeetingPlace, Sector, TeamUser
from outreach.team.users import UserError, deactivate, list_users, reactivate, rotate_token

router = APIRouter(include_in_schema=False)


@router.get("/team")
def team_page(request: Request, session: SessionDep, web: WebUserDep) -> Response:
    require_coordinator(web)
    return _page(request, session, web)


def _page(
    request: Request,
    session: SessionDep,
    web: WebUser,
    *,
    new_token: tuple[int, str] | None = None,
    place_error: str | None = None,
    place_draft: dict[str, str] | None = None,
) -> Response:
    members = [
        {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": gettext("coordinator") if user.is_coordinator else gettext("worker"),
            "sectors": ", ".join(sorted(sector.name for sector in user.sectors)),
            "active": user.active,
            "token_until": user.api_token_expires_at if user.api_token_hash else None,
            "token_used": user.api_token_last_used_at,
            "is_me": user.id == web.user.id,
        }
        for user in list_users(session)
    ]
    sectors = list(session.scalars(select(Sector).order_by(Sector.name)))
    names = {sector.id: sector.name for sector in sectors}
    context = {
        "members": members,
        "csrf": web.csrf,
        "new_token": new_token,
        "sectors": [(sector.id, sector.name) for sector in sectors],
        "places": [
            {
                "id": place.id,
                "sector": names.get(place.sector_id, ""),
                "name": place.name,
                "address": place.address,
            }
            for place in all_places(session)
        ],
        "place_error": place_error,
        "place_draft": place_draft or {},
    }
    status = 422 if place_error else 200
    response = render(request, "team/team.html", context, web=web, status_code=status)
    response.headers["Cache-Control"] = "no-store"  # the new token is on the page
    return response


@router.post("/team/{user_id}/token")
def rotate_member_token(
    request: Request,
    user_id: RowId,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
) -> Response:
    """A new API token for the member, shown once on the page that answers (not a redirect)."""
    require_coordinator(web)
    user = _member(session, user_id)
    if not user.active:
        raise PageError(409, gettext("this team member is deactivated"))
    token = rotate_token(session, clock=services.clock, user=user, actor=web.user)
    return _page(request, session, web, new_token=(user.id, token))


@router.post("/team/{user_id}/deactivate")
def deactivate_member(
    user_id: RowId, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    require_coordinator(web)
    user = _member(session, user_id)
    try:
        deactivate(session, clock=services.clock, user=user, actor=web.user)
    except UserError as error:
        raise PageError(409, str(error)) from None
    return RedirectResponse("/team", status_code=303)


@router.post("/team/{user_id}/reactivate")
def reactivate_member(
    user_id: RowId, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    require_coordinator(web)
    reactivate(session, clock=services.clock, user=_member(session, user_id), actor=web.user)
    return RedirectResponse("/team", status_code=303)


def _member(session: SessionDep, user_id: int) -> TeamUser:
    user = session.get(TeamUser, user_id)
    if user is None:
        raise PageError(404, gettext("This team member does not exist."))
    return user


ShortText = Annotated[str, Form(max_length=200)]


@router.post("/team/places")
def new_place(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    sector: ShortText = "",
    name: ShortText = "",
    address: ShortText = "",
) -> Response:
    """A meeting place of a sector, as the team knows it (the address may be left empty)."""
    require_coordinator(web)
    found = session.get(Sector, int(sector)) if sector.isdigit() else None
    try:
        if found is None:
            raise PlaceError(gettext("Choose the sector."))
        add_place(
            session, clock=services.clock, sector=found, name=name, address=address, actor=web.user
        )
    except PlaceError as error:
        draft = {"sector": sector, "name": name, "address": address}
        return _page(request, session, web, place_error=str(error), place_draft=draft)
    return RedirectResponse("/team#places", status_code=303)


@router.post("/team/places/{place_id}/remove")
def drop_place(
    place_id: RowId, session: SessionDep, services: ServicesDep, web: FormUserDep
) -> Response:
    require_coordinator(web)
    place = session.get(MeetingPlace, place_id)
    if place is None:
        raise PageError(404, gettext("Page not found."))
    remove_place(session, clock=services.clock, place=place, actor=web.user)
    return RedirectResponse("/team#places", status_code=303)
