"""The conversation's daily jobs: slots from availability, visit reminders, the 15-day check-in.

Each job works case by case in its own transaction, so one bad case never stops the batch.
"""

from __future__ import annotations

import logging
from collections import Counter

from sqlalchemy.orm import Session, sessionmaker

from outreach.booking import checkin
from outreach.booking import texts as booking_messages
from outreach.booking.config import BookingConfig
from outreach.booking.slots import materialise_slots
from outreach.booking.visits import due_reminders, mark_reminded
from outreach.casework import lifecycle
from outreach.clock import Clock
from outreach.conversation.replies import write_first
from outreach.conversation.state import conversation_of, keep_in_step, move
from outreach.conversation.table import FOLLOW_UP, REMINDED, VISITED
from outreach.engine.dispatcher import Dispatcher
from outreach.engine.tick import DailyJob
from outreach.models import Case, Conversation, Visit
from outreach.team.tasks import create_task

log = logging.getLogger(__name__)


def make_slots(sessions: sessionmaker[Session], *, clock: Clock) -> int:
    """Slots for the next weeks from the workers' availability (idempotent)."""
    with sessions.begin() as session:
        report = materialise_slots(session, clock=clock)
    log.info("slots: %s created, %s cancelled", report.created, report.cancelled)
    return report.created


def send_visit_reminders(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    enabled: tuple[str, ...],
    config: BookingConfig | None = None,
) -> int:
    """Queue the reminder of each visit due today (the working day before, 10:00 Paris)."""
    with sessions() as session:
        ids = [visit.id for visit in due_reminders(session, clock=clock, config=config)]
    sent = 0
    for visit_id in ids:
        try:
            with sessions.begin() as session:
                sent += _remind(session, clock=clock, visit_id=visit_id, enabled=enabled)
        except Exception:
            log.exception("reminder of visit %s failed", visit_id)
    return sent


def _remind(session: Session, *, clock: Clock, visit_id: int, enabled: tuple[str, ...]) -> int:
    visit = session.get_one(Visit, visit_id)
    case = session.get_one(Case, visit.case_id)
    if not mark_reminded(session, clock=clock, visit=visit):
        return 0  # another run did it: never twice
    conversation = conversation_of(session, clock=clock, case=case)
    text = booking_messages.visit_reminder(visit, case.language)
    message = write_first(
        session, clock=clock, case=case, conversation=conversation, text=text, enabled=enabled
    )
    move(conversation, clock=clock, state=REMINDED)
    return int(message is not None)


def run_checkins(
    sessions: sessionmaker[Session], *, clock: Clock, enabled: tuple[str, ...]
) -> Counter[str]:
    """The 15-day check-in of every followed case: question, reminder, or a task."""
    with sessions() as session:
        case_ids = checkin.followed_cases(session)
    report: Counter[str] = Counter()
    for case_id in case_ids:
        try:
            with sessions.begin() as session:
                done = _checkin(session, clock=clock, case_id=case_id, enabled=enabled)
        except Exception:
            log.exception("check-in of case %s failed", case_id)
            done = "error"
        if done:
            report[done] += 1
    checkin.log_run(clock, dict(report))
    return report


def _checkin(
    session: Session, *, clock: Clock, case_id: int, enabled: tuple[str, ...]
) -> str | None:
    case = session.get_one(Case, case_id)
    conversation = conversation_of(session, clock=clock, case=case)
    keep_in_step(session, clock=clock, conversation=conversation)
    due = checkin.what_is_due(
        conversation,
        last=checkin.last_exchange(session, case=case),
        now=clock.now(),
        answered=checkin.answered_since(
            session, case_id=case.id, since=conversation.checkin_asked_at
        ),
    )
    if due == "question":
        return _ask(session, clock=clock, case=case, conversation=conversation, enabled=enabled)
    if due == "reminder":
        text = checkin.reminder(case.language)
        choices = checkin.answer_choices(case.language)
        write_first(
            session,
            clock=clock,
            case=case,
            conversation=conversation,
            text=text,
            enabled=enabled,
            choices=choices,
        )
        conversation.checkin_reminded_at = clock.now()
    if due == "task":
        create_task(session, clock=clock, case_id=case.id, task=checkin.NO_ANSWER_TASK)
        conversation.checkin_asked_at = conversation.checkin_reminded_at = None
        move(conversation, clock=clock, state=VISITED)
    return due


def _ask(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    conversation: Conversation,
    enabled: tuple[str, ...],
) -> str | None:
    kinds = checkin.open_step_kinds(session, case_id=case.id)
    text = checkin.question(kinds, case.language)
    choices = checkin.answer_choices(case.language)
    message = write_first(
        session,
        clock=clock,
        case=case,
        conversation=conversation,
        text=text,
        enabled=enabled,
        choices=choices,
    )
    if message is None:
        return None
    conversation.checkin_asked_at = clock.now()
    conversation.checkin_reminded_at = None
    move(conversation, clock=clock, state=FOLLOW_UP)
    lifecycle.advance(session, case=case, to="follow_up", at=clock.now())
    return "question"


# --- as daily jobs of the scheduler (api/scheduler.py) ---------------------------------------


def _slots_job(dispatcher: Dispatcher) -> int:
    return make_slots(dispatcher.sessions, clock=dispatcher.clock)


def _reminders_job(dispatcher: Dispatcher) -> int:
    return send_visit_reminders(
        dispatcher.sessions, clock=dispatcher.clock, enabled=dispatcher.enabled
    )


def _checkin_job(dispatcher: Dispatcher) -> Counter[str]:
    return run_checkins(dispatcher.sessions, clock=dispatcher.clock, enabled=dispatcher.enabled)


DAILY_JOBS = (
    DailyJob("materialise_slots", 6, 30, _slots_job),
    # At the reminder time (ALLERVERS_BOOKING_REMINDER_TIME, 10:00 by default), just after it.
    DailyJob("visit_reminders", 10, 1, _reminders_job),
    DailyJob("checkin", 10, 15, _checkin_job),
)
