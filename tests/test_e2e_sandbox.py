"""Acceptance: a household goes the whole way through the sandbox phone, with a moving clock.

Silent → reply OUI → consent → slot chosen → confirmation → reminder the day before → visit →
check-in 15 days later → "besoin d'aide" → team task.
"""

from __future__ import annotations

from sqlalchemy import select

from outreach.models import ConsentRecord, InboxItem, Message, Visit
from tests.booking_support import paris
from tests.e2e_support import Phone, household_in_arras

LINK = "https://allervers.example.org/confidentialite"


def test_it_takes_a_silent_household_from_oui_to_a_visit_and_a_checkin(
    client, services, clock
) -> None:
    case_id, worker = household_in_arras(services)
    phone = Phone(client, services, case_id)
    assert len(phone.received()) == 1  # the first message
    phone.at(paris(2026, 3, 13, 10))  # silent for two days: the reminder
    assert len(phone.received()) == 1

    phone.answer("OUI")
    assert phone.received() == [
        "Pour vous aider, l'équipe fait avec vous un bilan de votre situation sociale et "
        "financière (budget, logement). C'est gratuit et confidentiel. Acceptez-vous ? Répondez "
        f"OUI ou NON. Vos données : {LINK}"
    ]
    phone.answer("oui d'accord")
    assert phone.received() == [
        "Voici les prochaines dates pour la visite à domicile :\n"
        "1) mardi 17 mars à 9 h\n2) mardi 17 mars à 10 h\n3) mardi 17 mars à 11 h\n"
        "Répondez 1, 2 ou 3"
    ]
    phone.answer("le 2 svp")
    assert phone.received() == [
        "Visite confirmée le mardi 17 mars à 10 h. Nadia, de l'équipe mobile, passera chez vous "
        "entre 10 h et 11 h. Pour changer, répondez CHANGER ; pour annuler, ANNULER."
    ]
    _assert_consent(services, case_id)

    phone.at(paris(2026, 3, 16, 10, 1))  # the working day before, at the reminder time
    phone.daily_jobs()
    assert phone.received() == [
        "Rappel : Nadia, de l'équipe mobile, passera chez vous le mardi 17 mars, entre 10 h et "
        "11 h. Pour changer, répondez CHANGER ; pour annuler, ANNULER."
    ]

    phone.at(paris(2026, 3, 17, 11))
    visit_id = _visit_id(services, case_id)
    assert client.post(f"/api/visits/{visit_id}/held", headers=worker).status_code == 200
    client.post(f"/api/cases/{case_id}/steps", json={"kind": "fsl"}, headers=worker)
    client.post(f"/api/cases/{case_id}/steps", json={"kind": "landlord_mediation"}, headers=worker)

    phone.at(paris(2026, 3, 31, 10, 15))  # 14 days after the reminder: not yet
    phone.daily_jobs()
    assert phone.received() == []
    phone.at(paris(2026, 4, 1, 10, 15))
    phone.daily_jobs()
    phone.daily_jobs()  # run twice (a restart): still one question
    assert phone.received() == [
        "Bonjour, c'est l'équipe mobile. Où en sont vos démarches (demande FSL, plan "
        "d'apurement) ? Répondez 1 ca avance, 2 besoin d'aide, 3 ma situation a changé"
    ]

    phone.answer("besoin d'aide")
    assert phone.received() == [
        "Merci, un membre de l'équipe mobile va lire votre message et vous répondre."
    ]
    with services.sessions() as session:
        tasks = session.scalars(
            select(InboxItem).where(InboxItem.case_id == case_id, InboxItem.kind == "task")
        ).all()
        assert [(task.note, task.handled_at) for task in tasks] == [("checkin_need_help", None)]


def _assert_consent(services, case_id: int) -> None:
    with services.sessions() as session:
        record = session.scalars(
            select(ConsentRecord).where(ConsentRecord.case_id == case_id)
        ).one()
        answer = session.get_one(Message, record.message_id)
        assert (record.decision, record.purpose, record.language, record.channel) == (
            "given",
            "diagnostic",
            "fr",
            "sandbox",
        )
        assert record.text_version.startswith("diagnostic-v1-")
        assert (answer.direction, answer.body) == ("in", "oui d'accord")
        assert record.recorded_at == answer.created_at


def _visit_id(services, case_id: int) -> int:
    with services.sessions() as session:
        return session.scalars(select(Visit.id).where(Visit.case_id == case_id)).one()
