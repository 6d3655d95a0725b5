"""Cutting a team member off (issue #13): deactivate, reactivate, rotate and expire API tokens;
a deactivation or a password change ends sessions, token and calendar feed at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import team as cli_team
from outreach.booking.calendar_feed import create_feed
from outreach.models import AuditEvent, TeamUser
from outreach.team.passwords import set_password
from outreach.team.users import TOKEN_LIFETIME
from tests.cli_support import user_commands
from tests.web_support import https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


@pytest.fixture
def run(db_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    app = user_commands(monkeypatch, db_url, tmp_path, cli_team.register)

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, ["user", *args])

    return invoke


def _feed(sessions, clock, member_id: int) -> str:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        user = session.get_one(TeamUser, member_id)
        return f"/calendar/{create_feed(session, clock=clock, worker=user, actor=user)}.ics"


def test_deactivation_ends_session_token_and_feed_at_once(web, run, sessions, clock) -> None:
    member = make_member(sessions, clock)
    feed = _feed(sessions, clock, member.id)
    assert sign_in(web, member.email).status_code == 303
    assert web.get("/", follow_redirects=False).status_code == 200
    assert web.get("/api/visits", headers=member.bearer).status_code == 200
    assert web.get(feed).status_code == 200

    result = run("deactivate", "--email", member.email.upper())

    assert result.exit_code == 0, result.output
    assert f"Membre n°{member.id} désactivé" in result.output
    assert web.get("/", follow_redirects=False).status_code == 303  # back to the sign-in form
    assert web.get("/api/visits", headers=member.bearer).status_code == 401
    assert web.get(feed).status_code == 404
    assert sign_in(web, member.email).status_code == 401
    # Reactivated: they may sign in again, but the old token and feed stay ended.
    assert run("reactivate", "--email", member.email).exit_code == 0
    assert sign_in(web, member.email).status_code == 303
    assert web.get("/api/visits", headers=member.bearer).status_code == 401
    assert web.get(feed).status_code == 404
    with sessions() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"user.deactivated", "user.reactivated"} <= actions


def test_a_rotated_token_replaces_the_old_one_and_expires_after_a_year(
    web, run, sessions, clock
) -> None:
    member = make_member(sessions, clock)
    result = run("token", "rotate", "--email", member.email)
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert "valable jusqu'au 11/03/2027" in result.output
    new = {"Authorization": f"Bearer {token}"}
    assert web.get("/api/visits", headers=member.bearer).status_code == 401
    assert web.get("/api/visits", headers=new).status_code == 200
    with sessions() as session:
        used = session.get_one(TeamUser, member.id).api_token_last_used_at
    assert used == clock.now()
    clock.advance(TOKEN_LIFETIME - timedelta(seconds=1))
    assert web.get("/api/visits", headers=new).status_code == 200
    clock.advance(seconds=1)
    assert web.get("/api/visits", headers=new).status_code == 401


def test_the_last_use_is_written_at_most_once_a_minute(web, sessions, clock) -> None:
    member = make_member(sessions, clock)
    web.get("/api/visits", headers=member.bearer)
    first = clock.now()
    clock.advance(seconds=30)
    web.get("/api/visits", headers=member.bearer)
    with sessions() as session:
        assert session.get_one(TeamUser, member.id).api_token_last_used_at == first
    clock.advance(seconds=31)
    web.get("/api/visits", headers=member.bearer)
    with sessions() as session:
        assert session.get_one(TeamUser, member.id).api_token_last_used_at == clock.now()


def test_a_password_change_ends_the_old_token_and_feed(web, sessions, clock) -> None:
    member = make_member(sessions, clock)
    feed = _feed(sessions, clock, member.id)
    with sessions.begin() as session:
        user = session.get_one(TeamUser, member.id)
        set_password(session, clock=clock, user=user, password="un tout autre mot de passe")
    assert web.get("/api/visits", headers=member.bearer).status_code == 401
    assert web.get(feed).status_code == 404


def test_the_list_shows_each_member_and_their_token(run, sessions, clock) -> None:
    member = make_member(sessions, clock, sectors=("arras",))
    run("deactivate", "--email", member.email)
    result = run("list")
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split()[:3] == ["Nom", "E-mail", "Rôle"]
    row = next(line for line in rows if member.email in line)
    assert "intervenant" in row and "non" in row and "aucun" in row


def test_an_unknown_address_is_a_clear_error(run) -> None:
    for command in (("deactivate",), ("reactivate",), ("token", "rotate")):
        result = run(*command, "--email", "personne@example.org")
        assert result.exit_code == 1
        assert "aucun membre de l'équipe n'a l'adresse personne@example.org" in result.output


def test_a_coordinator_deactivates_and_reactivates_from_the_team_page(web, sessions, clock) -> None:
    from tests.web_support import csrf_of

    coordinator = make_member(sessions, clock, role="coordinator")
    worker = make_member(sessions, clock, sectors=("arras",))
    sign_in(web, coordinator.email)
    page = web.get("/team")
    assert page.status_code == 200
    assert 'href="/team"' in page.text and worker.email in page.text
    assert "Désactiver" in page.text and "Actif (vous)" in page.text
    csrf = csrf_of(page.text)
    assert web.post(f"/team/{worker.id}/deactivate", data={}).status_code == 403  # no CSRF
    done = web.post(f"/team/{worker.id}/deactivate", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert web.get("/api/visits", headers=worker.bearer).status_code == 401
    assert "Réactiver" in web.get("/team").text
    mine = web.post(f"/team/{coordinator.id}/deactivate", data={"csrf": csrf})
    assert mine.status_code == 409  # not themself
    back = web.post(f"/team/{worker.id}/reactivate", data={"csrf": csrf}, follow_redirects=False)
    assert back.status_code == 303
    with sessions() as session:
        assert session.get_one(TeamUser, worker.id).active is True


def test_a_worker_cannot_open_the_team_page(web, sessions, clock) -> None:
    worker = make_member(sessions, clock)
    other = make_member(sessions, clock)
    sign_in(web, worker.email)
    assert 'href="/team"' not in web.get("/").text
    assert web.get("/team").status_code == 403
    from tests.web_support import page_csrf

    csrf = page_csrf(web, "/")
    assert web.post(f"/team/{other.id}/deactivate", data={"csrf": csrf}).status_code == 403


def test_a_coordinator_gives_a_member_a_new_token_from_the_team_page(web, sessions, clock) -> None:
    import re

    from tests.web_support import csrf_of

    coordinator = make_member(sessions, clock, role="coordinator")
    worker = make_member(sessions, clock)
    sign_in(web, coordinator.email)
    csrf = csrf_of(web.get("/team").text)
    page = web.post(f"/team/{worker.id}/token", data={"csrf": csrf})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    token = re.search(r'<code id="new-token">([^<]+)</code>', page.text).group(1)  # type: ignore[union-attr]
    assert web.get("/api/visits", headers=worker.bearer).status_code == 401
    assert web.get("/api/visits", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in web.get("/team").text  # shown once
