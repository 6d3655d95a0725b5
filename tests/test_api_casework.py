"""GET /api/cases/{id} with the casework fields; POST /api/cases/{id}/close and /reopen."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import FrozenClock
from outreach.models import AuditEvent, Case, CaseEvent
from tests.factories import make_case, make_user


def _case(sessions: sessionmaker[Session], clock: FrozenClock, **dates: date) -> int:
    with sessions.begin() as session:
        case = make_case(session, clock=clock, sector_code="arras")
        case.stage = None
        for name, value in dates.items():
            setattr(case, name, value)
        return case.id


def test_the_case_carries_its_status_procedure_and_next_deadline(
    client, sessions, clock, auth
) -> None:
    # Today (frozen) is Wednesday 11 March 2026; the hearing is in 45 days.
    case_id = _case(
        sessions,
        clock,
        date_cdp=date(2025, 11, 3),
        date_assignation=date(2026, 2, 2),
        date_audience=date(2026, 4, 25),
        lease_signed_on=date(2021, 9, 1),
    )
    body = client.get(f"/api/cases/{case_id}", headers=auth).json()
    assert body["status"] == "new" and body["outcome"] is None
    assert body["assigned_worker"] is None and body["visit"] is None
    assert body["consents"] == [] and body["steps"] == []
    procedure = body["procedure"]
    assert procedure["stage"] == "assignation"
    assert procedure["date_audience"] == "2026-04-25"
    assert procedure["next_deadline"] == {
        "kind": "hearing",
        "date": "2026-04-25",
        "days_left": 45,
        "label": "Audience",
        "source": "Date d'audience portée sur l'assignation",
        "assumed": False,
    }
    # The CDP's two months (lease before 29 July 2023) ended on 3 January: listed, not next.
    assert procedure["deadlines"][0]["kind"] == "cdp_payment"
    assert procedure["deadlines"][0]["date"] == "2026-01-03"


def test_close_and_reopen_through_the_api(client, sessions, clock, auth) -> None:
    case_id = _case(sessions, clock)
    refused = client.post(
        f"/api/cases/{case_id}/close", json={"outcome": "bof", "comment": ""}, headers=auth
    )
    assert refused.status_code == 409 and "issue" in refused.json()["detail"]
    closed = client.post(
        f"/api/cases/{case_id}/close",
        json={"outcome": "debt_cleared", "comment": "Dette réglée grâce au FSL"},
        headers=auth,
    )
    assert closed.status_code == 200
    body = closed.json()
    assert (body["status"], body["outcome"]) == ("closed", "debt_cleared")
    assert body["closed_at"] is not None
    again = client.post(
        f"/api/cases/{case_id}/close", json={"outcome": "debt_cleared"}, headers=auth
    )
    assert again.status_code == 409 and "déjà clos" in again.json()["detail"]
    empty = client.post(f"/api/cases/{case_id}/reopen", json={"reason": ""}, headers=auth)
    assert empty.status_code == 422
    reopened = client.post(
        f"/api/cases/{case_id}/reopen", json={"reason": "Nouvelle dette"}, headers=auth
    )
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["outcome"]) == ("new", None)
    with sessions() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.case_id == case_id)
        ).all()
        kinds = session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        ).all()
        assert session.get_one(Case, case_id).status == "new"
    assert "case.close" in actions and "case.reopen" in actions
    assert kinds == ["case.closed", "case.reopened"]


def test_a_worker_cannot_close_a_case_outside_their_sectors(client, sessions, clock) -> None:
    case_id = _case(sessions, clock)
    with sessions.begin() as session:
        _, headers = make_user(session, clock=clock, sector_codes=("lens",))
    response = client.post(
        f"/api/cases/{case_id}/close", json={"outcome": "other"}, headers=headers
    )
    assert response.status_code == 403
    with sessions() as session:
        assert session.get_one(Case, case_id).status == "new"
