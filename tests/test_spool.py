"""The spool: webhook requests kept on disk while the database is down, replayed once it is back.

The database-down tests point the app at a database that is really unreachable (a PostgreSQL
port nobody listens on; a SQLite file whose folder has been moved away), never at a patched
function.
"""

from __future__ import annotations

import shutil
import socket
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.services import build_services
from api.webhooks import spool
from api.webhooks.twilio import INBOUND_KIND, STATUS_KIND, replay_spool
from bot.twilio_webhook import SIGNATURE_HEADER
from outreach.db import make_engine, make_session_factory
from outreach.models import InboxItem, Message, MessageStatusEvent
from outreach.settings import Settings, load_settings
from tests.conftest import PUBLIC_URL
from tests.doubles.twilio_double import AUTH_TOKEN, inbound_params, signature
from tests.factories import make_case

PHONE = "+33639980001"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"TWILIO_AUTH_TOKEN": AUTH_TOKEN}


# --- the spool itself -----------------------------------------------------------------------


@pytest.fixture
def spool_settings(tmp_path: Path) -> Settings:
    return load_settings(ALLERVERS_SPOOL_DIR=str(tmp_path / "spool"))


def test_it_writes_one_private_file_per_key(spool_settings: Settings) -> None:
    assert spool.spool(spool_settings, "kind", "SM1", {"Body": "Oui"})
    assert not spool.spool(spool_settings, "kind", "SM1", {"Body": "Oui"})
    (path,) = spool.pending(spool_settings, "kind")
    assert path.name == "SM1.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_it_names_a_file_safely_whatever_the_key(spool_settings: Settings) -> None:
    spool.spool(spool_settings, "kind", "../../etc/passwd", {})
    (path,) = spool.pending(spool_settings, "kind")
    assert path.parent == spool.folder(spool_settings, "kind")
    assert "/" not in path.name and not path.name.startswith(".")


def test_it_replays_oldest_first_and_deletes_what_was_replayed(spool_settings) -> None:
    for key in ("SM1", "SM2", "SM3"):
        spool.spool(spool_settings, "kind", key, {"key": key})
    seen: list[str] = []
    assert spool.replay(spool_settings, "kind", lambda payload: seen.append(payload["key"])) == 3
    assert seen == ["SM1", "SM2", "SM3"]
    assert spool.pending(spool_settings, "kind") == []
    assert spool.replay(spool_settings, "kind", seen.append) == 0


def test_it_stops_and_keeps_everything_while_the_database_is_still_down(spool_settings):
    for key in ("SM1", "SM2"):
        spool.spool(spool_settings, "kind", key, {"key": key})

    def down(payload: dict[str, Any]) -> None:
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    assert spool.replay(spool_settings, "kind", down) == 0
    assert len(spool.pending(spool_settings, "kind")) == 2


def test_a_request_that_fails_for_another_reason_is_kept_and_the_rest_replayed(spool_settings):
    for key in ("SM1", "SM2"):
        spool.spool(spool_settings, "kind", key, {"key": key})

    def handler(payload: dict[str, Any]) -> None:
        if payload["key"] == "SM1":
            raise ValueError("a bug")

    assert spool.replay(spool_settings, "kind", handler) == 1
    assert [p.name for p in spool.pending(spool_settings, "kind")] == ["SM1.json"]


def test_an_unreadable_file_is_set_aside(spool_settings: Settings) -> None:
    spool.spool(spool_settings, "kind", "SM1", {})
    (path,) = spool.pending(spool_settings, "kind")
    path.write_text("{not json")
    assert spool.replay(spool_settings, "kind", lambda payload: None) == 0
    assert spool.pending(spool_settings, "kind") == []
    assert (path.parent / spool.REJECTED / "SM1.json").exists()


def test_two_replays_never_run_at_once(spool_settings: Settings) -> None:
    spool.spool(spool_settings, "kind", "SM1", {})
    inside, release = threading.Event(), threading.Event()

    def slow(payload: dict[str, Any]) -> None:
        inside.set()
        release.wait(5)

    first = threading.Thread(target=spool.replay, args=(spool_settings, "kind", slow))
    first.start()
    assert inside.wait(5)
    assert spool.replay(spool_settings, "kind", lambda payload: None) == 0
    release.set()
    first.join(5)
    assert spool.pending(spool_settings, "kind") == []


# --- webhooks while the database is down ------------------------------------------------------


def _post(client: Any, path: str, params: dict[str, str]) -> Any:
    headers = {SIGNATURE_HEADER: signature(PUBLIC_URL + path, params)}
    return client.post(path, data=params, headers=headers)


