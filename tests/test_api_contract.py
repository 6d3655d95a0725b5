"""The JSON API does what /openapi.json says, on SQLite and PostgreSQL alike (issue #22).

One regression test per case an outside schemathesis run found: server errors, answers the
schema did not list, constraints the code enforced but the schema did not say, and the Allow
header of a 405.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from outreach import text_input
from tests.factories import fiction_phone, make_case

BELOW_BIGINT = str(-(2**63) - 1)
# What does not depend on the database runs on one (SQLite); the rest runs on both.
ONE_DATABASE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def api(app: Any) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def case_id(sessions: Any, clock: Any) -> int:
    with sessions.begin() as session:
        return int(make_case(session, clock=clock, phones=(fiction_phone(1),)).id)


@pytest.fixture
def schema(api: TestClient) -> dict[str, Any]:
    return api.get("/openapi.json").json()  # type: ignore[no-any-return]


# --- 1. server errors -------------------------------------------------------------------------


OUT_OF_RANGE = [
    f"/api/audit?case={BELOW_BIGINT}",
    f"/api/audit?actor={BELOW_BIGINT}",
    f"/api/audit.csv?case={BELOW_BIGINT}",
    f"/api/audit.csv?actor={BELOW_BIGINT}",
    "/api/audit?case=0",
    "/api/visits?from=0001-01-01",
    "/api/visits?from=9999-12-31",
    "/api/visits?to=9999-12-31",
]


def test_an_id_or_a_date_out_of_range_is_a_422_in_french(
    api: TestClient, auth: dict[str, str]
) -> None:
    # Were 500s: OverflowError (SQLite), bigint out of range (PostgreSQL), date value out of range.
    for path in OUT_OF_RANGE:
        response = api.get(path, headers=auth)
        assert response.status_code == 422, (path, response.text[:300])
        message = response.json()["detail"][0]["msg"]
        assert "entre" in message, (path, message)


CONTROL_CHARACTERS = [
    ("GET", "/api/cases?q=%00", None),
    ("GET", "/api/cases?sector=%00", None),
    ("GET", "/api/inbox?sector=a%1Bb", None),
    ("GET", "/api/audit?action=%00", None),
    ("POST", "/api/cases/{case}/steps", {"kind": "fsl", "detail": "a\x00b"}),
    ("PATCH", "/api/cases/{case}/steps/{step}", {"detail": "\x00"}),
    ("POST", "/api/cases/{case}/messages", {"body": "Bonjour\x00"}),
    ("POST", "/api/cases/{case}/messages", {"body": "Bonjour \x07"}),
    ("POST", "/api/cases/{case}/reopen", {"reason": "\x00"}),
]


def test_a_control_character_in_text_is_a_422_on_every_database(
    api: TestClient, auth: dict[str, str], case_id: int
) -> None:
    # Was a DataError and a 500 on PostgreSQL (SQLite stored it).
    step = api.post(f"/api/cases/{case_id}/steps", json={"kind": "fsl"}, headers=auth).json()
    for method, path, body in CONTROL_CHARACTERS:
        url = path.format(case=case_id, step=step["id"])
        response = api.request(method, url, json=body, headers=auth)
        assert response.status_code == 422, (url, body, response.text[:300])
        assert "caractère de contrôle" in response.json()["detail"][0]["msg"]


@ONE_DATABASE
def test_several_lines_are_text_in_a_detail_but_not_in_a_search(
    api: TestClient, auth: dict[str, str], case_id: int
) -> None:
    created = api.post(
        f"/api/cases/{case_id}/steps",
        json={"kind": "fsl", "detail": "ligne 1\r\n\tligne 2"},
        headers=auth,
    )
    assert created.status_code == 201
    assert created.json()["detail"] == "ligne 1\r\n\tligne 2"
    assert api.get("/api/cases?q=a%0Ab", headers=auth).status_code == 422


# --- 2. answers the schema did not list -------------------------------------------------------


@ONE_DATABASE
def test_every_operation_documents_its_errors_with_one_model(schema: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/ErrorPublic"}
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"401", "403", "422"}
            if "{" in path:
                expected.add("404")
            if "requestBody" in operation:
                expected |= {"400", "413"}
            assert expected <= set(responses), (method, path, sorted(responses))
            for code in expected - {"422"}:
                assert responses[code]["content"]["application/json"]["schema"] == error
    messages = schema["paths"]["/api/cases/{case_id}/messages"]["post"]["responses"]
    assert "409" in messages


@ONE_DATABASE
def test_a_body_that_is_not_utf8_is_a_documented_400(
    api: TestClient, auth: dict[str, str], case_id: int
) -> None:
    response = api.post(
        f"/api/cases/{case_id}/messages",
        content=b'{"body": "caf\xe9"}',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


@ONE_DATABASE
def test_files_declare_their_media_type(schema: dict[str, Any]) -> None:
    audit_csv = schema["paths"]["/api/audit.csv"]["get"]["responses"]["200"]["content"]
    assert list(audit_csv) == ["text/csv; charset=utf-8"]
    ccapex = schema["paths"]["/api/ccapex-returns/{month}.{kind}"]["get"]["responses"]["200"]
    assert "text/csv; charset=utf-8" in ccapex["content"]
    assert any("spreadsheetml" in media for media in ccapex["content"])


# --- 3. what the schema allows is what the service takes --------------------------------------


def _parameter(schema: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    operation = schema["paths"][path]["get"]
    found = next(p for p in operation["parameters"] if p["name"] == name)
    return found["schema"]  # type: ignore[no-any-return]


def _property(schema: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    return schema["components"]["schemas"][model]["properties"][name]  # type: ignore[no-any-return]


def _enum(field: dict[str, Any]) -> list[str]:
    branches = [b for b in field.get("anyOf", [field]) if "enum" in b]
    return branches[0]["enum"]  # type: ignore[no-any-return]


@ONE_DATABASE
def test_closed_lists_are_enums_with_their_french_labels(schema: dict[str, Any]) -> None:
    status = _parameter(schema, "/api/cases", "status")
    assert "contacting" in _enum(status)
    assert status["x-labels"]["contacting"] == "en contact"
    assert "fsl" in _enum(_property(schema, "StepCreate", "kind"))
    assert "done" in _enum(_property(schema, "StepUpdate", "status"))
    assert "rehoused" in _enum(_property(schema, "CloseCase", "outcome"))
    assert "reply" in _enum(_parameter(schema, "/api/inbox", "kind"))
    assert _enum(_property(schema, "ErasureRequest", "confirmation")) == ["EFFACER"]


@ONE_DATABASE
def test_the_schema_says_what_a_text_must_be(schema: dict[str, Any]) -> None:
    body = _property(schema, "TeamMessageCreate", "body")
    assert body["pattern"] == text_input.pattern(multiline=True, required=True)
    assert body["maxLength"] == 1000
    q = _parameter(schema, "/api/cases", "q")["anyOf"][0]
    assert q["pattern"] == text_input.pattern()
    case_id = schema["paths"]["/api/cases/{case_id}"]["get"]["parameters"][0]["schema"]
    assert (case_id["minimum"], case_id["maximum"]) == (1, 2**63 - 1)


@ONE_DATABASE
def test_an_empty_message_is_refused_as_the_schema_says(
    api: TestClient, auth: dict[str, str], case_id: int
) -> None:
    for body in ["", "   ", "\n\t"]:
        response = api.post(f"/api/cases/{case_id}/messages", json={"body": body}, headers=auth)
        assert response.status_code == 422
        assert response.json()["detail"][0]["msg"].endswith("Le texte est vide.")


@ONE_DATABASE
def test_a_number_is_not_a_date(api: TestClient, auth: dict[str, str]) -> None:
    # Was read as a Unix timestamp and answered 200.
    for path in ["/api/audit?to=0.5", "/api/audit.csv?from=1", "/api/visits?from=0.5"]:
        assert api.get(path, headers=auth).status_code == 422, path


@ONE_DATABASE
def test_the_422_list_speaks_french_and_keeps_its_shape(
    api: TestClient, auth: dict[str, str], case_id: int
) -> None:
    # pydantic's own messages were English ("Input should be a valid integer…").
    answers = {
        "/api/cases?page=abc": "Un nombre entier est attendu.",
        "/api/cases?per_page=500": "Doit être au plus 200.",
        "/api/visits?from=demain": "Une date",
    }
    for path, start in answers.items():
        response = api.get(path, headers=auth)
        assert response.status_code == 422, path
        problem = response.json()["detail"][0]
        assert problem["msg"].startswith(start), (path, problem)
        assert {"type", "loc", "msg"} <= problem.keys()  # what a client decides on is kept
    missing = api.post(f"/api/cases/{case_id}/messages", json={}, headers=auth)
    assert missing.json()["detail"][0]["msg"] == "Ce champ est obligatoire."
    too_long = api.post(
        f"/api/cases/{case_id}/messages", json={"body": "x" * 5000}, headers=auth
    ).json()["detail"][0]
    assert too_long["type"] == "string_too_long"
    assert too_long["msg"].startswith("Au plus ") and too_long["msg"].endswith(" caractères.")


@ONE_DATABASE
def test_an_unknown_but_well_formed_cursor_is_after_every_event(
    api: TestClient, auth: dict[str, str]
) -> None:
    response = api.get(f"/api/events?after={'9' * 19}-{'9' * 19}", headers=auth)
    assert response.status_code == 200
    assert response.json()["items"] == []


# --- 4. Allow on 405 --------------------------------------------------------------------------


@ONE_DATABASE
def test_a_405_lists_every_method_of_the_address(api: TestClient, auth: dict[str, str]) -> None:
    # Said `Allow: POST` (the first route's methods) where GET is served too.
    for path in ("/api/cases/1/messages", "/api/cases/1/steps"):
        response = api.options(path, headers=auth)
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"


# --- the text rule itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "multiline", "refused"),
    [
        ("Dupont", False, None),
        ("a\x00b", False, 2),
        ("a\tb", False, 2),
        ("a\tb\r\nc", True, None),
        ("\x1b[31m", True, 1),
        ("\x85", True, 1),
        ("\ud800", True, 1),
        ("é ü 日本 🏠", False, None),
    ],
)
def test_the_text_rule(value: str, multiline: bool, refused: int | None) -> None:
    assert text_input.refused_at(value, multiline=multiline) == refused
