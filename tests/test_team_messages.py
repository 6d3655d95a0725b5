"""POST/GET /api/cases/{id}/messages: a team member writes to a household and reads the thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, select

from api.scheduler import dispatcher_for
from outreach.engine.dispatcher import dispatch_due
from outreach.models import AuditEvent, Message
from outreach.replies.inbound import process_inbound, store_inbound
from outreach.sending.channel import DeliveryError, ErrorKind, Inbound, Outgoing, SendReceipt
from tests.factories import make_case, make_user


def _case(sessions, clock, **kwargs) -> int:
    with sessions.begin() as session:
        return make_case(session, clock=clock, **kwargs).id


def _messages(sessions) -> list[Message]:
    with sessions() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def _reply(sessions, clock, body: str, sid: str) -> None:
    with sessions.begin() as session:
        inbound = Inbound(
            channel="sandbox",
            provider_id=sid,
            address="+33639980001",
            body=body,
            received_at=clock.now(),
        )
        message, _ = store_inbound(session, clock=clock, inbound=inbound)
        process_inbound(session, clock=clock, message=message)


def test_it_refuses_a_message_without_a_token(client, sessions, clock) -> None:
    case_id = _case(sessions, clock)
    response = client.post(f"/api/cases/{case_id}/messages", json={"body": "Bonjour"})
    assert response.status_code == 401
    assert _messages(sessions) == []


def test_it_sends_a_team_message_through_the_sandbox(
    client, auth, coordinator, sessions, clock
) -> None:
    case_id = _case(sessions, clock)
    response = client.post(
        f"/api/cases/{case_id}/messages",
        json={"body": "  Bonjour, je passe jeudi à 10 h. Répondez OUI.  "},
        headers=auth,
    )
    assert response.status_code == 201, response.text
    sent = response.json()
    assert (sent["channel"], sent["status"], sent["direction"]) == ("sandbox", "delivered", "out")
    assert (sent["segments"], sent["encoding"], sent["will_retry"]) == (1, "GSM-7", False)
    assert sent["author_id"] == coordinator[0]
    [message] = _messages(sessions)
    assert message.id == sent["id"]
    assert message.body == "Bonjour, je passe jeudi à 10 h. Répondez OUI."
    assert message.provider_id.startswith("SB")
    assert (message.case_id, message.address) == (case_id, "+33639980001")


def test_it_writes_an_audit_event_without_the_text(client, auth, sessions, clock) -> None:
    case_id = _case(sessions, clock)
    sent = client.post(
        f"/api/cases/{case_id}/messages", json={"body": "Texte confidentiel"}, headers=auth
    ).json()
    with sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "message.send")).one()
    assert event.case_id == case_id
    assert event.detail["message_id"] == sent["id"]
    assert "confidentiel" not in str(event.detail)


def test_it_refuses_a_household_that_opted_out(client, auth, sessions, clock) -> None:
    case_id = _case(sessions, clock, opted_out=True)
    response = client.post(f"/api/cases/{case_id}/messages", json={"body": "Bonjour"}, headers=auth)
    assert response.status_code == 409
    assert "STOP" in response.json()["detail"]
    assert _messages(sessions) == []


def test_it_refuses_a_household_without_a_usable_contact(client, auth, sessions, clock) -> None:
    case_id = _case(sessions, clock, phones=())
    response = client.post(f"/api/cases/{case_id}/messages", json={"body": "Bonjour"}, headers=auth)
    assert response.status_code == 409
    assert response.json()["detail"] == "Aucun moyen de contact utilisable pour ce foyer."
    assert _messages(sessions) == []


def test_it_refuses_an_empty_or_too_long_message(client, auth, sessions, clock) -> None:
    case_id = _case(sessions, clock)
    empty = client.post(f"/api/cases/{case_id}/messages", json={"body": "  \n "}, headers=auth)
    long = client.post(f"/api/cases/{case_id}/messages", json={"body": "a" * 1001}, headers=auth)
    missing = client.post(f"/api/cases/{case_id}/messages", json={}, headers=auth)
    assert (empty.status_code, long.status_code, missing.status_code) == (422, 422, 422)
    # The API's one text rule (outreach/text_input.py), and the schema's maximum length.
    [refused] = empty.json()["detail"]
    assert (refused["loc"], refused["msg"]) == (["body", "body"], "Le texte est vide.")
    [too_long] = long.json()["detail"]
    assert too_long["type"] == "string_too_long" and too_long["ctx"]["max_length"] == 1000
    assert _messages(sessions) == []


def test_it_refuses_a_worker_of_another_sector(client, sessions, clock) -> None:
    case_id = _case(sessions, clock, sector_code="lens")
    with sessions.begin() as session:
        _, theirs = make_user(session, clock=clock, sector_codes=("arras",))
        _, mine = make_user(session, clock=clock, sector_codes=("lens",))
    refused = client.post(
        f"/api/cases/{case_id}/messages", json={"body": "Bonjour"}, headers=theirs
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Ce dossier n'appartient pas à vos secteurs."
    assert client.get(f"/api/cases/{case_id}/messages", headers=theirs).status_code == 403
    assert _messages(sessions) == []
    allowed = client.post(f"/api/cases/{case_id}/messages", json={"body": "Bonjour"}, headers=mine)
    assert allowed.status_code == 201


def test_it_answers_404_for_an_unknown_case(client, auth) -> None:
    response = client.post("/api/cases/999999/messages", json={"body": "Bonjour"}, headers=auth)
    assert response.status_code == 404
    assert response.json()["detail"] == "Dossier introuvable."


class _BusyChannel:
    name = "sandbox"

    def send(self, outgoing: Outgoing) -> SendReceipt:
        raise DeliveryError(ErrorKind.TEMPORARY, code="busy", retry_after=30)


class _CountingChannel:
    name = "sandbox"

    def __init__(self, sent: list[Outgoing]) -> None:
        self.sent = sent

    def send(self, outgoing: Outgoing) -> SendReceipt:
        self.sent.append(outgoing)
        return SendReceipt(provider_id="SB-counted", status="sent")


def test_it_keeps_the_message_pending_after_a_temporary_failure(
    client, services, auth, sessions, clock
) -> None:
    case_id = _case(sessions, clock)
    services.channels["sandbox"] = _BusyChannel()
    response = client.post(f"/api/cases/{case_id}/messages", json={"body": "Bonjour"}, headers=auth)
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["will_retry"]) == ("pending", True)
    [message] = _messages(sessions)
    assert (message.status, message.error_kind) == ("pending", "temporary")


def test_a_message_another_sender_claimed_first_is_answered_as_it_stands(
    client, services, auth, sessions, clock, engine
) -> None:
    """If the outbox claims the new message between its writing and the API's own claim, the API
    does not send it a second time and answers with the message as it now stands (sending)."""
    case_id = _case(sessions, clock)
    sent: list[Outgoing] = []
    services.channels["sandbox"] = _CountingChannel(sent)

    claimed: list[bool] = []

    def claim_first(conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE message SET status") and not claimed:
            claimed.append(True)
            other = conn.connection.cursor()  # same transaction: as if another sender came first
            other.execute("UPDATE message SET status = 'sending' WHERE status = 'pending'")
            other.close()

    event.listen(engine, "before_cursor_execute", claim_first)
    try:
        response = client.post(
            f"/api/cases/{case_id}/messages", json={"body": "Bonjour"}, headers=auth
        )
    finally:
        event.remove(engine, "before_cursor_execute", claim_first)
    assert claimed
    assert response.status_code == 202, response.text
    assert (response.json()["status"], response.json()["will_retry"]) == ("sending", True)
    assert sent == []
    [message] = _messages(sessions)
    assert message.status == "sending"


def test_it_lists_the_conversation_newest_last_in_pages(client, auth, sessions, clock) -> None:
    case_id = _case(sessions, clock)
    client.post(f"/api/cases/{case_id}/messages", json={"body": "Bonjour"}, headers=auth)
    clock.advance(timedelta(minutes=5))
    _reply(sessions, clock, "OUI", "r1")
    clock.advance(timedelta(minutes=5))
    client.post(f"/api/cases/{case_id}/messages", json={"body": "Merci"}, headers=auth)

    everything = client.get(f"/api/cases/{case_id}/messages", headers=auth).json()
    assert [(m["direction"], m["body"]) for m in everything["items"]] == [
        ("out", "Bonjour"),
        ("in", "OUI"),
        ("out", "Merci"),
    ]
    assert everything["total"] == 3
    latest = client.get(f"/api/cases/{case_id}/messages?per_page=2", headers=auth).json()
    older = client.get(f"/api/cases/{case_id}/messages?per_page=2&page=2", headers=auth).json()
    assert [m["body"] for m in latest["items"]] == ["OUI", "Merci"]
    assert [m["body"] for m in older["items"]] == ["Bonjour"]
    with sessions() as session:
        reads = session.scalar(
            select(func.count()).where(
                AuditEvent.action == "message.list", AuditEvent.case_id == case_id
            )
        )
    assert reads == 3


def test_a_message_written_at_night_waits_for_the_morning(
    client, auth, services, sessions, clock
) -> None:
    case_id = _case(sessions, clock)
    clock.set(datetime(2026, 12, 1, 21, 30, tzinfo=UTC))  # Tuesday 22:30 in Paris
    response = client.post(f"/api/cases/{case_id}/messages", json={"body": "Bonjour"}, headers=auth)
    assert response.status_code == 202, response.text
    sent = response.json()
    morning = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)  # Wednesday 08:00 in Paris
    assert (sent["status"], sent["will_retry"]) == ("pending", False)
    assert datetime.fromisoformat(sent["send_at"]) == morning
    dispatcher = dispatcher_for(services)
    clock.set(morning - timedelta(minutes=1))
    assert dispatch_due(dispatcher).total() == 0
    [message] = _messages(sessions)
    assert (message.status, message.provider_id) == ("pending", None)
    clock.set(morning)
    dispatch_due(dispatcher)
    [message] = _messages(sessions)
    assert message.status == "delivered" and message.sent_at == morning
