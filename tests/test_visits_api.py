"""GET /api/visits and POST /api/visits/{id}/no-show | /held: the team's agenda of home visits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from outreach.booking import bookings as booking
from outreach.booking.slots import materialise_slots, offer_slots
from outreach.clock import FrozenClock
from outreach.models import AuditEvent, Visit
from tests.booking_support import MONDAY, TUESDAY, Worker, add_worker, household, paris


def _visit(
    session: Session, clock: FrozenClock, *, sector: str, number: int, pick: int = 0
) -> Visit:
    case = household(session, clock=clock, sector=sector, number=number)
    slot = offer_slots(session, clock=clock, case=case)[pick]
    visit = booking.book(session, clock=clock, case=case, slot_id=slot.id)
    assert visit is not None
    return visit


def _agenda(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> tuple[Worker, Worker, list[int]]:
    """An Arras worker (Tuesdays) and a Lens worker (Mondays), two visits each."""
    with sessions.begin() as session:
        arras = add_worker(session, clock=clock, sector="arras", weekdays=(TUESDAY,))
        lens = add_worker(session, clock=clock, sector="lens", weekdays=(MONDAY,))
        materialise_slots(session, clock=clock)
        ids = [
            _visit(session, clock, sector="arras", number=1).id,
            _visit(session, clock, sector="arras", number=2).id,
            _visit(session, clock, sector="lens", number=3).id,
            _visit(session, clock, sector="lens", number=4).id,
        ]
    return arras, lens, ids


def test_it_refuses_the_agenda_without_a_token(client) -> None:
    assert client.get("/api/visits").status_code == 401


def test_it_shows_a_booked_visit_at_once(client, sessions, clock, auth) -> None:
    _, _, ids = _agenda(sessions, clock)

    response = client.get("/api/visits", headers=auth)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [ids[2], ids[3], ids[0], ids[1]]  # Monday first
    first = items[2]
    assert first["label"] == "mardi 17 mars à 9 h"
    assert first["time_window"] == "entre 9 h et 10 h"
    assert first["status"] == "booked" and first["sector"] == "arras"
    assert first["household"] == "Foyer1 Camille"
    assert first["starts_at"].startswith("2026-03-17T08:00:00")


def test_it_shows_a_worker_the_visits_of_their_sectors_only(client, sessions, clock) -> None:
    arras, lens, ids = _agenda(sessions, clock)

    mine = client.get("/api/visits", headers=arras.headers).json()["items"]
    theirs = client.get("/api/visits", headers=lens.headers).json()["items"]

    assert [item["id"] for item in mine] == ids[:2]
    assert [item["id"] for item in theirs] == ids[2:]
    filtered = client.get(f"/api/visits?worker={lens.id}", headers=arras.headers).json()
    assert filtered["items"] == []


def test_it_filters_by_period_and_worker(client, sessions, clock, auth) -> None:
    arras, _, ids = _agenda(sessions, clock)

    tuesday = client.get("/api/visits?from=2026-03-17&to=2026-03-17", headers=auth).json()
    by_worker = client.get(f"/api/visits?worker={arras.id}", headers=auth).json()
    morning = client.get(
        "/api/visits?from=2026-03-17T09:30:00%2B01:00&to=2026-03-17T12:00:00%2B01:00",
        headers=auth,
    ).json()

    assert [item["id"] for item in tuesday["items"]] == ids[:2]
    assert [item["id"] for item in by_worker["items"]] == ids[:2]
    assert [item["id"] for item in morning["items"]] == [ids[1]]


def test_a_period_that_ends_before_it_starts_is_empty(client, sessions, clock, auth) -> None:
    # It was a 422 the schema did not announce (issue #22): an empty range has no visit.
    _agenda(sessions, clock)
    response = client.get("/api/visits?from=2026-03-20&to=2026-03-10", headers=auth)

    assert response.status_code == 200
    assert response.json()["items"] == []


def test_a_period_longer_than_a_year_is_cut_to_366_days(client, auth) -> None:
    response = client.get("/api/visits?from=2026-01-01&to=2199-12-31", headers=auth)

    assert response.status_code == 200
    assert response.json()["end"] == "2027-01-01T23:00:00Z"  # 366 days after Paris midnight


def test_it_hides_cancelled_visits_unless_asked(client, sessions, clock, auth) -> None:
    _, _, ids = _agenda(sessions, clock)
    with sessions.begin() as session:
        booking.cancel(session, clock=clock, visit=session.get_one(Visit, ids[0]))

    shown = client.get("/api/visits", headers=auth).json()["items"]
    everything = client.get("/api/visits?include_cancelled=true", headers=auth).json()["items"]

    assert ids[0] not in [item["id"] for item in shown]
    cancelled = next(item for item in everything if item["id"] == ids[0])
    assert (cancelled["status"], cancelled["cancelled_by"]) == ("cancelled", "household")


def test_it_records_a_no_show_after_the_visit_time(client, sessions, clock) -> None:
    arras, _, ids = _agenda(sessions, clock)

    early = client.post(f"/api/visits/{ids[0]}/no-show", headers=arras.headers)
    clock.set(paris(2026, 3, 17, 9, 30))
    response = client.post(f"/api/visits/{ids[0]}/no-show", headers=arras.headers)

    assert early.status_code == 409
    assert early.json()["detail"] == "Cette visite n'a pas encore commencé."
    assert response.status_code == 200
    assert response.json()["status"] == "no_show"
    with sessions() as session:
        visit = session.get_one(Visit, ids[0])
        assert (visit.status, visit.outcome_by_id) == ("no_show", arras.id)
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.case_id == visit.case_id)
        )
        assert "visit.no_show" in list(actions)


def test_it_records_a_held_visit(client, sessions, clock, auth) -> None:
    _, _, ids = _agenda(sessions, clock)
    clock.set(paris(2026, 3, 17, 11))

    response = client.post(f"/api/visits/{ids[1]}/held", headers=auth)

    assert response.status_code == 200 and response.json()["status"] == "held"


def test_it_refuses_an_outcome_outside_the_worker_sectors(client, sessions, clock) -> None:
    arras, _, ids = _agenda(sessions, clock)
    clock.set(paris(2026, 3, 20, 12))

    other = client.post(f"/api/visits/{ids[2]}/held", headers=arras.headers)
    missing = client.post("/api/visits/999999/held", headers=arras.headers)

    assert other.status_code == 403
    assert other.json()["detail"] == "Cette visite n'appartient pas à vos secteurs."
    assert missing.status_code == 404 and missing.json()["detail"] == "Visite introuvable."


def test_it_refuses_an_outcome_on_a_cancelled_visit(client, sessions, clock, auth) -> None:
    _, _, ids = _agenda(sessions, clock)
    with sessions.begin() as session:
        booking.cancel(session, clock=clock, visit=session.get_one(Visit, ids[0]))
    clock.set(paris(2026, 3, 17, 11))

    response = client.post(f"/api/visits/{ids[0]}/held", headers=auth)

    assert response.status_code == 409
    assert response.json()["detail"] == "Cette visite a été annulée."


def test_a_visit_follows_its_case_when_a_re_import_moves_it(client, sessions, clock) -> None:
    """Issue #13: access comes from the case's current sector, not the visit's."""
    from outreach.models import Case, Sector

    arras, lens, ids = _agenda(sessions, clock)
    with sessions.begin() as session:
        visit = session.get_one(Visit, ids[0])  # booked in Arras
        case = session.get_one(Case, visit.case_id)
        case.sector_id = session.scalar(select(Sector.id).where(Sector.code == "lens"))
        # Booking made the visit's worker the case's worker, who would keep it wherever it goes;
        # here nobody holds it, so only the sector decides.
        case.assigned_worker_id = None
    clock.set(paris(2026, 3, 17, 9, 30))

    old = client.get("/api/visits", headers=arras.headers).json()["items"]
    new = client.get("/api/visits", headers=lens.headers).json()["items"]
    refused = client.post(f"/api/visits/{ids[0]}/no-show", headers=arras.headers)
    allowed = client.post(f"/api/visits/{ids[0]}/no-show", headers=lens.headers)

    assert ids[0] not in [item["id"] for item in old]
    assert ids[0] in [item["id"] for item in new]
    assert refused.status_code == 403
    assert allowed.status_code == 200 and allowed.json()["status"] == "no_show"
