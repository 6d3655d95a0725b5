"""Acceptance over Twilio: the main path with the SMS channel and the Twilio double.

Silent → reply OUI → consent → slot chosen → confirmation → reminder the day before → visit →
check-in 15 days later → "besoin d'aide" → team task. The household's replies are posted as
signed Twilio webhooks to POST /webhooks/twilio/sms through the app; what the bot sends is read
from the requests the double recorded (with their StatusCallback), and each one is then reported
delivered by a signed status callback. The dispatcher is driven with the frozen clock moved
forward, never sleeping.

Inbound processing runs as a background task after the webhook's answer: the TestClient runs
background tasks before it returns, so each reply is processed when `answer` returns.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from outreach.models import ConsentRecord, InboxItem, Message, Visit
from tests.booking_support import paris
from tests.doubles.twilio_double import TwilioDouble
from tests.e2e_support import household_in_arras
from tests.e2e_twilio_support import PHONE, STATUS_CALLBACK, TwilioPhone, twilio_settings

LINK = "https://allervers.example.org/confidentialite"


@pytest.fixture
def double() -> Iterator[TwilioDouble]:
    double = TwilioDouble().start()
    yield double
    double.stop()


@pytest.fixture
def settings_overrides(double: TwilioDouble) -> dict[str, object]:
    return twilio_settings(double)


def test_it_takes_a_silent_household_the_whole_way_over_twilio(client, services, double) -> None:
    assert tuple(services.channels) == ("sms",)
    case_id, worker = household_in_arras(services)
    phone = TwilioPhone(client, services, double)
    assert phone.received() == [
        "Bonjour, ici l'équipe mobile de prévention des expulsions. Nous aidons les foyers pour "
        "leur logement, gratuitement et en toute confidentialité. Répondez simplement à ce "
        "message. STOP pour ne plus recevoir de messages"
    ]
    phone.at(paris(2026, 3, 13, 10))  # silent for two days: the reminder
    assert phone.received() == [
        "Bonjour, l'équipe mobile de prévention des expulsions vous a écrit récemment. Notre "
        "aide est gratuite et confidentielle. Répondez OUI et nous vous appellerons. STOP pour "
        "ne plus recevoir de messages"
    ]

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
    with services.sessions() as session:
        record = session.scalars(
            select(ConsentRecord).where(ConsentRecord.case_id == case_id)
        ).one()
        answer = session.get_one(Message, record.message_id)
        assert (record.decision, record.purpose, record.channel) == ("given", "diagnostic", "sms")
        assert (answer.direction, answer.channel, answer.body) == ("in", "sms", "oui d'accord")

    phone.at(paris(2026, 3, 16, 10, 1))  # the working day before, at the reminder time
    phone.daily_jobs()
    assert phone.received() == [
        "Rappel : Nadia, de l'équipe mobile, passera chez vous le mardi 17 mars, entre 10 h et "
        "11 h. Pour changer, répondez CHANGER ; pour annuler, ANNULER."
    ]

    phone.at(paris(2026, 3, 17, 11))
    with services.sessions() as session:
        visit_id = session.scalars(select(Visit.id).where(Visit.case_id == case_id)).one()
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
        outbound = session.execute(
            select(Message.id, Message.channel, Message.status, Message.provider_id)
            .where(Message.case_id == case_id, Message.direction == "out")
            .order_by(Message.id)
        ).all()
    # Every message went out by SMS, with its own id in the StatusCallback, and was delivered.
    assert len(outbound) == len(phone.callbacks) == 8
    assert sorted(phone.callbacks) == sorted(f"{STATUS_CALLBACK}{row.id}" for row in outbound)
    assert {(row.channel, row.status) for row in outbound} == {("sms", "delivered")}
    assert [row.provider_id for row in outbound] == [
        sent["sid"] for sent in double.sent if sent["to"] == PHONE
    ]
