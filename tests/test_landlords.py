"""Landlords told of the guarantees they can call on, by SMS and by e-mail; their replies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from outreach.models import AuditEvent, InboxItem, LandlordOptOut, Message
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import Inbound
from tests.privacy_support import LANDLORD_E164, LANDLORD_EMAIL, case_with_landlord
from tests.smtp_support import Inbox, running_smtp, smtp_settings

FOLLOWED_FR = "vec son accord"  # "Avec son accord" or "avec son accord"
FACTS_FR = ("FSL", "plan d'apurement", "CAF/MSA", "Visale", "GLI", "ADIL", "CCAPEX", "STOP")


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Inbox]]:
    yield from running_smtp()


@pytest.fixture
def settings_overrides(smtp: tuple[Controller, Inbox]) -> dict[str, object]:
    controller, _ = smtp
    return smtp_settings(controller.port)


def _send(client: Any, auth: dict[str, str], case_id: int, channel: str = "sms") -> Any:
    return client.post(
        f"/api/cases/{case_id}/landlord-message", json={"channel": channel}, headers=auth
    )


def test_it_sends_only_general_information_without_the_tenant_consent(
    client, auth, sessions, clock
) -> None:
    case_id = case_with_landlord(sessions, clock)

    response = _send(client, auth, case_id)

    assert response.status_code == 201, response.text
    sent = response.json()
    assert (sent["template"], sent["followed"], sent["channel"]) == (
        "landlord_general",
        False,
        "sandbox",
    )
    assert FOLLOWED_FR not in sent["body"] and "accompagne" not in sent["body"]
    assert all(fact in sent["body"] for fact in FACTS_FR)
    assert "/garanties" in sent["body"]
    with sessions() as session:
        message = session.get_one(Message, sent["id"])
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "landlord.message")
        ).one()
    assert (message.address, message.case_id, message.status) == (LANDLORD_E164, None, "delivered")
    assert (event.case_id, event.detail["message_id"]) == (case_id, sent["id"])
    assert message.template_values == {
        "organisation": "Association Exemple",
        "link": "https://allervers.example.org/garanties",
    }
    assert sent["body"].startswith("Association Exemple, prévention des expulsions. Bailleurs : ")


def test_it_says_the_household_is_followed_once_the_tenant_agreed(
    client, auth, sessions, clock
) -> None:
    case_id = case_with_landlord(sessions, clock)
    consent = client.post(
        f"/api/cases/{case_id}/landlord-consent", json={"decision": "given"}, headers=auth
    )

    response = _send(client, auth, case_id)

    assert consent.status_code == 201
    assert response.json()["template"] == "landlord_followed"
    assert FOLLOWED_FR in response.json()["body"]


def test_it_goes_back_to_general_information_when_consent_is_withdrawn(
    client, auth, sessions, clock
) -> None:
    case_id = case_with_landlord(sessions, clock)
    for decision in ("given", "withdrawn"):
        client.post(
            f"/api/cases/{case_id}/landlord-consent", json={"decision": decision}, headers=auth
        )

    assert _send(client, auth, case_id).json()["template"] == "landlord_general"


def test_it_emails_the_landlord_through_a_real_smtp_server(
    client, auth, sessions, clock, smtp
) -> None:
    _, inbox = smtp
    case_id = case_with_landlord(sessions, clock)
    client.post(f"/api/cases/{case_id}/landlord-consent", json={"decision": "given"}, headers=auth)

    response = _send(client, auth, case_id, "email")

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "sent"
    [envelope] = inbox.received
    assert envelope.rcpt_tos == [LANDLORD_EMAIL]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    body = mail.get_content()
    assert "garanties" in mail["Subject"]
    assert FOLLOWED_FR in body and "à Arras" in body
    assert all(fact.replace("CAF/MSA", "la MSA") in body for fact in FACTS_FR)
    assert "03 53 01 00 00" in body and "/confidentialite/bailleurs" in body


def test_it_emails_only_general_information_without_consent(
    client, auth, sessions, clock, smtp
) -> None:
    _, inbox = smtp
    case_id = case_with_landlord(sessions, clock)

    _send(client, auth, case_id, "email")

    body = message_from_bytes(inbox.received[0].content, policy=policy.default).get_content()
    assert FOLLOWED_FR not in body and "Arras" not in body


def test_it_refuses_a_landlord_without_phone(client, auth, sessions, clock) -> None:
    case_id = case_with_landlord(sessions, clock, phone=None)

    response = _send(client, auth, case_id)

    assert response.status_code == 409
    assert response.json()["detail"] == "Le bailleur n'a pas de téléphone connu."


def _landlord_writes(sessions, clock, body: str) -> int:
    with sessions.begin() as session:
        inbound = Inbound(
            channel="sandbox",
            provider_id=uuid.uuid4().hex,
            address=LANDLORD_E164,
            body=body,
            received_at=clock.now(),
        )
        message, _ = store_inbound(session, clock=clock, inbound=inbound)
        session.flush()
        process_inbound(session, clock=clock, message=message)
        return message.id


def test_it_puts_a_landlord_reply_in_the_team_inbox(client, auth, sessions, clock) -> None:
    case_id = case_with_landlord(sessions, clock)
    _send(client, auth, case_id)

    message_id = _landlord_writes(sessions, clock, "Bonjour, je veux bien un plan")

    with sessions() as session:
        item = session.scalars(select(InboxItem).where(InboxItem.message_id == message_id)).one()
        message = session.get_one(Message, message_id)
    assert (item.kind, item.case_id) == ("landlord_reply", case_id)
    assert message.case_id is None  # never counted as the household's answer


def test_it_honours_a_landlord_stop(client, auth, sessions, clock) -> None:
    case_id = case_with_landlord(sessions, clock)

    _landlord_writes(sessions, clock, "STOP")
    response = _send(client, auth, case_id)

    with sessions() as session:
        assert session.scalars(select(LandlordOptOut.address)).all() == [LANDLORD_E164]
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/garanties", "Loyers impayés"),
        ("/garanties?lang=en", "Over-indebtedness"),
        ("/garanties?lang=ar", "المديونية المفرطة"),
        ("/confidentialite/bailleurs", "Vos données personnelles (bailleurs)"),
        ("/confidentialite/bailleurs?lang=en", "Your personal data (landlords)"),
        ("/confidentialite/bailleurs?lang=ar", "CNIL"),
    ],
)
def test_it_serves_the_landlord_pages_in_each_language(client, path: str, expected: str) -> None:
    page = client.get(path)

    assert page.status_code == 200
    assert expected in page.text
    assert "03 53 01 00 00" in page.text or "bailleurs" not in path
