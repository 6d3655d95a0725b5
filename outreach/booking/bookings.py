"""Booking a home visit: take a slot atomically, confirm it, change or cancel it.

A slot is taken with one conditional UPDATE (`… WHERE id = ? AND status = 'free'`) and the row
count says who won: on PostgreSQL the second of two concurrent updates waits for the first, then
finds the slot no longer free; on SQLite writers are serialised (BEGIN IMMEDIATE). So two
households answering "1" at the same moment never get the same slot: `book` returns None for the
second, which is offered other slots (`outreach.booking.slots.offer_slots`).

The conversation calls, in order: `offer_slots` → (optionally `hold` while it asks for consent)
→ `book` → later `can_change` / `change` / `cancel`. A household may change or cancel until
`change_deadline_hours` before the visit; the team can always cancel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from messages.formatting import time_window
from outreach import audit
from outreach.booking.config import BookingConfig, current_booking_config
from outreach.booking.slots import available, earliest_start, offer_slots
from outreach.booking.visits import (
    due_reminders,
    mark_held,
    mark_no_show,
    mark_reminded,
    visits_between,
)
from outreach.casework import lifecycle
from outreach.casework.assignment import assign
from outreach.clock import Clock
from outreach.models import Case, MeetingPlace, Slot, TeamUser, Visit
from outreach.models.booking import ACTIVE_VISIT_STATUSES, REACHED_BY
from outreach.privacy.consent import has_consent
from outreach.team import events

__all__ = [
    "AT_HOME",
    "KEEP_PLACE",
    "BookingError",
    "TooLate",
    "Where",
    "active_visit",
    "book",
    "can_change",
    "cancel",
    "change",
    "due_reminders",
    "hold",
    "mark_held",
    "mark_no_show",
    "mark_reminded",
    "offer_slots",
    "release_hold",
    "visits_between",
]

log = logging.getLogger(__name__)


# `change` leaves the place of the visit as it was.
KEEP_PLACE = object()


class BookingError(Exception):
    """The booking cannot be done as asked; the message says why (for the team, in English)."""


class TooLate(BookingError):
    """The visit is too close to be changed or cancelled by the household."""


def active_visit(session: Session, *, case_id: int) -> Visit | None:
    """The case's booked visit that has not happened or been cancelled yet, if any."""
    return session.scalar(
        select(Visit)
        .where(Visit.case_id == case_id, Visit.status.in_(ACTIVE_VISIT_STATUSES))
        .order_by(Visit.starts_at.desc())
        .limit(1)
    )


def hold(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    slot_id: int,
    config: BookingConfig | None = None,
) -> Slot | None:
    """Keep a free slot for this household for `hold_minutes`; None if someone took it.

    For a conversation that asks another question (consent) before confirming. A household
    holds one slot at a time: holding another releases the first. `book` confirms it.
    """
    config = config or current_booking_config()
    now = clock.now()
    release_hold(session, clock=clock, case=case, keep=slot_id)
    if not _take(session, case=case, slot_id=slot_id, now=now, config=config, status="held"):
        return None
    slot = session.get_one(Slot, slot_id)
    log.info("slot %s held for case %s", slot_id, case.id)
    return slot


