"""The agenda page: visits per worker and week, outcomes, availability forms, sector limits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from outreach.models import Absence, AvailabilityWindow, OneOffSlot, Slot, Visit
from tests.agenda_support import HOUSEHOLD_NAME, booked_visit
from tests.booking_support import paris
from tests.factories import get_or_make_sector
from tests.web_support import csrf_of, https_client, make_member, sign_in

WEEK = "2026-W12"  # 16-22 March 2026: the first Tuesday slot is on the 17th


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _free_slots(sessions, worker_id: int) -> int:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.scalar(
            select(func.count()).where(Slot.worker_id == worker_id, Slot.status == "free")
        )


def _csrf(web) -> str:  # type: ignore[no-untyped-def]
    page = web.get(f"/agenda?week={WEEK}")
    assert page.status_code == 200, page.text[:300]
    return csrf_of(page.text)


def test_a_coordinator_finds_the_visit_in_the_week(web, sessions, clock) -> None:
    booked = booked_visit(sessions, clock)
    coordinator = make_member(sessions, clock, role="coordinator")
    sign_in(web, coordinator.email)
    page = web.get(f"/agenda?week={WEEK}").text
    # The household by name (and commune), the reference beside it.
    assert f'href="/cases/{booked.case_id}">Josiane {HOUSEHOLD_NAME}</a> · Arras' in page
    assert booked.reference in page
    assert "12 rue des Tanneurs, 62000 Arras" in page
    assert "Mardi 17/03" in page and "09:00–10:00" in page and "Nadia Fictive" in page
    nav = page[page.index('class="team-nav"') :]
    assert nav.index('href="/agenda"') < nav.index('href="/indicators"')
    alone = web.get(f"/agenda?week={WEEK}&worker={booked.worker_id}").text
    assert booked.reference in alone
    other_week = web.get("/agenda?week=2026-W14").text
    assert booked.reference not in other_week
    assert web.get("/agenda?week=2026-13").status_code == 422


def test_it_records_the_outcome_once_the_visit_has_started(web, sessions, clock) -> None:
    booked = booked_visit(sessions, clock)
    sign_in(web, booked.worker_email)
    csrf = _csrf(web)
    url = f"/agenda/visits/{booked.visit_id}/held"
    assert web.post(url, data={"csrf": csrf, "week": WEEK}).status_code == 409
    clock.set(paris(2026, 3, 17, 10, 30))
    sign_in(web, booked.worker_email)  # a new day, a new session
    csrf = _csrf(web)
    response = web.post(url, data={"csrf": csrf, "week": WEEK}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/agenda?week={WEEK}"
    assert web.post(url, data={"week": WEEK}).status_code == 403  # no CSRF token
    with sessions() as session:
        assert session.get_one(Visit, booked.visit_id).status == "held"
    no_show = f"/agenda/visits/{booked.visit_id}/no-show"
    assert web.post(no_show, data={"csrf": csrf}, follow_redirects=False).status_code == 303
    with sessions() as session:
        assert session.get_one(Visit, booked.visit_id).status == "no_show"


def test_a_worker_of_another_sector_sees_nothing_and_changes_nothing(web, sessions, clock) -> None:
    booked = booked_visit(sessions, clock)
    with sessions.begin() as session:
        window_id = session.scalar(
            select(AvailabilityWindow.id).where(AvailabilityWindow.worker_id == booked.worker_id)
        )
    stranger = make_member(sessions, clock, sectors=("lens",))
    sign_in(web, stranger.email)
    csrf = _csrf(web)
    page = web.get(f"/agenda?week={WEEK}").text
    assert booked.reference not in page and HOUSEHOLD_NAME not in page
    assert web.get(f"/agenda?week={WEEK}&worker={booked.worker_id}").status_code == 403
    assert (
        web.post(f"/agenda/visits/{booked.visit_id}/held", data={"csrf": csrf}).status_code == 403
    )
    assert web.post(f"/agenda/windows/{window_id}/delete", data={"csrf": csrf}).status_code == 403
    window = {
        "csrf": csrf,
        "sector_id": str(booked.sector_id),
        "weekday": "3",
        "start": "09:00",
        "end": "11:00",
        "slot_minutes": "60",
    }
    # Not for someone else, and not in a sector that is not theirs.
    assert (
        web.post("/agenda/windows", data={**window, "worker_id": str(booked.worker_id)}).status_code
        == 403
    )
    assert (
        web.post("/agenda/windows", data={**window, "worker_id": str(stranger.id)}).status_code
        == 403
    )
    absence = {"csrf": csrf, "first_day": "2026-03-16", "last_day": "2026-03-20"}
    assert (
        web.post(
            "/agenda/absences", data={**absence, "worker_id": str(booked.worker_id)}
        ).status_code
        == 403
    )
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AvailabilityWindow)) == 1
        assert session.scalar(select(func.count()).select_from(Absence)) == 0


def test_availability_changes_make_and_cancel_slots_at_once(web, sessions, clock) -> None:
    booked = booked_visit(sessions, clock)
    sign_in(web, booked.worker_email)
    csrf = _csrf(web)
    before = _free_slots(sessions, booked.worker_id)
    window = {
        "csrf": csrf,
        "worker_id": str(booked.worker_id),
        "sector_id": str(booked.sector_id),
        "weekday": "3",  # Thursdays
        "start": "14:00",
        "end": "16:00",
        "slot_minutes": "60",
        "week": WEEK,
    }
    response = web.post("/agenda/windows", data=window, follow_redirects=False)
    assert response.status_code == 303
    with_thursdays = _free_slots(sessions, booked.worker_id)
    assert with_thursdays > before
    page = web.get(f"/agenda?week={WEEK}").text
    assert "Chaque jeudi, 14:00–16:00, visites de 60 min" in page
    bad = {**window, "end": "13:00"}
    assert web.post("/agenda/windows", data=bad).status_code == 422

    one_off = {**window, "day": "2026-03-21", "start": "09:00", "end": "10:00"}
    assert web.post("/agenda/one-offs", data=one_off, follow_redirects=False).status_code == 303
    assert _free_slots(sessions, booked.worker_id) == with_thursdays + 1

    absence = {
        "csrf": csrf,
        "worker_id": str(booked.worker_id),
        "first_day": "2026-03-19",
        "last_day": "2026-03-21",
    }
    assert web.post("/agenda/absences", data=absence, follow_redirects=False).status_code == 303
    with sessions() as session:
        absent = session.scalar(
            select(func.count()).where(
                Slot.worker_id == booked.worker_id,
                Slot.starts_at >= paris(2026, 3, 19),
                Slot.starts_at < paris(2026, 3, 22),
                Slot.status == "free",
            )
        )
        assert absent == 0
        ids = {
            "windows": session.scalar(
                select(AvailabilityWindow.id).where(AvailabilityWindow.weekday == 3)
            ),
            "one-offs": session.scalar(select(OneOffSlot.id)),
            "absences": session.scalar(select(Absence.id)),
        }
    for kind, row_id in ids.items():
        response = web.post(
            f"/agenda/{kind}/{row_id}/delete", data={"csrf": csrf}, follow_redirects=False
        )
        assert response.status_code == 303, kind
    assert _free_slots(sessions, booked.worker_id) == before
    with sessions() as session:
        assert session.get_one(Visit, booked.visit_id).status == "booked"  # never touched


def test_a_coordinator_manages_any_workers_availability(web, sessions, clock) -> None:
    booked = booked_visit(sessions, clock)
    coordinator = make_member(sessions, clock, role="coordinator")
    with sessions.begin() as session:
        lens = get_or_make_sector(session, "lens").id
    sign_in(web, coordinator.email)
    csrf = _csrf(web)
    window = {
        "csrf": csrf,
        "worker_id": str(booked.worker_id),
        "sector_id": str(lens),
        "weekday": "0",
        "start": "09:00",
        "end": "10:00",
        "slot_minutes": "60",
    }
    assert web.post("/agenda/windows", data=window, follow_redirects=False).status_code == 303
    with sessions() as session:
        assert session.scalar(select(func.count()).where(Slot.sector_id == lens)) > 0


def test_the_agenda_follows_the_case_when_a_re_import_moves_it(web, sessions, clock) -> None:
    """Issue #13: the case's current sector decides who sees the visit on the agenda."""
    from outreach.models import Case

    booked = booked_visit(sessions, clock)  # booked in Arras
    lens_worker = make_member(sessions, clock, sectors=("lens",))
    arras_worker = make_member(sessions, clock, sectors=("arras",))
    with sessions.begin() as session:
        lens = get_or_make_sector(session, "lens")
        session.get_one(Case, booked.case_id).sector_id = lens.id
    clock.set(paris(2026, 3, 17, 10, 30))
    sign_in(web, arras_worker.email)
    assert booked.reference not in web.get(f"/agenda?week={WEEK}").text
    refused = web.post(f"/agenda/visits/{booked.visit_id}/held", data={"csrf": _csrf(web)})
    assert refused.status_code == 403
    sign_in(web, lens_worker.email)
    page = web.get(f"/agenda?week={WEEK}").text
    assert booked.reference in page and "12 rue des Tanneurs" in page
    held = web.post(
        f"/agenda/visits/{booked.visit_id}/held",
        data={"csrf": _csrf(web), "week": WEEK},
        follow_redirects=False,
    )
    assert held.status_code == 303
