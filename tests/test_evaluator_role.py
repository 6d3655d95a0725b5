"""The evaluator (DDETS, CCAPEX secretariat) sees the indicators and their exports, for the whole
territory, and nothing else: every route of the app that needs a team member answers 403 to an
evaluator's web session and bearer token, whatever the route (listed from the app itself)."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from api.deps import EVALUATOR_API, EVALUATOR_PAGES
from tests.factories import make_case
from tests.web_support import csrf_of, https_client, make_member, sign_in

# Without the rule, a long-polling route would keep the evaluator waiting: fail, not hang.
pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(method, path with every parameter filled) of every route of the app."""
    found = []
    routes = [
        route
        for included in app.routes
        for route in getattr(getattr(included, "original_router", None), "routes", ())
    ]
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        path = re.sub(r"\{kind\}", "csv", route.path)
        path = re.sub(r"\{month\}", "2026-03", path)
        path = re.sub(r"\{outcome\}", "held", path)
        path = re.sub(r"\{[^}]+\}", "1", path)
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, path))
    return found


def _call(client, method: str, path: str, **kwargs):  # type: ignore[no-untyped-def]
    return client.request(method, path, follow_redirects=False, **kwargs)


# Who may open what does not depend on the database (and the walk renders the bilan's PDF).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_evaluator_gets_403_on_every_team_route(app, web, sessions, clock) -> None:
    with sessions.begin() as session:
        make_case(session, clock=clock, sector_code="arras")  # case 1 exists
    evaluator = make_member(sessions, clock, role="evaluator")
    anonymous = https_client(app)
    stranger = next(anonymous)
    needs_a_member = []
    for method, path in _routes(app):
        if path.startswith("/sandbox") or path in ("/login", "/logout"):
            continue
        answer = _call(stranger, method, path)
        needs_login = answer.status_code == 401 or (
            answer.status_code == 303 and answer.headers["location"].startswith("/login")
        )
        if needs_login:
            needs_a_member.append((method, path))
    assert len(needs_a_member) > 60  # the listing found the app's routes

    sign_in(web, evaluator.email)
    csrf = csrf_of(web.get("/indicators").text)
    allowed, refused = [], []
    for method, path in needs_a_member:
        data = {"csrf": csrf} if method == "POST" and not path.startswith("/api/") else None
        headers = evaluator.bearer if path.startswith("/api/") else {}
        answer = _call(web, method, path, data=data, headers=headers)
        if path in EVALUATOR_PAGES or path in EVALUATOR_API:
            allowed.append((path, answer.status_code))
        elif path == "/":
            assert answer.status_code == 303 and answer.headers["location"] == "/indicators"
        elif answer.status_code != 403:
            refused.append((method, path, answer.status_code))
    assert refused == []
    assert sorted(allowed) == [
        ("/indicators", 200),
        ("/indicators/bilan.pdf", 200),
        ("/indicators/export.csv", 200),
        ("/indicators/export.xlsx", 200),
    ]


def test_an_evaluator_sees_the_whole_territorys_figures_and_only_the_indicators_menu(
    web, sessions, clock
) -> None:
    with sessions.begin() as session:
        for number in range(7):
            make_case(
                session,
                clock=clock,
                sector_code="arras" if number < 6 else "lens",
                phones=(f"06 39 98 50 {number:02d}",),
            ).import_month = "2026-03"
    evaluator = make_member(sessions, clock, role="evaluator")
    sign_in(web, evaluator.email)
    page = web.get("/indicators").text
    nav = page.split('<nav class="team-nav"', 1)[1].split("</nav>", 1)[0]
    assert "/indicators" in nav and "/cases" not in nav and 'href="/"' not in nav
    assert "/sandbox" not in nav
    assert "Arras" in page and "Lens" in page  # every sector, though the evaluator has none
    assert "/cases/" not in page.split("<main", 1)[1]
