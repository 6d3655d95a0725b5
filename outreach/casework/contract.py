"""The engagement contract (contrat d'engagement): the démarches agreed with the household, and
its agreement to them, recorded like a consent (who, when, how, which text: the hash of the
contract as it read then). Agreeing moves the case to "accompagné"
(outreach.privacy.consent.record_consent). It is agreed in person (signed at the visit) or by
message: the team sends its summary and the household answers YES (outreach.conversation).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from messages import gettext
from messages.templates import render_text
from outreach.booking.checkin import steps_text
from outreach.casework.consents import ConsentInPersonError, record_in_person
from outreach.clock import Clock
from outreach.conversation.replies import write_first
from outreach.conversation.state import conversation_of, move
from outreach.conversation.table import CONTRACT_ASKED
from outreach.models import Case, ConsentRecord, EngagementStep, TeamUser
from outreach.models.followup import OPEN_STEP_STATUSES
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


def ask_by_message(session: Session, *, clock: Clock, case: Case, enabled: tuple[str, ...]) -> bool:
    """Send the household the contract's summary (its open démarches, in its language) and ask
    for its agreement: YES is recorded like a consent, with the hash of that very text. False
    when the household cannot be written to."""
    steps = contract_steps(session, case_id=case.id)
    if not steps:
        raise ConsentInPersonError(gettext("Agree at least one step before the contract."))
    kinds = [step.kind for step in steps if step.status in OPEN_STEP_STATUSES] or [
        step.kind for step in steps
    ]
    text = render_text("contract_question", case.language, steps=steps_text(kinds, case.language))
    conversation = conversation_of(session, clock=clock, case=case)
    message = write_first(
        session, clock=clock, case=case, conversation=conversation, text=text, enabled=enabled
    )
    if message is None:
        return False
    move(conversation, clock=clock, state=CONTRACT_ASKED)
    return True


def agreement(session: Session, *, case_id: int) -> ConsentRecord | None:
    """The household's agreement to its contract, if it holds."""
    record = current_consent(session, case_id=case_id, purpose="contract")
    return record if record is not None and record.decision == "given" else None
