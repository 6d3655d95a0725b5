"""The six figures an evaluator asks for first, for the period and sector chosen, each with the
same figure for the period just before (same number of months) to show the change.

Every figure counts households transferred by the CCAPEX in the period (their import month),
so this year's households are followed whatever month they answered or were visited in. The
definitions are the glossary's (outreach.reports.glossary), which this module's names follow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from messages import N_
from outreach.reports.facts import CaseFacts
from outreach.reports.indicators import IndicatorFilters

# Closing outcomes that keep the household housed or its debt settled (outreach.casework.closing).
FAVOURABLE = ("kept_home", "repayment_plan", "debt_cleared", "rehoused")


def transferred(case: CaseFacts) -> bool:
    return True


def reached(case: CaseFacts) -> bool:
    return case.first_reply_at is not None


def diagnosed(case: CaseFacts) -> bool:
    return case.diagnostic


def visited(case: CaseFacts) -> bool:
    return case.visit_held_at is not None


def supported(case: CaseFacts) -> bool:
    return case.contract_at is not None


def closed_favourably(case: CaseFacts) -> bool:
    return case.status == "closed" and case.outcome in FAVOURABLE


@dataclass(frozen=True)
class Measure:
    key: str  # the glossary's key
    label: str  # English msgid
    counts: Callable[[CaseFacts], bool]
    as_share: bool  # shown as a share of the households transferred


MEASURES: tuple[Measure, ...] = (
    Measure("transferred", N_("Households transferred"), transferred, False),
    Measure("reached", N_("Households reached"), reached, True),
    Measure("diagnosed", N_("Diagnostics"), diagnosed, True),
    Measure("visited", N_("Home visits held"), visited, False),
    Measure("supported", N_("Households accompanied (contract agreed)"), supported, False),
    Measure("closed_favourably", N_("Cases closed with a favourable outcome"),
            closed_favourably, False),
)  # fmt: skip


@dataclass(frozen=True)
class Figure:
    measure: Measure
    count: int
    whole: int  # households transferred in the period
    previous: int | None  # None: no previous period to compare with
    previous_whole: int | None


def headline(current: Sequence[CaseFacts], previous: Sequence[CaseFacts] | None) -> list[Figure]:
    """The six figures of `current`, each with its value in `previous` (None: no comparison)."""
    figures = []
    for measure in MEASURES:
        figures.append(
            Figure(
                measure=measure,
                count=sum(1 for case in current if measure.counts(case)),
                whole=len(current),
                previous=None
                if previous is None
                else sum(1 for case in previous if measure.counts(case)),
                previous_whole=None if previous is None else len(previous),
            )
        )
    return figures


def previous_period(filters: IndicatorFilters) -> IndicatorFilters | None:
    """The same number of months just before the period; None when the period is open-ended."""
    if not (filters.month_from and filters.month_to) or filters.month_from > filters.month_to:
        return None
    start, end = _index(filters.month_from), _index(filters.month_to)
    length = end - start + 1
    return IndicatorFilters(
        month_from=_month(start - length), month_to=_month(start - 1), sector=filters.sector
    )


def _index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
