"""The engagement contract (contrat d'engagement): the démarches agreed with the household, and
its agreement to them, recorded like a consent (who, when, how, which text: the hash of the
contract as it read then). Agreeing moves the case to "accompagné"
(outreach.privacy.consent.record_consent).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from messages import gettext
from outreach.casework.consents import ConsentInPersonError, record_in_person
from outreach.clock import Clock
from outreach.models import Case, ConsentRecord, EngagementStep, TeamUser
from outreach.privacy.consent import current_consent
from outreach.team.followup import contract_steps, step_actor_label, step_kind_label


def contract_text(steps: list[EngagementStep]) -> str:
    """The contract's démarches, one per line, in French: what the household agrees to."""
    lines = []
    for step in steps:
        parts = [step_kind_label(step.kind)]
        if step.objective:
            parts.append(step.objective)
        parts.append(gettext("by {who}", who=step_actor_label(step.actor)))
        if step.due_date:
            parts.append(gettext("before {date}", date=step.due_date.strftime("%d/%m/%Y")))
        lines.append(" — ".join(parts))
    return "\n".join(lines)


def agree(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    method: str,
    actor: TeamUser,
    document_ref: str | None = None,
) -> ConsentRecord:
    """The household agrees to its contract, in person (signed on paper, or orally)."""
    steps = contract_steps(session, case_id=case.id)
    if not steps:
        raise ConsentInPersonError(gettext("Agree at least one step before the contract."))
    return record_in_person(
        session,
        clock=clock,
        case=case,
        purpose="contract",
        decision="given",
        method=method,
        actor=actor,
        document_ref=document_ref,
        text=contract_text(steps),
    )


def agreement(session: Session, *, case_id: int) -> ConsentRecord | None:
    """The household's agreement to its contract, if it holds."""
    record = current_consent(session, case_id=case_id, purpose="contract")
    return record if record is not None and record.decision == "given" else None
