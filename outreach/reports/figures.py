"""The indicators a team member sees, kept for a few minutes instead of counted on every visit.

Counting the funnel and the other tables reads every case of the member's scope (about 20
queries); on a busy server that made the indicators page the slowest one. The figures are
monthly statistics for the State report: a few minutes old is fine, as long as the page says when
they were counted. So each scope's figures (a coordinator's: every case; a worker's: their
sectors and the cases assigned to them) and period are kept for `MAX_AGE`. The scheduler
recounts every active member's figures for the whole period in the background
(`refresh`), so a page rarely counts anything itself. Per process, in memory: nothing
personal is kept, only counts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import Clock
from outreach.db import read_transaction
from outreach.models import TeamUser
from outreach.reports.evaluation import Evaluation, evaluate
from outreach.reports.indicators import Funnel, IndicatorFilters, funnel
from outreach.reports.tables import Table, tables

MAX_AGE = timedelta(minutes=5)

ScopeKey = tuple[object, ...]


@dataclass(frozen=True)
class Figures:
    funnel: Funnel
    tables: list[Table]
    evaluation: Evaluation
    counted_at: datetime


def scope_key(user: TeamUser) -> ScopeKey:
    """Members who see the same cases share figures (see outreach.cases.case_scope)."""
    if user.is_coordinator or user.is_evaluator:
        return ("all",)
    return ("worker", user.id, *sorted(sector.id for sector in user.sectors))


def count(session: Session, *, user: TeamUser, filters: IndicatorFilters, now: datetime) -> Figures:
    return Figures(
        funnel=funnel(session, user=user, filters=filters),
        tables=tables(session, user=user, filters=filters),
        evaluation=evaluate(session, user=user, filters=filters),
        counted_at=now,
    )


class FiguresCache:
    def __init__(self, clock: Clock, max_age: timedelta = MAX_AGE) -> None:
        self.clock = clock
        self.max_age = max_age
        self._kept: dict[tuple[ScopeKey, IndicatorFilters], Figures] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, *, user: TeamUser, filters: IndicatorFilters) -> Figures:
        """The member's figures for the period: kept ones if young enough, else counted now."""
        key = (scope_key(user), filters)
        now = self.clock.now()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and timedelta(0) <= now - kept.counted_at < self.max_age:
            return kept
        figures = count(session, user=user, filters=filters, now=now)
        self._keep(key, figures)
        return figures

    def refresh(self, sessions: sessionmaker[Session]) -> int:
        """Count every active member's figures for the whole period again; how many scopes."""
        done: set[ScopeKey] = set()
        with read_transaction(sessions) as session:
            for user in session.scalars(select(TeamUser).where(TeamUser.active.is_(True))):
                key = scope_key(user)
                if key in done:
                    continue
                filters = IndicatorFilters()
                self._keep(
                    (key, filters), count(session, user=user, filters=filters, now=self.clock.now())
                )
                done.add(key)
        return len(done)

    def _keep(self, key: tuple[ScopeKey, IndicatorFilters], figures: Figures) -> None:
        with self._lock:
            if len(self._kept) > 500:  # many periods asked for: start again
                self._kept.clear()
            self._kept[key] = figures
