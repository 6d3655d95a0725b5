"""What a worker (or the team's own tools) needs first about a case, in one read: its status and
outcome, who holds it, its procedure with the next deadline, its visit, its consents and its
démarches. The case page and `GET /api/cases/{id}` both show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from outreach.casework.procedure import STAGE_DATES, Deadline, deadlines, derived_stage
from outreach.models import Case, ConsentRecord, EngagementStep, TeamUser, Visit
from outreach.models.booking import ACTIVE_VISIT_STATUSES


@dataclass(frozen=True)
class Procedure:
    stage: str | None
    dates: dict[str, date | None]
    lease_signed_on: date | None
    deadlines: list[Deadline]
    next_deadline: Deadline | None


@dataclass(frozen=True)
class CaseSummary:
    assigned_worker: TeamUser | None
    procedure: Procedure
    visit: Visit | None  # the booked one, else the latest
    consents: list[ConsentRecord]  # the decision that holds now, one per purpose
    steps: list[EngagementStep]


def procedure_of(case: Case, *, today: date) -> Procedure:
    found = deadlines(case, today=today)
    upcoming = [deadline for deadline in found if deadline.on >= today]
    return Procedure(
        stage=derived_stage(case, today=today),
        dates={column: getattr(case, column) for _, column in STAGE_DATES},
        lease_signed_on=case.lease_signed_on,
        deadlines=found,
        next_deadline=upcoming[0] if upcoming else None,
    )


def summarise(session: Session, *, case: Case, today: date) -> CaseSummary:
    worker = session.get(TeamUser, case.assigned_worker_id) if case.assigned_worker_id else None
    return CaseSummary(
        assigned_worker=worker,
        procedure=procedure_of(case, today=today),
        visit=visit_of(session, case_id=case.id),
        consents=current_consents(session, case_id=case.id),
        steps=list(
            session.scalars(
                select(EngagementStep)
                .where(EngagementStep.case_id == case.id)
                .order_by(EngagementStep.id)
            )
        ),
    )


def visit_of(session: Session, *, case_id: int) -> Visit | None:
    """The booked visit, else the latest one."""
    visits = list(
        session.scalars(
            select(Visit).where(Visit.case_id == case_id).order_by(Visit.starts_at.desc())
        )
    )
    booked = [visit for visit in visits if visit.status in ACTIVE_VISIT_STATUSES]
    return booked[0] if booked else (visits[0] if visits else None)


def current_consents(session: Session, *, case_id: int) -> list[ConsentRecord]:
    """The decision that holds now, one per purpose."""
    latest: dict[str, ConsentRecord] = {}
    records = session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.case_id == case_id)
        .order_by(ConsentRecord.recorded_at, ConsentRecord.id)
    )
    for record in records:
        latest[record.purpose] = record
    return list(latest.values())
