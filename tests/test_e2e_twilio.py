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

import pytest
from sqlalchemy import select

from outreach.models import Message
from tests.booking_support import paris
from tests.doubles.twilio_double import TwilioDouble
from tests.e2e_support import household_in_arras, walk_the_main_path
from tests.e2e_twilio_support import PHONE, STATUS_CALLBACK, TwilioPhone, twilio_settings


@pytest.fixture
def settings_overrides(double: TwilioDouble) -> dict[str, object]:
    return twilio_settings(double)


def test_it_takes_a_silent_household_the_whole_way_over_twilio(client, services, double) -> None:
    assert tuple(services.channels) == ("sms",)
    case_id, worker = household_in_arras(services)
    phone = TwilioPhone(client, services, double)
    assert phone.received() == [
        "Bonjour, ici l'équipe mobile de prévention des expulsions (Association Exemple). Nous "
        "aidons les foyers pour leur logement, gratuitement et en toute confidentialité. "
        "Répondez à ce message ou appelez-nous au 01 99 00 12 34. STOP pour ne plus recevoir de "
        "messages"
    ]
    phone.at(paris(2026, 3, 13, 10))  # silent for two days: the reminder
    assert phone.received() == [
        "Bonjour, l'équipe mobile de prévention des expulsions vous a écrit récemment. Notre "
        "aide est gratuite et confidentielle. Répondez OUI pour convenir d'une visite à domicile. "
        "STOP pour ne plus recevoir de messages"
    ]

    walk_the_main_path(phone, client, services, case_id, worker, channel="sms")
    with services.sessions() as session:
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
