"""The unassigned queue (issue 18): every team member sees the cases no sector matches, and a
worker places one in their own sector ("Affecter à mon secteur"), audited.

All people are fiction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach.models import AuditEvent, Case, Sector
from tests.factories import fiction_phone, get_or_make_sector, make_case
from tests.web_support import csrf_of, https_client, make_member, sign_in


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


@pytest.fixture
def cases(sessions, clock) -> dict[str, int]:
    """A rural case no sector matched, a closed one, and one of another sector."""
    with sessions.begin() as session:
        made = {
            "rural": make_case(session, clock=clock, reference="CCX-R1", last_name="Campagne",
                               phones=[fiction_phone(21)]),
            "closed": make_case(session, clock=clock, reference="CCX-R2", last_name="Ferme",
                                phones=[fiction_phone(22)], status="closed"),
            "arras": make_case(session, clock=clock, reference="CCX-A1", last_name="Ville",
                               sector_code="arras", phones=[fiction_phone(23)]),
        }  # fmt: skip
        made["rural"].commune, made["rural"].postcode = "Fiction-en-Ternois", "62130"
        get_or_make_sector(session, "lens")
        return {name: case.id for name, case in made.items()}


def _sector_id(sessions, code: str) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(select(Sector.id).where(Sector.code == code))


def test_a_worker_sees_the_queue_without_names_and_takes_a_case_into_their_sector(
    web, sessions, clock, cases
) -> None:
    worker = make_member(sessions, clock, sectors=("montreuil",))
    sign_in(web, worker.email)
    assert web.get(f"/cases/{cases['rural']}").status_code == 403  # not theirs yet
    page = web.get("/unassigned")
    assert page.status_code == 200
    assert "Sans secteur" in page.text and 'href="/unassigned"' in page.text
    assert "CCX-R1" in page.text and "Fiction-en-Ternois" in page.text
    assert "Campagne" not in page.text  # no name in the queue
    assert "CCX-R2" not in page.text and "CCX-A1" not in page.text
    assert "Affecter à mon secteur" in page.text
    response = web.post(
        f"/unassigned/{cases['rural']}",
        data={"csrf": csrf_of(page.text), "sector": str(_sector_id(sessions, "montreuil"))},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{cases['rural']}"
    assert web.get(f"/cases/{cases['rural']}").status_code == 200
    with sessions() as session:
        case = session.get_one(Case, cases["rural"])
        assert case.sector is not None and case.sector.code == "montreuil"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.sector"))
        assert event is not None and event.actor_id == worker.id
        assert event.case_id == case.id and event.detail == {"sector_id": case.sector_id}
        listed = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case.unassigned_list")
        )
        assert listed is not None and listed.detail["case_ids"] == [cases["rural"]]
    assert "Tous les dossiers ont un secteur." in web.get("/unassigned").text


def test_a_worker_cannot_place_a_case_in_another_sector_nor_move_a_placed_one(
    web, sessions, clock, cases
) -> None:
    worker = make_member(sessions, clock, sectors=("montreuil",))
    sign_in(web, worker.email)
    csrf = csrf_of(web.get("/unassigned").text)
    lens = str(_sector_id(sessions, "lens"))
    refused = web.post(f"/unassigned/{cases['rural']}", data={"csrf": csrf, "sector": lens})
    assert refused.status_code == 403
    assert "un de vos secteurs" in refused.text
    placed = web.post(
        f"/unassigned/{cases['arras']}",
        data={"csrf": csrf, "sector": str(_sector_id(sessions, "montreuil"))},
    )
    assert placed.status_code == 409
    no_csrf = web.post(f"/unassigned/{cases['rural']}", data={"sector": lens})
    assert no_csrf.status_code == 403
    with sessions() as session:
        assert session.get_one(Case, cases["rural"]).sector_id is None
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "case.sector")) is None


def test_a_coordinator_places_a_case_in_any_sector(web, sessions, clock, cases) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get("/unassigned").text
    assert "Affecter à ce secteur" in page and "<select" in page
    lens = _sector_id(sessions, "lens")
    response = web.post(
        f"/unassigned/{cases['rural']}",
        data={"csrf": csrf_of(page), "sector": str(lens)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with sessions() as session:
        assert session.get_one(Case, cases["rural"]).sector_id == lens


def test_a_worker_without_a_sector_sees_the_queue_but_cannot_take(
    web, sessions, clock, cases
) -> None:
    worker = make_member(sessions, clock)
    sign_in(web, worker.email)
    page = web.get("/unassigned").text
    assert "CCX-R1" in page and "demandez à la coordination" in page
    assert "Affecter" not in page


def test_an_evaluator_never_sees_the_queue(web, sessions, clock, cases) -> None:
    evaluator = make_member(sessions, clock, role="evaluator")
    sign_in(web, evaluator.email)
    response = web.get("/unassigned")
    assert response.status_code == 403
    assert "CCX-R1" not in response.text
