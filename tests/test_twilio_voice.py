"""The team's SMS number answers calls: signed Twilio Voice webhooks through the app, the TwiML
the caller hears (parsed), the call counted as a reply with a "call back" task in the inbox, the
voicemail's address kept once however often Twilio sends it, the team's phone rung first when
asked, a forged request refused."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from outreach.clock import PARIS
from outreach.models import Case, Enrolment, InboxItem, Message
from outreach.sequences.runner import enrol
from tests.doubles.twilio_double import TwilioDouble, call_params, recording_params
from tests.e2e_twilio_support import signed_post, twilio_settings
from tests.engine_support import engine_config
from tests.factories import make_case
from tests.web_support import https_client, make_member, sign_in

CALLER = "+33639982051"  # 06 39 98 20 51
PUBLIC = "https://allervers.example.org"


@pytest.fixture
def settings_overrides(double: TwilioDouble) -> dict[str, object]:
    return {**twilio_settings(double), "ALLERVERS_CHANNELS": "sms,voice"}


def _household(services: Any) -> int:
    with services.sessions.begin() as session:
        case = make_case(
            session, clock=services.clock, sector_code="arras", phones=("06 39 98 20 51",),
            last_name="Roussel",
        )  # fmt: skip
        enrol(session, clock=services.clock, case=case, config=engine_config())
        return case.id


def _twiml(response: Any) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return root


def _said(root: ET.Element) -> str:
    says = root.findall("Say")
    assert says and all(say.get("language") == "fr-FR" for say in says)
    return " ".join(say.text or "" for say in says)


def _call(client: Any, sid: str, caller: str = CALLER) -> Any:
    return signed_post(client, "/webhooks/twilio/voice", call_params(sid, caller))


def test_a_call_is_answered_and_opens_a_call_back_task(client, services, auth) -> None:
    case_id = _household(services)

    root = _twiml(_call(client, "CA" + "1" * 32))

    said = _said(root)
    assert "Association Exemple" in said and "gratuite et confidentielle" in said
    assert "nous vous rappelons aujourd'hui" in said
    record = root.find("Record")
    assert record is not None
    assert record.get("recordingStatusCallback") == PUBLIC + "/webhooks/twilio/voice/recording"
    assert record.get("action") == PUBLIC + "/webhooks/twilio/voice/recorded"
    with services.sessions() as session:
        call = session.scalars(select(Message).where(Message.channel == "voice")).one()
        case = session.get_one(Case, case_id)
        assert (call.case_id, call.direction, call.address) == (case_id, "in", CALLER)
        assert case.status == "reached"  # a call counts as a reply
        enrolment = session.scalars(select(Enrolment).where(Enrolment.case_id == case_id)).one()
        assert (enrolment.status, enrolment.stop_reason) == ("stopped", "reply")
    items = client.get("/api/inbox", headers=auth).json()["items"]
    tasks = [item for item in items if item["case_id"] == case_id]
    assert [(item["kind"], item["label"]) for item in tasks] == [
        ("task", "Le foyer a appelé le numéro de l'équipe : le rappeler")
    ]

    _twiml(_call(client, "CA" + "1" * 32))  # Twilio retries the same call: nothing doubles
    with services.sessions() as session:
        assert session.scalar(select(func.count()).where(Message.channel == "voice")) == 1
        assert session.scalar(select(func.count()).where(InboxItem.case_id == case_id)) == 1


def test_the_voicemail_address_is_kept_once(app, client, services) -> None:
    case_id = _household(services)
    sid = "CA" + "2" * 32
    _call(client, sid)
    first = recording_params(sid, "RE" + "a" * 32)
    for _ in range(3):  # Twilio may post the callback more than once
        answer = signed_post(client, "/webhooks/twilio/voice/recording", first)
        assert answer.status_code == 204
    other = recording_params(sid, "RE" + "b" * 32)
    assert signed_post(client, "/webhooks/twilio/voice/recording", other).status_code == 204
    with services.sessions() as session:
        call = session.scalars(select(Message).where(Message.channel == "voice")).one()
        assert call.raw["RecordingUrl"] == first["RecordingUrl"]
        assert call.raw["RecordingSid"] == first["RecordingSid"]
    goodbye = _twiml(
        signed_post(client, "/webhooks/twilio/voice/recorded", call_params(sid, CALLER))
    )
    assert goodbye.find("Hangup") is not None

    member = make_member(services.sessions, services.clock, sectors=("arras",))
    web = https_client(app)
    browser = next(web)
    sign_in(browser, member.email)
    page = browser.get(f"/cases/{case_id}").text
    assert "Le foyer a appelé le numéro de l&#39;équipe" in page
    assert f'href="{first["RecordingUrl"]}"' in page and "Écouter le message vocal" in page


def test_a_forged_call_gets_403_and_stores_nothing(client, services) -> None:
    _household(services)
    params = call_params("CA" + "3" * 32, CALLER)
    forged = client.post(
        "/webhooks/twilio/voice", data=params, headers={"X-Twilio-Signature": "forged"}
    )
    assert forged.status_code == 403
    recording = client.post(
        "/webhooks/twilio/voice/recording",
        data=recording_params("CA" + "3" * 32, "RE" + "c" * 32),
    )
    assert recording.status_code == 403
    with services.sessions() as session:
        assert session.scalar(select(func.count()).where(Message.channel == "voice")) == 0


def test_outside_the_team_hours_it_says_when_the_team_calls_back(client, services) -> None:
    _household(services)
    services.clock.set(datetime(2026, 3, 14, 20, 0, tzinfo=PARIS))  # Saturday evening

    said = _said(_twiml(_call(client, "CA" + "4" * 32)))

    assert "L'équipe est absente pour le moment" in said
    assert "lundi 16 mars à 9 h" in said


def test_an_unknown_caller_reaches_the_inbox(client, services, auth) -> None:
    _twiml(_call(client, "CA" + "5" * 32, caller="+33639982099"))
    items = client.get("/api/inbox", headers=auth).json()["items"]
    assert [item["kind"] for item in items] == ["unknown_sender"]
    assert items[0]["channel"] == "voice"


class TestForwarding:
    @pytest.fixture
    def settings_overrides(self, double: TwilioDouble) -> dict[str, object]:
        return {
            **twilio_settings(double),
            "ALLERVERS_CHANNELS": "sms,voice",
            "ALLERVERS_VOICE_FORWARD_TO": "+33199000077",
        }

    def test_the_team_phone_rings_first_then_voicemail(self, client, services) -> None:
        case_id = _household(services)
        sid = "CA" + "6" * 32
        root = _twiml(_call(client, sid))
        dial = root.find("Dial")
        assert dial is not None and dial.get("timeout") == "20"
        assert dial.findtext("Number") == "+33199000077"
        assert dial.get("action") == PUBLIC + "/webhooks/twilio/voice/dialed"
        with services.sessions() as session:  # the call is there; no task while it rings
            assert session.scalar(select(func.count()).where(InboxItem.case_id == case_id)) == 0

        unanswered = call_params(sid, CALLER, DialCallStatus="no-answer")
        voicemail = _twiml(signed_post(client, "/webhooks/twilio/voice/dialed", unanswered))
        assert voicemail.find("Record") is not None
        with services.sessions() as session:
            notes = session.scalars(select(InboxItem.note).where(InboxItem.case_id == case_id))
            assert list(notes) == ["call_back"]

    def test_an_answered_call_needs_no_task(self, client, services) -> None:
        case_id = _household(services)
        sid = "CA" + "7" * 32
        _call(client, sid)
        answered = call_params(sid, CALLER, DialCallStatus="completed")
        done = _twiml(signed_post(client, "/webhooks/twilio/voice/dialed", answered))
        assert done.find("Hangup") is not None and done.find("Record") is None
        with services.sessions() as session:
            assert session.scalar(select(func.count()).where(InboxItem.case_id == case_id)) == 0
            assert session.get_one(Case, case_id).status == "reached"


class TestVoiceOff:
    @pytest.fixture
    def settings_overrides(self, double: TwilioDouble) -> dict[str, object]:
        return twilio_settings(double)  # "sms" only

    def test_the_number_does_not_answer_calls(self, client, services) -> None:
        assert _call(client, "CA" + "8" * 32).status_code == 404
