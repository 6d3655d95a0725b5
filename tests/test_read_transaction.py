"""A GET reads without the write lock; its few writes follow in their own short transaction."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select

from outreach import audit
from outreach.db import make_session_factory, read_transaction
from outreach.models import AuditEvent, Case, TeamUser
from tests.factories import make_case, make_user
from tests.web_support import csrf_of, https_client, make_member, sign_in


def _audit_count(sessions, action: str) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


def test_a_read_writes_what_it_added_and_changed_after_it_read(sessions, clock) -> None:
    with sessions.begin() as session:
        user_id, _ = make_user(session, clock=clock)
    with read_transaction(sessions) as session:
        user = session.get_one(TeamUser, user_id)
        user.name = "Lina Marchetti"
        audit.record(session, clock=clock, actor=user, action="case.read")
    with sessions() as session:
        assert session.get_one(TeamUser, user_id).name == "Lina Marchetti"
    assert _audit_count(sessions, "case.read") == 1


def test_a_failed_read_writes_nothing(sessions, clock) -> None:
    with pytest.raises(RuntimeError), read_transaction(sessions) as session:
        audit.record(session, clock=clock, actor=None, action="case.read")
        raise RuntimeError("the page failed")
    assert _audit_count(sessions, "case.read") == 0


def test_on_sqlite_a_read_does_not_wait_for_a_writer(sqlite_engine, clock) -> None:
    """Another connection holds the write lock for a second: the read goes through at once, and
    its audit row is written once the writer is done."""
    sessions = make_session_factory(sqlite_engine)
    with sessions.begin() as session:
        make_case(session, clock=clock)
    writer = sqlite3.connect(
        sqlite_engine.url.database, isolation_level=None, check_same_thread=False
    )
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE case_file SET commune = 'Arras'")
    released = threading.Timer(1.0, writer.commit)
    released.start()
    start = time.monotonic()
    with read_transaction(sessions) as session:
        assert session.scalar(select(Case.commune)) != "Arras"  # the last committed state
        read_after = time.monotonic() - start
        audit.record(session, clock=clock, actor=None, action="case.read")
    written_after = time.monotonic() - start
    released.join()
    writer.close()
    assert read_after < 0.5
    assert written_after >= 0.9  # the audit row waited for the writer, as any write does
    assert _audit_count(sessions, "case.read") == 1


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def test_a_page_read_is_audited_after_it_is_shown(web, sessions, clock) -> None:
    member = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock).id
    sign_in(web, member.email)
    assert web.get(f"/cases/{case_id}").status_code == 200
    with sessions() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case_id))
        assert "case.read" in list(actions)


def test_a_request_commits_before_its_response_is_sent(app, services, sessions, clock) -> None:
    """A client that follows the redirect of a form reads what the form wrote (the browser test
    "Je prends ce dossier" read the page before the commit), and a commit that fails is an
    error, never a success the team believes."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    order: list[str] = []

    async def recording(scope, receive, send):  # type: ignore[no-untyped-def]
        async def sending(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                order.append(f"response {message['status']}")
            await send(message)

        await app(scope, receive, sending)

    @event.listens_for(services.sessions, "after_commit")
    def committed(_session) -> None:  # type: ignore[no-untyped-def]
        order.append("commit")

    member = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, sector_code="arras").id
    with TestClient(recording, base_url="https://testserver") as web:
        sign_in(web, member.email)
        csrf = csrf_of(web.get(f"/cases/{case_id}").text)
        order.clear()
        response = web.post(f"/cases/{case_id}/take", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert order.index("commit") < order.index("response 303"), order