def _post_while_down(down_services: Any) -> None:
    """Three messages, one of them sent twice, and a status callback."""
    with TestClient(create_app(services=down_services)) as client:
        for sid, body in (("SM1", "Oui"), ("SM2", "Rappelez-moi"), ("SM1", "Oui"), ("SM3", "ça")):
            response = _post(client, "/webhooks/twilio/sms", inbound_params(sid, PHONE, body))
            assert (response.status_code, response.text) == (200, TWIML)
        status = {"MessageSid": "SM9", "MessageStatus": "delivered", "To": PHONE}
        assert _post(client, "/webhooks/twilio/status?m=1", status).status_code == 200


def _stored(sessions: sessionmaker[Session]) -> list[tuple[str, str, int | None]]:
    with sessions() as session:
        rows = session.scalars(select(Message).order_by(Message.provider_id))
        return [(m.provider_id or "", m.body, m.case_id) for m in rows]


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_webhooks_are_spooled_while_postgres_is_unreachable_then_replayed_once(
    settings, services, sessions, clock
) -> None:
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock).id
    down_url = f"postgresql://nobody@127.0.0.1:{_closed_port()}/allervers"
    down = settings.model_copy(update={"database_url": down_url})
    engine = make_engine(down_url, connect_args={"connect_timeout": 2})
    _post_while_down(build_services(down, engine=engine, clock=clock))
    engine.dispose()
    assert _count(sessions, Message) == 0
    assert len(spool.pending(settings, INBOUND_KIND)) == 3
    assert len(spool.pending(settings, STATUS_KIND)) == 1

    assert replay_spool(services) == 4
    assert _stored(sessions) == [
        ("SM1", "Oui", case_id),
        ("SM2", "Rappelez-moi", case_id),
        ("SM3", "ça", case_id),
    ]
    assert _count(sessions, InboxItem) == 3
    assert _count(sessions, MessageStatusEvent) == 1
    assert spool.pending(settings, INBOUND_KIND) == []
    assert replay_spool(services) == 0
    assert len(_stored(sessions)) == 3


def test_the_spool_is_replayed_when_the_app_starts_on_a_working_database(
    settings, services, sessions, clock
) -> None:
    down_url = f"postgresql://nobody@127.0.0.1:{_closed_port()}/allervers"
    down = settings.model_copy(update={"database_url": down_url})
    _post_while_down(build_services(down, engine=make_engine(down_url), clock=clock))
    app = create_app(services=services)
    with TestClient(app):
        assert app.state.spool_replayer.first_pass.wait(10)
    assert [sid for sid, _, _ in _stored(sessions)] == ["SM1", "SM2", "SM3"]
    assert spool.pending(settings, INBOUND_KIND) == []


def test_the_spool_is_replayed_after_the_next_webhook_that_could_be_stored(
    settings, services, sessions, clock
) -> None:
    spool.spool(
        settings,
        INBOUND_KIND,
        "SMold",
        {"params": inbound_params("SMold", PHONE, "Oui"), "received_at": clock.now().isoformat()},
    )
    app = create_app(services=services)
    with TestClient(app) as client:
        assert app.state.spool_replayer.first_pass.wait(10)
        spool.spool(
            settings,
            INBOUND_KIND,
            "SMlater",
            {"params": inbound_params("SMlater", PHONE, "Non"), "received_at": "2026-03-11T09:00Z"},
        )
        assert _post(client, "/webhooks/twilio/sms", inbound_params("SMnew", PHONE, "Oui")).text
    assert [sid for sid, _, _ in _stored(sessions)] == ["SMlater", "SMnew", "SMold"]


def test_webhooks_are_spooled_while_the_sqlite_file_is_gone_then_replayed(
    sqlite_template: Path, tmp_path: Path, clock
) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    shutil.copyfile(sqlite_template, folder / "allervers.db")
    url = f"sqlite:///{folder / 'allervers.db'}"
    engine = make_engine(url)  # no connection opened yet
    live = load_settings(
        ALLERVERS_DATABASE_URL=url,
        ALLERVERS_PUBLIC_URL=PUBLIC_URL,
        ALLERVERS_SPOOL_DIR=str(tmp_path / "spool"),
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
    )
    folder.rename(tmp_path / "db-away")  # the disk holding the database is gone
    try:
        _post_while_down(build_services(live, engine=engine, clock=clock))
    finally:
        (tmp_path / "db-away").rename(folder)
    engine.dispose()
    assert len(spool.pending(live, INBOUND_KIND)) == 3

    engine = make_engine(url)
    services = build_services(live, engine=engine, clock=clock)
    assert replay_spool(services) == 4
    sessions = make_session_factory(engine)
    assert [sid for sid, _, _ in _stored(sessions)] == ["SM1", "SM2", "SM3"]
    assert replay_spool(services) == 0
    engine.dispose()
