"""Consent to the social and financial diagnostic (RGPD), and to contacting the landlord.

Before a visit is confirmed the household is asked, in plain words and in its language, whether
it agrees, with a link to the privacy notice. Each answer is a new ConsentRecord: the decision,
the exact text shown (a version name plus a hash of the text as it was sent), the language, the
channel, the message, the time. A refusal or a later withdrawal ("je ne suis plus d'accord") is
recorded the same way and puts the case in front of a person.

The conversation calls: `consent_question` (send it, with template name "consent_question"),
then on the answer `record_answer(..., reply=message)`; `has_consent` before confirming a visit.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages.formatting import text_language
from messages.templates import Text, render_text
from outreach import audit
from outreach.casework import lifecycle
from outreach.clock import Clock
from outreach.models import Case, ConsentRecord, InboxItem, Message, TeamUser
from outreach.models.consent import CONSENT_DECISIONS, CONSENT_PURPOSES
from outreach.team import events

log = logging.getLogger(__name__)

# Bump the version when the meaning of a question changes (not for a typo): the hash already
# tells apart every wording actually sent.
TEXT_VERSIONS = {
    "diagnostic": "diagnostic-v1",
    "landlord_contact": "landlord_contact-v1",
    "contract": "contract-v1",
    "referral": "referral-v1",
}
QUESTION_TEMPLATES = {
    "diagnostic": "consent_question",
    "contract": "contract_question",
    "referral": "referral_question",
}
PRIVACY_PATHS = {"fr": "/confidentialite", "en": "/privacy", "ar": "/confidentialite"}


class ConsentError(ValueError):
    """An unknown purpose or decision."""


def text_version(purpose: str, text: str) -> str:
    """ "diagnostic-v1-3fa2b1c4d5e6": the version name and the first 12 hex digits of the
    SHA-256 of the exact text shown."""
    if purpose not in TEXT_VERSIONS:
        raise ConsentError(f"unknown consent purpose {purpose!r}")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return f"{TEXT_VERSIONS[purpose]}-{digest}"


def privacy_link(public_url: str, language: str) -> str:
    """The privacy notice in the household's language (French needs no parameter)."""
    language = text_language(language)
    path = PRIVACY_PATHS.get(language, PRIVACY_PATHS["fr"])
    suffix = "" if language == "fr" else f"?lang={language}"
    return f"{public_url.rstrip('/')}{path}{suffix}"


def consent_question(case: Case, *, public_url: str) -> Text:
    """The diagnostic consent question in the case's language, with the privacy link."""
    link = privacy_link(public_url, case.language)
    return render_text(QUESTION_TEMPLATES["diagnostic"], case.language, link=link)


def record_consent(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    purpose: str,
    decision: str,
    text_version: str,
    language: str,
    channel: str,
    message_id: int | None = None,
    actor: TeamUser | None = None,
    method: str | None = None,
    document_ref: str | None = None,
) -> ConsentRecord:
    """Add one consent record; a refusal or withdrawal also goes to the team's inbox.

    `actor`: the team member who recorded an answer given in person (channel "visit"), with its
    `method` (oral or written) and, for a signed paper, where it is filed (`document_ref`).
    """
    if purpose not in CONSENT_PURPOSES:
        raise ConsentError(f"unknown consent purpose {purpose!r}")
    if decision not in CONSENT_DECISIONS:
        raise ConsentError(f"unknown consent decision {decision!r}")
    now = clock.now()
    record = ConsentRecord(
        case_id=case.id,
        purpose=purpose,
        decision=decision,
        text_version=text_version,
        language=language,
        channel=channel,
        message_id=message_id,
        recorded_at=now,
        recorded_by_id=actor.id if actor else None,
        method=method,
        document_ref=document_ref,
    )
    session.add(record)
    events.record(session, kind=f"consent.{decision}", case_id=case.id, at=now, purpose=purpose)
    if decision != "given":
        session.add(
            InboxItem(
                kind="refusal",
                case_id=case.id,
                message_id=message_id,
                note=f"consent {purpose} {decision}",
                created_at=now,
            )
        )
    case.updated_at = now
    if purpose == "diagnostic":
        to = "consented" if decision == "given" else "refused"
        lifecycle.advance(session, case=case, to=to, at=now)
    elif purpose == "contract" and decision == "given":
        lifecycle.advance(session, case=case, to="supported", at=now)
    session.flush()
    audit.record(
        session,
        clock=clock,
        actor=actor,
        action=f"consent.{decision}",
        case_id=case.id,
        purpose=purpose,
        text_version=text_version,
        channel=channel,
        message_id=message_id,
    )
    log.info("consent %s %s recorded for case %s", purpose, decision, case.id)
    return record


def record_answer(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    purpose: str,
    decision: str,
    reply: Message,
) -> ConsentRecord:
    """Record a household's answer (or withdrawal) given by `reply`.

    The text version and language are those of the last question sent to the case before the
    reply: the exact words the household answered.
    """
    question = last_question(session, case_id=case.id, purpose=purpose, before=reply.created_at)
    if question is not None:
        version = text_version(purpose, question.body)
        language = question.language or case.language
    else:  # e.g. a withdrawal of consent given in person, or no question on record
        version = f"{TEXT_VERSIONS[purpose]}-none"
        language = case.language
    return record_consent(
        session,
        clock=clock,
        case=case,
        purpose=purpose,
        decision=decision,
        text_version=version,
        language=language,
        channel=reply.channel,
        message_id=reply.id,
    )


def last_question(
    session: Session, *, case_id: int, purpose: str, before: datetime | None = None
) -> Message | None:
    """The last consent question for `purpose` queued for the case (before a time)."""
    template = QUESTION_TEMPLATES.get(purpose)
    if template is None:
        return None
    query = select(Message).where(
        Message.case_id == case_id,
        Message.direction == "out",
        Message.template == template,
        Message.status != "canceled",
    )
    if before is not None:
        query = query.where(Message.created_at <= before)
    return session.scalar(query.order_by(Message.created_at.desc(), Message.id.desc()).limit(1))


def current_consent(session: Session, *, case_id: int, purpose: str) -> ConsentRecord | None:
    """The latest record for this case and purpose: the decision that holds now."""
    return session.scalar(
        select(ConsentRecord)
        .where(ConsentRecord.case_id == case_id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
        .limit(1)
    )


def has_consent(session: Session, *, case_id: int, purpose: str = "diagnostic") -> bool:
    record = current_consent(session, case_id=case_id, purpose=purpose)
    return record is not None and record.decision == "given"


def refusal_reply(case: Case, *, decision: str) -> Text:
    """The respectful answer to a refusal or a withdrawal."""
    name = "consent_withdrawn" if decision == "withdrawn" else "consent_refused"
    return render_text(name, case.language)
