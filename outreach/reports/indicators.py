"""Indicators for the State report: the outreach funnel by sector and by import month.

The funnel is a list of stages, each a condition on a case ("it got an outbound message", "it
answered"…). A case counts in a stage when the condition holds, whatever the other stages say.
The stages, in order: the outreach ones (transferred, contacted, reached), then the conversation's
(consent, visit booked, visit held, check-in answered).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, exists, func, select, true
from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach.cases import counted_cases
from outreach.models import AuditEvent, Case, ConsentRecord, Message, Sector, TeamUser, Visit

# Outbound statuses that mean the provider took the message (it left our hands).
CONTACTED_STATUSES = ("queued", "accepted", "scheduled", "sent", "delivered", "read")
UNASSIGNED = ""
NO_MONTH = ""
NO_SECTOR = "none"  # the sector filter's value for the cases of no sector


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


def _consent_given() -> ColumnElement[bool]:
    return exists().where(ConsentRecord.case_id == Case.id, ConsentRecord.decision == "given")


def _visit_booked() -> ColumnElement[bool]:
    return exists().where(Visit.case_id == Case.id)


def _visit_held() -> ColumnElement[bool]:
    return exists().where(Visit.case_id == Case.id, Visit.status == "held")


def _checkin_answered() -> ColumnElement[bool]:
    return exists().where(
        AuditEvent.case_id == Case.id,
        AuditEvent.action == "conversation.decision",
        AuditEvent.detail["bot"].as_string().in_(("checkin_answer", "checkin_need_help")),
    )


STAGES: tuple[Stage, ...] = (
    Stage("transferred", N_("Transferred by the CCAPEX"), _transferred),
    Stage("contacted", N_("Contacted (a message left)"), _contacted),
    Stage("reached", N_("Reached (the household answered)"), _reached),
    Stage("consent", N_("Consent to the review given"), _consent_given),
    Stage("visit_booked", N_("Home visit booked"), _visit_booked),
    Stage("visit_held", N_("Home visit held"), _visit_held),
    Stage("checkin", N_("15-day check-in answered"), _checkin_answered),
)


@dataclass(frozen=True)
class IndicatorFilters:
    month_from: str | None = None  # YYYY-MM, inclusive
    month_to: str | None = None
    sector: str | None = None  # a sector code; NO_SECTOR for the cases of no sector


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


def funnel(
    session: Session,
    *,
    user: TeamUser,
    filters: IndicatorFilters,
    stages: Sequence[Stage] = STAGES,
) -> Funnel:
    """Count the cases `user` may see at each stage, by sector and import month."""
    result = Funnel(stages=list(stages))
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
    query = counted_cases(user)
    if filters.month_from:
        query = query.where(Case.import_month >= filters.month_from)
    if filters.month_to:
        query = query.where(Case.import_month <= filters.month_to)
    if filters.sector == NO_SECTOR:
        query = query.where(Case.sector_id.is_(None))
    elif filters.sector:
        sector = select(Sector.id).where(Sector.code == filters.sector)
        query = query.where(Case.sector_id.in_(sector))
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
