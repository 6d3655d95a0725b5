"""The SMS channel: the real twilio SDK against the Twilio double on 127.0.0.1."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.segments import count_segments
from bot.twilio_errors import TABLE, classify, retry_after_seconds
from bot.twilio_sms import TwilioSmsChannel
from outreach.sending.channel import DeliveryError, ErrorKind, Outgoing
from outreach.settings import Settings, SettingsError, load_settings
from tests.doubles.twilio_double import ACCOUNT_SID, AUTH_TOKEN, Failure, TwilioDouble

PUBLIC_URL = "https://allervers.example.org"
FROM = "+33639989999"
SERVICE = "MG" + "a" * 32
TO = "+33639980001"


def twilio_settings(base_url: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "ALLERVERS_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM,
        "TWILIO_API_BASE_URL": base_url,
    }
    values.update(extra)
    return load_settings(**values)


@pytest.fixture
def channel(double: TwilioDouble) -> TwilioSmsChannel:
    return TwilioSmsChannel(twilio_settings(double.base_url))


def _outgoing(body: str = "Bonjour, répondez OUI. STOP", message_id: int = 42) -> Outgoing:
    return Outgoing(message_id=message_id, address=TO, body=body)


def _error(channel: TwilioSmsChannel, outgoing: Outgoing | None = None) -> DeliveryError:
    with pytest.raises(DeliveryError) as raised:
        channel.send(outgoing or _outgoing())
    return raised.value


# --- sending ----------------------------------------------------------------------------------


def test_it_sends_from_the_number_with_a_status_callback_to_the_public_url(
    channel: TwilioSmsChannel, double: TwilioDouble
) -> None:
    receipt = channel.send(_outgoing(message_id=42))
    (call,) = double.calls
    assert call.params["To"] == TO
    assert call.params["From"] == FROM
    assert call.params["Body"] == "Bonjour, répondez OUI. STOP"
    assert "MessagingServiceSid" not in call.params
    callback = urlsplit(call.params["StatusCallback"])
    assert f"{callback.scheme}://{callback.netloc}" == PUBLIC_URL
    assert callback.path == "/webhooks/twilio/status"
    assert parse_qs(callback.query) == {"m": ["42"]}
    assert receipt.provider_id == double.sent[0]["sid"]
    assert receipt.status == "queued"
    assert (receipt.segments, receipt.encoding) == (1, "GSM-7")


def test_it_sends_through_a_messaging_service_when_configured(double: TwilioDouble) -> None:
    settings = twilio_settings(
        double.base_url, TWILIO_FROM_NUMBER=None, TWILIO_MESSAGING_SERVICE_SID=SERVICE
    )
    receipt = TwilioSmsChannel(settings).send(_outgoing())
    (call,) = double.calls
    assert call.params["MessagingServiceSid"] == SERVICE
    assert "From" not in call.params
    assert receipt.status == "accepted"


@pytest.mark.parametrize(
    "body",
    [
        "a" * 160,
        "a" * 161,
        "Loyer « impayé » : l’équipe reçoit ça ici",
        "Prix : 10 € [gratuit] {oui} ^ ~ | \\" * 5,
        "Merci 😀" * 12,
        "a" * 152 + "€" + "a" * 10,
    ],
)
def test_it_counts_the_segments_twilio_reports(
    channel: TwilioSmsChannel, double: TwilioDouble, body: str
) -> None:
    receipt = channel.send(_outgoing(body))
    assert receipt.segments == count_segments(body).segments
    assert receipt.segments == int(double.sent[0]["num_segments"])
    assert receipt.encoding == count_segments(body).encoding


def test_it_refuses_to_start_without_a_sender(double: TwilioDouble) -> None:
    with pytest.raises(SettingsError, match="TWILIO_FROM_NUMBER"):
        TwilioSmsChannel(twilio_settings(double.base_url, TWILIO_FROM_NUMBER=None))


def test_it_refuses_to_start_without_credentials(double: TwilioDouble) -> None:
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN"):
        TwilioSmsChannel(twilio_settings(double.base_url, TWILIO_AUTH_TOKEN=None))


# --- errors on the create call ------------------------------------------------------------------

SYNC_TABLE = [
    (21610, ErrorKind.OPTED_OUT, None),
    (21614, ErrorKind.CANNOT_RECEIVE, None),
    (30006, ErrorKind.CANNOT_RECEIVE, None),
    (30005, ErrorKind.NUMBER_DEAD, None),
    (30003, ErrorKind.TEMPORARY, 3),
    (30008, ErrorKind.TEMPORARY, 3),
    (30007, ErrorKind.CONTENT_FILTERED, None),
    (21211, ErrorKind.PERMANENT, None),  # not in the table: logged, permanent
]


@pytest.mark.parametrize(("code", "kind", "max_attempts"), SYNC_TABLE)
def test_it_classifies_each_error_code_of_a_refused_send(
    channel: TwilioSmsChannel,
    double: TwilioDouble,
    code: int,
    kind: ErrorKind,
    max_attempts: int | None,
) -> None:
    double.fail_next(Failure(code=code))
    error = _error(channel)
    assert (error.kind, error.code, error.max_attempts) == (kind, str(code), max_attempts)
    assert channel.send(_outgoing()).provider_id  # only the next call was programmed to fail


def test_it_logs_an_unknown_code_by_number_only(
    channel: TwilioSmsChannel, double: TwilioDouble, caplog: pytest.LogCaptureFixture
) -> None:
    double.fail_next(Failure(code=21211))
    _error(channel, _outgoing("Texte personnel de Camille"))
    assert "21211" in caplog.text
    assert TO not in caplog.text and "Camille" not in caplog.text


def test_it_retries_a_429_after_the_delay_twilio_asks(
    channel: TwilioSmsChannel, double: TwilioDouble
) -> None:
    double.fail_next(Failure(code=20429, status=429, retry_after="17"))
    error = _error(channel)
    assert (error.kind, error.code, error.retry_after) == (ErrorKind.TEMPORARY, "20429", 17.0)


def test_it_reads_a_retry_after_given_as_a_date() -> None:
    headers = {
        "Date": "Wed, 11 Mar 2026 09:00:00 GMT",
        "Retry-After": "Wed, 11 Mar 2026 09:02:00 GMT",
    }
    assert retry_after_seconds(headers) == 120.0
    assert retry_after_seconds({"retry-after": "soon"}) is None


@pytest.mark.parametrize("status", [500, 502, 503])
def test_it_retries_a_server_error(
    channel: TwilioSmsChannel, double: TwilioDouble, status: int
) -> None:
    double.fail_next(Failure(status=status, body="<html>Bad Gateway</html>"))
    error = _error(channel)
    assert (error.kind, error.code) == (ErrorKind.TEMPORARY, str(status))


def test_it_retries_when_twilio_cannot_be_reached() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    error = _error(TwilioSmsChannel(twilio_settings(closed)))
    assert (error.kind, error.code) == (ErrorKind.TEMPORARY, "connection")


def test_a_send_twilio_answers_too_slowly_is_uncertain_not_retried(double: TwilioDouble) -> None:
    # Twilio had the whole request: it may have sent the SMS. Retrying could send it twice.
    double.latency = 1.0
    channel = TwilioSmsChannel(twilio_settings(double.base_url), timeout=0.2)
    error = _error(channel)
    assert (error.kind, error.code) == (ErrorKind.UNCERTAIN, "read_timeout")
    assert not error.temporary


def test_it_treats_wrong_credentials_as_permanent(double: TwilioDouble) -> None:
    channel = TwilioSmsChannel(twilio_settings(double.base_url, TWILIO_AUTH_TOKEN="wrong"))
    error = _error(channel)
    assert (error.kind, error.code) == (ErrorKind.PERMANENT, "20003")


# --- the table, as status callbacks report it -------------------------------------------------


@pytest.mark.parametrize(("code", "kind", "max_attempts"), SYNC_TABLE)
def test_it_classifies_each_code_of_a_status_callback_the_same_way(
    code: int, kind: ErrorKind, max_attempts: int | None
) -> None:
    error = classify(str(code))
    assert (error.kind, error.code, error.max_attempts) == (kind, str(code), max_attempts)


def test_the_table_covers_the_codes_the_issue_names() -> None:
    assert {21610, 21614, 30006, 30005, 30003, 30008, 30007, 20429} <= set(TABLE)
