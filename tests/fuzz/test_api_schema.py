"""Schemathesis against the app's OpenAPI schema, as an integrator runs it (issue #22).

Its own engine, the one `st run` drives, in process: every phase (examples, coverage, fuzzing,
stateful) and every check (`--checks all`: no 500, answers and media types as documented,
schema-valid requests accepted and invalid ones refused, a correct Allow on 405, no resource
served after it is gone, auth required), on SQLite and on PostgreSQL, with a few fictional cases
present so that the case operations find something to read and change.

Sized to a few seconds per database: the fuzzing and stateful phases with a few examples per
operation (the coverage phase alone takes 10-20 s). `make fuzz` runs every phase, deep, with a
new seed each time (tests/fuzz/deep.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.factories import fiction_phone, make_case
from tests.fuzz.schema_engine import failures

MAX_EXAMPLES = 5
SEED = 22
PHASES = ["fuzzing", "stateful"]
# What does not depend on the database runs on one (SQLite).
ONE_DATABASE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_the_api_keeps_its_contract_under_every_check(
    app: Any, client: Any, sessions: Any, clock: Any, auth: dict[str, str]
) -> None:
    with sessions.begin() as session:
        for number in range(1, 4):
            make_case(session, clock=clock, phones=(fiction_phone(number),))
    found = failures(app, headers=auth, max_examples=MAX_EXAMPLES, seed=SEED, phases=PHASES)
    assert not found, "\n\n".join(found)


@ONE_DATABASE
def test_the_published_schema_is_a_valid_openapi_document(client: Any) -> None:
    validate(client.get("/openapi.json").json())


# --- regressions found by the fuzzing ---------------------------------------------------------

TOO_BIG = str(2**63)


@ONE_DATABASE
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


@ONE_DATABASE
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
