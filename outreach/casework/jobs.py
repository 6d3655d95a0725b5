"""The casework's daily jobs: each case's procedure stage and next deadline follow its dates; the
household is reminded two days before a démarche of its own is due."""

from __future__ import annotations

import logging

from outreach.casework.nudges import send_nudges
from outreach.casework.procedure import paris_today, refresh_procedures
from outreach.engine.dispatcher import Dispatcher
from outreach.engine.tick import DailyJob

log = logging.getLogger(__name__)


def _stages_job(dispatcher: Dispatcher) -> int:
    with dispatcher.sessions.begin() as session:
        changed = refresh_procedures(session, today=paris_today(dispatcher.clock.now()))
    log.info("procedure stages and deadlines brought up to date: %d cases", changed)
    return changed


def _nudges_job(dispatcher: Dispatcher) -> int:
    return send_nudges(dispatcher.sessions, clock=dispatcher.clock, enabled=dispatcher.enabled)


DAILY_JOBS = (
    DailyJob("procedure_stages", 6, 0, _stages_job),
    DailyJob("step_reminders", 10, 20, _nudges_job),
)
