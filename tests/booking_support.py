"""Helpers for the booking tests: a worker with weekly windows in a sector, cases there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.orm import Session

from outreach.booking.slots import materialise_slots
from outreach.clock import PARIS, Clock
from outreach.models import AvailabilityWindow, Case, TeamUser
from tests.factories import get_or_make_sector, make_case, make_user

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)


@dataclass(frozen=True)
class Worker:
    id: int
    sector_id: int
    headers: dict[str, str]


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def add_worker(
    session: Session,
    *,
    clock: Clock,
    sector: str = "arras",
    weekdays: tuple[int, ...] = (TUESDAY,),
    start: time = time(9),
    end: time = time(12),
    minutes: int = 60,
    name: str | None = None,
) -> Worker:
    """A worker of `sector` available on `weekdays` from `start` to `end` (Paris)."""
    user_id, headers = make_user(session, clock=clock, sector_codes=(sector,))
    if name:
        session.get_one(TeamUser, user_id).name = name
    sector_id = get_or_make_sector(session, sector).id
    for weekday in weekdays:
        session.add(
            AvailabilityWindow(
                sector_id=sector_id,
                worker_id=user_id,
                weekday=weekday,
                start_time=start,
                end_time=end,
                slot_minutes=minutes,
                valid_from=date(2026, 1, 1),
                created_at=clock.now(),
            )
        )
    session.flush()
    return Worker(id=user_id, sector_id=sector_id, headers=headers)


def household(session: Session, *, clock: Clock, sector: str = "arras", number: int = 1) -> Case:
    return make_case(
        session,
        clock=clock,
        sector_code=sector,
        phones=(f"06 39 98 10 {number:02d}",),
        last_name=f"Foyer{number}",
    )


def ready(session: Session, *, clock: Clock, sector: str = "arras") -> tuple[Worker, Case]:
    """One worker on Tuesday mornings, slots materialised, one household of the sector."""
    worker = add_worker(session, clock=clock, sector=sector)
    materialise_slots(session, clock=clock)
    return worker, household(session, clock=clock, sector=sector)
