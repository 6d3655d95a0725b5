"""Sending through Twilio and what comes back: status callbacks and the error table's consequences.

Messages go out through outreach.sending.send_now.deliver with the real SMS / WhatsApp channels,
to the Twilio double; the double then plays Twilio's status callbacks, signed like Twilio
signs them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.twilio_webhook import SIGNATURE_HEADER
from outreach.models import Case, ContactPoint, InboxItem, Message, MessageStatusEvent, OutboxItem
from outreach.sending.send_now import (
    Route,
    claim,
    deliver,
    outgoing_for,
    queue_message,
    record_receipt,
)
from tests.conftest import PUBLIC_URL
from tests.doubles.twilio_double import (
    Failure,
    TwilioDouble,
    app_settings,
    signature,
)
from tests.factories import make_case

PHONE = "+33639980001"
STATUS_URL = "/webhooks/twilio/status"


@pytest.fixture
def settings_overrides(double: TwilioDouble) -> dict[str, object]:
    return app_settings(double.base_url)


@pytest.fixture
def case_id(sessions: sessionmaker[Session], clock: Any) -> int:
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        case.contact_points.append(
            ContactPoint(kind="whatsapp", value=PHONE, position=1, created_at=clock.now())
        )
        session.flush()
        return case.id


def _queue(sessions: sessionmaker[Session], clock: Any, case_id: int, channel: str = "sms") -> int:
    kind = "phone" if channel == "sms" else "whatsapp"
    with sessions.begin() as session:
        case = session.get_one(Case, case_id)
        point = next(p for p in case.contact_points if p.kind == kind)
        message = queue_message(
            session,
            clock=clock,
            case=case,
            route=Route(channel=channel, contact_point=point),
            body="Bonjour, ici l'équipe mobile. Répondez OUI. STOP",
        )
        return message.id


def _send(services: Any, case_id: int, channel: str = "sms") -> Message:
    message_id = _queue(services.sessions, services.clock, case_id, channel)
    sent = deliver(
        services.sessions,
        clock=services.clock,
        channels=services.channels,
        message_id=message_id,
        in_session=True,
    )
    assert sent is not None
    return sent


def callback(
    client: Any, double: TwilioDouble, sid: str, status: str, code: int | None = None, **extra: str
) -> Any:
    """Twilio posts a status to the StatusCallback URL it was given at send time, signed."""
    url, params = double.status_callback(sid, status, code)
    params.update(extra)
    path = url.removeprefix(PUBLIC_URL)
    return client.post(path, data=params, headers={SIGNATURE_HEADER: signature(url, params)})


def _message(sessions: sessionmaker[Session], message_id: int) -> Message:
    with sessions() as session:
        return session.get_one(Message, message_id)


def _count(sessions: sessionmaker[Session], model: type, *where: Any) -> int:
    with sessions() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int(session.scalar(query) or 0)


def _point(sessions: sessionmaker[Session], case_id: int, kind: str = "phone") -> ContactPoint:
    with sessions() as session:
        query = select(ContactPoint).where(
            ContactPoint.case_id == case_id, ContactPoint.kind == kind
        )
        return session.scalars(query).one()


def _inbox(sessions: sessionmaker[Session]) -> list[tuple[str, str | None]]:
    with sessions() as session:
        return [(i.kind, i.note) for i in session.scalars(select(InboxItem).order_by(InboxItem.id))]


# --- sending and statuses ---------------------------------------------------------------------


def test_it_sends_and_records_twilio_s_id_segments_and_encoding(services, double, case_id):
    message = _send(services, case_id)
    assert message.provider_id == double.sent[0]["sid"]
    assert (message.status, message.segments, message.encoding) == ("queued", 1, "GSM-7")
    assert double.calls[0].params["StatusCallback"] == (f"{PUBLIC_URL}{STATUS_URL}?m={message.id}")


def test_statuses_move_forward_and_never_back_from_a_final_one(
    client, services, sessions, double, case_id
) -> None:
    message = _send(services, case_id)
    sid = str(message.provider_id)
    assert callback(client, double, sid, "sent").status_code == 200
    assert _message(sessions, message.id).status == "sent"
    assert callback(client, double, sid, "delivered").status_code == 200
    late = callback(client, double, sid, "sent")
    assert late.status_code == 200
    assert late.text == '<?xml version="1.0" encoding="UTF-8"?><Response/>'
    assert _message(sessions, message.id).status == "delivered"
    assert _count(sessions, MessageStatusEvent) == 2


def test_a_late_sending_status_does_not_undo_delivered(client, services, sessions, double, case_id):
    message = _send(services, case_id)
    sid = str(message.provider_id)
    callback(client, double, sid, "delivered")
    callback(client, double, sid, "sending")
    assert _message(sessions, message.id).status == "delivered"


def test_a_repeated_status_is_recorded_once(client, services, sessions, double, case_id) -> None:
    message = _send(services, case_id)
    for _ in range(3):
        assert callback(client, double, str(message.provider_id), "delivered").status_code == 200
    assert _count(sessions, MessageStatusEvent) == 1


def test_it_accepts_parameters_it_does_not_know(client, services, sessions, double, case_id):
    message = _send(services, case_id)
    response = callback(
        client, double, str(message.provider_id), "delivered", ChannelPrefix="sms", Foo="bar"
    )
    assert response.status_code == 200
    assert _message(sessions, message.id).status == "delivered"


def test_a_status_before_the_receipt_is_recorded_is_not_lost(
    client, services, sessions, clock, double, case_id
) -> None:
    message_id = _queue(sessions, clock, case_id)
    with sessions.begin() as session:
        assert claim(session, message_id=message_id, now=clock.now())
        outgoing = outgoing_for(session.get_one(Message, message_id))
    receipt = services.channels["sms"].send(outgoing)
    # Twilio can call back before our transaction records its answer.
    assert callback(client, double, receipt.provider_id, "delivered").status_code == 200
    with sessions.begin() as session:
        record_receipt(
            session, clock=clock, message=session.get_one(Message, message_id), receipt=receipt
        )
    message = _message(sessions, message_id)
    assert (message.provider_id, message.status) == (receipt.provider_id, "delivered")


def test_a_status_for_a_message_we_do_not_know_changes_nothing(client, sessions) -> None:
    url = f"{PUBLIC_URL}{STATUS_URL}"
    params = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered", "To": PHONE}
    headers = {SIGNATURE_HEADER: signature(url, params)}
    assert client.post(STATUS_URL, data=params, headers=headers).status_code == 200
    assert _count(sessions, Message) == 0


def test_a_forged_status_is_refused_and_not_recorded(client, services, sessions, double, case_id):
    message = _send(services, case_id)
    url, params = double.status_callback(str(message.provider_id), "failed", 21610)
    response = client.post(
        url.removeprefix(PUBLIC_URL), data=params, headers={SIGNATURE_HEADER: "forged"}
    )
    assert response.status_code == 403
    assert _count(sessions, MessageStatusEvent) == 0
    assert _message(sessions, message.id).status == "queued"


def test_a_whatsapp_status_finds_the_whatsapp_message(client, services, sessions, double, case_id):
    message = _send(services, case_id, channel="whatsapp")
    assert message.channel == "whatsapp"
    callback(client, double, str(message.provider_id), "read")
    assert _message(sessions, message.id).status == "read"


# --- the error table, reported late by a status callback ------------------------------------


def _fail_late(client: Any, services: Any, double: TwilioDouble, case_id: int, code: int) -> int:
    message = _send(services, case_id)
    assert (
        callback(client, double, str(message.provider_id), "undelivered", code).status_code == 200
    )
    return message.id


def _case(sessions: sessionmaker[Session], case_id: int) -> Case:
    with sessions() as session:
        return session.get_one(Case, case_id)


def test_async_21610_opts_the_household_out_everywhere(client, services, sessions, double, case_id):
    message_id = _fail_late(client, services, double, case_id, 21610)
    assert _case(sessions, case_id).opted_out
    message = _message(sessions, message_id)
    assert (message.status, message.error_code, message.error_kind) == (
        "undelivered",
        "21610",
        "opted_out",
    )


@pytest.mark.parametrize(
    ("code", "state"),
    [(21614, "cannot_receive"), (30006, "cannot_receive"), (30005, "number_dead")],
)
def test_async_number_errors_mark_the_number_and_tell_the_team(
    client, services, sessions, double, case_id, code: int, state: str
) -> None:
    _fail_late(client, services, double, case_id, code)
    point = _point(sessions, case_id)
    assert (point.state, point.state_reason) == (state, str(code))
    assert _point(sessions, case_id, "whatsapp").state == "ok"  # other channels take over
    assert [kind for kind, _ in _inbox(sessions)] == ["failed_number"]


def test_async_30007_stops_and_alerts_the_team(client, services, sessions, double, case_id):
    _fail_late(client, services, double, case_id, 30007)
    assert _inbox(sessions) == [("content_filtered", None)]
    assert _point(sessions, case_id).state == "ok"


def test_an_unknown_async_code_is_permanent(client, services, sessions, double, case_id, caplog):
    _fail_late(client, services, double, case_id, 30034)
    assert _inbox(sessions) == [("failed_number", "permanent 30034")]
    assert "30034" in caplog.text


@pytest.mark.parametrize("code", [30003, 30008])
def test_async_temporary_errors_are_retried_a_few_times_with_backoff(
    client, services, sessions, clock, double, case_id, code: int
) -> None:
    message_id = _fail_late(client, services, double, case_id, code)
    for _ in (1, 2):
        with sessions() as session:
            retry = session.scalars(select(OutboxItem).order_by(OutboxItem.id.desc())).first()
            assert retry is not None and retry.kind == "send"
            assert retry.due_at > clock.now()
            copy_id = retry.message_id
        assert copy_id is not None and copy_id != message_id
        assert _message(sessions, message_id).error_kind == "temporary"
        assert _inbox(sessions) == []
        clock.advance(timedelta(hours=1))
        copy = deliver(
            services.sessions, clock=clock, channels=services.channels, message_id=copy_id
        )
        assert copy is not None and copy.status == "queued"
        callback(client, double, str(copy.provider_id), "undelivered", code)
        message_id = copy_id
    # Third failure: given up, handled as permanent.
    assert _count(sessions, OutboxItem) == 2
    assert _inbox(sessions) == [("failed_number", f"permanent {code}")]
    assert len(double.sent) == 3


# --- the error table, on the create call --------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind"),
    [(21614, "cannot_receive"), (30006, "cannot_receive"), (30005, "number_dead")],
)
def test_sync_number_errors_mark_the_number(
    services, sessions, double, case_id, code: int, kind: str
) -> None:
    double.fail_next(Failure(code=code))
    message = _send(services, case_id)
    assert (message.status, message.error_kind) == ("failed", kind)
    assert _point(sessions, case_id).state == kind


def test_sync_21610_opts_out_everywhere(services, sessions, double, case_id) -> None:
    double.fail_next(Failure(code=21610))
    assert _send(services, case_id).error_kind == "opted_out"
    assert _case(sessions, case_id).opted_out


def test_sync_30007_alerts_the_team(services, sessions, double, case_id) -> None:
    double.fail_next(Failure(code=30007))
    assert _send(services, case_id).error_kind == "content_filtered"
    assert _inbox(sessions) == [("content_filtered", None)]


def test_sync_429_is_retried_after_retry_after(services, sessions, clock, double, case_id):
    double.fail_next(Failure(code=20429, status=429, retry_after="300"))
    message = _send(services, case_id)
    assert (message.status, message.error_kind, message.error_code) == (
        "pending",
        "temporary",
        "20429",
    )
    with sessions() as session:
        retry = session.scalars(select(OutboxItem)).one()
        assert retry.due_at == clock.now() + timedelta(seconds=300)
