"""Rights of the person: export everything held about a household, erase it on request."""

from __future__ import annotations

from sqlalchemy import select

from outreach.models import AuditEvent, Case, Landlord, Person
from tests.factories import make_user
from tests.privacy_support import LANDLORD_E164, case_with_landlord


def test_it_exports_everything_as_json_and_audits_it(client, auth, sessions, clock) -> None:
    case_id = case_with_landlord(sessions, clock)
    client.post(f"/api/cases/{case_id}/landlord-message", json={"channel": "sms"}, headers=auth)

    response = client.get(f"/api/cases/{case_id}/export.json", headers=auth)

    data = response.json()
    assert response.status_code == 200
    assert data["people"][0]["last_name"] == "Fictivenom"
    assert data["landlord"]["phone"] == LANDLORD_E164
    assert len(data["landlord_messages"]) == 1
    assert data["contact_points"][0]["value"] == "+33639980001"
    with sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.export")).one()
    assert (event.case_id, event.detail) == (case_id, {"format": "json"})


def test_it_exports_a_readable_page(client, auth, sessions, clock) -> None:
    case_id = case_with_landlord(sessions, clock)

    page = client.get(f"/api/cases/{case_id}/export.html", headers=auth)

    assert page.status_code == 200
    assert "Fictivenom" in page.text and "SCI Fictive" in page.text


def test_it_erases_on_request_without_personal_data_in_the_audit(
    client, auth, sessions, clock
) -> None:
    case_id = case_with_landlord(sessions, clock)

    refused = client.post(f"/api/cases/{case_id}/erase", json={"confirmation": "oui"}, headers=auth)
    response = client.post(
        f"/api/cases/{case_id}/erase", json={"confirmation": "EFFACER"}, headers=auth
    )

    assert refused.status_code == 422
    assert response.json() == {"case_id": case_id, "erased": True}
    with sessions() as session:
        case = session.get_one(Case, case_id)
        assert session.scalars(select(Person).where(Person.case_id == case_id)).all() == []
        assert session.scalars(select(Landlord)).all() == []
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.erase")).one()
    assert (case.status, case.opted_out, case.commune) == ("closed", True, None)
    assert event.detail == {} and event.case_id == case_id
    export = client.get(f"/api/cases/{case_id}/export.json", headers=auth).json()
    assert export["people"] == [] and export["landlord"] is None


def test_it_refuses_workers(client, sessions, clock) -> None:
    case_id = case_with_landlord(sessions, clock)
    with sessions.begin() as session:
        _, worker = make_user(session, clock=clock)

    for method, path in (
        ("GET", f"/api/cases/{case_id}/export.json"),
        ("GET", f"/api/cases/{case_id}/export.html"),
        ("POST", f"/api/cases/{case_id}/erase"),
    ):
        response = client.request(method, path, headers=worker, json={"confirmation": "EFFACER"})
        assert response.status_code == 403, path
