"""The sandbox: a simulated phone that lists demo households, shows what they received, and
answers through the same inbound path as real webhooks. Never available in production."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.web.sandbox import csrf_token
from bot.sandbox import SandboxChannel, count_segments
from messages import translations
from outreach.models import InboxItem, Message
from outreach.sending.channel import Outgoing
from outreach.sending.send_now import best_route, deliver, queue_message
from outreach.settings import SettingsError, load_settings
from tests.factories import fiction_phone, make_case
from tests.production import PRODUCTION

PHONE = "+33639980001"


def _household(sessions, clock, **kwargs) -> int:
    with sessions.begin() as session:
        return make_case(session, clock=clock, reference="DEMO-1", last_name="Martin", **kwargs).id


def _send(services, case_id: int, body: str) -> int:
    with services.sessions.begin() as session:
        from outreach.models import Case

        case = session.get_one(Case, case_id)
        route = best_route(case, services.settings.enabled_channels)
        message_id = queue_message(
            session, clock=services.clock, case=case, route=route, body=body
        ).id
    deliver(
        services.sessions, clock=services.clock, channels=services.channels, message_id=message_id
    )
    return message_id


def _count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


# --- the channel -----------------------------------------------------------------------------


def test_it_delivers_at_once_with_segments_and_encoding(settings) -> None:
    channel = SandboxChannel(settings)
    receipt = channel.send(Outgoing(message_id=1, address=PHONE, body="Bonjour, répondez OUI"))
    assert channel.name == "sandbox"
    assert re.fullmatch(r"SB[0-9a-f]{32}", receipt.provider_id)
    assert (receipt.status, receipt.segments, receipt.encoding) == ("delivered", 1, "GSM-7")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("a" * 160, (1, "GSM-7")),
        ("a" * 161, (2, "GSM-7")),
        ("ç" * 70, (1, "UCS-2")),
        ("ç" * 71, (2, "UCS-2")),
        ("l’accueil", (1, "UCS-2")),
    ],
)
def test_it_counts_segments_like_a_phone(body: str, expected: tuple[int, str]) -> None:
    assert count_segments(body) == expected


# --- the pages -------------------------------------------------------------------------------


def test_it_lists_the_households_that_have_a_phone(client, sessions, clock) -> None:
    _household(sessions, clock)
    with sessions.begin() as session:
        make_case(session, clock=clock, reference="NO-PHONE", phones=())
    page = client.get("/sandbox")
    assert page.status_code == 200
    assert "Foyers de démonstration" in page.text
    assert "DEMO-1" in page.text and "06 39 98 00 01" in page.text
    assert "NO-PHONE" not in page.text
    assert 'name="viewport"' in page.text


def test_it_shows_what_the_household_received_with_segments_and_encoding(
    client, services, sessions, clock
) -> None:
    case_id = _household(sessions, clock)
    _send(services, case_id, "Bonjour, l’équipe mobile peut vous aider.")  # ’ forces UCS-2
    page = client.get(f"/sandbox/{case_id}")
    assert page.status_code == 200
    assert "l’équipe mobile peut vous aider" in page.text
    assert "1 segment · UCS-2 · distribué" in page.text
    feed = client.get(f"/sandbox/{case_id}/messages.json").json()
    [bubble] = feed["messages"]
    assert bubble["side"] == "received"
    assert (bubble["segments"], bubble["encoding"], bubble["status"]) == (1, "UCS-2", "delivered")


def test_it_changes_the_feed_signature_when_a_message_arrives(
    client, services, sessions, clock
) -> None:
    case_id = _household(sessions, clock)
    before = client.get(f"/sandbox/{case_id}/messages.json").json()["signature"]
    _send(services, case_id, "Bonjour")
    after = client.get(f"/sandbox/{case_id}/messages.json").json()["signature"]
    assert before != after


def test_it_stores_a_reply_through_the_real_inbound_path(client, services, sessions, clock) -> None:
    case_id = _household(sessions, clock)
    response = client.post(
        f"/sandbox/{case_id}/reply",
        data={"body": "  OUI  ", "csrf": csrf_token(services.settings, case_id)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/sandbox/{case_id}")
    with sessions() as session:
        message = session.scalars(select(Message)).one()
        inbox = session.scalars(select(InboxItem)).one()
    assert (message.direction, message.channel, message.address) == ("in", "sandbox", PHONE)
    assert (message.body, message.case_id, message.processed) == ("OUI", case_id, True)
    assert (inbox.kind, inbox.case_id, inbox.message_id) == ("reply", case_id, message.id)
    page = client.get(f"/sandbox/{case_id}")
    assert "bubble--sent" in page.text and "OUI" in page.text


def test_it_refuses_a_reply_without_the_form_token(client, sessions, clock) -> None:
    case_id = _household(sessions, clock)
    missing = client.post(f"/sandbox/{case_id}/reply", data={"body": "OUI"})
    forged = client.post(f"/sandbox/{case_id}/reply", data={"body": "OUI", "csrf": "0" * 64})
    assert (missing.status_code, forged.status_code) == (403, 403)
    assert _count(sessions, Message) == 0
    assert _count(sessions, InboxItem) == 0


def test_it_does_not_accept_another_case_token(client, services, sessions, clock) -> None:
    case_id = _household(sessions, clock)
    token = csrf_token(services.settings, case_id + 1)
    response = client.post(f"/sandbox/{case_id}/reply", data={"body": "OUI", "csrf": token})
    assert response.status_code == 403
    assert _count(sessions, Message) == 0


def test_it_asks_again_for_an_empty_reply(client, services, sessions, clock) -> None:
    case_id = _household(sessions, clock)
    token = csrf_token(services.settings, case_id)
    response = client.post(f"/sandbox/{case_id}/reply", data={"body": "   ", "csrf": token})
    assert response.status_code == 422
    assert "Écrivez une réponse" in response.text
    assert _count(sessions, Message) == 0


def test_it_answers_404_for_a_case_without_a_phone(client, sessions, clock) -> None:
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, phones=()).id
    assert client.get(f"/sandbox/{case_id}").status_code == 404
    assert client.get("/sandbox/999999").status_code == 404


def test_it_paginates_the_households(client, sessions, clock) -> None:
    with sessions.begin() as session:
        for number in range(1, 33):
            make_case(
                session, clock=clock, reference=f"P-{number:02d}", phones=(fiction_phone(number),)
            )
    first = client.get("/sandbox")
    second = client.get("/sandbox?page=2")
    assert "P-01" in first.text and "P-31" not in first.text
    assert "P-31" in second.text and "P-01" not in second.text
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text


def test_it_serves_the_stylesheet_and_the_script(client) -> None:
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/sandbox.js").status_code == 200


def test_every_sandbox_word_has_a_french_translation() -> None:
    templates = Path(__file__).parent.parent / "api" / "templates"
    catalog = translations("fr")
    words = set()
    for path in [templates / "base.html", *templates.glob("sandbox/*.html")]:
        words.update(re.findall(r"""_\(["']([^"']+)["']""", path.read_text()))
    assert words
    known = catalog._catalog  # type: ignore[attr-defined]
    missing = sorted(word for word in words if word not in known)
    assert missing == []


# --- never in production ---------------------------------------------------------------------


def test_the_settings_refuse_the_sandbox_in_production() -> None:
    with pytest.raises(SettingsError, match="ALLERVERS_CHANNELS"):
        load_settings(**PRODUCTION)


def test_the_channel_refuses_to_start_in_production() -> None:
    settings = load_settings(**PRODUCTION, ALLERVERS_CHANNELS="")
    with pytest.raises(RuntimeError):
        SandboxChannel(settings)


@pytest.mark.parametrize("settings_overrides", [{"ALLERVERS_CHANNELS": ""}])
def test_it_has_no_sandbox_when_the_channel_is_off(client, sessions, clock) -> None:
    case_id = _household(sessions, clock)
    assert client.get("/sandbox").status_code == 404
    assert client.get(f"/sandbox/{case_id}").status_code == 404
    assert client.post(f"/sandbox/{case_id}/reply", data={"body": "OUI"}).status_code == 404


def test_it_never_mounts_the_sandbox_in_production(engine, clock) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.services import Services
    from outreach.db import make_session_factory

    settings = load_settings(**PRODUCTION, ALLERVERS_CHANNELS="")
    # Even if a sandbox channel object were wired in by mistake, the pages stay unmounted.
    services = Services(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        clock=clock,
        channels={"sandbox": object()},
    )
    with TestClient(create_app(services=services)) as client:
        assert client.get("/sandbox").status_code == 404
