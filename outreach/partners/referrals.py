"""Referrals (orientations): the worker hands a case to a partner for one purpose.

The worker chooses the partner and the purpose; the purpose says which facts the partner needs
(`PURPOSES`), and the worker reviews that summary (untick a fact, add a note) before anything is
sent. Nothing is sent without the household's consent to share with *that* partner for *that*
purpose: asked by message (a plain text naming both, "OUI" recorded like every consent, with the
hash of the very text) or given in person. Then the summary goes by e-mail
(outreach.partners.sharing): by default a one-time link and a code in a second e-mail.

Statuses: draft → consent_asked → ready → sending → sent → received (the link was opened) →
taken / refused / no_answer (the partner's answer, recorded by the team). A household's "NO"
makes it "declined"; the worker may cancel one that was not sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages import N_, gettext
from messages.formatting import amount
from messages.templates import REFERRAL_PURPOSES, Text, render_text
from outreach import audit
from outreach.casework import diagnostic
from outreach.casework.consents import ConsentInPersonError, record_in_person
from outreach.casework.procedure import DATE_LABELS, STAGE_DATES
from outreach.clock import Clock
from outreach.conversation.replies import write_first
from outreach.conversation.state import conversation_of, move
from outreach.conversation.table import (
    CONSENT_GIVEN,
    INTERESTED,
    REFERRAL_ASKED,
    REMINDED,
    VISIT_BOOKED,
    VISITED,
)
from outreach.models import (
    Case,
    ConsentRecord,
    EngagementStep,
    Message,
    Partner,
    Referral,
    TeamUser,
)
from outreach.models.referral import OPEN_REFERRAL_STATUSES, REFERRAL_DELIVERIES
from outreach.phones import display_phone
from outreach.privacy.consent import record_answer
from outreach.team import events
from outreach.team.followup import step_kind_label

# A partner named in an SMS: longer names would break the message's budget (Arabic above all).
SMS_NAME_MAX = 40
NOTE_MAX = 1000
ANSWER_MAX = 2000
# The conversation must be free to take a YES/NO: no other question waits for an answer.
ASKABLE_STATES = (INTERESTED, CONSENT_GIVEN, VISIT_BOOKED, REMINDED, VISITED)

# The facts a summary can hold, as the partner reads them (French).
FIELDS = {
    "identity": N_("Household"),
    "contact": N_("Household's phone"),
    "address": N_("Address of the home"),
    "debt": N_("Rent arrears"),
    "landlord": N_("Landlord"),
    "procedure": N_("Eviction procedure"),
    "causes": N_("Causes of the arrears (diagnostic)"),
    "steps": N_("Steps agreed with the team"),
}


@dataclass(frozen=True)
class Purpose:
    label: str  # for the team and the partner (French); the household's words are in messages/
    fields: tuple[str, ...]  # the facts it needs, ticked by default; nothing else may be added


PURPOSES = {
    "fsl": Purpose(
        N_("Application to the housing solidarity fund (FSL)"),
        ("identity", "address", "debt", "landlord", "procedure", "causes"),
    ),
    "caf": Purpose(
        N_("Housing benefit rights (CAF / MSA)"),
        ("identity", "address", "debt", "landlord"),
    ),
    "over_indebtedness": Purpose(
        N_("Over-indebtedness file (Banque de France)"),
        ("identity", "contact", "address", "debt", "causes"),
    ),
    "budget": Purpose(
        N_("Budget support (Point Conseil Budget)"),
        ("identity", "contact", "debt", "causes"),
    ),
    "legal": Purpose(
        N_("Legal advice on the procedure (ADIL, lawyer)"),
        ("identity", "contact", "debt", "landlord", "procedure"),
    ),
    "rehousing": Purpose(
        N_("Rehousing (social housing, SIAO, Action Logement)"),
        ("identity", "contact", "address", "procedure", "causes"),
    ),
    "social_support": Purpose(
        N_("Social support (Département, CCAS)"),
        ("identity", "contact", "address", "debt", "procedure", "causes", "steps"),
    ),
}
STATUS_LABELS = {
    "draft": N_("being prepared"),
    "consent_asked": N_("household's agreement asked"),
    "ready": N_("agreed, to be sent"),
    "sending": N_("being sent"),
    "sent": N_("sent to the partner"),
    "received": N_("received by the partner"),
    "taken": N_("taken on by the partner"),
    "refused": N_("refused by the partner"),
    "no_answer": N_("no answer"),
    "declined": N_("the household said no"),
    "canceled": N_("cancelled"),
}
ANSWER_STATUSES = ("taken", "refused", "no_answer")


class ReferralError(ValueError):
    """The referral cannot go on as asked; the message (French) says why."""


def purpose_label(purpose: str) -> str:
    return gettext(PURPOSES[purpose].label) if purpose in PURPOSES else purpose


def status_label(status: str) -> str:
    return gettext(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def field_label(key: str) -> str:
    return gettext(FIELDS[key]) if key in FIELDS else key


def referral_number(referral: Referral) -> str:
    """ "O-42": what the partner quotes when it answers (it names nobody)."""
    return f"O-{referral.id}"


def referrals_of(session: Session, *, case_id: int) -> list[Referral]:
    return list(
        session.scalars(
            select(Referral).where(Referral.case_id == case_id).order_by(Referral.id.desc())
        )
    )


def prepare(
    session: Session, *, clock: Clock, case: Case, partner_id: int | None, purpose: str,
    actor: TeamUser,
) -> Referral:  # fmt: skip
    """A draft: the partner, the purpose, and the facts that purpose needs, ticked."""
    partner = session.get(Partner, partner_id) if partner_id is not None else None
    if partner is None or not partner.active:
        raise ReferralError(gettext("Choose a partner from the directory."))
    if purpose not in PURPOSES:
        raise ReferralError(gettext("Choose what the referral is for."))
    now = clock.now()
    referral = Referral(
        case_id=case.id,
        partner_id=partner.id,
        purpose=purpose,
        status="draft",
        delivery="link",
        fields=list(PURPOSES[purpose].fields),
        wrong_codes=0,
        send_attempts=0,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(referral)
    session.flush()
    audit.record(
        session, clock=clock, actor=actor, action="referral.prepare", case_id=case.id,
        referral_id=referral.id, purpose=purpose,
    )  # fmt: skip
    return referral


def review(
    session: Session, *, clock: Clock, referral: Referral, fields: list[str], note: str,
    delivery: str, actor: TeamUser,
) -> Referral:  # fmt: skip
    """What is shared: only facts the purpose needs (the household's name always), a note."""
    if referral.status not in ("draft", "consent_asked", "ready"):
        raise ReferralError(gettext("This referral was already sent: it can no longer change."))
    allowed = PURPOSES[referral.purpose].fields
    chosen = [key for key in allowed if key in fields]
    if any(key not in allowed for key in fields):
        raise ReferralError(gettext("This purpose does not need that information."))
    if "identity" not in chosen:
        raise ReferralError(gettext("The partner needs at least the household's name."))
    if delivery not in REFERRAL_DELIVERIES:
        raise ReferralError(gettext("Choose how the summary is sent."))
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise ReferralError(gettext("The note is at most {limit} characters.", limit=NOTE_MAX))
    referral.fields, referral.note, referral.delivery = chosen, text or None, delivery
    referral.updated_at = clock.now()
    audit.record(
        session, clock=clock, actor=actor, action="referral.review", case_id=referral.case_id,
        referral_id=referral.id, fields=chosen, delivery=delivery,
    )  # fmt: skip
    return referral


# --- what is shared ---------------------------------------------------------------------------


def summary_lines(session: Session, *, case: Case, referral: Referral) -> list[tuple[str, str]]:
    """The facts shared, as (label, value) in French: exactly what the partner will read."""
    lines: list[tuple[str, str]] = []
    for key in referral.fields:
        value = _fact(session, case=case, key=key)
        lines.append((field_label(key), value or gettext("not known")))
    return lines


def summary_text(session: Session, *, case: Case, referral: Referral, partner: Partner) -> str:
    """The summary as sent: the purpose, the facts, the worker's note, the team's reference."""
    lines = [
        gettext("Referral {number}", number=referral_number(referral)),
        gettext("To: {partner}", partner=partner.name),
        gettext("For: {purpose}", purpose=purpose_label(referral.purpose)),
        "",
    ]
    lines += [
        f"{label} : {value}"
        for label, value in summary_lines(session, case=case, referral=referral)
    ]
    if referral.note:
        lines += ["", gettext("Note from the team: {note}", note=referral.note)]
    return "\n".join(lines)


def _fact(session: Session, *, case: Case, key: str) -> str:
    if key == "identity":  # every person named on the case (the tenants, a co-tenant)
        return ", ".join(
            " ".join(filter(None, (person.first_name, person.last_name))) for person in case.people
        )
    if key == "contact":
        point = next((p for p in case.contact_points if p.kind == "phone" and p.usable), None)
        return display_phone(point.value) if point else ""
    if key == "address":
        return ", ".join(part for part in (case.address, case.postcode, case.commune) if part)
    if key == "debt":
        return amount(case.debt_cents, "fr") if case.debt_cents is not None else ""
    if key == "landlord":
        return case.landlord.name if case.landlord is not None else ""
    if key == "procedure":
        return "; ".join(
            f"{gettext(DATE_LABELS[column])} {day.strftime('%d/%m/%Y')}"
            for _, column in STAGE_DATES
            if (day := getattr(case, column)) is not None
        )
    if key == "causes":
        return _causes(session, case_id=case.id)
    if key == "steps":
        steps = session.scalars(
            select(EngagementStep)
            .where(EngagementStep.case_id == case.id, EngagementStep.status != "dropped")
            .order_by(EngagementStep.id)
        )
        return "; ".join(step_kind_label(step.kind) for step in steps)
    return ""


def _causes(session: Session, *, case_id: int) -> str:
    """The causes the diagnostic gives, as the case page reads them."""
    found = diagnostic.panel(session, case_id=case_id)
    return found["causes"] if found is not None else ""


# --- the household's consent ------------------------------------------------------------------


def consent_text(referral: Referral, partner: Partner) -> str:
    """What the worker reads out in person (French): the partner and the purpose, by name."""
    return gettext(
        "The mobile team sends a summary of your situation to {partner} for: {purpose}. Only what "
        "this needs is shared. You can withdraw your agreement at any time.",
        partner=partner.name,
        purpose=purpose_label(referral.purpose),
    )


def question(referral: Referral, partner: Partner, language: str) -> Text:
    """The question by message, in the household's language, naming the partner."""
    return render_text(
        "referral_question",
        language,
        partner=partner.name,
        purpose=gettext(REFERRAL_PURPOSES[referral.purpose], language),
    )


def ask_by_message(
    session: Session, *, clock: Clock, case: Case, referral: Referral, enabled: tuple[str, ...],
    actor: TeamUser,
) -> Message:  # fmt: skip
    """Ask the household by message; its YES makes the referral ready to send."""
    partner = _partner(session, referral)
    if referral.status != "draft":
        raise ReferralError(gettext("The household's agreement was already asked."))
    if len(partner.name) > SMS_NAME_MAX:
        raise ReferralError(
            gettext(
                "The partner's name is too long for a message ({limit} characters at most): "
                "shorten it in the directory, or ask the household in person.",
                limit=SMS_NAME_MAX,
            )
        )
    if waiting_question(session, case_id=case.id) is not None:
        raise ReferralError(
            gettext("Another referral waits for the household's answer: one question at a time.")
        )
    conversation = conversation_of(session, clock=clock, case=case)
    if conversation.state not in ASKABLE_STATES:
        raise ReferralError(
            gettext(
                "The household has another question to answer first (or has not answered the "
                "team yet): ask in person, or try again after its answer."
            )
        )
    text = question(referral, partner, case.language)
    message = write_first(
        session, clock=clock, case=case, conversation=conversation, text=text, enabled=enabled
    )
    if message is None:
        raise ReferralError(
            gettext("The household cannot be written to: ask for its agreement in person.")
        )
    referral.return_state = conversation.state
    move(conversation, clock=clock, state=REFERRAL_ASKED)
    referral.status, referral.updated_at = "consent_asked", clock.now()
    audit.record(
        session, clock=clock, actor=actor, action="referral.consent_asked", case_id=case.id,
        referral_id=referral.id, message_id=message.id,
    )  # fmt: skip
    return message


def waiting_question(session: Session, *, case_id: int) -> Referral | None:
    """The referral whose question waits for the household's answer, if any."""
    return session.scalar(
        select(Referral)
        .where(Referral.case_id == case_id, Referral.status == "consent_asked")
        .order_by(Referral.id.desc())
        .limit(1)
    )


def agree_in_person(
    session: Session, *, clock: Clock, case: Case, referral: Referral, method: str,
    document_ref: str, actor: TeamUser,
) -> ConsentRecord:  # fmt: skip
    """The household agreed in person (orally or signed): the referral is ready to send."""
    if referral.status not in ("draft", "consent_asked"):
        raise ReferralError(gettext("The household's answer is already recorded."))
    partner = _partner(session, referral)
    try:
        record = record_in_person(
            session, clock=clock, case=case, purpose="referral", decision="given",
            method=method, actor=actor, document_ref=document_ref,
            text=consent_text(referral, partner),
        )  # fmt: skip
    except ConsentInPersonError as error:
        raise ReferralError(str(error)) from None
    if referral.status == "consent_asked":
        _free_conversation(session, clock=clock, case=case, referral=referral)
    referral.consent_id, referral.status = record.id, "ready"
    referral.updated_at = clock.now()
    return record


def answer_by_message(
    session: Session, *, clock: Clock, case: Case, reply: Message, agreed: bool
) -> str | None:
    """The household's YES or NO to the question; the state the conversation goes back to."""
    referral = waiting_question(session, case_id=case.id)
    if referral is None:
        return None
    record = record_answer(
        session,
        clock=clock,
        case=case,
        purpose="referral",
        decision="given" if agreed else "refused",
        reply=reply,
    )
    referral.consent_id = record.id
    referral.status = "ready" if agreed else "declined"
    referral.updated_at = clock.now()
    return referral.return_state or VISITED


def _free_conversation(session: Session, *, clock: Clock, case: Case, referral: Referral) -> None:
    conversation = conversation_of(session, clock=clock, case=case)
    if conversation.state == REFERRAL_ASKED:
        move(conversation, clock=clock, state=referral.return_state or VISITED)


def consent_of(session: Session, referral: Referral) -> ConsentRecord | None:
    return session.get(ConsentRecord, referral.consent_id) if referral.consent_id else None


def has_consent(session: Session, referral: Referral) -> bool:
    record = consent_of(session, referral)
    return record is not None and record.purpose == "referral" and record.decision == "given"


# --- the partner's answer, cancelling, a démarche ---------------------------------------------


def record_partner_answer(
    session: Session, *, clock: Clock, referral: Referral, status: str, answer: str,
    actor: TeamUser,
) -> Referral:  # fmt: skip
    """What the partner answered (taken on, refused) or that it never did."""
    if referral.status not in ("sent", "received", *ANSWER_STATUSES):
        raise ReferralError(gettext("The referral was not sent yet."))
    if status not in ANSWER_STATUSES:
        raise ReferralError(gettext("Choose the partner's answer."))
    text = answer.strip()
    if len(text) > ANSWER_MAX:
        raise ReferralError(gettext("The answer is at most {limit} characters.", limit=ANSWER_MAX))
    now = clock.now()
    referral.status, referral.answer, referral.answered_at = status, text or None, now
    referral.updated_at = now
    audit.record(
        session, clock=clock, actor=actor, action="referral.answer", case_id=referral.case_id,
        referral_id=referral.id, status=status,
    )  # fmt: skip
    events.record(
        session, kind="referral.answered", case_id=referral.case_id, at=now,
        referral_id=referral.id, status=status,
    )  # fmt: skip
    return referral


def cancel(
    session: Session, *, clock: Clock, case: Case, referral: Referral, actor: TeamUser
) -> None:
    if referral.status not in ("draft", "consent_asked", "ready"):
        raise ReferralError(gettext("A referral already sent cannot be cancelled."))
    if referral.status == "consent_asked":
        _free_conversation(session, clock=clock, case=case, referral=referral)
    referral.status, referral.updated_at = "canceled", clock.now()
    audit.record(
        session, clock=clock, actor=actor, action="referral.cancel", case_id=case.id,
        referral_id=referral.id,
    )  # fmt: skip


def link_step(
    session: Session, *, clock: Clock, referral: Referral, step_id: int | None, actor: TeamUser
) -> None:
    """A démarche of the contract goes through this referral (or none)."""
    for step in session.scalars(
        select(EngagementStep).where(EngagementStep.referral_id == referral.id)
    ):
        step.referral_id = None
    if step_id is not None:
        step = session.get(EngagementStep, step_id)
        if step is None or step.case_id != referral.case_id:
            raise ReferralError(gettext("Step not found."))
        step.referral_id = referral.id
        step.updated_at = clock.now()
    audit.record(
        session, clock=clock, actor=actor, action="referral.step", case_id=referral.case_id,
        referral_id=referral.id, step_id=step_id,
    )  # fmt: skip


def is_open(referral: Referral) -> bool:
    return referral.status in OPEN_REFERRAL_STATUSES


def _partner(session: Session, referral: Referral) -> Partner:
    partner = session.get(Partner, referral.partner_id) if referral.partner_id else None
    if partner is None:
        raise ReferralError(gettext("The partner was removed from the directory."))
    return partner
