"""GET /api/cases and /api/cases/{id}: bearer auth, filters, search, stable pages, audit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import FrozenClock
from outreach.models import AuditEvent, Case, ContactPoint, Person, Sector
from outreach.team.users import add_user


def _case(
    session: Session,
    clock: FrozenClock,
    reference: str,
    *,
    last_name: str = "Exemple",
    phone: str | None = None,
    sector: Sector | None = None,
    stage: str = "cdp",
    month: str = "2026-03",
) -> Case:
    case = Case(
        reference=reference,
        status="new",
        stage=stage,
        import_month=month,
        sector=sector,
        search_text=f"{last_name.lower()} fictif",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    case.people.append(Person(last_name=last_name, first_name="Fictif"))
    if phone:
        case.contact_points.append(
            ContactPoint(kind="phone", value=phone, line_type="mobile", created_at=clock.now())
        )
    session.add(case)
    session.flush()
    return case


def _sector(session: Session, code: str) -> Sector:
    sector = Sector(code=code, name=code.capitalize())
    session.add(sector)
    session.flush()
    return sector


def test_it_refuses_requests_without_a_token(client) -> None:
    response = client.get("/api/cases")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_it_refuses_an_unknown_token(client) -> None:
    response = client.get("/api/cases", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Jeton invalide ou révoqué."


def test_it_answers_healthz_without_auth(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_it_lists_cases_newest_first_in_stable_pages(client, auth, sessions, clock) -> None:
    with sessions.begin() as session:
        for number in range(5):
            _case(session, clock, f"R-{number}")
    first = client.get("/api/cases?per_page=2", headers=auth).json()
    second = client.get("/api/cases?per_page=2&page=2", headers=auth).json()
    third = client.get("/api/cases?per_page=2&page=3", headers=auth).json()
    references = [c["reference"] for page in (first, second, third) for c in page["items"]]
    assert references == ["R-4", "R-3", "R-2", "R-1", "R-0"]
    assert first["total"] == 5


def test_it_filters_by_sector_stage_month_and_status(client, auth, sessions, clock) -> None:
    with sessions.begin() as session:
        lens, arras = _sector(session, "lens"), _sector(session, "arras")
        _case(session, clock, "A-1", sector=lens, stage="cdp", month="2026-03")
        _case(session, clock, "A-2", sector=arras, stage="assignation", month="2026-03")
        _case(session, clock, "A-3", sector=None, stage="cdp", month="2026-02")

    def refs(query: str) -> list[str]:
        response = client.get(f"/api/cases?{query}", headers=auth)
        assert response.status_code == 200, response.text
        return sorted(c["reference"] for c in response.json()["items"])

    assert refs("sector=lens") == ["A-1"]
    assert refs("sector=unassigned") == ["A-3"]
    assert refs("stage=cdp") == ["A-1", "A-3"]
    assert refs("month=2026-02") == ["A-3"]
    assert refs("status=new&stage=assignation") == ["A-2"]
    assert refs("status=closed") == []


def test_it_refuses_unknown_filter_values_with_a_clear_message(client, auth) -> None:
    assert (
        client.get("/api/cases?status=zzz", headers=auth).json()["detail"]
        == "Statut inconnu : zzz."
    )
    assert client.get("/api/cases?month=2026-13", headers=auth).status_code == 422
    assert client.get("/api/cases?per_page=0", headers=auth).status_code == 422


def test_it_searches_by_reference_name_and_phone_in_any_spelling(
    client, auth, sessions, clock
) -> None:
    with sessions.begin() as session:
        _case(session, clock, "CCX-2026-001", last_name="Lefictif", phone="+33639980001")
        _case(session, clock, "CCX-2026-002", last_name="Imaginaire", phone="+33639980002")

    def refs(q: str) -> list[str]:
        response = client.get("/api/cases", params={"q": q}, headers=auth)
        return [c["reference"] for c in response.json()["items"]]

    assert refs("CCX-2026-001") == ["CCX-2026-001"]
    assert refs("ccx-2026-002") == ["CCX-2026-002"]
    assert refs("LÉFICTIF") == ["CCX-2026-001"]
    assert refs("imagin") == ["CCX-2026-002"]
    # The full name in either order, without accents or capitals.
    assert refs("fictif lefictif") == ["CCX-2026-001"]
    assert refs("LEFICTIF Fîctif") == ["CCX-2026-001"]
    assert refs("fictif imaginaire lefictif") == []
    for spelling in ("06 39 98 00 02", "06.39.98.00.02", "+33 (0)6 39 98 00 02", "0033639980002"):
        assert refs(spelling) == ["CCX-2026-002"], spelling
    assert refs("%") == []


def test_it_shows_one_case_and_audits_the_read(client, auth, coordinator, sessions, clock) -> None:
    with sessions.begin() as session:
        case_id = _case(session, clock, "S-1", phone="+33639980009").id
    response = client.get(f"/api/cases/{case_id}", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == "S-1"
    assert body["contact_points"][0]["value"] == "+33639980009"
    with sessions() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "case.read")))
    assert [(e.actor_id, e.case_id) for e in events] == [(coordinator[0], case_id)]
    assert events[0].at == clock.now()


def test_it_audits_a_list_with_the_case_ids_shown(client, auth, sessions, clock) -> None:
    with sessions.begin() as session:
        ids = [_case(session, clock, f"L-{n}").id for n in range(2)]
    client.get("/api/cases", headers=auth)
    with sessions() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.list"))
    assert event is not None
    assert sorted(event.detail["case_ids"]) == sorted(ids)


def test_it_answers_404_for_a_missing_case(client, auth) -> None:
    response = client.get("/api/cases/999999", headers=auth)
    assert response.status_code == 404
    assert response.json()["detail"] == "Dossier introuvable."


def test_a_worker_sees_only_the_cases_of_their_sectors(
    client, sessions: sessionmaker[Session], clock
) -> None:
    with sessions.begin() as session:
        lens, arras = _sector(session, "lens"), _sector(session, "arras")
        mine = _case(session, clock, "W-1", sector=lens)
        other = _case(session, clock, "W-2", sector=arras)
        session.flush()
        worker = add_user(
            session,
            clock=clock,
            email="w@example.org",
            name="Travailleur",
            role="worker",
            sector_codes=("lens",),
        )
        mine_id, other_id, token = mine.id, other.id, worker.token
    headers = {"Authorization": f"Bearer {token}"}
    listed = [c["reference"] for c in client.get("/api/cases", headers=headers).json()["items"]]
    assert listed == ["W-1"]
    assert client.get(f"/api/cases/{mine_id}", headers=headers).status_code == 200
    refused = client.get(f"/api/cases/{other_id}", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Ce dossier n'appartient pas à vos secteurs."
