"""Booked visits after booking: the team's agenda, the reminder of the day before, the outcome.

The reminder goes on the working day before the visit at `reminder_time` (Paris); a visit booked
after that moment gets no reminder (its confirmation was just sent). The worker records whether
the visit was held or nobody was home, once its time has come.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from messages import N_
from outreach import audit
from outreach.booking.config import BookingConfig, current_booking_config
from outreach.booking.slots import is_working_day
from outreach.cases import case_scope
from outreach.casework import lifecycle
from outreach.clock import PARIS, Clock
from outreach.models import Case, TeamUser, Visit
from outreach.models.booking import ACTIVE_VISIT_STATUSES
from outreach.privacy.consent import has_consent
from outreach.sending.quiet_hours import wall_to_utc

log = logging.getLogger(__name__)

OUTCOMES = ("held", "no_show")
# What the team reads for each visit status (English msgids, shown translated).
VISIT_STATUS_LABELS = {
    "booked": N_("visit booked"),
    "reminded": N_("visit reminded"),
    "held": N_("visit held"),
    "no_show": N_("nobody home"),
    "cancelled": N_("visit cancelled"),
}
# A visit can be marked from its start time; an outcome can be corrected (held <-> no_show).
_MARKABLE = ("booked", "reminded", *OUTCOMES)


class VisitError(Exception):
    """An outcome cannot be recorded on this visit; `reason` says why."""

    CANCELLED = "cancelled"
    NOT_STARTED = "not_started"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def visits_between(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    worker_id: int | None = None,
    viewer: TeamUser | None = None,
    include_cancelled: bool = False,
) -> list[Visit]:
    """Visits starting in [start, end), soonest first.

    With a `viewer`, only the visits of the cases they may see (`outreach.cases.case_scope`: the
    case's current sector decides, not the sector the visit was booked in).
    """
    query = (
        select(Visit)
        .where(Visit.starts_at >= start, Visit.starts_at < end)
        .options(
            selectinload(Visit.case).selectinload(Case.people),
            selectinload(Visit.worker),
            selectinload(Visit.sector),
        )
        .order_by(Visit.starts_at, Visit.id)
    )
    if worker_id is not None:
        query = query.where(Visit.worker_id == worker_id)
    scope = case_scope(viewer) if viewer is not None else None
    if scope is not None:
        query = query.join(Case, Case.id == Visit.case_id).where(scope)
    if not include_cancelled:
        query = query.where(Visit.status != "cancelled")
    return list(session.scalars(query))


def mark_no_show(session: Session, *, clock: Clock, visit: Visit, actor: TeamUser | None) -> Visit:
    """Nobody was home at the visit (recorded by the worker)."""
    return _mark(session, clock=clock, visit=visit, actor=actor, outcome="no_show")


def mark_held(session: Session, *, clock: Clock, visit: Visit, actor: TeamUser | None) -> Visit:
    """The visit took place (recorded by the worker)."""
    return _mark(session, clock=clock, visit=visit, actor=actor, outcome="held")


def _mark(
    session: Session, *, clock: Clock, visit: Visit, actor: TeamUser | None, outcome: str
) -> Visit:
    now = clock.now()
    if visit.status not in _MARKABLE:
        raise VisitError(VisitError.CANCELLED)
    if now < visit.starts_at:
        raise VisitError(VisitError.NOT_STARTED)
    if visit.status != outcome:
        visit.status = outcome
        visit.outcome_at = now
        visit.outcome_by_id = actor.id if actor else None
        audit.record(
            session,
            clock=clock,
            actor=actor,
            action=f"visit.{outcome}",
            case_id=visit.case_id,
            visit_id=visit.id,
        )
        case = session.get_one(Case, visit.case_id)
        if outcome == "held":
            lifecycle.advance(session, case=case, to="visited", at=now)
            # The last exchange with the household: the visit itself.
            case.last_contact_at = max(filter(None, (case.last_contact_at, visit.starts_at)))
        elif case.status == "visit_booked" and not _other_active_visit(session, visit):
            consented = has_consent(session, case_id=case.id, purpose="diagnostic")
            lifecycle.visit_cancelled(session, case=case, consented=consented, at=now)
        log.info("visit %s marked %s", visit.id, outcome)
    session.flush()
    return visit


def _other_active_visit(session: Session, visit: Visit) -> bool:
    return (
        session.scalar(
            select(Visit.id)
            .where(
                Visit.case_id == visit.case_id,
                Visit.id != visit.id,
                Visit.status.in_(ACTIVE_VISIT_STATUSES),
            )
            .limit(1)
        )
        is not None
    )


# --- The reminder of the day before ----------------------------------------------------------


def reminder_due_at(visit: Visit, config: BookingConfig) -> datetime | None:
    """When the reminder goes: the working day before, at `reminder_time`; None if too late."""
    day = visit.starts_at.astimezone(PARIS).date() - timedelta(days=1)
    while not is_working_day(day, config.holiday_region):
        day -= timedelta(days=1)
    due = wall_to_utc(datetime.combine(day, config.reminder_time))
    if due <= visit.created_at or due >= visit.starts_at:
        return None
    return due


def due_reminders(
    session: Session, *, clock: Clock, config: BookingConfig | None = None
) -> list[Visit]:
    """Booked visits whose reminder is due now and not sent yet (for the daily job)."""
    config = config or current_booking_config()
    now = clock.now()
    # The reminder day is at most a week before the visit (long holiday weekends included).
    candidates = session.scalars(
        select(Visit)
        .where(
            Visit.status == "booked",
            Visit.reminded_at.is_(None),
            Visit.starts_at > now,
            Visit.starts_at < now + timedelta(days=8),
        )
        .order_by(Visit.starts_at, Visit.id)
    )
    due = []
    for visit in candidates:
        at = reminder_due_at(visit, config)
        if at is not None and at <= now:
            due.append(visit)
    return due


def mark_reminded(session: Session, *, clock: Clock, visit: Visit) -> bool:
    """Record that the reminder was queued; False if it already was (never send it twice)."""
    result = session.execute(
        update(Visit)
        .where(Visit.id == visit.id, Visit.status == "booked", Visit.reminded_at.is_(None))
        .values(status="reminded", reminded_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1  # type: ignore[attr-defined]
