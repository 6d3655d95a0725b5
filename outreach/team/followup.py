"""Notes and démarches (engagement steps) on a case: the team's follow-up after the first contact.

The conversation's check-in (15 days after the last exchange) reads `open_steps` to review with
the household what is still to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach import audit
from outreach.casework import step_kinds
from outreach.clock import Clock
from outreach.models import Case, CaseNote, EngagementStep, TeamUser
from outreach.models.followup import OPEN_STEP_STATUSES, STEP_ACTORS, STEP_STATUSES

MAX_NOTE_LENGTH = 5000
MAX_DETAIL_LENGTH = 500

STEP_ACTOR_LABELS = {
    "household": N_("the household"),
    "team": N_("the team"),
    "partner": N_("a partner"),
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
    objective: str | None = None
    actor: str | None = None
    result: str | None = None


def step_kind_label(kind: str, language: str = "fr") -> str:
    return step_kinds.team_label(kind, language)


def step_actor_label(actor: str, language: str = "fr") -> str:
    return gettext(STEP_ACTOR_LABELS[actor], language) if actor in STEP_ACTOR_LABELS else actor


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
    objective: str | None = None,
    by: str = "household",
) -> EngagementStep:
    """Add one démarche to the case's engagement contract, to do: its kind, the objective in the
    household's words, who does it (`by`: the household, the team or a partner), when."""
    if kind not in step_kinds.kind_keys():
        raise FollowupError(gettext("Unknown step: {kind}.", kind=kind))
    if by not in STEP_ACTORS:
        raise FollowupError(gettext("Choose who does the step."))
    now = clock.now()
    step = EngagementStep(
        case_id=case.id,
        kind=kind,
        status="todo",
        due_date=due_date,
        detail=_detail(detail),
        objective=_detail(objective),
        actor=by,
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
    if change.actor is not None and change.actor not in STEP_ACTORS:
        raise FollowupError(gettext("Choose who does the step."))
    for field in ("detail", "objective", "result"):
        value = getattr(change, field)
        if value is not None and _detail(value) != getattr(step, field):
            setattr(step, field, _detail(value))
            changed.append(field)
    if change.actor is not None and change.actor != step.actor:
        step.actor = change.actor
        changed.append("actor")
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


def overdue_steps(
    session: Session, *, today: date, scope: ColumnElement[bool] | None = None
) -> list[tuple[EngagementStep, Case]]:
    """The démarches still open past their due date, the most overdue first, with their case;
    only cases still open, and only those `scope` lets the reader see (outreach.cases)."""
    query = (
        select(EngagementStep, Case)
        .join(Case, Case.id == EngagementStep.case_id)
        .where(
            EngagementStep.status.in_(OPEN_STEP_STATUSES),
            EngagementStep.due_date < today,
            Case.status != "closed",
        )
        .order_by(EngagementStep.due_date, EngagementStep.id)
    )
    if scope is not None:
        query = query.where(scope)
    return [(step, case) for step, case in session.execute(query)]


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
