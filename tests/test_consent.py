"""Consent to the diagnostic (RGPD): asked in plain words, recorded with the exact text shown."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from bot.segments import ucs2_characters
from outreach.clock import FrozenClock
from outreach.models import AuditEvent, Case, ConsentRecord, InboxItem, Message
from outreach.privacy.consent import (
    ConsentError,
    consent_question,
    current_consent,
    has_consent,
    privacy_link,
    record_answer,
    record_consent,
    refusal_reply,
    text_version,
)
from tests.factories import make_case

PUBLIC_URL = "https://allervers.example.org"


def _message(
    session, case: Case, clock: FrozenClock, *, direction: str, body: str, **kw
) -> Message:  # type: ignore[no-untyped-def]
    message = Message(
        direction=direction,
        channel=kw.pop("channel", "sms"),
        case_id=case.id,
        address="+33639981001",
        body=body,
        status="delivered" if direction == "out" else "received",
        processed=True,
        created_at=clock.now(),
        **kw,
    )
    session.add(message)
    session.flush()
    return message


def _ask(session, case: Case, clock: FrozenClock) -> Message:  # type: ignore[no-untyped-def]
    name, body, _ = consent_question(case, public_url=PUBLIC_URL)
    question = _message(
        session, case, clock, direction="out", body=body, template=name, language=case.language
    )
    clock.advance(minutes=5)
    return question


def test_it_asks_in_plain_words_with_the_privacy_link_in_the_household_language(
    session, clock: FrozenClock
) -> None:
    case = make_case(session, clock=clock)

    name, french, values = consent_question(case, public_url=PUBLIC_URL)
    case.language = "ar"
    _, arabic, _ = consent_question(case, public_url=PUBLIC_URL)

    assert name == "consent_question"
    assert values == {"link": f"{PUBLIC_URL}/confidentialite"}  # for WhatsApp's template
    assert "OUI ou NON" in french and french.endswith(f"{PUBLIC_URL}/confidentialite")
    assert ucs2_characters(french) == []
    assert arabic.endswith(f"{PUBLIC_URL}/confidentialite?lang=ar") and "نعم" in arabic
    assert privacy_link(PUBLIC_URL, "en") == f"{PUBLIC_URL}/privacy?lang=en"


def test_it_names_the_text_version_after_the_exact_words(session, clock: FrozenClock) -> None:
    text = "Acceptez-vous ?"
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]

    assert text_version("diagnostic", text) == f"diagnostic-v1-{digest}"
    assert text_version("diagnostic", text + " ") != text_version("diagnostic", text)
    with pytest.raises(ConsentError):
        text_version("marketing", text)


def test_it_records_a_yes_with_the_question_the_household_answered(
    session, clock: FrozenClock
) -> None:
    case = make_case(session, clock=clock)
    case.language = "en"
    question = _ask(session, case, clock)
    case.language = "fr"  # changed afterwards: the record keeps the language of the question
    reply = _message(session, case, clock, direction="in", body="yes", channel="telegram")

    record = record_answer(
        session, clock=clock, case=case, purpose="diagnostic", decision="given", reply=reply
    )

    assert (record.decision, record.purpose, record.language) == ("given", "diagnostic", "en")
    assert record.text_version == text_version("diagnostic", question.body)
    assert (record.channel, record.message_id, record.recorded_at) == (
        "telegram",
        reply.id,
        clock.now(),
    )
    assert has_consent(session, case_id=case.id)
    assert current_consent(session, case_id=case.id, purpose="diagnostic") is record
    assert current_consent(session, case_id=case.id, purpose="landlord_contact") is None
    assert session.scalar(select(InboxItem).where(InboxItem.kind == "refusal")) is None


def test_it_sends_a_refusal_to_a_person_and_answers_respectfully(
    session, clock: FrozenClock
) -> None:
    case = make_case(session, clock=clock)
    _ask(session, case, clock)
    reply = _message(session, case, clock, direction="in", body="non")

    record_answer(
        session, clock=clock, case=case, purpose="diagnostic", decision="refused", reply=reply
    )

    assert not has_consent(session, case_id=case.id)
    item = session.scalar(select(InboxItem).where(InboxItem.case_id == case.id))
    assert item is not None and (item.kind, item.message_id) == ("refusal", reply.id)
    name, body, _ = refusal_reply(case, decision="refused")
    assert name == "consent_refused" and "respectons votre choix" in body
    actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case.id)))
    assert actions == ["consent.refused"]


def test_it_records_a_later_withdrawal_the_same_way(session, clock: FrozenClock) -> None:
    case = make_case(session, clock=clock)
    question = _ask(session, case, clock)
    yes = _message(session, case, clock, direction="in", body="oui")
    record_answer(
        session, clock=clock, case=case, purpose="diagnostic", decision="given", reply=yes
    )
    clock.advance(days=20)
    later = _message(session, case, clock, direction="in", body="je ne suis plus d'accord")

    withdrawal = record_answer(
        session, clock=clock, case=case, purpose="diagnostic", decision="withdrawn", reply=later
    )

    assert withdrawal.text_version == text_version("diagnostic", question.body)
    assert current_consent(session, case_id=case.id, purpose="diagnostic") is withdrawal
    assert not has_consent(session, case_id=case.id)
    history = session.scalars(
        select(ConsentRecord.decision)
        .where(ConsentRecord.case_id == case.id)
        .order_by(ConsentRecord.id)
    )
    assert list(history) == ["given", "withdrawn"]
    assert refusal_reply(case, decision="withdrawn")[0] == "consent_withdrawn"


def test_it_records_an_answer_given_in_person_by_the_worker(session, clock: FrozenClock) -> None:
    from outreach.models import TeamUser
    from tests.factories import make_user

    case = make_case(session, clock=clock)
    worker_id, _ = make_user(session, clock=clock)
    worker = session.get_one(TeamUser, worker_id)

    record = record_consent(
        session,
        clock=clock,
        case=case,
        purpose="landlord_contact",
        decision="given",
        text_version="landlord_contact-v1-paper",
        language="fr",
        channel="visit",
        actor=worker,
    )

    assert (record.recorded_by_id, record.message_id) == (worker.id, None)
    assert has_consent(session, case_id=case.id, purpose="landlord_contact")
    with pytest.raises(ConsentError):
        record_consent(
            session,
            clock=clock,
            case=case,
            purpose="diagnostic",
            decision="maybe",
            text_version="x",
            language="fr",
            channel="sms",
        )
