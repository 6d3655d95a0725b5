"""POST /webhooks/twilio/sms: signed by Twilio, stored once per MessageSid, answered at once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.services import build_services
from api.webhooks.inbound_processing import process_leftovers
from bot.twilio_webhook import SIGNATURE_HEADER
from outreach.models import Case, InboxItem, Message
from outreach.replies.inbound import process_pending
from tests.conftest import PUBLIC_URL
from tests.doubles.twilio_double import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    TwilioDouble,
    app_settings,
    inbound_params,
    signature,
)
from tests.factories import fiction_phone, make_case

URL = "/webhooks/twilio/sms"
PHONE = "+33639980001"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@pytest.fixture
def settings_overrides(double: TwilioDouble) -> dict[str, object]:
    return app_settings(double.base_url)


def post(
    client: Any,
    params: dict[str, str],
    *,
    path: str = URL,
    signed_url: str | None = None,
    token: str = AUTH_TOKEN,
) -> Any:
    """What Twilio does: sign the public URL it calls, post the form."""
    sig = signature(signed_url or PUBLIC_URL + path, params, token)
    return client.post(path, data=params, headers={SIGNATURE_HEADER: sig})


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _inbound(sessions: sessionmaker[Session]) -> list[Message]:
    with sessions() as session:
        query = select(Message).where(Message.direction == "in").order_by(Message.id)
        return list(session.scalars(query))


def _inbox(sessions: sessionmaker[Session]) -> list[tuple[str, int | None]]:
    with sessions() as session:
        rows = session.execute(select(InboxItem.kind, InboxItem.case_id).order_by(InboxItem.id))
        return [(kind, case_id) for kind, case_id in rows]


def _case(sessions: sessionmaker[Session], clock: Any, **kwargs: Any) -> int:
    with sessions.begin() as session:
        return make_case(session, clock=clock, **kwargs).id


# --- authentication -----------------------------------------------------------------------------


def test_it_refuses_a_request_without_signature_and_stores_nothing(client, sessions) -> None:
    response = client.post(URL, data=inbound_params("SM1", PHONE, "Oui"))
    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid Twilio signature."}
    assert _count(sessions, Message) == 0


def test_it_refuses_a_signature_made_with_another_token(client, sessions) -> None:
    response = post(client, inbound_params("SM1", PHONE, "Oui"), token="not-our-token")
    assert response.status_code == 403
    assert _count(sessions, Message) == 0


def test_it_refuses_a_body_changed_after_signing(client, sessions) -> None:
    params = inbound_params("SM1", PHONE, "Oui")
    sig = signature(PUBLIC_URL + URL, params)
    forged = {**params, "Body": "STOP"}
    response = client.post(URL, data=forged, headers={SIGNATURE_HEADER: sig})
    assert response.status_code == 403
    assert _count(sessions, Message) == 0


def test_it_checks_the_signature_against_the_public_url_not_the_request_url(
    client, sessions
) -> None:
    # The app sees http://testserver (as behind a TLS proxy); Twilio signed the public URL.
    params = inbound_params("SM1", PHONE, "Oui")
    assert post(client, params, signed_url=f"http://testserver{URL}").status_code == 403
    assert post(client, params).status_code == 200
    assert _count(sessions, Message) == 1


def test_it_includes_the_query_string_in_the_signed_url(client, sessions) -> None:
    params = inbound_params("SM1", PHONE, "Oui")
    assert post(client, params, path=f"{URL}?source=fr").status_code == 200
    forged = {SIGNATURE_HEADER: signature(PUBLIC_URL + URL, params)}
    assert client.post(f"{URL}?source=fr", data=params, headers=forged).status_code == 403
    assert _count(sessions, Message) == 1


def test_it_answers_503_when_no_auth_token_is_configured(settings, engine, clock, sessions):
    off = settings.model_copy(update={"twilio_auth_token": None, "channels": "sandbox"})
    app = create_app(services=build_services(off, engine=engine, clock=clock))
    with TestClient(app) as client:
        response = post(client, inbound_params("SM1", PHONE, "Oui"))
    assert response.status_code == 503
    assert "TWILIO_AUTH_TOKEN" in response.json()["detail"]
    assert _count(sessions, Message) == 0


# --- storing and attaching --------------------------------------------------------------------


def test_it_stores_an_sms_answers_empty_twiml_and_attaches_it_to_the_case(
    client, sessions, clock
) -> None:
    case_id = _case(sessions, clock)
    response = post(client, inbound_params("SM1", PHONE, "Oui, rappelez-moi ç’est urgent"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text == TWIML
    (message,) = _inbound(sessions)
    assert (message.channel, message.provider_id, message.address) == ("sms", "SM1", PHONE)
    assert message.body == "Oui, rappelez-moi ç’est urgent"
    assert message.created_at == clock.now()
    assert (message.case_id, message.processed) == (case_id, True)
    assert _inbox(sessions) == [("reply", case_id)]


def test_it_attaches_a_whatsapp_message_to_the_case_of_that_phone(client, sessions, clock):
    case_id = _case(sessions, clock)
    assert post(client, inbound_params("SMw1", f"whatsapp:{PHONE}", "Bonjour")).status_code == 200
    (message,) = _inbound(sessions)
    assert (message.channel, message.address, message.case_id) == (
        "whatsapp",
        f"whatsapp:{PHONE}",
        case_id,
    )


def test_it_sends_an_unknown_number_to_the_team_inbox(client, sessions) -> None:
    assert post(client, inbound_params("SM1", "+33639989999", "Qui est-ce ?")).status_code == 200
    (message,) = _inbound(sessions)
    assert message.case_id is None
    assert _inbox(sessions) == [("unknown_sender", None)]


def test_it_picks_the_most_recent_open_case_and_flags_it_for_the_team(
    client, sessions, clock
) -> None:
    _case(sessions, clock, reference="OLD")
    clock.advance(days=1)
    newest = _case(sessions, clock, reference="NEW")
    clock.advance(days=1)
    _case(sessions, clock, reference="CLOSED", status="closed")
    assert post(client, inbound_params("SM1", PHONE, "Oui")).status_code == 200
    assert _inbound(sessions)[0].case_id == newest
    assert sorted(_inbox(sessions)) == [("reply", newest), ("several_cases", newest)]


def test_a_replayed_message_sid_creates_nothing_new(client, sessions, clock) -> None:
    case_id = _case(sessions, clock)
    params = inbound_params("SM1", PHONE, "Oui")
    for _ in range(3):
        assert post(client, params).text == TWIML
    assert len(_inbound(sessions)) == 1
    assert _inbox(sessions) == [("reply", case_id)]


def test_concurrent_duplicates_store_exactly_one_message(client, sessions, clock) -> None:
    case_id = _case(sessions, clock)
    params = inbound_params("SMconcurrent", PHONE, "Oui")
    threads = 8
    barrier = threading.Barrier(threads)
    statuses: list[int] = []

    def hit() -> None:
        barrier.wait()
        statuses.append(post(client, params).status_code)

    workers = [threading.Thread(target=hit) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert statuses == [200] * threads
    assert [m.provider_id for m in _inbound(sessions)] == ["SMconcurrent"]
    assert _inbox(sessions) == [("reply", case_id)]


def test_a_failure_while_processing_keeps_the_stored_message_for_later(
    client, sessions, clock, services
) -> None:
    case_id = _case(sessions, clock)

    def broken(session: Session, clock: Any, message: Message, case: Case) -> None:
        raise RuntimeError("conversation engine down")

    working, services.reply_path = services.reply_path, broken
    try:
        assert post(client, inbound_params("SM1", PHONE, "Oui")).status_code == 200
    finally:
        services.reply_path = working
    (message,) = _inbound(sessions)
    assert (message.processed, message.case_id) == (False, None)
    with sessions.begin() as session:
        assert process_pending(session, clock=clock) == 1
    assert _inbound(sessions)[0].case_id == case_id
    assert _inbox(sessions) == [("reply", case_id)]


def test_it_ignores_a_signed_request_without_message_sid(client, sessions) -> None:
    assert post(client, {"AccountSid": ACCOUNT_SID, "From": PHONE}).text == TWIML
    assert _count(sessions, Message) == 0


def test_it_logs_no_phone_number_and_no_body(client, sessions, clock, caplog) -> None:
    caplog.set_level("DEBUG")
    _case(sessions, clock, phones=(fiction_phone(1),))
    post(client, inbound_params("SM1", PHONE, "Mon secret"))
    post(client, inbound_params("SM2", "+33639989999", "Autre secret"))
    assert "secret" not in caplog.text
    assert "639980001" not in caplog.text and "639989999" not in caplog.text


def test_leftovers_are_processed_once_they_are_old_enough(client, sessions, clock, services):
    case_id = _case(sessions, clock)

    def broken(session: Session, clock: Any, message: Message, case: Case) -> None:
        raise RuntimeError("conversation engine down")

    working, services.reply_path = services.reply_path, broken
    try:
        post(client, inbound_params("SM1", PHONE, "Oui"))
    finally:
        services.reply_path = working
    assert process_leftovers(services) == 0  # too recent: may still be on its way in a batch
    clock.advance(timedelta(minutes=1))
    assert process_leftovers(services) == 1
    assert process_leftovers(services) == 0
    assert _inbox(sessions) == [("reply", case_id)]


def test_an_app_attached_to_new_services_processes_replies_in_their_database(
    app, services, sessions, settings, tmp_path, sqlite_template
) -> None:
    # The suite serves many tests with one app (api.app.attach): what a request made and kept
    # on the app, such as the inbound processor, must not carry the services before. It did:
    # a reply was stored in the new database and processed in the old one.
    import shutil

    from api.app import attach
    from outreach.db import make_engine

    with TestClient(app) as client:
        post(client, inbound_params("SM1", "+33639989998", "Bonjour"))
    assert _inbox(sessions) == [("unknown_sender", None)]
    other = tmp_path / "other.db"
    shutil.copyfile(sqlite_template, other)
    engine = make_engine(f"sqlite:///{other}")
    try:
        moved = settings.model_copy(update={"database_url": f"sqlite:///{other}"})
        fresh = build_services(moved, engine=engine, clock=services.clock)
        attach(app, fresh)
        with TestClient(app) as client:
            post(client, inbound_params("SM2", "+33639989997", "Qui est-ce ?"))
        assert _inbox(fresh.sessions) == [("unknown_sender", None)]
        assert _inbox(sessions) == [("unknown_sender", None)]  # nothing more in the old one
    finally:
        attach(app, services)
        engine.dispose()
