"""Indicators for the State report: the outreach funnel by sector and by import month.

The funnel is a list of stages, each a condition on a case ("it got an outbound message", "it
answered"…). A case counts in a stage when the condition holds, whatever the other stages say.
The conversation work adds the later stages (consent, visit, check-in) with `add_stage`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, exists, func, select, true
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach.cases import visible_cases
from outreach.models import Case, Message, Sector, TeamUser

# Outbound statuses that mean the provider took the message (it left our hands).
CONTACTED_STATUSES = ("queued", "accepted", "scheduled", "sent", "delivered", "read")
UNASSIGNED = ""
NO_MONTH = ""


@dataclass(frozen=True)
class Stage:
    key: str
    label: str  # English msgid; shown translated
    condition: Callable[[], ColumnElement[bool]]  # a condition on Case


def _transferred() -> ColumnElement[bool]:
    return true()


def _contacted() -> ColumnElement[bool]:
    return exists().where(
        Message.case_id == Case.id,
        Message.direction == "out",
        Message.status.in_(CONTACTED_STATUSES),
    )


def _reached() -> ColumnElement[bool]:
    return exists().where(Message.case_id == Case.id, Message.direction == "in")


STAGES: list[Stage] = [
    Stage("transferred", N_("Transferred by the CCAPEX"), _transferred),
    Stage("contacted", N_("Contacted (a message left)"), _contacted),
    Stage("reached", N_("Reached (the household answered)"), _reached),
]


def add_stage(stage: Stage, *, after: str | None = None) -> None:
    """Add a later funnel stage (after the last one, or after `after`); idempotent by key."""
    if any(known.key == stage.key for known in STAGES):
        return
    keys = [known.key for known in STAGES]
    position = keys.index(after) + 1 if after in keys else len(STAGES)
    STAGES.insert(position, stage)


@dataclass(frozen=True)
class IndicatorFilters:
    month_from: str | None = None  # YYYY-MM, inclusive
    month_to: str | None = None


@dataclass
class Funnel:
    stages: list[Stage]
    # (sector code, month) -> stage key -> number of cases
    cells: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    sector_names: dict[str, str] = field(default_factory=dict)

    def total(self) -> dict[str, int]:
        return self._sum(lambda _key: "all").get("all", dict.fromkeys(self.keys, 0))

    def by_sector(self) -> dict[str, dict[str, int]]:
        return self._sum(lambda key: key[0])

    def by_month(self) -> dict[str, dict[str, int]]:
        return self._sum(lambda key: key[1])

    def _sum(self, group: Callable[[tuple[str, str]], str]) -> dict[str, dict[str, int]]:
        sums: dict[str, dict[str, int]] = {}
        for key, counts in sorted(self.cells.items()):
            target = sums.setdefault(group(key), dict.fromkeys(self.keys, 0))
            for stage, count in counts.items():
                target[stage] += count
        return sums

    @property
    def keys(self) -> list[str]:
        return [stage.key for stage in self.stages]

    def sector_label(self, code: str) -> str:
        if code == UNASSIGNED:
            return gettext("Unassigned")
        return self.sector_names.get(code, code)


def funnel(session: Session, *, user: TeamUser, filters: IndicatorFilters) -> Funnel:
    """Count the cases `user` may see at each stage, by sector and import month."""
    result = Funnel(stages=list(STAGES))
    result.sector_names = dict(session.execute(select(Sector.code, Sector.name)).all())
    scope = _scope(user, filters)
    for stage in result.stages:
        for code, month, count in session.execute(_count(scope, stage)):
            cell = result.cells.setdefault(
                (code or UNASSIGNED, month or NO_MONTH), dict.fromkeys(result.keys, 0)
            )
            cell[stage.key] = count
    return result


def _scope(user: TeamUser, filters: IndicatorFilters) -> Select[tuple[Case]]:
    query = visible_cases(user)
    if filters.month_from:
        query = query.where(Case.import_month >= filters.month_from)
    if filters.month_to:
        query = query.where(Case.import_month <= filters.month_to)
    return query


def _count(scope: Select[tuple[Case]], stage: Stage) -> Select[tuple[str | None, str | None, int]]:
    cases = scope.where(stage.condition()).subquery()
    return (
        select(Sector.code, cases.c.import_month, func.count())
        .select_from(cases)
        .outerjoin(Sector, Sector.id == cases.c.sector_id)
        .group_by(Sector.code, cases.c.import_month)
    )


def export_rows(result: Funnel) -> list[list[str | int]]:
    """One row per sector and month with each stage's count: what the CSV and XLSX hold."""
    header: list[str | int] = [
        gettext("Import month"),
        gettext("Sector"),
        *(gettext(stage.label) for stage in result.stages),
    ]
    rows = [header]
    for (code, month), counts in sorted(
        result.cells.items(), key=lambda item: (item[0][1], item[0][0])
    ):
        rows.append([month, result.sector_label(code), *(counts[key] for key in result.keys)])
    return rows
