"""WhatsApp through Twilio: free text inside the 24-hour window, approved templates outside."""

from __future__ import annotations

import json

import pytest

from bot.whatsapp import WhatsAppChannel
from outreach.sending.channel import DeliveryError, ErrorKind, Outgoing
from outreach.settings import SettingsError
from tests.doubles.twilio_double import Failure, TwilioDouble
from tests.test_twilio_sms import twilio_settings

INTRO_SID = "HX" + "1" * 32
REMINDER_SID = "HX" + "2" * 32
VISIT_REMINDER_SID = "HX" + "3" * 32
TO = "+33639980001"
SENDER = "+14155238886"


@pytest.fixture
def channel(double: TwilioDouble) -> WhatsAppChannel:
    return WhatsAppChannel(
        twilio_settings(
            double.base_url,
            TWILIO_WHATSAPP_FROM=SENDER,
            TWILIO_WHATSAPP_CONTENT_SIDS=(
                f"intro={INTRO_SID}, reminder={REMINDER_SID}, visit_reminder={VISIT_REMINDER_SID}"
            ),
        )
    )


def _outgoing(*, in_session: bool, template: str | None = "intro", **values: str) -> Outgoing:
    return Outgoing(
        message_id=7,
        address=f"whatsapp:{TO}",
        body="Bonjour, ici l'équipe mobile.",
        template=template,
        template_values=values,
        in_session=in_session,
    )


def test_it_sends_free_text_inside_the_window(
    channel: WhatsAppChannel, double: TwilioDouble
) -> None:
    receipt = channel.send(_outgoing(in_session=True))
    (call,) = double.calls
    assert call.params["To"] == f"whatsapp:{TO}"
    assert call.params["From"] == f"whatsapp:{SENDER}"
    assert call.params["Body"] == "Bonjour, ici l'équipe mobile."
    assert "ContentSid" not in call.params
    assert call.params["StatusCallback"].endswith("/webhooks/twilio/status?m=7")
    assert receipt.provider_id == double.sent[0]["sid"]


def test_it_sends_the_approved_template_outside_the_window(
    channel: WhatsAppChannel, double: TwilioDouble
) -> None:
    channel.send(_outgoing(in_session=False, template="reminder"))
    (call,) = double.calls
    assert call.params["ContentSid"] == REMINDER_SID
    assert "ContentVariables" not in call.params  # the reminder has no placeholder
    assert "Body" not in call.params


def test_it_numbers_the_variables_in_the_order_of_the_msgid_placeholders(
    channel: WhatsAppChannel, double: TwilioDouble
) -> None:
    # "Reminder: {worker}, from the mobile team, will come to your home on {day}, {window}."
    values = {"day": "mardi 17 mars", "window": "entre 10 h et 11 h", "worker": "Camille Roux"}
    channel.send(_outgoing(in_session=False, template="visit_reminder", **values))
    (call,) = double.calls
    assert call.params["ContentSid"] == VISIT_REMINDER_SID
    assert json.loads(call.params["ContentVariables"]) == {
        "1": "Camille Roux",
        "2": "mardi 17 mars",
        "3": "entre 10 h et 11 h",
    }


@pytest.mark.parametrize(
    ("values", "missing"),
    [
        ({"day": "mardi 17 mars", "window": "entre 10 h et 11 h"}, "worker"),
        ({"day": "mardi 17 mars", "window": "", "worker": "Camille Roux"}, "window"),
    ],
    ids=["absent", "empty"],
)
def test_it_refuses_a_template_with_a_missing_value_without_calling_twilio(
    channel: WhatsAppChannel, double: TwilioDouble, values: dict[str, str], missing: str
) -> None:
    with pytest.raises(DeliveryError) as raised:
        channel.send(_outgoing(in_session=False, template="visit_reminder", **values))
    assert raised.value.kind == ErrorKind.WINDOW_CLOSED  # the engine tries another channel
    assert missing in raised.value.detail
    assert double.calls == []


def test_it_sends_free_text_inside_the_window_even_without_the_values(
    channel: WhatsAppChannel, double: TwilioDouble
) -> None:
    channel.send(_outgoing(in_session=True, template="visit_reminder"))
    assert double.calls[0].params["Body"] == "Bonjour, ici l'équipe mobile."


def test_it_refuses_free_text_outside_the_window_without_calling_twilio(
    channel: WhatsAppChannel, double: TwilioDouble
) -> None:
    for template in ("not_approved", None):
        with pytest.raises(DeliveryError) as raised:
            channel.send(_outgoing(in_session=False, template=template))
        assert raised.value.kind == ErrorKind.WINDOW_CLOSED
    assert double.calls == []


def test_it_adds_the_whatsapp_prefix_to_a_bare_number(
    channel: WhatsAppChannel, double: TwilioDouble
) -> None:
    outgoing = Outgoing(message_id=1, address=TO, body="Bonjour", in_session=True)
    channel.send(outgoing)
    assert double.calls[0].params["To"] == f"whatsapp:{TO}"


def test_it_classifies_twilio_s_own_window_error(
    channel: WhatsAppChannel, double: TwilioDouble
) -> None:
    double.fail_next(Failure(code=63016))
    with pytest.raises(DeliveryError) as raised:
        channel.send(_outgoing(in_session=True))
    assert raised.value.kind == ErrorKind.WINDOW_CLOSED


def test_it_classifies_the_sms_table_codes_too(
    channel: WhatsAppChannel, double: TwilioDouble
) -> None:
    double.fail_next(Failure(code=21610))
    with pytest.raises(DeliveryError) as raised:
        channel.send(_outgoing(in_session=True))
    assert raised.value.kind == ErrorKind.OPTED_OUT


def test_it_refuses_a_malformed_content_sid_list(double: TwilioDouble) -> None:
    with pytest.raises(SettingsError, match="TWILIO_WHATSAPP_CONTENT_SIDS"):
        twilio_settings(double.base_url, TWILIO_WHATSAPP_CONTENT_SIDS="intro=HX12")


def test_it_refuses_to_start_without_a_whatsapp_sender(double: TwilioDouble) -> None:
    with pytest.raises(SettingsError, match="TWILIO_WHATSAPP_FROM"):
        WhatsAppChannel(twilio_settings(double.base_url))
