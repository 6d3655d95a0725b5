"""The workers' availability, on the agenda page: weekly windows, one-off slots, absences.

A coordinator manages everyone's availability; a worker manages their own, in their sectors.
Every change re-materialises the slots at once, so the next offers reflect it. Each form sends the
person back to the agenda week they came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import RowId, ServicesDep, SessionDep
from api.services import Services
from api.web.auth import FormUserDep, WebUser
from api.web.rendering import PageError
from messages import N_, gettext
from outreach import audit
from outreach.booking.slots import materialise_slots
from outreach.clock import PARIS
from outreach.models import Absence, AvailabilityWindow, OneOffSlot, Sector, TeamUser
from outreach.sending.quiet_hours import wall_to_utc

router = APIRouter(include_in_schema=False)

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
MIN_SLOT, MAX_SLOT = 15, 240
Short = Annotated[str, Form(max_length=40)]


def as_int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


# --- who may see and change what -------------------------------------------------------------


def sector_ids(user: TeamUser) -> set[int]:
    return {sector.id for sector in user.sectors}


def visible_workers(session: Session, web: WebUser) -> list[TeamUser]:
    """The team members whose agenda `web` may look at."""
    users = list(
        session.scalars(select(TeamUser).where(TeamUser.active.is_(True)).order_by(TeamUser.name))
    )
    if web.is_coordinator:
        return users
    mine = sector_ids(web.user)
    return [u for u in users if u.id == web.user.id or sector_ids(u) & mine]


def visible_sectors(session: Session, web: WebUser) -> list[Sector]:
    if web.is_coordinator:
        return list(session.scalars(select(Sector).order_by(Sector.name)))
    return sorted(web.user.sectors, key=lambda sector: sector.name)


def may_manage(web: WebUser, worker_id: int) -> bool:
    return web.is_coordinator or worker_id == web.user.id


def check_manage(web: WebUser, worker_id: int, sector_id: int | None = None) -> None:
    if not may_manage(web, worker_id) or (
        sector_id is not None and not web.is_coordinator and sector_id not in sector_ids(web.user)
    ):
        raise PageError(403, gettext("You can only change your own availability in your sectors."))


# --- what the agenda page lists -----------------------------------------------------------------


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


@dataclass(frozen=True)
class Names:
    """The team members' and the sectors' names by id, read once for the agenda's three lists
    (a sector looked up row by row cost a query per row)."""

    workers: dict[int, str]
    sectors: dict[int, str]


def read_names(session: Session) -> Names:
    return Names(
        workers=dict(session.execute(select(TeamUser.id, TeamUser.name)).all()),
        sectors=dict(session.execute(select(Sector.id, Sector.name)).all()),
    )


def windows(session: Session, worker_ids: list[int], names: Names) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(AvailabilityWindow)
        .where(AvailabilityWindow.worker_id.in_(worker_ids))
        .order_by(
            AvailabilityWindow.worker_id, AvailabilityWindow.weekday, AvailabilityWindow.start_time
        )
    )
    return [
        {
            "id": w.id,
            "worker": names.workers.get(w.worker_id, ""),
            "sector": names.sectors.get(w.sector_id, ""),
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


def one_offs(
    session: Session, worker_ids: list[int], today: date, names: Names
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(OneOffSlot)
        .where(OneOffSlot.worker_id.in_(worker_ids), OneOffSlot.day >= today)
        .order_by(OneOffSlot.day, OneOffSlot.start_time)
    )
    return [
        {
            "id": o.id,
            "worker": names.workers.get(o.worker_id, ""),
            "sector": names.sectors.get(o.sector_id, ""),
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


def absences(
    session: Session, worker_ids: list[int], now: datetime, names: Names
) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Absence)
        .where(Absence.worker_id.in_(worker_ids), Absence.ends_at > now)
        .order_by(Absence.starts_at)
    )
    return [
        {
            "id": a.id,
            "worker": names.workers.get(a.worker_id, ""),
            "text": gettext(
                "from {first} to {last}",
                first=a.starts_at.astimezone(PARIS).strftime("%d/%m/%Y"),
                last=(a.ends_at.astimezone(PARIS) - timedelta(seconds=1)).strftime("%d/%m/%Y"),
            ),
        }
        for a in rows
    ]


def back_to_agenda(week: str, worker: str = "", *, anchor: str = "") -> Response:
    query = f"?week={week}" if WEEK.match(week) else ""
    if query and worker.isdigit():
        query += f"&worker={worker}"
    return RedirectResponse(f"/agenda{query}{'#' + anchor if anchor else ''}", status_code=303)


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
    length = as_int(minutes)
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
    worker_id = as_int(worker)
    if worker_id is None or session.get(TeamUser, worker_id) is None:
        raise PageError(422, gettext("Unknown team member."))
    sector_id = None
    if sector is not None:
        sector_id = as_int(sector)
        if sector_id is None or session.get(Sector, sector_id) is None:
            raise PageError(422, gettext("Unknown sector."))
    check_manage(web, worker_id, sector_id)
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
    day = as_int(weekday)
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
    return back_to_agenda(week)


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
    return back_to_agenda(week)


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
    return back_to_agenda(week)


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
    check_manage(web, row.worker_id)
    session.delete(row)
    _changed(
        session, services, web, f"availability.{kind}_delete", row_id=row_id, worker=row.worker_id
    )
    return back_to_agenda(week)
