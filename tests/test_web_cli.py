"""`allervers user password`: set a team member's web password from a prompt or stdin."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import web as cli_web
from outreach.models import LoginSession, TeamUser
from outreach.team.sign_in import LoginOutcome, sign_in
from tests.cli_support import user_commands
from tests.web_support import make_member


@pytest.fixture
def run(db_url, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    app = user_commands(monkeypatch, db_url, tmp_path, cli_web.register)

    def invoke(args: list[str], text: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, ["user", "password", *args], input=text)

    return invoke


def test_it_sets_a_password_from_stdin_unlocks_and_ends_sessions(run, sessions, clock) -> None:
    member = make_member(sessions, clock)
    with sessions.begin() as session:
        user = session.get_one(TeamUser, member.id)
        user.failed_logins = 3
        session.add(
            LoginSession(token_hash="x" * 64, user_id=user.id, created_at=clock.now(),
                         expires_at=clock.now())
        )  # fmt: skip
    result = run(["--email", member.email.upper(), "--password-stdin"], "nouveau mot de passe\n")
    assert result.exit_code == 0, result.output
    assert f"membre n°{member.id}" in result.output
    with sessions.begin() as session:
        assert session.scalar(select(LoginSession.revoked_at)) is not None
    found = sign_in(sessions, clock=clock, email=member.email, password="nouveau mot de passe")
    assert found.outcome == LoginOutcome.OK


def test_it_asks_twice_when_typed(run, sessions, clock) -> None:
    member = make_member(sessions, clock)
    result = run(["--email", member.email], "mot de passe tapé\nmot de passe tapé\n")
    assert result.exit_code == 0, result.output


def test_it_refuses_a_short_password_or_an_unknown_member(run, sessions, clock) -> None:
    member = make_member(sessions, clock)
    short = run(["--email", member.email, "--password-stdin"], "court\n")
    assert short.exit_code == 2
    assert "Mot de passe refusé" in short.output
    unknown = run(["--email", "x@example.org", "--password-stdin"], "assez long vraiment\n")
    assert unknown.exit_code == 2
