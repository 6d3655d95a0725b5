"""/healthz (liveness), /readyz (database and scheduler), /metrics (Prometheus, restricted)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from api.app import create_app
from api.heartbeat import Heartbeat
from api.routes import health
from outreach.db import transaction
from outreach.models import ImportBatch, InboxItem, Message, OutboxItem
from tests.factories import make_case

TOKEN = "jeton-de-metriques-fictif-0123456789"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"ALLERVERS_METRICS_TOKEN": TOKEN}


def _outbox(sessions, clock, *due_in: timedelta, status: str = "pending") -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    with transaction(sessions) as session:
        case = make_case(session, clock=clock)
        for delay in due_in:
            session.add(
                OutboxItem(
                    kind="step", status=status, due_at=now + delay, case_id=case.id, created_at=now
                )
            )


def test_healthz_stays_a_liveness_probe(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}


def test_readyz_without_a_scheduler_reads_the_outbox(client, sessions, clock) -> None:  # type: ignore[no-untyped-def]
    _outbox(sessions, clock, timedelta(minutes=-1), timedelta(hours=2))
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "database": "ok",
        "scheduler": "ok",
        "oldest_due_age": 60.0,
    }
    _outbox(sessions, clock, timedelta(minutes=-6))  # nobody ran it: no tick in 6 minutes
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["scheduler"] == "stalled"


def test_readyz_fails_within_seconds_when_the_heartbeat_stops(app, client) -> None:  # type: ignore[no-untyped-def]
    now = [1000.0]
    app.state.heartbeat = beat = Heartbeat(clock=lambda: now[0])
    beat.started()
    beat.finished()
    now[0] += 10
    assert client.get("/readyz").json()["scheduler"] == "ok"
    now[0] += 6  # 16 s without a tick (every 5 s by default): stopped
    answer = client.get("/readyz")
    assert (answer.status_code, answer.json()["scheduler"]) == (503, "stalled")
    assert answer.json()["last_tick_age"] == 16.0
    beat.started()  # a long pass in progress (rate limits) is not a stop
    now[0] += 50
    assert client.get("/readyz").status_code == 200
    now[0] += 30  # but a pass longer than its limit is stuck
    assert client.get("/readyz").status_code == 503


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_scheduler_that_stops_ticking_shows_in_readyz(settings, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ALLERVERS_TICK_SECONDS", "0.1")
    monkeypatch.setattr(health, "tick_limit", lambda seconds: 0.6)
    app = create_app(settings, clock=clock, run_scheduler=True)
    with TestClient(app) as client:
        deadline = time.monotonic() + 5
        while app.state.heartbeat.silence() > 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.get("/readyz").status_code == 200
        app.state.scheduler.pause()
        time.sleep(0.8)
        answer = client.get("/readyz")
        assert (answer.status_code, answer.json()["scheduler"]) == (503, "stalled")


def _scrape(client, **options) -> dict[str, dict[tuple, float]]:  # type: ignore[no-untyped-def]
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, **options)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    figures: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            figures.setdefault(sample.name, {})[labels] = sample.value
    return figures


def test_metrics_match_the_database(client, sessions, clock, settings) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    _outbox(sessions, clock, timedelta(minutes=-3), timedelta(seconds=-5), timedelta(hours=1))
    _outbox(sessions, clock, timedelta(minutes=-30), status="done")
    with transaction(sessions) as session:
        case = make_case(session, clock=clock)
        for channel, status in (("sms", "delivered"), ("sms", "sent"), ("sms", "failed")):
            session.add(
                Message(
                    direction="out",
                    channel=channel,
                    case_id=case.id,
                    address="+33639980001",
                    body="",
                    status=status,
                    created_at=now,
                )
            )
        session.add(
            Message(
                direction="out",
                channel="telegram",
                case_id=case.id,
                address="1",
                body="",
                status="undelivered",
                created_at=now,
            )
        )
        session.add(InboxItem(kind="reply", case_id=case.id, created_at=now))
        session.add(InboxItem(kind="reply", case_id=case.id, created_at=now, handled_at=now))
        session.add(
            ImportBatch(
                filename="liste.csv",
                month="2026-02",
                status="done",
                started_at=now - timedelta(days=2),
                finished_at=now - timedelta(days=2),
            )
        )
    spooled = settings.spool_dir / "twilio"
    spooled.mkdir(parents=True)
    (spooled / "SM1.json").write_text("{}")
    client.post("/webhooks/twilio/sms", data={"Body": "x"})  # unsigned: refused, still timed

    figures = _scrape(client)
    with sessions() as session:
        backlog = session.scalar(
            select(func.count())
            .select_from(OutboxItem)
            .where(OutboxItem.status == "pending", OutboxItem.due_at <= now)
        )
    assert figures["allervers_database_up"][()] == 1
    assert figures["allervers_outbox_backlog"][()] == backlog == 2
    assert figures["allervers_outbox_oldest_due_age_seconds"][()] == 180.0
    assert figures["allervers_messages_sent_total"] == {(("channel", "sms"),): 2.0}
    assert figures["allervers_messages_failed_total"] == {
        (("channel", "sms"),): 1.0,
        (("channel", "telegram"),): 1.0,
    }
    assert figures["allervers_inbox_open"][()] == 1
    assert figures["allervers_ccapex_last_import_timestamp_seconds"][()] == (
        (now - timedelta(days=2)).timestamp()
    )
    assert figures["allervers_spool_files"] == {(("kind", "twilio"),): 1.0}
    assert figures["allervers_spool_bytes"][()] == 2.0
    route = (("route", "/webhooks/twilio/sms"),)
    assert figures["allervers_webhook_duration_seconds_count"][route] == 1.0


def test_metrics_need_the_token(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/metrics").status_code == 404
    wrong = {"Authorization": "Bearer un-autre-jeton"}
    assert client.get("/metrics", headers=wrong).status_code == 404


@pytest.mark.parametrize("settings_overrides", [{}])
def test_without_a_token_metrics_answer_this_machine_only(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as outside:
        assert outside.get("/metrics").status_code == 404
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200
        proxied = local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert proxied.status_code == 404
