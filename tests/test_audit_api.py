"""The audit trail: read and exported by a coordinator only, itself audited, never editable."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from outreach.models import AuditEvent
from tests.factories import make_case, make_user


def _case_and_worker(sessions, clock) -> tuple[int, dict[str, str]]:
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras")
        _, worker = make_user(session, clock=clock, sector_codes=("arras",))
        return case.id, worker


def test_it_records_reads_and_shows_them_to_a_coordinator(client, auth, sessions, clock) -> None:
    case_id, worker = _case_and_worker(sessions, clock)
    client.get(f"/api/cases/{case_id}", headers=worker)
    client.get(f"/api/cases/{case_id}/messages", headers=worker)

    page = client.get(f"/api/audit?case={case_id}", headers=auth).json()

    assert [item["action"] for item in page["items"]] == ["message.list", "case.read"]
    assert {item["case_id"] for item in page["items"]} == {case_id}
    assert page["total"] == 2


def test_it_filters_by_actor_action_and_time(client, auth, coordinator, sessions, clock) -> None:
    case_id, worker = _case_and_worker(sessions, clock)
    client.get(f"/api/cases/{case_id}", headers=worker)
    client.get(f"/api/cases/{case_id}", headers=auth)

    mine = client.get(f"/api/audit?actor={coordinator[0]}&action=case.read", headers=auth).json()
    later = client.get("/api/audit?from=2100-01-01T00:00:00Z", headers=auth).json()

    assert [item["actor_id"] for item in mine["items"]] == [coordinator[0]]
    assert later["items"] == []


def test_it_paginates(client, auth, sessions, clock) -> None:
    case_id, worker = _case_and_worker(sessions, clock)
    for _ in range(5):
        client.get(f"/api/cases/{case_id}", headers=worker)

    page = client.get(f"/api/audit?case={case_id}&per_page=2&page=3", headers=auth).json()

    assert (len(page["items"]), page["total"], page["page"]) == (1, 5, 3)


def test_it_exports_csv_and_audits_the_export(client, auth, sessions, clock) -> None:
    case_id, worker = _case_and_worker(sessions, clock)
    client.get(f"/api/cases/{case_id}", headers=worker)

    response = client.get("/api/audit.csv", headers=auth)

    rows = list(csv.reader(io.StringIO(response.text)))
    assert response.headers["content-type"].startswith("text/csv")
    assert rows[0][:5] == ["id", "at", "actor_id", "actor", "action"]
    assert "case.read" in [row[4] for row in rows[1:]]
    with sessions() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "audit.export" in actions


def test_it_audits_reading_the_trail(client, auth, sessions) -> None:
    client.get("/api/audit", headers=auth)

    with sessions() as session:
        assert session.scalars(select(AuditEvent.action)).all() == ["audit.read"]


def test_it_refuses_workers(client, sessions, clock) -> None:
    _, worker = _case_and_worker(sessions, clock)

    for path in ("/api/audit", "/api/audit.csv"):
        response = client.get(path, headers=worker)
        assert response.status_code == 403
        assert response.json()["detail"] == "Réservé à la coordination."


def test_it_offers_no_way_to_change_an_event(client, auth, sessions, clock) -> None:
    case_id, worker = _case_and_worker(sessions, clock)
    client.get(f"/api/cases/{case_id}", headers=worker)
    with sessions() as session:
        event_id = session.scalars(select(AuditEvent.id)).first()

    for method in ("PUT", "PATCH", "DELETE"):
        assert client.request(method, f"/api/audit/{event_id}", headers=auth).status_code in (
            404,
            405,
        )
        assert client.request(method, "/api/audit", headers=auth).status_code == 405
