"""Helpers for the team web app tests: team members with passwords, signing in, CSRF tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import Clock
from outreach.models import TeamUser
from outreach.team.passwords import set_password
from tests.factories import make_user

PASSWORD = "un mot de passe solide"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class Member:
    id: int
    email: str
    bearer: dict[str, str]


def make_member(
    sessions: sessionmaker[Session],
    clock: Clock,
    *,
    role: str = "worker",
    sectors: tuple[str, ...] = (),
    email: str | None = None,
    password: str = PASSWORD,
) -> Member:
    """A team member who can sign in to the web app with `password`."""
    with sessions.begin() as session:
        user_id, bearer = make_user(
            session, clock=clock, role=role, sector_codes=sectors, email=email
        )
        user = session.get_one(TeamUser, user_id)
        set_password(session, clock=clock, user=user, password=password)
        return Member(id=user_id, email=user.email, bearer=bearer)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next_url: str = "/"):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf": csrf_of(page.text), "next": next_url},
        follow_redirects=False,
    )


def page_csrf(client: TestClient, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    return csrf_of(response.text)


def https_client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A browser-like client on https (the session cookie is Secure, as in production).

    Each test module wraps it in its own `web` fixture."""
    with TestClient(app, base_url="https://testserver") as client:
        yield client
