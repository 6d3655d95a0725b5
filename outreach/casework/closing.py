"""Closing a case with its outcome, and reopening it with a reason.

Closing is the team's decision: it records the outcome (from the list the State's indicators
count), a comment, who closed it and when; it stops the case's sequences and cancels every
message not yet sent; the 15-day check-ins skip closed cases; the retention period (CNIL: two
years of active data) counts from the close (outreach.privacy.retention). A case with a visit
still booked is not closed: the visit is cancelled first, so the household is told.
Reopening puts the case back where it stood, with the reason in its notes and the audit log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach import audit
from outreach.booking.bookings import active_visit
from outreach.casework.lifecycle import CLOSED, OUT_OF_SCOPE_REASONS, STATUSES
from outreach.clock import Clock
from outreach.models import Anonymisation, Case, CaseNote, TeamUser
from outreach.models.outbox import OUTBOX_KINDS
from outreach.sending.outbox import cancel_for_case
from outreach.sequences.runner import stop_for_case
from outreach.team import events

# In the order the form lists them; English msgids, shown in French.
OUTCOMES = {
    "kept_home": N_("stays in the home"),
    "repayment_plan": N_("repayment plan signed"),
    "debt_cleared": N_("debt paid off"),
    "rehoused": N_("rehoused"),
    "referred": N_("referred to a partner"),
    "refused": N_("refused help"),
    "unreachable": N_("could not be reached"),
    "moved_out": N_("left the home"),
    "evicted": N_("evicted"),
    "other": N_("other"),
}
MAX_COMMENT = 2000


class ClosingError(ValueError):
    """The case cannot be closed or reopened as asked (the message says why, in French)."""


def outcome_label(outcome: str | None) -> str:
    if not outcome:
        return ""
    return gettext(OUTCOMES[outcome]) if outcome in OUTCOMES else outcome


def close(
    session: Session, *, clock: Clock, case: Case, outcome: str, comment: str, actor: TeamUser
) -> None:
    """Close the case with `outcome` (ClosingError if it cannot be); the caller commits."""
    if case.status == CLOSED:
        raise ClosingError(gettext("This case is already closed."))
    if outcome not in OUTCOMES:
        raise ClosingError(gettext("Choose how the case ends."))
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ClosingError(
            gettext("The comment is too long (at most {limit} characters).", limit=MAX_COMMENT)
        )
    visit = active_visit(session, case_id=case.id)
    if visit is not None:
        raise ClosingError(
            gettext("A visit is still booked: cancel it first, so the household is told.")
        )
    now = clock.now()
    _stop_messages(session, now=now, case_id=case.id, reason="closed")
    before = case.status
    case.status_before_close = before
    case.status = CLOSED
    case.outcome = outcome
    case.outcome_comment = comment or None
    case.closed_at = now
    case.closed_by_id = actor.id
    case.updated_at = now
    audit.record(
        session, clock=clock, actor=actor, action="case.close", case_id=case.id, outcome=outcome
    )
    events.record(
        session, kind="case.closed", case_id=case.id, at=now, before=before, outcome=outcome
    )


def reopen(session: Session, *, clock: Clock, case: Case, reason: str, actor: TeamUser) -> None:
    """Reopen a closed case where it stood, the reason kept as a note; the caller commits."""
    if case.status != CLOSED:
        raise ClosingError(gettext("This case is not closed."))
    if session.get(Anonymisation, case.id) is not None:
        raise ClosingError(gettext("This case was anonymised: it cannot be reopened."))
    reason = reason.strip()
    if not reason:
        raise ClosingError(gettext("Say why the case is reopened."))
    if len(reason) > MAX_COMMENT:
        raise ClosingError(
            gettext("The reason is too long (at most {limit} characters).", limit=MAX_COMMENT)
        )
    now = clock.now()
    back_to = case.status_before_close if case.status_before_close in STATUSES else "reached"
    if back_to == CLOSED:
        back_to = "reached"
    case.status = back_to
    case.status_before_close = None
    case.outcome = None
    case.outcome_comment = None
    case.closed_at = None
    case.closed_by_id = None
    case.updated_at = now
    session.add(
        CaseNote(
            case_id=case.id,
            author_id=actor.id,
            body=gettext("Case reopened: {reason}", reason=reason),
            created_at=now,
        )
    )
    audit.record(session, clock=clock, actor=actor, action="case.reopen", case_id=case.id)
    events.record(session, kind="case.reopened", case_id=case.id, at=now, after=back_to)


def set_out_of_scope(
    session: Session, *, clock: Clock, case: Case, reason: str, actor: TeamUser
) -> None:
    """The case is not for the team (already followed, social housing, not a tenant): its
    sequences stop and its unsent messages are cancelled; it can then be closed."""
    if case.status == CLOSED:
        raise ClosingError(gettext("This case is closed."))
    if reason not in OUT_OF_SCOPE_REASONS:
        raise ClosingError(gettext("Choose why the case is out of scope."))
    now = clock.now()
    _stop_messages(session, now=now, case_id=case.id, reason="out_of_scope")
    before = case.status
    case.status = "out_of_scope"
    case.aside_reason = reason
    case.updated_at = now
    audit.record(
        session,
        clock=clock,
        actor=actor,
        action="case.out_of_scope",
        case_id=case.id,
        reason=reason,
    )
    events.record(
        session, kind="case.status", case_id=case.id, at=now, before=before, after="out_of_scope"
    )


def _stop_messages(session: Session, *, now: datetime, case_id: int, reason: str) -> None:
    """Nothing more goes to the household: its sequences stop, every unsent message is cancelled."""
    stop_for_case(session, now=now, case_id=case_id, reason=reason)
    cancel_for_case(session, now=now, case_id=case_id, kinds=OUTBOX_KINDS, reason=reason)
