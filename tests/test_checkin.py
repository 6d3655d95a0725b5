"""The 15-day check-in: asked 15 days after the last exchange, reminded once, then a team task."""

from __future__ import annotations

from sqlalchemy import select

from outreach.booking import checkin
from outreach.models import EngagementStep, InboxItem
from tests.booking_support import paris
from tests.e2e_support import Phone, household_in_arras


def _with_steps(services, case_id: int, *kinds: str) -> None:
    with services.sessions.begin() as session:
        for kind in kinds:
            now = services.clock.now()
            session.add(EngagementStep(case_id=case_id, kind=kind, created_at=now, updated_at=now))


def _tasks(services, case_id: int) -> list[str | None]:
    with services.sessions() as session:
        return list(
            session.scalars(
                select(InboxItem.note).where(
                    InboxItem.case_id == case_id,
                    InboxItem.kind == "task",
                    InboxItem.note.startswith("checkin"),  # not the first sequence's calls
                )
            )
        )


def test_it_names_at_most_three_open_steps_in_the_household_language() -> None:
    kinds = ["social_worker", "fsl", "dls", "overindebtedness"]
    assert checkin.steps_text(kinds, "fr") == (
        "demande FSL, demande de logement social, dossier de surendettement"
    )
    assert checkin.steps_text(["fsl"], "ar") == "طلب صندوق التضامن للسكن FSL"


def test_it_keeps_the_question_within_two_sms_segments_with_three_steps() -> None:
    from bot.segments import count_segments

    body = checkin.question(["landlord_mediation", "overindebtedness", "social_worker"], "fr").body
    counted = count_segments(body)
    assert (counted.segments, counted.encoding) == (2, "GSM-7")


def test_it_reminds_once_then_creates_a_task_when_nobody_answers(client, services) -> None:
    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    _with_steps(services, case_id, "fsl")
    phone.received()  # Wednesday 11 March: the first message is the last exchange
    phone.at(paris(2026, 3, 26, 10, 15))
    phone.daily_jobs()
    assert phone.received()[0].startswith("Bonjour, c'est l'équipe mobile. Où en sont vos")
    phone.at(paris(2026, 3, 28, 10, 15))
    phone.daily_jobs()
    assert phone.received() == []
    phone.at(paris(2026, 3, 29, 10, 15))  # a Sunday: queued, sent on Monday morning
    phone.daily_jobs()
    assert phone.received() == []
    phone.at(paris(2026, 3, 30, 9))
    assert phone.received()[0].startswith("Bonjour, l'équipe mobile attend de vos nouvelles.")
    phone.at(paris(2026, 4, 2, 10, 15))
    phone.daily_jobs()
    phone.daily_jobs()
    assert _tasks(services, case_id) == ["checkin_no_answer"]
    assert phone.received() == []


def test_it_moves_the_15_day_mark_with_every_exchange(client, services) -> None:
    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    _with_steps(services, case_id, "dls")
    phone.received()
    phone.at(paris(2026, 3, 20, 11))
    phone.answer("c'est quoi ?")  # an exchange on the 20th
    phone.received()
    phone.at(paris(2026, 3, 26, 10, 15))
    phone.daily_jobs()
    assert phone.received() == []
    phone.at(paris(2026, 4, 4, 10, 15))
    phone.daily_jobs()
    [asked] = phone.received()
    assert "(demande de logement social)" in asked
    phone.answer("1")
    assert phone.received() == [
        "Merci, c'est une bonne nouvelle. Si vous avez besoin de l'équipe, répondez simplement "
        "à ce message."
    ]
    assert _tasks(services, case_id) == []


def test_the_household_agrees_to_its_contract_by_answering_yes(client, services) -> None:
    from outreach.casework import contract
    from outreach.models import Case, ConsentRecord

    case_id, _ = household_in_arras(services)
    phone = Phone(client, services, case_id)
    phone.received()
    _with_steps(services, case_id, "fsl", "landlord_mediation")
    with services.sessions.begin() as session:
        case = session.get_one(Case, case_id)
        assert contract.ask_by_message(
            session, clock=services.clock, case=case, enabled=tuple(services.channels)
        )
    [summary] = phone.received()
    assert summary == (
        "Bonjour, c'est l'équipe mobile. Voici les démarches convenues ensemble : demande FSL, "
        "plan d'apurement. Acceptez-vous ce plan ? Répondez OUI ou NON."
    )
    phone.answer("oui")
    assert phone.received() == [
        "Merci, votre accord est enregistré. L'équipe mobile reste avec vous : répondez à ce "
        "message si vous avez besoin d'aide."
    ]
    with services.sessions() as session:
        record = session.scalars(
            select(ConsentRecord).where(ConsentRecord.purpose == "contract")
        ).one()
        assert (record.decision, record.channel) == ("given", "sandbox")
        assert record.text_version.startswith("contract-v1-") and "none" not in record.text_version
        assert session.get_one(Case, case_id).status == "supported"


def test_a_no_to_the_contract_reaches_a_person(client, services) -> None:
    from outreach.casework import contract
    from outreach.models import Case

    case_id, _ = household_in_arras(services, phone="06 39 98 20 02")
    phone = Phone(client, services, case_id)
    phone.received()
    _with_steps(services, case_id, "dls")
    with services.sessions.begin() as session:
        contract.ask_by_message(
            session,
            clock=services.clock,
            case=session.get_one(Case, case_id),
            enabled=tuple(services.channels),
        )
    phone.received()
    phone.answer("non")
    assert phone.received()[0].startswith("Merci, un membre de l'équipe mobile va lire")
    with services.sessions() as session:
        refusals = session.scalars(
            select(InboxItem.note).where(InboxItem.case_id == case_id, InboxItem.kind == "refusal")
        ).all()
    assert refusals == ["consent contract refused"]
