"""What the evaluation indicators need to know about each case, read in a few set-based queries.

The headline, the outcomes and the delays are counted from these facts in Python: one row per
case (its sector, import month and the dates of its first message, first reply, held visit and
agreed contract), the démarches of its contract and the causes its diagnostic gives. Reading
them once for the period and the one before it keeps every definition a plain function over a
list, easy to check by hand; at 10,000 households it is a few tens of milliseconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.casework.diagnostic_form import current_form
from outreach.casework.procedure import STAGE_DATES
from outreach.models import (
    ConsentRecord,
    ContactPoint,
    Diagnostic,
    EngagementStep,
    Message,
    Partner,
    Referral,
    Sector,
    TeamUser,
    Visit,
)
from outreach.reports.indicators import CONTACTED_STATUSES, UNASSIGNED, IndicatorFilters, _scope


@dataclass
class CaseFacts:
    id: int
    sector: str  # sector code, UNASSIGNED for none
    month: str  # import month YYYY-MM, "" for none
    transferred_at: datetime
    first_message_at: datetime | None = None
    first_reply_at: datetime | None = None
    visit_held_at: datetime | None = None
    contract_at: datetime | None = None
    diagnostic: bool = False  # a diagnostic was submitted
    usable_number: bool = True  # a way to write to the household that still works
    status: str = "new"
    outcome: str | None = None
    closed_at: datetime | None = None
    stage: str | None = None  # the procedure's stage as stored (the CCAPEX's, or from dates)
    dates: dict[str, date | None] = field(default_factory=dict)  # the procedure's dated acts
    steps: list[tuple[str, str]] = field(default_factory=list)  # démarches: (kind, status)
    causes: list[str] = field(default_factory=list)  # causes of the arrears (diagnostic)
    # Referrals sent to partners: (kind of partner, where the referral stands).
    referrals: list[tuple[str, str]] = field(default_factory=list)


def load(session: Session, *, user: TeamUser, filters: IndicatorFilters) -> list[CaseFacts]:
    """The facts of every case `user` counts within `filters` (months and sector)."""
    scope = _scope(user, filters).subquery()
    ids = select(scope.c.id)
    first_out = _first(
        select(Message.case_id, func.min(Message.created_at).label("at"))
        .where(Message.direction == "out", Message.status.in_(CONTACTED_STATUSES))
        .where(Message.case_id.in_(ids))
    )
    first_in = _first(
        select(Message.case_id, func.min(Message.created_at).label("at"))
        .where(Message.direction == "in")
        .where(Message.case_id.in_(ids))
    )
    held = _first(
        select(Visit.case_id, func.min(Visit.starts_at).label("at"))
        .where(Visit.status == "held")
        .where(Visit.case_id.in_(ids))
    )
    contract = _first(
        select(ConsentRecord.case_id, func.min(ConsentRecord.recorded_at).label("at"))
        .where(ConsentRecord.purpose == "contract", ConsentRecord.decision == "given")
        .where(ConsentRecord.case_id.in_(ids))
    )
    usable = _first(
        select(ContactPoint.case_id, func.count().label("at"))
        .where(ContactPoint.usable)
        .where(ContactPoint.case_id.in_(ids))
    )
    date_columns = [column for _stage, column in STAGE_DATES]
    query = (
        select(
            scope.c.id,
            Sector.code,
            scope.c.import_month,
            scope.c.created_at,
            first_out.c.at,
            first_in.c.at,
            held.c.at,
            contract.c.at,
            usable.c.at,
            scope.c.status,
            scope.c.outcome,
            scope.c.closed_at,
            scope.c.stage,
            *(scope.c[column] for column in date_columns),
        )
        .select_from(scope)
        .outerjoin(Sector, Sector.id == scope.c.sector_id)
        .outerjoin(first_out, first_out.c.case_id == scope.c.id)
        .outerjoin(first_in, first_in.c.case_id == scope.c.id)
        .outerjoin(held, held.c.case_id == scope.c.id)
        .outerjoin(contract, contract.c.case_id == scope.c.id)
        .outerjoin(usable, usable.c.case_id == scope.c.id)
    )
    facts: dict[int, CaseFacts] = {}
    for row in session.execute(query):
        (case_id, code, month, created, out_at, in_at, held_at, contract_at, usable_count,
         status, outcome, closed_at, stage, *dates) = row  # fmt: skip
        facts[case_id] = CaseFacts(
            id=case_id,
            sector=code or UNASSIGNED,
            month=month or "",
            transferred_at=created,
            first_message_at=out_at,
            first_reply_at=in_at,
            visit_held_at=held_at,
            contract_at=contract_at,
            usable_number=bool(usable_count),
            status=status,
            outcome=outcome,
            closed_at=closed_at,
            stage=stage,
            dates=dict(zip(date_columns, dates, strict=True)),
        )
    _add_steps(session, facts, ids)
    _add_diagnostics(session, facts, ids)
    _add_referrals(session, facts, ids)
    return list(facts.values())


def _first(query: Any) -> Any:
    return query.group_by(query.selected_columns[0]).subquery()


def _add_steps(session: Session, facts: dict[int, CaseFacts], ids: Any) -> None:
    query = select(EngagementStep.case_id, EngagementStep.kind, EngagementStep.status).where(
        EngagementStep.case_id.in_(ids)
    )
    for case_id, kind, status in session.execute(query):
        if case_id in facts:
            facts[case_id].steps.append((kind, status))


def _add_referrals(session: Session, facts: dict[int, CaseFacts], ids: Any) -> None:
    """Referrals that went to a partner (a draft, or one the household declined, did not)."""
    query = (
        select(Referral.case_id, Partner.kind, Referral.status)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(Referral.sent_at.is_not(None), Referral.case_id.in_(ids))
    )
    for case_id, kind, status in session.execute(query):
        if case_id in facts:
            facts[case_id].referrals.append((kind, status))


def _add_diagnostics(session: Session, facts: dict[int, CaseFacts], ids: Any) -> None:
    """Submitted diagnostics: the case counts as diagnosed, with the causes it gives."""
    cause_fields = [field.key for field in current_form().with_role("causes")]
    query = select(Diagnostic.case_id, Diagnostic.answers).where(
        Diagnostic.status == "submitted", Diagnostic.case_id.in_(ids)
    )
    for case_id, answers in session.execute(query):
        if case_id not in facts:
            continue
        facts[case_id].diagnostic = True
        try:
            given = json.loads(answers)
        except ValueError:
            continue
        for key in cause_fields:
            value = given.get(key) if isinstance(given, dict) else None
            if isinstance(value, list):
                facts[case_id].causes += [str(item) for item in value]
