"""The agenda: visits per worker and week, the workers' availability, and their calendar feeds.

GET /agenda?week=YYYY-Www&worker=ID shows one Paris week (Monday first). A coordinator sees every
worker's visits and manages everyone's availability; a worker sees the visits of their sectors
(and their own) and manages their own availability in their sectors. Every change to
availability re-materialises the slots at once, so the next offers reflect it.

GET /calendar/{secret}.ics is the worker's private feed (no sign-in: the secret is the key).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import RowId, ServicesDep, SessionDep
from api.routes.params import EARLIEST, LATEST
from api.routes.visits import VISIT_ERRORS
from api.services import Services
from api.web.auth import FormUserDep, WebUser, WebUserDep
from api.web.rendering import NavLink, PageError, add_nav_link, render
from messages import N_, gettext
from messages.formatting import visit_date
from outreach import audit
from outreach.booking import calendar_feed
from outreach.booking.slots import materialise_slots
from outreach.booking.visits import VisitError, mark_held, mark_no_show, visits_between
from outreach.cases import may_see_case
from outreach.clock import PARIS
from outreach.models import Absence, AvailabilityWindow, OneOffSlot, Sector, TeamUser, Visit
from outreach.sending.quiet_hours import wall_to_utc

router = APIRouter(include_in_schema=False)

add_nav_link(NavLink(N_("Agenda"), "/agenda"), before="/indicators")

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
STATUS_LABELS = {
    "booked": N_("visit booked"),
    "reminded": N_("visit reminded"),
    "held": N_("visit held"),
    "no_show": N_("nobody home"),
    "cancelled": N_("visit cancelled"),
}
MIN_SLOT, MAX_SLOT = 15, 240
Short = Annotated[str, Form(max_length=40)]


# --- who may see and change what -------------------------------------------------------------


def _sector_ids(user: TeamUser) -> set[int]:
    return {sector.id for sector in user.sectors}


def _workers(session: Session, web: WebUser) -> list[TeamUser]:
    """The team members whose agenda `web` may look at."""
    users = list(
        session.scalars(select(TeamUser).where(TeamUser.active.is_(True)).order_by(TeamUser.name))
    )
    if web.is_coordinator:
        return users
    mine = _sector_ids(web.user)
    return [u for u in users if u.id == web.user.id or _sector_ids(u) & mine]


def _sectors(session: Session, web: WebUser) -> list[Sector]:
    if web.is_coordinator:
        return list(session.scalars(select(Sector).order_by(Sector.name)))
    return sorted(web.user.sectors, key=lambda sector: sector.name)


def _may_manage(web: WebUser, worker_id: int) -> bool:
    return web.is_coordinator or worker_id == web.user.id


def _check_manage(web: WebUser, worker_id: int, sector_id: int | None = None) -> None:
    if not _may_manage(web, worker_id) or (
        sector_id is not None and not web.is_coordinator and sector_id not in _sector_ids(web.user)
    ):
        raise PageError(403, gettext("You can only change your own availability in your sectors."))


def _visible_visit(session: Session, web: WebUser, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise PageError(404, gettext("Visit not found."))
    if not may_see_case(web.user, visit.case):
        raise PageError(403, gettext("This visit is not in your sectors."))
    return visit


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


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@router.get("/agenda")
def agenda(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: WebUserDep,
    week: Annotated[str, Query(max_length=10)] = "",
    worker: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    return render_agenda(request, session, services, web, week=week, worker=worker)


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
    workers = _workers(session, web)
    worker_id = _int(worker[:20])
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
    managed = [u for u in shown if _may_manage(web, u.id)]
    managed_ids = [u.id for u in managed]
    feed = calendar_feed.live_feed(session, worker_id=web.user.id)
    context: dict[str, Any] = {
        "week": week_code(monday),
        "week_label": gettext("Week of {day}", day=monday.strftime("%d/%m/%Y")),
        "previous_week": week_code(monday - timedelta(days=7)),
        "next_week": week_code(monday + timedelta(days=7)),
        "worker": str(worker_id or ""),
        "worker_options": [(u.id, u.name) for u in workers],
        "form_workers": [(u.id, u.name) for u in workers if _may_manage(web, u.id)],
        "form_sectors": [(s.id, s.name) for s in _sectors(session, web)],
        "weekday_options": [(n, gettext(name)) for n, name in enumerate(WEEKDAYS)],
        "days": days,
        "visit_count": len([v for v in visits if v.status != "cancelled"]),
        "windows": _windows(session, managed_ids),
        "one_offs": _one_offs(session, managed_ids, today),
        "absences": _absences(session, managed_ids, services.clock.now()),
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
    return {
        "id": visit.id,
        "time": visit.starts_at.astimezone(PARIS).strftime("%H:%M"),
        "end": visit.ends_at.astimezone(PARIS).strftime("%H:%M"),
        "label": visit_date(visit.starts_at, "fr"),
        "case_id": case.id,
        "reference": case.reference,
        "place": place,
        "worker": visit.worker.name if visit.worker else "",
        "sector": visit.sector.name if visit.sector else "",
        "status": visit.status,
        "status_label": gettext(STATUS_LABELS.get(visit.status, visit.status)),
        "time_window": visit.time_window,
        "markable": visit.status != "cancelled" and now >= visit.starts_at,
    }


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _windows(session: Session, worker_ids: list[int]) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(AvailabilityWindow)
        .where(AvailabilityWindow.worker_id.in_(worker_ids))
        .order_by(
            AvailabilityWindow.worker_id, AvailabilityWindow.weekday, AvailabilityWindow.start_time
        )
    )
    names = _names(session)
    return [
        {
            "id": w.id,
            "worker": names.get(w.worker_id, ""),
            "sector": _sector_name(session, w.sector_id),
            "text": gettext(
                "Every {weekday}, {start}–{end}, {minutes} min visits",
                weekday=gettext(WEEKDAYS[w.weekday]),
                start=_hhmm(w.start_time),
                end=_hhmm(w.end_time),
                minutes=w.slot_minutes,
            ),
        }
        for w in rows
    ]


def _one_offs(session: Session, worker_ids: list[int], today: date) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(OneOffSlot)
        .where(OneOffSlot.worker_id.in_(worker_ids), OneOffSlot.day >= today)
        .order_by(OneOffSlot.day, OneOffSlot.start_time)
    )
    names = _names(session)
    return [
        {
            "id": o.id,
            "worker": names.get(o.worker_id, ""),
            "sector": _sector_name(session, o.sector_id),
            "text": gettext(
                "{day} {start}–{end}, {minutes} min visits",
                day=o.day.strftime("%d/%m/%Y"),
                start=_hhmm(o.start_time),
                end=_hhmm(o.end_time),
                minutes=o.slot_minutes,
            ),
        }
        for o in rows
    ]


def _absences(session: Session, worker_ids: list[int], now: datetime) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Absence)
        .where(Absence.worker_id.in_(worker_ids), Absence.ends_at > now)
        .order_by(Absence.starts_at)
    )
    names = _names(session)
    return [
        {
            "id": a.id,
            "worker": names.get(a.worker_id, ""),
            "text": gettext(
                "from {first} to {last}",
                first=a.starts_at.astimezone(PARIS).strftime("%d/%m/%Y"),
                last=(a.ends_at.astimezone(PARIS) - timedelta(seconds=1)).strftime("%d/%m/%Y"),
            ),
        }
        for a in rows
    ]


def _names(session: Session) -> dict[int, str]:
    return {row[0]: row[1] for row in session.execute(select(TeamUser.id, TeamUser.name))}


def _sector_name(session: Session, sector_id: int) -> str:
    sector = session.get(Sector, sector_id)
    return sector.name if sector else ""


# --- visit outcome ------------------------------------------------------------------------------


def _back(week: str, worker: str = "") -> Response:
    query = f"?week={week}" if WEEK.match(week) else ""
    if query and worker.isdigit():
        query += f"&worker={worker}"
    return RedirectResponse(f"/agenda{query}", status_code=303)


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
    return _back(week, worker)


# --- availability -------------------------------------------------------------------------------


def _time(value: str) -> time:
    try:
        return time.fromisoformat(value.strip()[:5])
    except ValueError:
        raise PageError(422, gettext("Times must look like 09:30.")) from None


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PageError(422, gettext("Dates must look like 2026-03-17.")) from None


def _span(start: str, end: str, minutes: str) -> tuple[time, time, int]:
    first, last = _time(start), _time(end)
    length = _int(minutes)
    if length is None or not MIN_SLOT <= length <= MAX_SLOT:
        raise PageError(
            422,
            gettext("A visit lasts from {low} to {high} minutes.", low=MIN_SLOT, high=MAX_SLOT),
        )
    if last <= first:
        raise PageError(422, gettext("The end must come after the start."))
    return first, last, length


def _worker_and_sector(
    session: Session, web: WebUser, worker: str, sector: str | None
) -> tuple[int, int | None]:
    worker_id = _int(worker)
    if worker_id is None or session.get(TeamUser, worker_id) is None:
        raise PageError(422, gettext("Unknown team member."))
    sector_id = None
    if sector is not None:
        sector_id = _int(sector)
        if sector_id is None or session.get(Sector, sector_id) is None:
            raise PageError(422, gettext("Unknown sector."))
    _check_manage(web, worker_id, sector_id)
    return worker_id, sector_id


def _changed(
    session: Session, services: Services, web: WebUser, action: str, **detail: Any
) -> None:
    audit.record(session, clock=services.clock, actor=web.user, action=action, **detail)
    session.flush()
    materialise_slots(session, clock=services.clock)


@router.post("/agenda/windows")
def add_window(
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    worker_id: Short = "",
    sector_id: Short = "",
    weekday: Short = "",
    start: Short = "",
    end: Short = "",
    slot_minutes: Short = "60",
    week: Short = "",
) -> Response:
    worker, sector = _worker_and_sector(session, web, worker_id, sector_id)
    day = _int(weekday)
    if day is None or day > 6:
        raise PageError(422, gettext("Choose a day of the week."))
    first, last, length = _span(start, end, slot_minutes)
    window = AvailabilityWindow(
        sector_id=sector,
        worker_id=worker,
        weekday=day,
        start_time=first,
        end_time=last,
        slot_minutes=length,
        valid_from=services.clock.now().astimezone(PARIS).date(),
        created_at=services.clock.now(),
    )
    session.add(window)
    session.flush()
    _changed(session, services, web, "availability.window_add", window_id=window.id, worker=worker)
    return _back(week)


@router.post("/agenda/one-offs")
def add_one_off(
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    worker_id: Short = "",
    sector_id: Short = "",
    day: Short = "",
    start: Short = "",
    end: Short = "",
    slot_minutes: Short = "60",
    week: Short = "",
) -> Response:
    worker, sector = _worker_and_sector(session, web, worker_id, sector_id)
    on = _day(day)
    first, last, length = _span(start, end, slot_minutes)
    one_off = OneOffSlot(
        sector_id=sector,
        worker_id=worker,
        day=on,
        start_time=first,
        end_time=last,
        slot_minutes=length,
        created_at=services.clock.now(),
    )
    session.add(one_off)
    session.flush()
    _changed(
        session, services, web, "availability.one_off_add", one_off_id=one_off.id, worker=worker
    )
    return _back(week)


@router.post("/agenda/absences")
def add_absence(
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    worker_id: Short = "",
    first_day: Short = "",
    last_day: Short = "",
    week: Short = "",
) -> Response:
    worker, _ = _worker_and_sector(session, web, worker_id, None)
    first, last = _day(first_day), _day(last_day)
    if last < first:
        raise PageError(422, gettext("The end must come after the start."))
    absence = Absence(
        worker_id=worker,
        starts_at=wall_to_utc(datetime.combine(first, time(0))),
        ends_at=wall_to_utc(datetime.combine(last + timedelta(days=1), time(0))),
        created_at=services.clock.now(),
    )
    session.add(absence)
    session.flush()
    _changed(
        session, services, web, "availability.absence_add", absence_id=absence.id, worker=worker
    )
    return _back(week)


_KINDS: dict[str, type[AvailabilityWindow] | type[OneOffSlot] | type[Absence]] = {
    "windows": AvailabilityWindow,
    "one-offs": OneOffSlot,
    "absences": Absence,
}


@router.post("/agenda/{kind}/{row_id}/delete")
def delete(
    kind: str,
    row_id: RowId,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    week: Short = "",
) -> Response:
    model = _KINDS.get(kind)
    if model is None:
        raise PageError(404, gettext("Page not found."))
    row = session.get(model, row_id)
    if row is None:
        raise PageError(404, gettext("Page not found."))
    _check_manage(web, row.worker_id)
    session.delete(row)
    _changed(
        session, services, web, f"availability.{kind}_delete", row_id=row_id, worker=row.worker_id
    )
    return _back(week)


# --- the calendar feed ------------------------------------------------------------------------


@router.post("/agenda/feed")
def make_feed(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    web: FormUserDep,
    week: Short = "",
) -> Response:
    """A new private address (the old one stops working); shown this once."""
    secret = calendar_feed.create_feed(
        session, clock=services.clock, worker=web.user, actor=web.user
    )
    url = f"{services.settings.public_url.rstrip('/')}/calendar/{secret}.ics"
    return render_agenda(request, session, services, web, week=week, new_feed_url=url)


@router.post("/agenda/feed/revoke")
def revoke_feed(
    session: SessionDep, services: ServicesDep, web: FormUserDep, week: Short = ""
) -> Response:
    calendar_feed.revoke_feed(session, clock=services.clock, worker=web.user, actor=web.user)
    return _back(week)


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
