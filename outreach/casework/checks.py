"""Checking the commandement de payer against what the law says it must show (the list and its
sources: outreach.casework.procedure.CDP_CHECKS). A worker gives each point a verdict:
conforme, non conforme, à vérifier. Any point not compliant means the act may be void: the page
proposes a démarche, an appointment with the ADIL or a lawyer (aide juridictionnelle)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import gettext
from outreach import audit
from outreach.casework.procedure import CDP_CHECKS
from outreach.clock import Clock
from outreach.models import Case, EngagementStep, ProcedureCheck, TeamUser
from outreach.models.followup import OPEN_STEP_STATUSES
from outreach.models.procedure import VERDICTS
from outreach.team.followup import add_step

ITEMS = tuple(key for key, _label, _source in CDP_CHECKS)
ORIENTATION_STEP = "legal_advice"


class CheckError(ValueError):
    """Not a point of the list or not a verdict (the message says why, in French)."""


def verdicts(session: Session, *, case_id: int) -> dict[str, ProcedureCheck]:
    rows = session.scalars(select(ProcedureCheck).where(ProcedureCheck.case_id == case_id))
    return {row.item: row for row in rows}


def record_verdicts(
    session: Session, *, clock: Clock, case: Case, given: dict[str, str], actor: TeamUser
) -> int:
    """Save the verdicts given (item -> verdict; "" leaves a point unchecked); how many changed."""
    unknown = [item for item in given if item not in ITEMS]
    wrong = [verdict for verdict in given.values() if verdict and verdict not in VERDICTS]
    if unknown or wrong:
        raise CheckError(gettext("This check or verdict is not in the list."))
    stored = verdicts(session, case_id=case.id)
    now = clock.now()
    changed = 0
    for item, verdict in given.items():
        row = stored.get(item)
        if not verdict:
            if row is not None:
                session.delete(row)
                changed += 1
            continue
        if row is None:
            session.add(
                ProcedureCheck(
                    case_id=case.id,
                    item=item,
                    verdict=verdict,
                    checked_by_id=actor.id,
                    checked_at=now,
                )
            )
        elif row.verdict != verdict:
            row.verdict, row.checked_by_id, row.checked_at = verdict, actor.id, now
        else:
            continue
        changed += 1
    if changed:
        case.updated_at = now
        audit.record(session, clock=clock, actor=actor, action="procedure.check", case_id=case.id)
    return changed


def needs_orientation(
    session: Session, *, case: Case, found: dict[str, ProcedureCheck] | None = None
) -> bool:
    """A point is not compliant and no orientation démarche is open yet (`found`: the verdicts,
    when the caller has read them already)."""
    found = verdicts(session, case_id=case.id) if found is None else found
    if not any(row.verdict == "non_conforme" for row in found.values()):
        return False
    return _open_orientation(session, case_id=case.id) is None


def propose_orientation(
    session: Session, *, clock: Clock, case: Case, actor: TeamUser
) -> EngagementStep:
    """Add the ADIL / lawyer démarche, naming the points not compliant (once)."""
    existing = _open_orientation(session, case_id=case.id)
    if existing is not None:
        return existing
    labels = {key: label for key, label, _source in CDP_CHECKS}
    found = verdicts(session, case_id=case.id)
    wrong = [
        gettext(labels[item])
        for item in ITEMS
        if item in found and found[item].verdict == "non_conforme"
    ]
    detail = gettext("Order to pay, not compliant: {points}", points="; ".join(wrong))
    return add_step(
        session,
        clock=clock,
        case=case,
        actor=actor,
        kind=ORIENTATION_STEP,
        detail=detail[:500],
    )


def _open_orientation(session: Session, *, case_id: int) -> EngagementStep | None:
    return session.scalar(
        select(EngagementStep).where(
            EngagementStep.case_id == case_id,
            EngagementStep.kind == ORIENTATION_STEP,
            EngagementStep.status.in_(OPEN_STEP_STATUSES),
        )
    )
