"""Out-of-range and malformed input gets a 4xx, never a 500 (security review, issue #13)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.web_support import make_member, sign_in


@pytest.fixture
def api(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def web(app, sessions, clock) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    member = make_member(sessions, clock, role="coordinator")
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        sign_in(client, member.email)
        yield client


@pytest.mark.parametrize(
    "path",
    [
        "/api/visits?from=0001-01-01",
        "/api/visits?from=9999-12-31",
        "/api/visits?to=0001-01-01T00:00:00",
        "/api/audit?from=0001-01-01T00:00:00%2B05:00",
        "/api/audit?to=9999-12-31T23:59:59",
        "/api/cases/99999999999999999999",
        "/api/cases/0",
    ],
)
def test_the_api_refuses_out_of_range_values_with_a_422(
    api: TestClient, auth: dict[str, str], path: str
) -> None:
    response = api.get(path, headers=auth)
    assert response.status_code == 422, response.text[:300]


def test_a_datetime_without_timezone_is_read_as_paris_time(
    api: TestClient, auth: dict[str, str]
) -> None:
    # It used to be compared with stored aware times and end in a 500.
    response = api.get("/api/audit?from=2026-01-01T10:00:00", headers=auth)
    assert response.status_code == 200
    visits = api.get("/api/visits?from=2026-03-01T10:00:00", headers=auth)
    assert visits.json()["start"] == "2026-03-01T10:00:00+01:00"


@pytest.mark.parametrize(
    "path",
    ["/cases/99999999999999999999", "/cases/-1", "/cases/abc"],
)
def test_the_team_pages_refuse_out_of_range_ids_without_a_server_error(
    web: TestClient, path: str
) -> None:
    response = web.get(path)
    assert response.status_code == 404
    assert "Cette page n&#39;existe pas." in response.text


def test_a_malformed_team_form_gets_a_french_page_not_a_json_list(web: TestClient) -> None:
    from tests.web_support import page_csrf

    with_csrf = {"csrf": page_csrf(web, "/imports")}
    response = web.post("/imports", data=with_csrf)  # no file
    assert response.status_code == 400
    assert "Cette demande n&#39;est pas valide." in response.text


@pytest.mark.parametrize(
    ("week", "status"),
    [("9999-W52", 404), ("0001-W01", 404), ("1999-W52", 404), ("2026-W99", 422), ("abc", 422)],
)
def test_the_agenda_refuses_weeks_it_cannot_show(web: TestClient, week: str, status: int) -> None:
    response = web.get(f"/agenda?week={week}")
    assert response.status_code == status, response.text[:300]
    assert "<html" in response.text  # the team's French error page, not a traceback


def test_the_agenda_shows_the_last_weeks_it_can(web: TestClient) -> None:
    assert web.get("/agenda?week=2199-W50").status_code == 200
    assert web.get("/agenda?week=2000-W01").status_code == 200


def test_a_csrf_token_with_accents_is_refused_not_a_crash(web: TestClient) -> None:
    # hmac.compare_digest raises TypeError on non-ASCII text: it used to end in a 500.
    response = web.post("/team/1/reactivate", data={"csrf": "jeton-forgé"})
    assert response.status_code == 403
    header = web.post("/team/1/reactivate", headers={"X-CSRF-Token": "forgé".encode()})
    assert header.status_code == 403
    sandbox = web.post("/sandbox/1/reply", data={"csrf": "forgé", "body": "oui"})
    assert sandbox.status_code in (403, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/inbox/99999999999999999999/handled",
        "/agenda/visits/99999999999999999999/held",
        "/agenda/windows/99999999999999999999/delete",
        "/sandbox/99999999999999999999/reply",
    ],
)
def test_team_forms_refuse_out_of_range_ids_without_a_server_error(
    web: TestClient, path: str
) -> None:
    from tests.web_support import page_csrf

    response = web.post(path, data={"csrf": page_csrf(web, "/"), "body": "oui"})
    assert response.status_code in (404, 422), response.text[:300]


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\x85"])
def test_a_team_form_with_a_control_character_is_refused_the_same_on_both_databases(
    web: TestClient,
    sessions,
    clock,
    control: str,  # type: ignore[no-untyped-def]
) -> None:
    # The API's one text rule (outreach/text_input.py) on the forms: PostgreSQL cannot store a
    # NUL (it was a 500 there) and SQLite kept it silently; now a French 422 page on both.
    from outreach.models import CaseNote
    from tests.factories import make_case
    from tests.web_support import page_csrf

    with sessions.begin() as session:
        case_id = make_case(session, clock=clock, reference="CTRL-1").id
    token = page_csrf(web, f"/cases/{case_id}")
    refused = web.post(
        f"/cases/{case_id}/notes", data={"csrf": token, "body": f"Rappeler{control} lundi"}
    )
    assert refused.status_code == 422, refused.text[:300]
    assert "Un champ du formulaire contient un caractère invisible" in refused.text
    assert "Rien n&#39;a été enregistré" in refused.text
    with sessions() as session:
        assert session.query(CaseNote).count() == 0
    # Line breaks and tabs are text in a note.
    kept = web.post(
        f"/cases/{case_id}/notes",
        data={"csrf": token, "body": "Rappeler lundi\r\n\tà 10 h"},
        follow_redirects=False,
    )
    assert kept.status_code == 303, kept.text[:300]
