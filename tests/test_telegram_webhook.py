"""POST /webhooks/telegram: secret checked, update stored once, deep links, buttons, inbox."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from api.services import build_services
from api.webhooks import spool
from api.webhooks.telegram import LINK_REFUSED, LINKED, SECRET_HEADER, replay_spooled
from messages import gettext
from outreach.db import make_engine
from outreach.links import issue_link_token
from outreach.models import Case, ContactPoint, InboxItem, Message
from tests.doubles.telegram_double import TOKEN, TelegramDouble, callback_update, text_update
from tests.factories import make_case

SECRET = "webhook-secret-0123456789abcdef"
CHAT = 700000001
OTHER_CHAT = 700000002
URL = "/webhooks/telegram"


@pytest.fixture
def double() -> Iterator[TelegramDouble]:
    double = TelegramDouble().start()
    yield double
    double.stop()


@pytest.fixture
def settings_overrides(double: TelegramDouble) -> dict[str, object]:
    return {
        "ALLERVERS_CHANNELS": "telegram",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": double.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }


@pytest.fixture(autouse=True)
def _close_channel(services) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    services.channels["telegram"].close()


def _post(client, update: object, secret: str | None = SECRET):  # type: ignore[no-untyped-def]
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return client.post(URL, json=update, headers=headers)


def _inbound(sessions) -> list[Message]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return list(session.scalars(select(Message).where(Message.direction == "in")))


def _count(sessions, model) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _inbox(sessions) -> list[str]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return sorted(session.scalars(select(InboxItem.kind)))


def _token_for_new_case(sessions, clock) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        return case.id, issue_link_token(session, clock=clock, case_id=case.id)


def _linked_case(sessions, clock, chat: int = CHAT) -> int:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        case = make_case(session, clock=clock)
        case.contact_points.append(
            ContactPoint(
                kind="telegram", value=str(chat), sms_capable=False, created_at=clock.now()
            )
        )
        session.flush()
        return case.id


# --- the secret ----------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
def test_it_refuses_a_missing_or_wrong_secret_and_stores_nothing(
    client, sessions, double, secret
) -> None:
    response = _post(client, text_update(CHAT, "Oui"), secret=secret)
    assert response.status_code == 403
    assert _count(sessions, Message) == 0 and _count(sessions, InboxItem) == 0
    assert double.calls == []


def test_it_checks_the_secret_before_reading_the_body(client) -> None:
    response = client.post(URL, content=b"{not json", headers={SECRET_HEADER: "wrong"})
    assert response.status_code == 403


def test_it_answers_503_when_no_secret_is_configured(settings, engine, clock) -> None:
    unconfigured = settings.model_copy(update={"telegram_webhook_secret": None})
    services = build_services(unconfigured, engine=engine, clock=clock)
    try:
        with TestClient(create_app(services=services)) as client:
            response = _post(client, text_update(CHAT, "Oui"), secret="")
    finally:
        services.channels["telegram"].close()
    assert response.status_code == 503


def test_it_ignores_junk_that_carries_the_secret(client, sessions) -> None:
    assert _post(client, {"hello": "world"}).status_code == 200
    response = client.post(URL, content=b"{not json", headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    assert _count(sessions, Message) == 0


@pytest.mark.parametrize("depth", [20_000, 500])
def test_deeply_nested_json_is_ignored_not_a_server_error(client, sessions, depth: int) -> None:
    # 20,000 levels overflow the JSON parser; 500 parse but would overflow what stores them.
    body = '{"update_id": 7, "message": {"text": ' + "[" * depth + "]" * depth + "}}"
    response = client.post(URL, content=body.encode(), headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    assert response.json() == {"ok": True, "ignored": True}
    assert _count(sessions, Message) == 0


# --- stored once per update_id -------------------------------------------------------------


def test_it_stores_a_replayed_update_once(client, sessions) -> None:
    update = text_update(CHAT, "Oui", update_id=501)
    assert _post(client, update).status_code == 200
    assert _post(client, update).status_code == 200
    [message] = _inbound(sessions)
    assert (message.provider_id, message.body) == ("501", "Oui")
    assert _inbox(sessions) == ["unknown_sender"]


def test_it_stores_concurrent_copies_of_an_update_once(client, sessions) -> None:
    update = text_update(CHAT, "Oui", update_id=502)
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def post() -> None:
        barrier.wait()
        statuses.append(_post(client, update).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 4
    assert len(_inbound(sessions)) == 1
    assert _inbox(sessions) == ["unknown_sender"]


# --- whose message is it -------------------------------------------------------------------


def test_an_unlinked_chat_goes_to_the_inbox_as_unknown_sender(client, sessions, clock) -> None:
    _linked_case(sessions, clock, chat=OTHER_CHAT)
    _post(client, text_update(CHAT, "Bonjour, qui êtes-vous ?"))
    [message] = _inbound(sessions)
    assert message.case_id is None and message.processed
    assert _inbox(sessions) == ["unknown_sender"]


def test_a_linked_chat_reaches_its_case(client, sessions, clock) -> None:
    case_id = _linked_case(sessions, clock)
    _post(client, text_update(CHAT, "Oui"))
    [message] = _inbound(sessions)
    assert message.case_id == case_id
    assert _inbox(sessions) == ["reply"]


# --- deep links ----------------------------------------------------------------------------


def test_a_start_token_links_the_chat_and_says_so(client, sessions, clock, double) -> None:
    case_id, token = _token_for_new_case(sessions, clock)
    assert _post(client, text_update(CHAT, f"/start {token}")).status_code == 200
    assert [sent["text"] for sent in double.sent(CHAT)] == [gettext(LINKED)]
    _post(client, text_update(CHAT, "Oui, appelez-moi"))
    with sessions() as session:
        point = session.scalars(select(ContactPoint).where(ContactPoint.kind == "telegram")).one()
        assert (point.case_id, point.value) == (case_id, str(CHAT))
        replies = session.scalars(select(Message).where(Message.direction == "out")).all()
        assert [(m.case_id, m.status, m.address) for m in replies] == [(case_id, "sent", str(CHAT))]
    assert [(m.body, m.case_id) for m in _inbound(sessions)] == [
        ("/start", case_id),
        ("Oui, appelez-moi", case_id),
    ]


def test_a_link_used_twice_is_refused_and_links_nothing(client, sessions, clock, double) -> None:
    _, token = _token_for_new_case(sessions, clock)
    _post(client, text_update(CHAT, f"/start {token}"))
    _post(client, text_update(OTHER_CHAT, f"/start {token}"))
    assert [sent["text"] for sent in double.sent(OTHER_CHAT)] == [gettext(LINK_REFUSED)]
    with sessions() as session:
        values = session.scalars(select(ContactPoint.value).where(ContactPoint.kind == "telegram"))
        assert list(values) == [str(CHAT)]
    refused = [m for m in _inbound(sessions) if m.address == str(OTHER_CHAT)]
    assert [m.case_id for m in refused] == [None]
    assert "unknown_sender" in _inbox(sessions)


def test_an_expired_link_is_refused(client, sessions, clock, double) -> None:
    _, token = _token_for_new_case(sessions, clock)
    clock.advance(timedelta(days=30))
    _post(client, text_update(CHAT, f"/start {token}"))
    assert [sent["text"] for sent in double.sent(CHAT)] == [gettext(LINK_REFUSED)]
    assert _count(sessions, ContactPoint) == 1  # the case's phone only
    assert _inbox(sessions) == ["unknown_sender"]


def test_the_link_token_is_never_stored(client, sessions, clock) -> None:
    _, token = _token_for_new_case(sessions, clock)
    _post(client, text_update(CHAT, f"/start {token}"))
    _post(client, text_update(OTHER_CHAT, f"/start {token}"))
    with sessions() as session:
        for message in session.scalars(select(Message)):
            assert token not in message.body and token not in repr(message.raw)


def test_a_replayed_start_does_not_answer_twice(client, sessions, clock, double) -> None:
    _, token = _token_for_new_case(sessions, clock)
    update = text_update(CHAT, f"/start {token}")
    _post(client, update)
    _post(client, update)
    assert [sent["text"] for sent in double.sent(CHAT)] == [gettext(LINKED)]


# --- buttons -------------------------------------------------------------------------------


def test_a_button_press_arrives_as_the_choice_reply_and_is_answered(
    client, sessions, clock, double
) -> None:
    case_id = _linked_case(sessions, clock)
    _post(client, callback_update(CHAT, "41:1", query_id="query-77"))
    [message] = _inbound(sessions)
    assert (message.body, message.case_id) == ("1", case_id)
    [answer] = double.calls_to("answerCallbackQuery")
    assert answer.params["callback_query_id"] == "query-77"


def test_a_replayed_button_press_is_answered_once(client, sessions, clock, double) -> None:
    _linked_case(sessions, clock)
    update = callback_update(CHAT, "41:2")
    _post(client, update)
    _post(client, update)
    assert len(_inbound(sessions)) == 1
    assert len(double.calls_to("answerCallbackQuery")) == 1


def test_cases_are_untouched_by_refused_requests(client, sessions, clock) -> None:
    case_id = _linked_case(sessions, clock)
    _post(client, text_update(CHAT, "Oui"), secret="wrong")
    with sessions() as session:
        assert session.get_one(Case, case_id).last_contact_at is None


# --- database down -------------------------------------------------------------------------


def test_updates_are_spooled_while_the_database_is_down_then_replayed(
    settings, services, sessions, clock, double
) -> None:
    case_id, token = _token_for_new_case(sessions, clock)
    down = settings.model_copy(
        update={"database_url": "postgresql://nobody@127.0.0.1:9/allervers_down"}
    )
    down_services = build_services(down, engine=make_engine(down.database_url), clock=clock)
    start = text_update(CHAT, f"/start {token}", update_id=777)
    try:
        with TestClient(create_app(services=down_services)) as client:
            assert _post(client, start).json() == {"ok": True, "spooled": True}
            assert _post(client, start).status_code == 200
            assert _post(client, text_update(CHAT, "Oui", update_id=778)).status_code == 200
    finally:
        down_services.channels["telegram"].close()
    assert _count(sessions, Message) == 0
    assert len(spool.pending(settings, "telegram")) == 2
    assert replay_spooled(services) == 2
    assert [(m.provider_id, m.case_id) for m in _inbound(sessions)] == [
        ("777", case_id),
        ("778", case_id),
    ]
    assert [sent["text"] for sent in double.sent(CHAT)] == [gettext(LINKED)]
    assert spool.pending(settings, "telegram") == []
    assert replay_spooled(services) == 0
