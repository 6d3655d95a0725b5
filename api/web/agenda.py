"""The agenda: visits per worker and week, and the workers' calendar feeds.

GET /agenda?week=YYYY-Www&worker=ID shows one Paris week (Monday first). A coordinator sees every
worker's visits; a worker sees the visits of their sectors (and their own). The same page lists the
availability the viewer manages (its forms: api.web.availability).

GET /calendar/{secret}.ics is the worker's private feed (no sign-in: the secret is the key).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import RowId, ServicesDep, SessionDep
from api.routes.params import EARLIEST, LATEST
from api.routes.visits import VISIT_ERRORS
from api.services import Services
from api.web.auth import FormUserDep, WebUser, WebUserDep
from api.web.availability import (
    WEEK,
    WEEKDAYS,
    Short,
    absences,
    as_int,
    back_to_agenda,
    may_manage,
    one_offs,
    read_names,
    visible_sectors,
    visible_workers,
    windows,
)
from api.web.csrf import signed_value, unsign
from api.web.rendering import PageError, render
from messages import gettext
from messages.formatting import visit_date
from outreach.booking import calendar_feed
from outreach.booking.texts import place_text
from outreach.booking.visits import (
    VISIT_STATUS_LABELS,
    VisitError,
    mark_held,
    mark_no_show,
    visits_between,
)
from outreach.cases import may_see_case
from outreach.clock import PARIS
from outreach.models import Visit
from outreach.sending.quiet_hours import wall_to_utc
from outreach.team.inbox import household_name

router = APIRouter(include_in_schema=False)


def _visible_visit(session: Session, web: WebUser, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise PageError(404, gettext("Visit not found."))
    if not may_see_case(web.user, visit.case):
        raise PageError(403, gettext("This visit is not in your sectors."))
    return visit


FEED_FLASH = "new_calendar_feed"

# --- the week ----------------------------------------------------------------------------------


def parse_week(value: str, today: date) -> date:
    """The Monday of an ISO week "2026-W12"; this week when empty."""
    if not value:
        return today - timedelta(days=today.weekday())
    found = WEEK.match(value)
    if not found:
        raise PageError(422, gettext("The week must look like 2026-W12."))
    try:
        monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:
        raise PageError(422, gettext("The week must look like 2026-W12.")) from None
    if not EARLIEST <= monday <= LATEST - timedelta(days=7):  # the page shows the next week too
        raise PageError(404, gettext("No agenda for that week."))
    return monday


def week_code(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@router.get("/agenda")
def agenda(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
    week: Annotated[str, Query(max_length=10)] = "",
    worker: Annotated[str, Query(max_length=20)] = "",
    day: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """The week of `week` ("2026-W12", the arrows), or of any `day` picked in the calendar."""
    if day and not week:
        try:
            week = week_code(date.fromisoformat(day))
        except ValueError:
            raise PageError(400, gettext("Choose a day in the calendar.")) from None
    flash = request.cookies.get(FEED_FLASH)
    new_feed_url = unsign(services.settings.secret_key, FEED_FLASH, flash) if flash else None
    response = render_agenda(
        request, session, services, web, week=week, worker=worker, new_feed_url=new_feed_url
    )
    if flash:  # the new address is shown once, then forgotten
        response.delete_cookie(FEED_FLASH, path="/agenda")
    return response


def render_agenda(
    request: Request,
    session: Session,
    services: Services,
    web: WebUser,
    *,
    week: str = "",
    worker: str = "",
    new_feed_url: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    today = services.clock.now().astimezone(PARIS).date()
    monday = parse_week(week[:10], today)
    workers = visible_workers(session, web)
    worker_id = as_int(worker[:20])
    if worker_id is not None and worker_id not in {u.id for u in workers}:
        raise PageError(403, gettext("This team member is not in your sectors."))
    start = wall_to_utc(datetime.combine(monday, time(0)))
    end = wall_to_utc(datetime.combine(monday + timedelta(days=7), time(0)))
    visits = visits_between(
        session,
        start=start,
        end=end,
        worker_id=worker_id,
        viewer=web.user,
        include_cancelled=True,
    )
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        on_day = [v for v in visits if v.starts_at.astimezone(PARIS).date() == day]
        if offset == 6 and not on_day:
            continue  # no Sunday column unless something is on it
        days.append(
            {
                "date": day,
                "label": f"{gettext(WEEKDAYS[offset]).capitalize()} {day.strftime('%d/%m')}",
                "visits": [_visit_row(v, services, web) for v in on_day],
            }
        )
    shown = [u for u in workers if worker_id is None or u.id == worker_id]
    managed = [u for u in shown if may_manage(web, u.id)]
    managed_ids = [u.id for u in managed]
    feed = calendar_feed.live_feed(session, worker_id=web.user.id)
    names = read_names(session)
    webcal = "webcal://" + new_feed_url.split("://", 1)[1] if new_feed_url else None
    context: dict[str, Any] = {
        "week": week_code(monday),
        "monday": monday.isoformat(),
        "webcal_url": webcal,
        "week_label": gettext("Week of {day}", day=monday.strftime("%d/%m/%Y")),
        "previous_week": week_code(monday - timedelta(days=7)),
        "next_week": week_code(monday + timedelta(days=7)),
        "worker": str(worker_id or ""),
        "worker_options": [(u.id, u.name) for u in workers],
        "form_workers": [(u.id, u.name) for u in workers if may_manage(web, u.id)],
        "form_sectors": [(s.id, s.name) for s in visible_sectors(session, web)],
        "weekday_options": [(n, gettext(name)) for n, name in enumerate(WEEKDAYS)],
        "days": days,
        "visit_count": len([v for v in visits if v.status != "cancelled"]),
        "windows": windows(session, managed_ids, names),
        "one_offs": one_offs(session, managed_ids, today, names),
        "absences": absences(session, managed_ids, services.clock.now(), names),
        "feed": feed,
        "new_feed_url": new_feed_url,
        "error": error,
        "today": today.isoformat(),
    }
    return render(request, "team/agenda.html", context, web=web, status_code=status_code)


def _visit_row(visit: Visit, services: Services, web: WebUser) -> dict[str, Any]:
    case = visit.case
    now = services.clock.now()
    place = ", ".join(
        filter(None, (case.address, " ".join(filter(None, (case.postcode, case.commune)))))
    )
    if visit.place_kind == "nearby" and visit.place is not None:  # met near the home
        place = place_text(visit) or place
    return {
        "id": visit.id,
        "household": household_name(case),
        "commune": case.commune or "",
        "time": visit.starts_at.astimezone(PARIS).strftime("%H:%M"),
        "end": visit.ends_at.astimezone(PARIS).strftime("%H:%M"),
        "label": visit_date(visit.starts_at, "fr"),
        "case_id": case.id,
        "reference": case.reference,
        "place": place,
        "worker": visit.worker.name if visit.worker else "",
        "sector": visit.sector.name if visit.sector else "",
        "status": visit.status,
        "status_label": gettext(VISIT_STATUS_LABELS.get(visit.status, visit.status)),
        "time_window": visit.time_window,
        "markable": visit.status != "cancelled" and now >= visit.starts_at,
    }


# --- visit outcome ------------------------------------------------------------------------------


@router.post("/agenda/visits/{visit_id}/{outcome}")
def mark(
    visit_id: RowId,
    outcome: str,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    week: Short = "",
    worker: Short = "",
) -> Response:
    if outcome not in ("held", "no-show"):
        raise PageError(404, gettext("Page not found."))
    visit = _visible_visit(session, web, visit_id)
    action = mark_held if outcome == "held" else mark_no_show
    try:
        action(session, clock=services.clock, visit=visit, actor=web.user)
    except VisitError as error:
        raise PageError(409, gettext(VISIT_ERRORS[error.reason])) from None
    return back_to_agenda(week, worker)


# --- the calendar feed ------------------------------------------------------------------------


@router.post("/agenda/feed")
def make_feed(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    week: Short = "",
) -> Response:
    """A new private address (the old one stops working); shown once, after a redirect (a reload
    of the page shows it no more and never makes another one). It travels to the next page in a
    signed, short-lived cookie, never in the address bar."""
    secret = calendar_feed.create_feed(
        session, clock=services.clock, worker=web.user, actor=web.user
    )
    url = f"{services.settings.public_url.rstrip('/')}/calendar/{secret}.ics"
    response = back_to_agenda(week, anchor="calendar-feed")
    response.set_cookie(
        FEED_FLASH,
        signed_value(services.settings.secret_key, FEED_FLASH, url),
        max_age=120,
        path="/agenda",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/agenda/feed/revoke")
def revoke_feed(
    session: SessionDep, services: ServicesDep, web: FormUserDep, week: Short = ""
) -> Response:
    calendar_feed.revoke_feed(session, clock=services.clock, worker=web.user, actor=web.user)
    return back_to_agenda(week)


@router.get("/calendar/{secret}.ics")
def feed(secret: str, session: SessionDep, services: ServicesDep) -> Response:
    worker = calendar_feed.worker_for_secret(session, secret)
    if worker is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    visits = calendar_feed.feed_visits(session, clock=services.clock, worker_id=worker.id)
    host = services.settings.public_url.split("//", 1)[-1].split("/", 1)[0] or "allervers"
    body = calendar_feed.build_ics(visits, now=services.clock.now(), host=host)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": 'attachment; filename="visites.ics"',
        },
    )
