"""Schemathesis against the app's OpenAPI schema, authenticated: no 500, no schema violation.

Runs on SQLite only (one database is enough to find crashes and schema drift), with a few
fictional cases present so that the case operations find something to read and change.
Each operation gets its own small, derandomized Hypothesis run inside one test (schemathesis'
pytest fixture loader does not support this pytest version), and every failure is reported.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from tests.factories import fiction_phone, make_case
from tests.fuzz.schema_run import failures_of

MAX_EXAMPLES = 25


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    return [not_a_server_error, response_schema_conformance]


def test_the_api_never_fails_and_matches_its_schema(
    app: Any, client: Any, sessions: Any, clock: Any, auth: dict[str, str]
) -> None:
    with sessions.begin() as session:
        for number in range(1, 4):
            make_case(session, clock=clock, phones=(fiction_phone(number),))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    checks = _checks()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the schema lists no operation"
    failures = failures_of(operations, headers=auth, checks=checks, max_examples=MAX_EXAMPLES)
    assert not failures, "\n\n".join(failures)


# --- regressions found by the fuzzing ---------------------------------------------------------

TOO_BIG = str(2**63)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/cases/{TOO_BIG}"),
        ("GET", f"/api/cases/{TOO_BIG}/steps"),
        ("PATCH", f"/api/cases/1/steps/{TOO_BIG}"),
        ("POST", f"/api/visits/{TOO_BIG}/held"),
        ("GET", f"/api/visits?worker={TOO_BIG}"),
        ("GET", f"/api/audit?case={TOO_BIG}"),
        ("GET", f"/api/audit?actor={TOO_BIG}"),
    ],
)
def test_an_id_too_large_for_the_database_is_a_422_not_a_500(
    client: Any, auth: dict[str, str], method: str, path: str
) -> None:
    # Was a 500: OverflowError (Python int too large to convert to SQLite INTEGER).
    response = client.request(method, path, headers=auth, json={})
    assert response.status_code == 422


def test_a_422_with_a_message_matches_the_published_schema(
    client: Any, auth: dict[str, str]
) -> None:
    # Was a schema violation: routes answer 422 {"detail": "<message>"}, the schema said a list.
    response = client.get("/api/cases?status=nope", headers=auth)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)
    schema = client.get("/openapi.json").json()
    detail = schema["components"]["schemas"]["HTTPValidationError"]["properties"]["detail"]
    assert {"type": "string"} in detail["anyOf"]
