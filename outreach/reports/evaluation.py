"""The evaluation of the period: the headline figures with their change against the previous
period, the monthly trend, and the outcome and delay indicators; one read of the case facts
(outreach.reports.facts) for the period and the one before it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach.models import Sector, TeamUser
from outreach.reports import facts as case_facts
from outreach.reports.breakdowns import Cohort, breakdown
from outreach.reports.delays import delays
from outreach.reports.facts import CaseFacts
from outreach.reports.headline import Figure, headline, previous_period, reached, visited
from outreach.reports.indicators import IndicatorFilters
from outreach.reports.outcomes import outcome_tables
from outreach.reports.tables import Table


@dataclass(frozen=True)
class Evaluation:
    filters: IndicatorFilters
    previous: IndicatorFilters | None  # the period compared with; None: no comparison
    headline: list[Figure]
    trend: Table  # transferred, reached, visits held: by month
    tables: list[Table]  # outcomes, démarches, stages, not reached, causes, delays
    names: dict[str, str]  # sector code -> name


def evaluate(session: Session, *, user: TeamUser, filters: IndicatorFilters) -> Evaluation:
    return evaluate_sectors(session, user=user, filters=filters, sectors=())[0]


def evaluate_sectors(
    session: Session, *, user: TeamUser, filters: IndicatorFilters, sectors: Sequence[str]
) -> list[Evaluation]:
    """The evaluation of `filters`, then the same for each of `sectors` (codes), from one read
    of the facts."""
    before = previous_period(filters)
    read = IndicatorFilters(
        month_from=before.month_from if before else filters.month_from,
        month_to=filters.month_to,
        sector=filters.sector,
    )
    found = case_facts.load(session, user=user, filters=read)
    names: dict[str, str] = dict(session.execute(select(Sector.code, Sector.name)).all())
    results = [_evaluation(found, filters, before, names)]
    for code in sectors:
        mine = [case for case in found if case.sector == code]
        results.append(
            _evaluation(
                mine,
                replace(filters, sector=code),
                replace(before, sector=code) if before else None,
                names,
            )
        )
    return results


def _evaluation(
    found: Sequence[CaseFacts],
    filters: IndicatorFilters,
    before: IndicatorFilters | None,
    names: dict[str, str],
) -> Evaluation:
    current = [case for case in found if within(case, filters)]
    previous = [case for case in found if within(case, before)] if before else None
    cohort = Cohort(current, names)
    return Evaluation(
        filters=filters,
        previous=before,
        headline=headline(current, previous),
        trend=trend(cohort),
        tables=[*outcome_tables(cohort), delays(cohort)],
        names=names,
    )


def within(case: CaseFacts, filters: IndicatorFilters) -> bool:
    if filters.month_from and not (case.month and case.month >= filters.month_from):
        return False
    return not (filters.month_to and not (case.month and case.month <= filters.month_to))


def trend(cohort: Cohort) -> Table:
    """Households transferred, reached and visited, by import month."""
    table = Table(
        "trend",
        N_("Monthly trend"),
        [
            gettext("Households transferred"),
            gettext("Households reached"),
            gettext("Home visits held"),
        ],
        [0, 1, 2],
    )
    return breakdown(
        table,
        cohort,
        lambda cases: [
            len(cases),
            sum(1 for case in cases if reached(case)),
            sum(1 for case in cases if visited(case)),
        ],
    )
