"""Who holds a case: the worker the household deals with.

A worker takes a case ("Je prends ce dossier"), a coordinator hands it to someone, and the worker
who holds a booked visit becomes the case's worker when it had none: the SMS that says "Bruno
will come" and the case page that says who is in charge never disagree.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from messages import gettext
from outreach import audit
from outreach.clock import Clock
from outreach.models import Case, TeamUser
from outreach.team import events


class AssignmentError(ValueError):
    """This worker cannot hold this case (the message says why, in French)."""


def assign(
    session: Session, *, clock: Clock, case: Case, worker_id: int | None, actor: TeamUser | None
) -> bool:
    """Make `worker_id` the case's worker (None: nobody); True if it changed. `actor` is who
    did it (None: the booking did). The caller commits."""
    if worker_id is not None:
        worker = session.get(TeamUser, worker_id)
        if worker is None or not worker.active:
            raise AssignmentError(gettext("This team member does not exist or is deactivated."))
    if case.assigned_worker_id == worker_id:
        return False
    before = case.assigned_worker_id
    case.assigned_worker_id = worker_id
    case.updated_at = clock.now()
    action = "case.assign"
    audit.record(
        session, clock=clock, actor=actor, action=action, case_id=case.id, worker_id=worker_id
    )
    events.record(
        session,
        kind="case.assigned",
        case_id=case.id,
        at=clock.now(),
        before=before,
        worker_id=worker_id,
    )
    return True
