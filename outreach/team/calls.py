"""A call logged from the case page ("J'ai appelé"): its outcome, acted on like the outcome of a
call task (outreach.team.outcomes: a reached household leaves its sequence, a wrong number is no
longer written to…), how long it took and a short note, and "rappeler le …" as a task for that day.
Counted in the indicators with the other call outcomes."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from messages import gettext
from outreach.casework.procedure import paris_today
from outreach.clock import Clock
from outreach.models import Case, InboxItem, TeamUser
from outreach.team.followup import MAX_NOTE_LENGTH, add_note
from outreach.team.outcomes import TASKS_WITH_OUTCOME, record_outcome
from outreach.team.tasks import create_task

CALL_TASK = "phone_call"
MAX_MINUTES = 600


class CallError(ValueError):
    """The call cannot be logged as typed; the message (French) says why."""


def outcomes() -> tuple[str, ...]:
    return TASKS_WITH_OUTCOME[CALL_TASK]


def log_call(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    user: TeamUser,
    outcome: str,
    minutes: int | None = None,
    note: str = "",
    call_back_on: date | None = None,
) -> InboxItem:
    """Everything checked first, then written: the call as a closed call task with its outcome."""
    if outcome not in outcomes():
        raise CallError(gettext("Choose what came of the call."))
    if minutes is not None and not 0 <= minutes <= MAX_MINUTES:
        raise CallError(
            gettext("The length of the call is in minutes, up to {limit}.", limit=MAX_MINUTES)
        )
    if call_back_on is not None and call_back_on < paris_today(clock.now()):
        raise CallError(gettext("The day to call back cannot be in the past."))
    if len(note.strip()) > MAX_NOTE_LENGTH:
        raise CallError(gettext("A note is at most {limit} characters.", limit=MAX_NOTE_LENGTH))
    item = create_task(session, clock=clock, case_id=case.id, task=CALL_TASK)
    record_outcome(session, clock=clock, user=user, item=item, outcome=outcome)
    text = note.strip()
    if text or minutes:
        length = gettext("{minutes} min", minutes=minutes) if minutes else ""
        body = gettext("Call") + (f" ({length})" if length else "") + (f" : {text}" if text else "")
        add_note(session, clock=clock, case=case, author=user, body=body)
    if call_back_on is not None:
        later = create_task(session, clock=clock, case_id=case.id, task=CALL_TASK)
        later.due_on = call_back_on
    return item
