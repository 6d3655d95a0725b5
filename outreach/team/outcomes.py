"""What came of a call or a door knock: recorded in one tap when the task is done.

- reached ("joint"): the household is reached; its sequences stop (a person took over);
- no_answer, message_left: nothing else changes; the sequence goes on;
- wrong_number (a call): the case's phone numbers are marked unusable, nothing more is sent to them;
- moved ("a déménagé"): a task for the team to decide what comes next;
- refused: the household declines help; its sequences stop.
Each outcome closes the task, is audited, is a case event, and counts in the indicators.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach import audit
from outreach.casework import lifecycle
from outreach.clock import Clock
from outreach.models import Case, ContactPoint, InboxItem, TeamUser
from outreach.sending.channels import phone_contact_kinds
from outreach.sequences.runner import stop_for_case
from outreach.team import events
from outreach.team.inbox import close
from outreach.team.tasks import TASK_KIND, create_task

# In the order the buttons show them; English msgids, shown in French.
OUTCOMES = {
    "reached": N_("Reached"),
    "no_answer": N_("No answer"),
    "message_left": N_("Message left"),
    "wrong_number": N_("Wrong number"),
    "moved": N_("Has moved"),
    "refused": N_("Refused"),
}
# The tasks whose outcome is asked for, and the outcomes that make sense for each.
TASKS_WITH_OUTCOME = {
    "phone_call": ("reached", "no_answer", "message_left", "wrong_number", "moved", "refused"),
    "checkin_no_answer": ("reached", "no_answer", "message_left", "wrong_number", "moved"),
    "door_knock": ("reached", "no_answer", "message_left", "moved", "refused"),
}
MOVED_TASK = "household_moved"
UNUSABLE = "wrong_number"  # ContactPoint.state set by a worker's call


class OutcomeError(ValueError):
    """This outcome cannot be recorded on this item."""


def outcome_label(outcome: str) -> str:
    return gettext(OUTCOMES[outcome]) if outcome in OUTCOMES else outcome


def outcomes_for(item: InboxItem) -> tuple[str, ...]:
    """The outcomes to offer for an open item (none: it is closed with "Traité")."""
    if item.kind != TASK_KIND or item.note is None:
        return ()
    return TASKS_WITH_OUTCOME.get(item.note, ())


def record_outcome(
    session: Session, *, clock: Clock, user: TeamUser, item: InboxItem, outcome: str
) -> None:
    """Close a call or door-knock task with what came of it, and act on it."""
    if outcome not in outcomes_for(item) or item.case_id is None:
        raise OutcomeError(outcome)
    if item.handled_at is not None:
        return  # already closed (a double tap)
    now = clock.now()
    close(item, clock=clock, user=user, outcome=outcome)
    case = session.get_one(Case, item.case_id)
    if outcome in ("reached", "refused"):
        stop_for_case(session, now=now, case_id=case.id, reason=outcome)
    if outcome in ("reached", "refused"):
        lifecycle.advance(session, case=case, to=outcome, at=now)
    if outcome in ("reached", "refused"):  # the household was spoken to
        case.last_contact_at = max(filter(None, (case.last_contact_at, now)))
    if outcome == "wrong_number":
        phones = phone_contact_kinds()
        for point in case.contact_points:
            if point.kind in phones:
                _unusable(point)
    if outcome == "moved":
        create_task(session, clock=clock, case_id=case.id, task=MOVED_TASK)
    case.updated_at = now
    audit.record(
        session,
        clock=clock,
        actor=user,
        action="inbox.outcome",
        case_id=case.id,
        item_id=item.id,
        task=item.note,
        outcome=outcome,
    )
    events.record(
        session,
        kind="task.closed",
        case_id=case.id,
        at=now,
        task=item.note,
        item_id=item.id,
        outcome=outcome,
    )


def _unusable(point: ContactPoint) -> None:
    point.state = UNUSABLE
    point.state_reason = "team"
