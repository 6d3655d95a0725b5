"""Consent given in person: at the visit (or on the phone), the worker reads the text out and
records the household's answer, oral or written, in the same consent record as an answer by SMS
(outreach.privacy.consent): what, when, how, who recorded it, which text was read (its version
and hash), and for a signed paper where it is filed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from messages import N_, gettext
from outreach.casework.summary import current_consents
from outreach.clock import Clock
from outreach.models import Case, ConsentRecord, TeamUser
from outreach.models.consent import CONSENT_DECISIONS, CONSENT_METHODS
from outreach.privacy.consent import record_consent, text_version
from outreach.sending.channels import channel_label

DOCUMENT_REF_MAX = 120
# The texts the worker reads out before asking (in French; the worker translates if needed).
IN_PERSON_TEXTS = {
    "diagnostic": N_(
        "The mobile team looks at your situation with you (budget, resources, housing, debt) to "
        "help you keep your home or find another. It is free and confidential. Your information "
        "stays with the team; it is shared with a partner (CAF, Département, FSL…) only for a "
        "step you agree to. You can withdraw your agreement at any time."
    ),
    "landlord_contact": N_(
        "The team may contact your landlord to look for a solution with them (repayment plan, "
        "guarantees). It tells them only what is needed for that. You can withdraw your "
        "agreement at any time."
    ),
}
PURPOSE_LABELS = {
    "diagnostic": N_("Social and financial review"),
    "landlord_contact": N_("Contact with the landlord"),
    "contract": N_("Engagement contract"),
}
DECISION_LABELS = {
    "given": N_("agreed"),
    "refused": N_("refused"),
    "withdrawn": N_("withdrawn"),
}
METHOD_LABELS = {
    "oral": N_("orally, in person"),
    "written": N_("signed on paper"),
}


class ConsentInPersonError(ValueError):
    """The consent cannot be recorded as asked; the message (French) says why."""


@dataclass(frozen=True)
class ConsentShown:
    purpose: str
    what: str
    decision: str
    decision_label: str
    at: datetime
    how: str
    by: str | None
    document_ref: str | None
    can_withdraw: bool


def in_person_text(purpose: str) -> str:
    return gettext(IN_PERSON_TEXTS[purpose])


def record_in_person(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    purpose: str,
    decision: str,
    method: str,
    actor: TeamUser,
    document_ref: str | None = None,
    text: str | None = None,
) -> ConsentRecord:
    """Record an answer given in person. `text`: what was read (by default the purpose's text)."""
    if purpose not in IN_PERSON_TEXTS and text is None:
        raise ConsentInPersonError(gettext("Choose what the household agrees to."))
    if decision not in CONSENT_DECISIONS:
        raise ConsentInPersonError(gettext("Choose the household's answer."))
    if method not in CONSENT_METHODS:
        raise ConsentInPersonError(gettext("Say how the answer was given: orally or signed."))
    reference = " ".join((document_ref or "").split()) or None
    if reference and len(reference) > DOCUMENT_REF_MAX:
        raise ConsentInPersonError(
            gettext("A document reference is at most {limit} characters.", limit=DOCUMENT_REF_MAX)
        )
    read = text if text is not None else in_person_text(purpose)
    return record_consent(
        session,
        clock=clock,
        case=case,
        purpose=purpose,
        decision=decision,
        text_version=text_version(purpose, read),
        language="fr",
        channel="visit",
        actor=actor,
        method=method,
        document_ref=reference,
    )


def consents_shown(session: Session, *, case_id: int) -> list[ConsentShown]:
    """The decision that holds now for each purpose, as the case page tells it."""
    latest = {record.purpose: record for record in current_consents(session, case_id=case_id)}
    shown = []
    for purpose in PURPOSE_LABELS:
        record = latest.get(purpose)
        if record is None:
            continue
        recorder = session.get(TeamUser, record.recorded_by_id) if record.recorded_by_id else None
        shown.append(
            ConsentShown(
                purpose=purpose,
                what=gettext(PURPOSE_LABELS[purpose]),
                decision=record.decision,
                decision_label=gettext(DECISION_LABELS[record.decision]),
                at=record.recorded_at,
                how=how(record),
                by=recorder.name if recorder else None,
                document_ref=record.document_ref,
                can_withdraw=record.decision == "given" and purpose in IN_PERSON_TEXTS,
            )
        )
    return shown


def how(record: ConsentRecord) -> str:
    """ "signé sur papier", "à l'oral, en personne", "par SMS"…"""
    if record.channel == "visit":
        return gettext(METHOD_LABELS.get(record.method or "oral", METHOD_LABELS["oral"]))
    return gettext("by message ({channel})", channel=channel_label(record.channel))