def release_hold(session: Session, *, clock: Clock, case: Case, keep: int | None = None) -> int:
    """Give back the slots this household holds (all but `keep`); return how many."""
    query = (
        update(Slot)
        .where(Slot.case_id == case.id, Slot.status == "held")
        .values(status="free", case_id=None, held_until=None, updated_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    if keep is not None:
        query = query.where(Slot.id != keep)
    return int(session.execute(query).rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Where:
    """Where a visit takes place and how it was booked: by the household's reply at home (the
    default), or by a worker (`actor`) after a phone call or a knock on the door, possibly at a
    meeting place near the home."""

    place: MeetingPlace | None = None  # None: at the household's home
    reached_by: str = "reply"
    actor: TeamUser | None = None


AT_HOME = Where()


def book(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    slot_id: int,
    config: BookingConfig | None = None,
    where: Where = AT_HOME,
) -> Visit | None:
    """Book the slot for the household; None if it was taken (offer others).

    Booking the slot of the case's own visit again (a repeated "1") returns that visit. A case
    with another active visit must use `change`.
    """
    config = config or current_booking_config()
    if where.reached_by not in REACHED_BY:
        raise BookingError(f"unknown way of reaching the household: {where.reached_by}")
    _lock_case(session, case.id)
    current = active_visit(session, case_id=case.id)
    if current is not None:
        if current.slot_id == slot_id:
            return current
        raise BookingError(f"case {case.id} already has visit {current.id}: change it instead")
    visit = _book(session, clock=clock, case=case, slot_id=slot_id, config=config, where=where)
    if visit is None:
        return _same_case_won(session, case=case, slot_id=slot_id)
    # A household reached at the door or on the phone is reached, whatever the messages said.
    lifecycle.advance(session, case=case, to="visit_booked", at=clock.now())
    if case.assigned_worker_id is None and visit.worker_id is not None:
        assign(session, clock=clock, case=case, worker_id=visit.worker_id, actor=where.actor)
    case.updated_at = clock.now()
    audit.record(
        session,
        clock=clock,
        actor=where.actor,
        action="visit.booked",
        case_id=case.id,
        visit_id=visit.id,
        place=visit.place_kind,
        reached_by=visit.reached_by,
    )
    events.record(
        session,
        kind="visit.booked",
        case_id=case.id,
        at=clock.now(),
        visit_id=visit.id,
        starts_at=visit.starts_at.isoformat(),
    )
    log.info("visit %s booked for case %s", visit.id, case.id)
    return visit


def can_change(visit: Visit, *, clock: Clock, config: BookingConfig | None = None) -> bool:
    """Whether the household may still change or cancel this visit by reply."""
    config = config or current_booking_config()
    return visit.active and clock.now() <= visit.starts_at - config.change_deadline


def change(
    session: Session,
    *,
    clock: Clock,
    visit: Visit,
    slot_id: int,
    config: BookingConfig | None = None,
    actor: TeamUser | None = None,
    place: MeetingPlace | object | None = KEEP_PLACE,
) -> Visit | None:
    """Move the visit to another slot (or another place); None if that slot was taken meanwhile.

    By the household (`actor` None): raises TooLate past the deadline. By a worker: at any time
    before it happens; `place` a meeting place, None for the home, or unchanged. The old visit
    is cancelled and its slot freed.
    """
    config = config or current_booking_config()
    if actor is None and not can_change(visit, clock=clock, config=config):
        raise TooLate(f"visit {visit.id} can no longer be changed by the household")
    if not visit.active:
        raise BookingError(f"visit {visit.id} is no longer booked")
    if visit.slot_id == slot_id and place is KEEP_PLACE:
        return visit
    case = session.get_one(Case, visit.case_id)
    _lock_case(session, case.id)
    if visit.slot_id == slot_id:  # same time, another place
        _set_place(visit, place)
        audit.record(
            session,
            clock=clock,
            actor=actor,
            action="visit.place",
            case_id=case.id,
            visit_id=visit.id,
        )
        return visit
    where = Where(
        place=visit.place if place is KEEP_PLACE else place,
        reached_by=visit.reached_by,
        actor=actor,
    )
    new = _book(session, clock=clock, case=case, slot_id=slot_id, config=config, where=where)
    if new is None:
        return None
    new.replaces_visit_id = visit.id
    _cancel(session, clock=clock, visit=visit, by="team" if actor else "household")
    audit.record(
        session,
        clock=clock,
        actor=actor,
        action="visit.changed",
        case_id=case.id,
        visit_id=new.id,
        replaces_visit_id=visit.id,
    )
    events.record(
        session,
        kind="visit.changed",
        case_id=case.id,
        at=clock.now(),
        visit_id=new.id,
        replaces_visit_id=visit.id,
        starts_at=new.starts_at.isoformat(),
    )
    log.info("visit %s of case %s moved to visit %s", visit.id, case.id, new.id)
    return new


def cancel(
    session: Session,
    *,
    clock: Clock,
    visit: Visit,
    actor: TeamUser | None = None,
    config: BookingConfig | None = None,
) -> bool:
    """Cancel a visit: by the household (`actor` None, until the deadline) or by the team.

    False if it was not active any more. Raises TooLate for the household past the deadline.
    """
    config = config or current_booking_config()
    if not visit.active:
        return False
    if actor is None and not can_change(visit, clock=clock, config=config):
        raise TooLate(f"visit {visit.id} can no longer be cancelled by the household")
    _cancel(session, clock=clock, visit=visit, by="team" if actor else "household")
    case = session.get_one(Case, visit.case_id)
    if case.status == "visit_booked" and active_visit(session, case_id=case.id) is None:
        consented = has_consent(session, case_id=case.id, purpose="diagnostic")
        lifecycle.visit_cancelled(session, case=case, consented=consented, at=clock.now())
    case.updated_at = clock.now()
    audit.record(
        session,
        clock=clock,
        actor=actor,
        action="visit.cancelled",
        case_id=case.id,
        visit_id=visit.id,
    )
    events.record(
        session,
        kind="visit.cancelled",
        case_id=case.id,
        at=clock.now(),
        visit_id=visit.id,
        by="team" if actor else "household",
    )
    log.info("visit %s of case %s cancelled", visit.id, case.id)
    return True


# --- Internals ---------------------------------------------------------------------------------


def _lock_case(session: Session, case_id: int) -> None:
    """One booking at a time per household (PostgreSQL row lock; SQLite writers are serialised
    anyway), so two quick answers of the same household never make two visits."""
    session.execute(select(Case.id).where(Case.id == case_id).with_for_update())


def _take(
    session: Session,
    *,
    case: Case,
    slot_id: int,
    now: datetime,
    config: BookingConfig,
    status: str,
) -> bool:
    """The conditional update: free (or held by this household) -> `status`. True if we won."""
    held_here = and_(Slot.status == "held", Slot.case_id == case.id)
    result = session.execute(
        update(Slot)
        .where(
            Slot.id == slot_id,
            Slot.starts_at >= earliest_start(now, config),
            or_(available(now), held_here),
        )
        .values(
            status=status,
            case_id=case.id,
            held_until=now + config.hold if status == "held" else None,
            updated_at=now,
        )
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def _book(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    slot_id: int,
    config: BookingConfig,
    where: Where = AT_HOME,
) -> Visit | None:
    now = clock.now()
    if not _take(session, case=case, slot_id=slot_id, now=now, config=config, status="booked"):
        return None
    release_hold(session, clock=clock, case=case, keep=slot_id)
    slot = session.get_one(Slot, slot_id)
    window_end = slot.starts_at + config.arrival_window
    visit = Visit(
        case_id=case.id,
        slot_id=slot.id,
        worker_id=slot.worker_id,
        sector_id=slot.sector_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        status="booked",
        window_starts_at=slot.starts_at,
        window_ends_at=window_end,
        time_window=time_window(slot.starts_at, window_end, "fr"),
        created_at=now,
        booked_by="team" if where.actor is not None else "household",
        reached_by=where.reached_by,
    )
    _set_place(visit, where.place)
    session.add(visit)
    session.flush()
    return visit


def _set_place(visit: Visit, place: MeetingPlace | object | None) -> None:
    if isinstance(place, MeetingPlace):
        visit.place_kind, visit.place_id, visit.place = "nearby", place.id, place
    else:
        visit.place_kind, visit.place_id, visit.place = "home", None, None


def _same_case_won(session: Session, *, case: Case, slot_id: int) -> Visit | None:
    """The slot was not free: if this very household booked it (a concurrent repeat of its
    answer), its visit; otherwise None."""
    visit = active_visit(session, case_id=case.id)
    return visit if visit is not None and visit.slot_id == slot_id else None


def _cancel(session: Session, *, clock: Clock, visit: Visit, by: str) -> None:
    now = clock.now()
    visit.status = "cancelled"
    visit.cancelled_at = now
    visit.cancelled_by = by
    if visit.slot_id is not None:
        # The time is free again for another household (if it is still ahead).
        session.execute(
            update(Slot)
            .where(Slot.id == visit.slot_id, Slot.case_id == visit.case_id, Slot.starts_at > now)
            .values(status="free", case_id=None, held_until=None, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
    session.flush()
