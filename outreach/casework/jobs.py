"""The casework's daily job: each case's procedure stage and next deadline follow its dates."""

from __future__ import annotations

import logging

from outreach.casework.procedure import paris_today, refresh_procedures
from outreach.engine.dispatcher import Dispatcher
from outreach.engine.tick import DailyJob

log = logging.getLogger(__name__)


def _stages_job(dispatcher: Dispatcher) -> int:
    with dispatcher.sessions.begin() as session:
        changed = refresh_procedures(session, today=paris_today(dispatcher.clock.now()))
    log.info("procedure stages and deadlines brought up to date: %d cases", changed)
    return changed


DAILY_JOBS = (DailyJob("procedure_stages", 6, 0, _stages_job),)
