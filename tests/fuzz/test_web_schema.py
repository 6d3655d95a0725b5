"""Schemathesis against the team web app, signed in as a coordinator: no route answers 500.

The web routes are left out of /openapi.json (they are pages, not an API), so this test builds
an OpenAPI document of them from their own routers and lets schemathesis generate path, query
and form values: out-of-range ids, odd weeks, huge numbers, strange text (issue #13). The
session cookie and the CSRF header are those of a real sign-in. Signing out and the sign-in form
itself are left out (they end or replace the session the run needs).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import schemathesis
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.web.auth import SESSION_COOKIE
from tests.factories import fiction_phone, make_case
from tests.fuzz.schema_run import failures_of
from tests.web_support import https_client, make_member, page_csrf, sign_in

MAX_EXAMPLES = 4  # per route: every route is fuzzed; the routes grew to ~110
LEFT_OUT = {("POST", "/logout"), ("POST", "/login"), ("GET", "/login")}


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def web_schema(app: Any) -> dict[str, Any]:
    """An OpenAPI document of every route the app hides from /openapi.json (the team pages and
    forms, the public pages, the sandbox), found in the app itself so a new page is fuzzed too.
    The webhooks have their own fuzzing (test_webhook_fuzz.py)."""
    routes = []
    for included in app.routes:
        for route in getattr(getattr(included, "original_router", None), "routes", ()):
            hidden = isinstance(route, APIRoute) and not route.include_in_schema
            if hidden and not route.path.startswith("/webhooks/"):
                shown = copy.copy(route)
                shown.include_in_schema = True
                routes.append(shown)
    return get_openapi(title="Aller-Vers team pages", version="1", routes=routes)


@pytest.fixture
def web(app: Any) -> Any:
    yield from https_client(app)


def test_no_team_page_or_form_answers_a_server_error(
    app: Any, web: Any, sessions: Any, clock: Any
) -> None:
    from schemathesis.checks import not_a_server_error

    with sessions.begin() as session:
        for number in range(1, 4):
            make_case(session, clock=clock, phones=(fiction_phone(number),))
    member = make_member(sessions, clock, role="coordinator")
    assert sign_in(web, member.email).status_code == 303
    headers = {
        "Cookie": f"{SESSION_COOKIE}={web.cookies[SESSION_COOKIE]}",
        "X-CSRF-Token": page_csrf(web, "/"),
    }
    schema = schemathesis.openapi.from_dict(web_schema(app))
    schema.app = app
    operations = [
        operation
        for operation in (result.ok() for result in schema.get_all_operations())
        if (operation.method.upper(), operation.path) not in LEFT_OUT
    ]
    assert len(operations) > 30, [operation.label for operation in operations]
    failures = failures_of(
        operations, headers=headers, checks=[not_a_server_error], max_examples=MAX_EXAMPLES
    )
    assert not failures, "\n\n".join(failures)
