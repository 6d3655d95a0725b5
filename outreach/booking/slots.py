"""Visit slots: made from the workers' availability, kept in step with it, offered soonest first.

`materialise_slots` turns weekly windows and one-off openings into Slot rows for the next weeks,
minus absences and public holidays. It can run any number of times (daily job, after an edit):
a slot that exists is never created twice (unique per worker and start, INSERT … ON CONFLICT DO
NOTHING), a free slot no longer backed by any availability is cancelled, and a cancelled one that
is backed again becomes free. Booked slots are never touched: if availability no longer covers
them they are reported as conflicts for the team.

Times are built on the Europe/Paris wall clock and converted to UTC, so a Tuesday 10:00 slot is
10:00 in Paris in winter and in summer (09:00 and 08:00 UTC).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from outreach.booking.config import BookingConfig, current_booking_config
from outreach.clock import PARIS, Clock
from outreach.models import Absence, AvailabilityWindow, Case, OneOffSlot, Slot, Visit
from outreach.models.booking import ACTIVE_VISIT_STATUSES
from outreach.replies.preferences import Preference
from outreach.sending.quiet_hours import is_holiday, wall_to_utc

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Opening:
    """One slot that availability says should exist."""

    worker_id: int
    sector_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass
class MaterialiseReport:
    created: int = 0
    cancelled: int = 0
    restored: int = 0
    # Active visits whose slot availability no longer covers (absence, window removed).
    conflicts: list[int] = field(default_factory=list)


def is_working_day(day: date, region: str = "FR") -> bool:
    """Monday to Saturday, except public holidays (the days a visit can be offered)."""
    return day.weekday() != 6 and not is_holiday(day, region)


def earliest_start(now: datetime, config: BookingConfig) -> datetime:
    """The soonest a visit may start: the Nth next working day, and at least N hours ahead."""
    day = now.astimezone(PARIS).date()
    start = now
    if config.min_notice_days:
        remaining = config.min_notice_days
        while remaining:
            day += timedelta(days=1)
            remaining -= is_working_day(day, config.holiday_region)
        start = wall_to_utc(datetime.combine(day, time(0)))
    return max(start, now + timedelta(hours=config.min_notice_hours))


def available(now: datetime) -> ColumnElement[bool]:
    """Free, or held by a household whose hold has run out."""
    return or_(Slot.status == "free", and_(Slot.status == "held", Slot.held_until < now))


def offer_slots(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    count: int = 3,
    config: BookingConfig | None = None,
    exclude: tuple[int, ...] = (),
    preference: Preference | None = None,
) -> list[Slot]:
    """Up to `count` free slots in the case's sector, soonest first but spread over different
    days and times of day (not 9 h, 10 h and 11 h of one morning), one per start time.

    Not before the minimum notice (next working day by default). `exclude`: slot ids not to offer
    again (e.g. the one just taken by someone else, or the current visit's when changing it).
    `preference`: only the days and times of day the household asked for. Empty when the case has
    no sector or nothing suits: the team takes over.
    """
    config = config or current_booking_config()
    if case.sector_id is None or count <= 0:
        return []
    now = clock.now()
    first_ids = (
        select(func.min(Slot.id))
        .where(
            Slot.sector_id == case.sector_id,
            available(now),
            Slot.starts_at >= earliest_start(now, config),
        )
        .group_by(Slot.starts_at)
        .order_by(Slot.starts_at)
        .limit(CANDIDATES)
    )
    if exclude:
        first_ids = first_ids.where(Slot.id.not_in(exclude))
    ids = list(session.scalars(first_ids))
    if not ids:
        return []
    candidates = list(
        session.scalars(select(Slot).where(Slot.id.in_(ids)).order_by(Slot.starts_at))
    )
    if preference:
        candidates = [slot for slot in candidates if _suits(slot, preference)]
    return sorted(_spread(candidates, count), key=lambda slot: slot.starts_at)


CANDIDATES = 60  # the soonest free start times looked at to choose `count` spread ones


def _suits(slot: Slot, preference: Preference) -> bool:
    local = slot.starts_at.astimezone(PARIS)
    return preference.accepts(local.weekday(), local.hour)


def _spread(slots: list[Slot], count: int) -> list[Slot]:
    """The soonest slot, then, in this order of preference and within the week of it: one on
    another day, one at another time of day, one at least 90 minutes from those chosen; else the
    soonest left.
    A household gets a real choice without being sent a week further than needed."""
    chosen: list[Slot] = []
    if not slots:
        return chosen
    first = slots[0].starts_at

    def part(slot: Slot) -> str:
        return "morning" if slot.starts_at.astimezone(PARIS).hour < 12 else "afternoon"

    def day(slot: Slot) -> object:
        return slot.starts_at.astimezone(PARIS).date()

    def soon(slot: Slot) -> bool:
        return slot.starts_at - first < SPREAD_WITHIN

    rules: tuple[Callable[[Slot], bool], ...] = (
        lambda slot: soon(slot) and all(day(slot) != day(other) for other in chosen),
        lambda slot: soon(slot) and all(part(slot) != part(other) for other in chosen),
        lambda slot: (
            soon(slot) and all(abs(slot.starts_at - other.starts_at) >= APART for other in chosen)
        ),
        lambda slot: True,
    )
    chosen.append(slots[0])
    for rule in rules:
        for slot in slots:
            if len(chosen) == count:
                return chosen
            if slot not in chosen and rule(slot):
                chosen.append(slot)
    return chosen


SPREAD_WITHIN = timedelta(days=6)  # another day, but within the week of the soonest date
APART = timedelta(minutes=90)


# --- Materialising --------------------------------------------------------------------------


def materialise_slots(
    session: Session, *, clock: Clock, config: BookingConfig | None = None
) -> MaterialiseReport:
    """Bring the slots of the next `horizon_weeks` in line with availability; idempotent."""
    config = config or current_booking_config()
    now = clock.now()
    first_day = now.astimezone(PARIS).date()
    last_day = first_day + timedelta(weeks=config.horizon_weeks)
    planned = {
        (o.worker_id, o.starts_at): o
        for o in planned_openings(session, first_day=first_day, last_day=last_day, config=config)
        if o.starts_at > now
    }
    report = MaterialiseReport()
    horizon_end = wall_to_utc(datetime.combine(last_day + timedelta(days=1), time(0)))
    existing = {
        (slot.worker_id, slot.starts_at): slot
        for slot in session.scalars(
            select(Slot).where(Slot.starts_at > now, Slot.starts_at < horizon_end)
        )
    }
    missing = [opening for key, opening in planned.items() if key not in existing]
    report.created = _insert(session, missing, now=now)
    for key, slot in existing.items():
        _reconcile(session, slot, planned.get(key), now=now, report=report)
    session.flush()
    log.info(
        "slots materialised: %s created, %s cancelled, %s restored, %s conflicts",
        report.created,
        report.cancelled,
        report.restored,
        len(report.conflicts),
    )
    return report


def planned_openings(
    session: Session, *, first_day: date, last_day: date, config: BookingConfig
) -> list[Opening]:
    """Every slot availability describes between two days (inclusive), minus absences."""
    openings: list[Opening] = []
    windows = session.scalars(
        select(AvailabilityWindow).where(
            AvailabilityWindow.valid_from <= last_day,
            or_(
                AvailabilityWindow.valid_until.is_(None),
                AvailabilityWindow.valid_until >= first_day,
            ),
        )
    )
    for window in windows:
        for day in _days(max(first_day, window.valid_from), last_day):
            if window.valid_until is not None and day > window.valid_until:
                break
            if day.weekday() == window.weekday and is_working_day(day, config.holiday_region):
                openings += _cut(window, day)
    one_offs = session.scalars(
        select(OneOffSlot).where(OneOffSlot.day >= first_day, OneOffSlot.day <= last_day)
    )
    for one_off in one_offs:  # an explicit opening counts even on a holiday
        openings += _cut(one_off, one_off.day)
    absences = _absences(session, first_day=first_day, last_day=last_day)
    return [o for o in openings if not _absent(o, absences.get(o.worker_id, ()))]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _cut(source: AvailabilityWindow | OneOffSlot, day: date) -> list[Opening]:
    """Slots of `slot_minutes` from start to end of a window, on the Paris wall clock."""
    step = timedelta(minutes=max(source.slot_minutes, 5))
    local = datetime.combine(day, source.start_time)
    end = datetime.combine(day, source.end_time)
    openings = []
    while local + step <= end:
        openings.append(
            Opening(
                worker_id=source.worker_id,
                sector_id=source.sector_id,
                starts_at=wall_to_utc(local),
                ends_at=wall_to_utc(local + step),
            )
        )
        local += step
    return openings


def _absences(
    session: Session, *, first_day: date, last_day: date
) -> dict[int, list[tuple[datetime, datetime]]]:
    start = wall_to_utc(datetime.combine(first_day, time(0)))
    end = wall_to_utc(datetime.combine(last_day + timedelta(days=1), time(0)))
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    for absence in session.scalars(
        select(Absence).where(Absence.starts_at < end, Absence.ends_at > start)
    ):
        spans.setdefault(absence.worker_id, []).append((absence.starts_at, absence.ends_at))
    return spans


def _absent(opening: Opening, spans: list[tuple[datetime, datetime]] | tuple[()]) -> bool:
    return any(opening.starts_at < end and opening.ends_at > start for start, end in spans)


def _insert(session: Session, openings: list[Opening], *, now: datetime) -> int:
    """Insert the openings as free slots; one made meanwhile by another run is left alone."""
    if not openings:
        return 0
    rows = [
        {
            "worker_id": o.worker_id,
            "sector_id": o.sector_id,
            "starts_at": o.starts_at,
            "ends_at": o.ends_at,
            "status": "free",
            "updated_at": now,
        }
        for o in openings
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(Slot)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["worker_id", "starts_at"])
        .returning(Slot.id)
    )
    return len(session.execute(statement).all())


def _reconcile(
    session: Session,
    slot: Slot,
    opening: Opening | None,
    *,
    now: datetime,
    report: MaterialiseReport,
) -> None:
    if opening is None:
        if slot.status == "free" or (slot.status == "held" and _expired(slot, now)):
            report.cancelled += _set(slot, now, status="cancelled", case_id=None, held_until=None)
        elif slot.status in ("held", "booked"):
            report.conflicts += _active_visit_ids(session, slot)
        return
    if slot.status == "cancelled" and slot.case_id is None:
        report.restored += _set(
            slot, now, status="free", sector_id=opening.sector_id, ends_at=opening.ends_at
        )
    elif slot.status == "free" and slot.sector_id != opening.sector_id:
        _set(slot, now, sector_id=opening.sector_id, ends_at=opening.ends_at)


def _expired(slot: Slot, now: datetime) -> bool:
    return slot.held_until is not None and slot.held_until < now


def _set(slot: Slot, now: datetime, **values: object) -> int:
    """Update one slot if its status is still the one we read; 1 if it was, else 0."""
    session = Session.object_session(slot)
    assert session is not None
    # Conditional on the status we read: a household taking the slot meanwhile wins.
    result = session.execute(
        update(Slot)
        .where(Slot.id == slot.id, Slot.status == slot.status)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _active_visit_ids(session: Session, slot: Slot) -> list[int]:
    return list(
        session.scalars(
            select(Visit.id).where(
                Visit.slot_id == slot.id, Visit.status.in_(ACTIVE_VISIT_STATUSES)
            )
        )
    )
