"""The partners' daily job: a referral the partner has not answered after `REMIND_AFTER` days
opens a task for the team (remind the partner, or record that there was no answer), once."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import Clock
from outreach.engine.dispatcher import Dispatcher
from outreach.engine.tick import DailyJob
from outreach.models import Referral
from outreach.team.tasks import create_task

log = logging.getLogger(__name__)

REMIND_AFTER = timedelta(days=10)
NO_ANSWER_TASK = "referral_no_answer"


def remind_unanswered(sessions: sessionmaker[Session], *, clock: Clock) -> int:
    """A task for each referral sent more than 10 days ago and still unanswered; how many."""
    now = clock.now()
    with sessions.begin() as session:
        waiting = session.scalars(
            select(Referral).where(
                Referral.status.in_(("sent", "received")),
                Referral.sent_at <= now - REMIND_AFTER,
                Referral.reminded_at.is_(None),
            )
        ).all()
        for referral in waiting:
            create_task(session, clock=clock, case_id=referral.case_id, task=NO_ANSWER_TASK)
            referral.reminded_at = now
    if waiting:
        log.info("unanswered referrals: %d tasks opened", len(waiting))
    return len(waiting)


def _reminders_job(dispatcher: Dispatcher) -> int:
    return remind_unanswered(dispatcher.sessions, clock=dispatcher.clock)


DAILY_JOBS = (DailyJob("referral_reminders", 9, 40, _reminders_job),)
