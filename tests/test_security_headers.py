"""Production headers (issue #13): every response carries the security headers and no-store
(static files aside), HSTS on https, no API documentation pages or CDN scripts, and the schema
only for a signed-in team member in production."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.security_headers import CONTENT_SECURITY_POLICY
from tests.production import PRODUCTION


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"ALLERVERS_ENV": "development"}


PATHS = [
    ("GET", "/healthz"),
    ("GET", "/api/cases"),  # 401 without a token: error answers carry them too
    ("GET", "/login"),
    ("GET", "/garanties"),
    ("GET", "/confidentialite"),
    ("POST", "/webhooks/twilio/sms"),
    ("GET", "/nowhere"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_every_response_carries_the_security_headers(
    client: TestClient, method: str, path: str
) -> None:
    response = client.request(method, path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    # The test public URL is https: browsers are told never to come back over http.
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "server" not in response.headers


def test_static_files_may_be_cached(client: TestClient) -> None:
    response = client.get("/static/team.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_no_documentation_pages_that_load_scripts_from_a_cdn(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200  # development: integrators read it


def test_in_production_the_schema_is_for_signed_in_team_members(
    engine, clock, tmp_path, auth: dict[str, str]
) -> None:
    from api.app import create_app
    from api.services import build_services
    from outreach.settings import load_settings

    settings = load_settings(
        **PRODUCTION,
        ALLERVERS_DATABASE_URL=str(engine.url.render_as_string(hide_password=False)),
        ALLERVERS_CHANNELS="",
        ALLERVERS_SPOOL_DIR=str(tmp_path / "spool"),
    )
    app = create_app(services=build_services(settings, engine=engine, clock=clock))
    with TestClient(app, base_url="https://equipe.example.org") as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 401
        schema = client.get("/openapi.json", headers=auth)
        assert schema.status_code == 200
        assert "/api/cases" in schema.json()["paths"]
        assert schema.headers["cache-control"] == "no-store"


def test_the_case_export_page_keeps_its_own_policy_for_its_inline_style(
    client: TestClient, auth: dict[str, str], sessions, clock
) -> None:
    from tests.factories import make_case

    with sessions.begin() as session:
        case_id = make_case(session, clock=clock).id
    response = client.get(f"/api/cases/{case_id}/export.html", headers=auth)
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
