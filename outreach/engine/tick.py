"""The outreach engine as a whole: the path of a reply, one tick of work, the daily jobs.

APScheduler (api/scheduler.py) and `allervers tick` both call `tick`; nothing here keeps state
between calls except the dispatcher's rate-limit buckets, so a restart loses nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.casework import lifecycle
from outreach.clock import Clock
from outreach.engine.dispatcher import Dispatcher, dispatch_due
from outreach.engine.reconcile import reconcile
from outreach.models import Case, Message
from outreach.models.outbox import OutboxItem
from outreach.replies import inbound
from outreach.replies.optout import keyword, resume, withdraw
from outreach.sequences.runner import stop_for_case

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyPath:
    """What a household's reply goes through once attached to its case.

    STOP opts out, START opts back in, any other reply ends the sequences and goes to the
    `conversation` (outreach.conversation.reply_handler, which hands to a person what it does not
    understand). Without a conversation, every such reply waits for a person in the inbox.
    The composition root (api.services.build_services) builds one and passes it to
    `process_inbound`.
    """

    conversation: inbound.InboundHook | None = None

    def __call__(self, session: Session, clock: Clock, message: Message, case: Case) -> None:
        intent = keyword(message.body)
        if intent == "opt_out":
            withdraw(session, clock=clock, case=case, source=message.channel, confirm_to=message)
        elif intent == "opt_in" and case.opted_out:
            resume(session, clock=clock, case=case, confirm_to=message)
        else:
            stop_for_case(session, now=clock.now(), case_id=case.id, reason="reply")
            lifecycle.advance(session, case=case, to="reached", at=clock.now())
            if not case.opted_out and self.conversation is not None:
                self.conversation(session, clock, message, case)


def tick(dispatcher: Dispatcher, *, max_seconds: float | None = None) -> Counter[str]:
    """One pass of all due work: settle what a crash left, then run every due row."""
    with dispatcher.sessions.begin() as session:
        settled = reconcile(session, clock=dispatcher.clock, config=dispatcher.config)
    report = Counter({f"reconciled_{outcome}": count for outcome, count in settled.items()})
    report.update(dispatch_due(dispatcher, max_seconds=max_seconds))
    return report


def outbox_summary(session: Session) -> dict[str, int]:
    """Rows by status, for the daily log line and health checks (counts only)."""
    rows = session.execute(
        select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
    ).all()
    return {status: count for status, count in rows}


@dataclass(frozen=True)
class DailyJob:
    name: str
    hour: int  # Europe/Paris
    minute: int
    run: Callable[[Dispatcher], object]


def _log_summary(dispatcher: Dispatcher) -> dict[str, int]:
    with dispatcher.sessions() as session:
        summary = outbox_summary(session)
    log.info("outbox: %s", summary)
    return summary


def _reconcile_job(dispatcher: Dispatcher) -> Counter[str]:
    with dispatcher.sessions.begin() as session:
        return reconcile(session, clock=dispatcher.clock, config=dispatcher.config)


# The engine's own jobs that run once a day at a set time; the composition root adds the
# conversation's (outreach.conversation.jobs.DAILY_JOBS) into `Services.daily_jobs`.
DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob("outbox_summary", 7, 30, _log_summary),
    DailyJob("reconcile", 8, 55, _reconcile_job),  # before the sending window opens
)
