"""Signing in to the team web app: passwords, session cookie, CSRF, lockout, roles."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from outreach.models import AuditEvent, LoginSession, TeamUser
from outreach.team.passwords import PasswordError, hash_password
from outreach.team.sign_in import MAX_FAILURES
from outreach.team.sign_in_throttle import Limits, SignInThrottle
from tests.factories import make_case
from tests.web_support import PASSWORD, csrf_of, https_client, make_member, page_csrf, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _actions(sessions) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_it_redirects_to_the_sign_in_form_without_a_session(web) -> None:
    response = web.get("/cases?status=new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fcases%3Fstatus%3Dnew"


def test_it_signs_in_with_a_secure_httponly_lax_cookie(web, sessions, clock) -> None:
    member = make_member(sessions, clock, role="coordinator")
    response = sign_in(web, member.email, next_url="/cases")
    assert response.status_code == 303
    assert response.headers["location"] == "/cases"
    cookie = next(
        value for key, value in response.headers.multi_items()
        if key == "set-cookie" and value.startswith("av_session=")
    )  # fmt: skip
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie
    assert web.get("/").status_code == 200
    assert "auth.login" in _actions(sessions)


def test_it_does_not_mark_the_cookie_secure_on_plain_http(
    sessions, clock, settings, engine
) -> None:
    from api.app import create_app
    from api.services import build_services
    from outreach.settings import load_settings

    plain = load_settings(
        ALLERVERS_DATABASE_URL=settings.database_url,
        ALLERVERS_PUBLIC_URL="http://127.0.0.1:8000",
        ALLERVERS_CHANNELS="sandbox",
    )
    app = create_app(services=build_services(plain, engine=engine, clock=clock))
    member = make_member(sessions, clock)
    with TestClient(app) as client:
        response = sign_in(client, member.email)
    assert response.status_code == 303
    assert "Secure" not in response.headers["set-cookie"]


def test_it_refuses_a_wrong_password_with_one_generic_message(web, sessions, clock) -> None:
    member = make_member(sessions, clock)
    wrong = sign_in(web, member.email, password="pas le bon mot de passe")
    unknown = sign_in(web, "personne@example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in wrong.text
    assert "Adresse e-mail ou mot de passe incorrect." in unknown.text
    assert web.get("/", follow_redirects=False).status_code == 303


def test_it_locks_the_account_after_five_failures_for_fifteen_minutes(web, sessions, clock) -> None:
    member = make_member(sessions, clock)
    for _ in range(MAX_FAILURES):
        response = sign_in(web, member.email, password="mauvais mot de passe")
    assert "bloqué pendant 15 minutes" in response.text
    locked = sign_in(web, member.email)  # even the right password is refused while locked
    assert locked.status_code == 401
    assert "bloqué" in locked.text
    clock.advance(minutes=14)
    assert sign_in(web, member.email).status_code == 401
    clock.advance(minutes=1, seconds=1)
    assert sign_in(web, member.email).status_code == 303
    with sessions() as session:
        user = session.get_one(TeamUser, member.id)
        assert (user.failed_logins, user.locked_until) == (0, None)
    assert "auth.locked" in _actions(sessions)


def _answer(response) -> str:  # type: ignore[no-untyped-def]
    """The page's error line, without the per-request parts (CSRF token)."""
    found = re.search(r'role="alert"[^>]*>(.*?)<', response.text, re.S)
    return html.unescape(found.group(1).strip()) if found else ""


def test_a_locked_account_answers_like_an_unknown_e_mail(web, sessions, clock) -> None:
    member = make_member(sessions, clock)
    for _ in range(MAX_FAILURES + 1):
        known = sign_in(web, member.email, password="mauvais mot de passe")
        unknown = sign_in(web, "personne@example.org", password="mauvais mot de passe")
        assert known.status_code == unknown.status_code == 401
        assert _answer(known) == _answer(unknown) != ""


# The throttle lives in memory, not in the database: SQLite is enough, and small limits keep
# the tests fast (the defaults are checked in test_the_default_limits_are_generous_enough).
SMALL = Limits(per_address=6, per_account=3)


