"""Webhooks and /healthz have their own pool of database connections (issue #13).

When pages or sign-ins hold every connection of the main pool, a Twilio webhook must still be
stored and answered at once (Twilio gives up at 15 s), and /healthz must still say "ok". Before,
both waited for the main pool (30 s by default, 2 s here) and then failed or spooled.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from api.app import create_app
from api.services import WEBHOOK_POOL, build_services
from api.webhooks.twilio import store
from bot.twilio_webhook import SIGNATURE_HEADER, parse_inbound
from outreach.db import make_engine
from outreach.models import Message
from tests.conftest import PUBLIC_URL
from tests.doubles.twilio_double import TwilioDouble, inbound_params, signature
from tests.e2e_twilio_support import twilio_settings
from tests.factories import fiction_phone, make_case


@pytest.fixture
def settings_overrides(double: TwilioDouble) -> dict[str, object]:
    return twilio_settings(double)


@pytest.fixture
def small_pool(db_url: str) -> Iterator[Engine]:
    """The main pool: one connection, and a 2 s wait for it."""
    engine = make_engine(db_url, pool_size=1, max_overflow=0, pool_timeout=2)
    yield engine
    engine.dispose()


def test_webhooks_and_health_answer_while_the_main_pool_is_taken(
    settings, small_pool: Engine, db_url: str, clock, sessions
) -> None:
    with sessions.begin() as session:
        make_case(session, clock=clock, phones=(fiction_phone(1),))
    webhook_engine = make_engine(db_url, **WEBHOOK_POOL)
    services = build_services(
        settings, engine=small_pool, clock=clock, webhook_engine=webhook_engine
    )
    params = inbound_params("SMpool000001", fiction_phone(1), "oui")
    url = "/webhooks/twilio/sms"
    headers = {SIGNATURE_HEADER: signature(PUBLIC_URL + url, params)}
    try:
        with TestClient(create_app(services=services)) as client:
            held = small_pool.connect()  # a slow page holds the main pool's only connection
            try:
                started = time.monotonic()
                health = client.get("/healthz")
                health_seconds = time.monotonic() - started
                # What a webhook does before it answers (the test client would also wait for
                # the processing that a real server runs after the answer).
                started = time.monotonic()
                stored = store(services, parse_inbound(params, received_at=clock.now()))
                store_seconds = time.monotonic() - started
                webhook = client.post(url, data=params, headers=headers)  # Twilio's retry
            finally:
                held.close()
        assert health.status_code == 200 and health.json()["database"] == "ok"
        assert health_seconds < 1, f"/healthz took {health_seconds:.1f} s"
        assert stored.created and store_seconds < 1, f"store took {store_seconds:.1f} s"
        assert webhook.status_code == 200
        with sessions() as session:
            stored = session.scalars(select(Message.provider_id)).all()
        assert "SMpool000001" in stored  # stored in the database, not spooled
    finally:
        services.dispose()
