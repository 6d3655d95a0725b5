"""A reminder to the household two days before a démarche it agreed to do itself is due.

Only démarches the household does (not the team's or a partner's), still open, with a due date;
only for a case still open, whose household agreed to the diagnostic and did not opt out. Sent
once (`nudged_at`, set by a conditional update), through the outbox in the ordinary sending
window (never at night, on Sundays or public holidays). The daily job looks two days ahead and
catches up a missed day as long as the due date has not passed.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from messages.formatting import visit_day
from messages.templates import Text, render_text
from outreach.casework import step_kinds
from outreach.casework.procedure import paris_today
from outreach.clock import PARIS, Clock
from outreach.conversation.replies import write_first
from outreach.conversation.state import conversation_of
from outreach.models import Case, EngagementStep
from outreach.models.followup import OPEN_STEP_STATUSES
from outreach.privacy.consent import has_consent

log = logging.getLogger(__name__)

AHEAD = timedelta(days=2)


def nudge_text(step: EngagementStep, language: str) -> Text:
    if step.due_date is None:
        raise ValueError(f"step {step.id} has no due date")
    due = datetime.combine(step.due_date, time(12), PARIS)
    return render_text(
        "step_nudge",
        language,
        step=step_kinds.household_label(step.kind, language),
        day=visit_day(due, language),
    )


def due_nudges(session: Session, *, today: date) -> list[int]:
    """Ids of the household's open démarches due within two days, not reminded yet."""
    return list(
        session.scalars(
            select(EngagementStep.id)
            .join(Case, Case.id == EngagementStep.case_id)
            .where(
                EngagementStep.actor == "household",
                EngagementStep.status.in_(OPEN_STEP_STATUSES),
                EngagementStep.nudged_at.is_(None),
                EngagementStep.due_date >= today,
                EngagementStep.due_date <= today + AHEAD,
                Case.status != "closed",
                Case.opted_out.is_(False),
            )
            .order_by(EngagementStep.id)
        )
    )


def send_nudges(sessions: sessionmaker[Session], *, clock: Clock, enabled: tuple[str, ...]) -> int:
    """Queue the reminders due today; each step in its own transaction. How many were queued."""
    with sessions() as session:
        ids = due_nudges(session, today=paris_today(clock.now()))
    sent = 0
    for step_id in ids:
        try:
            with sessions.begin() as session:
                sent += _nudge(session, clock=clock, step_id=step_id, enabled=enabled)
        except Exception:
            log.exception("reminder of step %s failed", step_id)
    log.info("step reminders queued: %d", sent)
    return sent


def _nudge(session: Session, *, clock: Clock, step_id: int, enabled: tuple[str, ...]) -> int:
    step = session.get_one(EngagementStep, step_id)
    case = session.get_one(Case, step.case_id)
    if not has_consent(session, case_id=case.id, purpose="diagnostic"):
        return 0
    conversation = conversation_of(session, clock=clock, case=case)
    claimed = session.execute(
        update(EngagementStep)
        .where(EngagementStep.id == step.id, EngagementStep.nudged_at.is_(None))
        .values(nudged_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return 0  # another run did it: never twice
    message = write_first(
        session,
        clock=clock,
        case=case,
        conversation=conversation,
        text=nudge_text(step, case.language),
        enabled=enabled,
    )
    return int(message is not None)
