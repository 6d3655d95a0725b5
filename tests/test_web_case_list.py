"""The case list page: filters, search in any spelling, sort, pagination, audit, sectors."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from outreach.models import AuditEvent, Case, ContactPoint
from outreach.text import fold
from tests.factories import fiction_phone, make_case
from tests.web_support import https_client, make_member, sign_in

ROW = re.compile(r'<th scope="row"[^>]*>\s*<a href="/cases/(\d+)">')


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _ids(html: str) -> list[int]:
    return [int(found) for found in ROW.findall(html)]


@pytest.fixture
def cases(sessions, clock) -> dict[str, int]:
    """Four households over two sectors, in different states."""
    with sessions.begin() as session:
        made = {
            "martin": make_case(session, clock=clock, reference="CCX-1", last_name="Martin",
                                sector_code="arras", phones=[fiction_phone(11)]),
            "lefevre": make_case(session, clock=clock, reference="CCX-2", last_name="Lefèvre",
                                 sector_code="lens", phones=[fiction_phone(12)], status="reached"),
            "stop": make_case(session, clock=clock, reference="CCX-3", last_name="Durand",
                              sector_code="arras", phones=[fiction_phone(13)], opted_out=True),
            "dead": make_case(session, clock=clock, reference="CCX-4", last_name="Petit",
                              sector_code="lens", phones=[fiction_phone(14)]),
        }  # fmt: skip
        made["martin"].import_month = "2026-02"
        made["lefevre"].search_text = fold("Lefèvre Camille")  # as the CCAPEX import stores it
        for case in made.values():
            case.import_month = case.import_month or "2026-03"
        point = session.scalar(select(ContactPoint).where(ContactPoint.case_id == made["dead"].id))
        point.state = "dead"
        return {name: case.id for name, case in made.items()}


def test_it_lists_the_newest_cases_first(web, sessions, clock, cases) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get("/cases").text
    assert _ids(page) == sorted(cases.values(), reverse=True)
    assert "4 dossiers" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=reached", ["lefevre"]),
        ("sector=arras", ["martin", "stop"]),
        ("month=2026-02", ["martin"]),
        ("opted_out=yes", ["stop"]),
        ("opted_out=no&sector=arras", ["martin"]),
        ("reachable=no", ["dead"]),
        ("reachable=yes&sector=lens", ["lefevre"]),
        ("q=lefevre", ["lefevre"]),
        ("q=LEFÈVRE", ["lefevre"]),
        ("q=ccx-3", ["stop"]),
        ("q=%2B33 6 39 98 00 11", ["martin"]),
        ("q=06.39.98.00.11", ["martin"]),
        ("q=nobody", []),
    ],
)
def test_it_filters_and_searches(web, sessions, clock, cases, query, expected) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    found = _ids(web.get(f"/cases?{query}").text)
    assert sorted(found) == sorted(cases[name] for name in expected)


def test_it_filters_by_worker(web, sessions, clock, cases) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        session.get_one(Case, cases["lefevre"]).assigned_worker_id = coordinator.id
    sign_in(web, coordinator.email)
    assert _ids(web.get(f"/cases?worker={coordinator.id}").text) == [cases["lefevre"]]
    assert cases["lefevre"] not in _ids(web.get("/cases?worker=none").text)


def test_it_sorts_by_name(web, sessions, clock, cases) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    names = ["stop", "lefevre", "martin", "dead"]  # Durand, Lefèvre, Martin, Petit
    assert _ids(web.get("/cases?sort=name").text) == [cases[name] for name in names]


def test_it_paginates_fifty_a_page(web, sessions, clock) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        for number in range(55):
            make_case(session, clock=clock, reference=f"P-{number:03d}", phones=[])
    sign_in(web, coordinator.email)
    first = web.get("/cases").text
    second = web.get("/cases?page=2").text
    assert len(_ids(first)) == 50
    assert len(_ids(second)) == 5
    assert set(_ids(first)).isdisjoint(_ids(second))
    assert "page 1 sur 2" in first
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_a_worker_lists_only_their_sectors(web, sessions, clock, cases) -> None:
    worker = make_member(sessions, clock, sectors=("lens",))
    sign_in(web, worker.email)
    assert sorted(_ids(web.get("/cases").text)) == sorted([cases["lefevre"], cases["dead"]])
    assert _ids(web.get("/cases?sector=arras").text) == []


def test_listing_is_audited_with_the_case_ids_shown(web, sessions, clock, cases) -> None:
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    web.get("/cases?sector=lens")
    with sessions() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.list"))
        assert sorted(event.detail["case_ids"]) == sorted([cases["lefevre"], cases["dead"]])