def test_the_default_limits_are_generous_enough() -> None:
    # An office of ten behind one address, each mistyping twice, still signs in.
    assert Limits().per_address >= 20 and Limits().per_account > MAX_FAILURES


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_same_address_trying_many_accounts_is_slowed_down(
    web, services, sessions, clock
) -> None:
    services.sign_in_throttle = SignInThrottle(clock, SMALL)
    for number in range(SMALL.per_address):
        response = sign_in(web, f"personne{number}@example.org", password="devine devine")
        assert response.status_code == 401
    member = make_member(sessions, clock)
    refused = sign_in(web, member.email)  # even the right password waits
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60
    assert _answer(refused) == "Trop d'essais de connexion. Réessayez dans 15 minutes."
    clock.advance(minutes=15, seconds=1)
    assert sign_in(web, member.email).status_code == 303


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_unknown_e_mail_is_slowed_down_like_a_known_one(web, services, sessions, clock) -> None:
    services.sign_in_throttle = SignInThrottle(clock, SMALL)
    member = make_member(sessions, clock)
    answers = {}
    for email in (member.email, "personne@example.org"):
        statuses = [
            sign_in(web, email, password="mauvais mot de passe").status_code
            for _ in range(SMALL.per_account + 1)
        ]
        answers[email] = statuses
    assert answers[member.email] == answers["personne@example.org"]
    assert answers[member.email][-1] == 429


def test_it_refuses_the_sign_in_form_without_its_csrf_token(web, sessions, clock) -> None:
    member = make_member(sessions, clock)
    web.get("/login")
    response = web.post("/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 403
    assert web.get("/", follow_redirects=False).status_code == 303


def test_it_refuses_a_form_post_without_csrf_token(web, sessions, clock) -> None:
    member = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        case_id = make_case(session, clock=clock).id
    sign_in(web, member.email)
    response = web.post(f"/cases/{case_id}/notes", data={"body": "Sans jeton"})
    assert response.status_code == 403
    assert "Ce formulaire a expiré" in response.text
    forged = web.post(f"/cases/{case_id}/notes", data={"body": "Faux", "csrf": "0" * 64})
    assert forged.status_code == 403


def test_it_signs_out_and_the_old_cookie_no_longer_works(web, sessions, clock) -> None:
    member = make_member(sessions, clock)
    sign_in(web, member.email)
    cookie = web.cookies.get("av_session")
    response = web.post("/logout", data={"csrf": page_csrf(web)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["clear-site-data"] == '"storage"'  # a diagnostic draft goes too
    web.cookies.set("av_session", cookie, domain="testserver.local")
    assert web.get("/", follow_redirects=False).status_code == 303
    with sessions() as session:
        assert session.scalar(select(LoginSession.revoked_at)) is not None


def test_it_ends_the_session_after_twelve_hours(web, sessions, clock) -> None:
    member = make_member(sessions, clock)
    sign_in(web, member.email)
    clock.advance(timedelta(hours=12, seconds=1))
    assert web.get("/", follow_redirects=False).status_code == 303


def test_it_never_redirects_to_another_site_after_sign_in(web, sessions, clock) -> None:
    member = make_member(sessions, clock)
    response = sign_in(web, member.email, next_url="//evil.example/")
    assert response.headers["location"] == "/"


def test_it_forbids_a_worker_another_sectors_case_and_the_imports(web, sessions, clock) -> None:
    worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        own = make_case(session, clock=clock, sector_code="arras").id
        other = make_case(session, clock=clock, sector_code="lens").id
    sign_in(web, worker.email)
    assert web.get(f"/cases/{own}").status_code == 200
    refused = web.get(f"/cases/{other}")
    assert refused.status_code == 403
    assert "pas à vos secteurs" in refused.text
    assert web.get(f"/cases/{other}/contract").status_code == 403
    assert web.get("/cases/999999").status_code == 404
    assert web.get("/imports").status_code == 403
    csrf = page_csrf(web)
    posted = web.post(f"/cases/{other}/notes", data={"body": "x", "csrf": csrf})
    assert posted.status_code == 403


def test_the_json_api_keeps_its_bearer_tokens(web, sessions, clock) -> None:
    member = make_member(sessions, clock, role="coordinator")
    sign_in(web, member.email)
    assert web.get("/api/cases").status_code == 401  # a session cookie is not an API token
    assert web.get("/api/cases", headers=member.bearer).status_code == 200


def test_pages_carry_security_headers(web, sessions, clock) -> None:
    member = make_member(sessions, clock)
    sign_in(web, member.email)
    response = web.get("/")
    assert response.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert csrf_of(response.text)


def test_it_refuses_short_passwords() -> None:
    with pytest.raises(PasswordError):
        hash_password("court")
    assert hash_password("assez long pour passer").startswith("$argon2id$")
