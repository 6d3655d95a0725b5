"""Notes and démarches (engagement steps) on a case: the team's follow-up after the first contact.

The conversation's check-in (15 days after the last exchange) reads `open_steps` to review with
the household what is still to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import Case, CaseNote, EngagementStep, TeamUser
from outreach.models.followup import OPEN_STEP_STATUSES, STEP_KINDS, STEP_STATUSES

MAX_NOTE_LENGTH = 5000
MAX_DETAIL_LENGTH = 500

STEP_KIND_LABELS = {
    "fsl": N_("FSL application (Fonds de solidarité logement)"),
    "dls": N_("Social-housing application (DLS)"),
    "action_logement": N_("Action Logement aid"),
    "landlord_mediation": N_("Landlord mediation / repayment plan"),
    "overindebtedness": N_("Over-indebtedness file (Banque de France)"),
    "social_worker": N_("Appointment with a social worker"),
    "legal_advice": N_("Legal advice: ADIL or a lawyer (legal aid)"),
}
STEP_STATUS_LABELS = {
    "todo": N_("to do"),
    "in_progress": N_("in progress"),
    "done": N_("done"),
    "dropped": N_("dropped"),
}


class FollowupError(ValueError):
    """A note or step cannot be saved as asked; the message (French) says why."""


@dataclass(frozen=True)
class StepChange:
    """What to change on a step; None leaves a field as it is (clear_due_date empties the date)."""

    status: str | None = None
    due_date: date | None = None
    clear_due_date: bool = False
    detail: str | None = None


def step_kind_label(kind: str, language: str = "fr") -> str:
    return gettext(STEP_KIND_LABELS[kind], language) if kind in STEP_KIND_LABELS else kind


def step_status_label(status: str, language: str = "fr") -> str:
    return gettext(STEP_STATUS_LABELS[status], language) if status in STEP_STATUS_LABELS else status


# --- notes ------------------------------------------------------------------------------------


def add_note(
    session: Session, *, clock: Clock, case: Case, author: TeamUser, body: str
) -> CaseNote:
    text = body.strip()
    if not text:
        raise FollowupError(gettext("The note is empty."))
    if len(text) > MAX_NOTE_LENGTH:
        raise FollowupError(gettext("A note is at most {limit} characters.", limit=MAX_NOTE_LENGTH))
    note = CaseNote(case_id=case.id, author_id=author.id, body=text, created_at=clock.now())
    session.add(note)
    session.flush()
    audit.record(
        session, clock=clock, actor=author, action="note.add", case_id=case.id, note_id=note.id
    )
    return note


def notes_for(session: Session, *, case_id: int) -> list[CaseNote]:
    return list(
        session.scalars(select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id))
    )


# --- engagement steps -------------------------------------------------------------------------


def add_step(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    actor: TeamUser | None,
    kind: str,
    due_date: date | None = None,
    detail: str | None = None,
) -> EngagementStep:
    """Add one démarche to the case's engagement contract, to do."""
    if kind not in STEP_KINDS:
        raise FollowupError(gettext("Unknown step: {kind}.", kind=kind))
    now = clock.now()
    step = EngagementStep(
        case_id=case.id,
        kind=kind,
        status="todo",
        due_date=due_date,
        detail=_detail(detail),
        created_by_id=actor.id if actor else None,
        created_at=now,
        updated_at=now,
    )
    session.add(step)
    session.flush()
    audit.record(
        session, clock=clock, actor=actor, action="step.add", case_id=case.id, step_id=step.id
    )
    return step


def update_step(
    session: Session,
    *,
    clock: Clock,
    step: EngagementStep,
    actor: TeamUser | None,
    change: StepChange,
) -> EngagementStep:
    """Change a step's status, due date or detail; records when it was done."""
    if change.status is not None and change.status not in STEP_STATUSES:
        raise FollowupError(gettext("Unknown step status: {status}.", status=change.status))
    now = clock.now()
    changed = []
    if change.status is not None and change.status != step.status:
        step.status = change.status
        step.done_at = now if change.status == "done" else None
        changed.append("status")
    if change.clear_due_date or (change.due_date is not None and change.due_date != step.due_date):
        step.due_date = None if change.clear_due_date else change.due_date
        changed.append("due_date")
    if change.detail is not None and _detail(change.detail) != step.detail:
        step.detail = _detail(change.detail)
        changed.append("detail")
    if changed:
        step.updated_at = now
        audit.record(
            session,
            clock=clock,
            actor=actor,
            action="step.update",
            case_id=step.case_id,
            step_id=step.id,
            fields=changed,
            status=step.status,
        )
    session.flush()
    return step


def steps_for(session: Session, *, case_id: int) -> list[EngagementStep]:
    """Every step of the case, in the order they were agreed."""
    return list(
        session.scalars(
            select(EngagementStep)
            .where(EngagementStep.case_id == case_id)
            .order_by(EngagementStep.id)
        )
    )


def open_steps(session: Session, *, case_id: int) -> list[EngagementStep]:
    """The steps still to do or in progress, soonest due first (no date last)."""
    steps = session.scalars(
        select(EngagementStep).where(
            EngagementStep.case_id == case_id, EngagementStep.status.in_(OPEN_STEP_STATUSES)
        )
    )
    return sorted(steps, key=lambda step: (step.due_date is None, step.due_date, step.id))


def get_step(session: Session, *, case_id: int, step_id: int) -> EngagementStep | None:
    step = session.get(EngagementStep, step_id)
    return step if step is not None and step.case_id == case_id else None


def contract_steps(session: Session, *, case_id: int) -> list[EngagementStep]:
    """What the engagement contract lists: every step agreed and not dropped."""
    return [step for step in steps_for(session, case_id=case_id) if step.status != "dropped"]


def _detail(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = text.strip()
    if len(cleaned) > MAX_DETAIL_LENGTH:
        raise FollowupError(
            gettext("A step detail is at most {limit} characters.", limit=MAX_DETAIL_LENGTH)
        )
    return cleaned or None
