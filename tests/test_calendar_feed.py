"""The private calendar feed: an .ics per worker, secret address, revocable, no personal data
beyond the case reference and the address."""

from __future__ import annotations

import re

import icalendar
import pytest
from sqlalchemy import select

from outreach.booking.bookings import cancel
from outreach.booking.calendar_feed import build_ics, secret_hash
from outreach.models import CalendarFeed, Visit
from tests.agenda_support import HOUSEHOLD_NAME, HOUSEHOLD_PHONE, booked_visit
from tests.web_support import csrf_of, https_client, sign_in

FEED_LINK = re.compile(r'id="feed-link" href="https://[^"/]+(/calendar/[^"]+\.ics)"')


@pytest.fixture
def web(app):  # type: ignore[no-untyped-def]
    yield from https_client(app)


def _make_feed(web) -> str:  # type: ignore[no-untyped-def]
    page = web.get("/agenda")
    response = web.post("/agenda/feed", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert response.status_code == 303  # post/redirect/get: a reload makes no new address
    assert response.headers["location"].endswith("#calendar-feed")
    shown = web.get(response.headers["location"])
    found = FEED_LINK.search(shown.text)
    assert FEED_LINK.search(web.get("/agenda").text) is None  # shown once
    assert found, "no feed link on the page"
    return found.group(1)


def test_it_serves_the_workers_visits_as_ics_without_personal_data(web, sessions, clock) -> None:
    booked = booked_visit(sessions, clock)
    sign_in(web, booked.worker_email)
    path = _make_feed(web)
    web.cookies.clear()  # calendar apps have no session
    response = web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["cache-control"] == "no-store"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    event = events[0]
    assert str(event["SUMMARY"]) == f"Visite à domicile — {booked.reference}"
    assert str(event["LOCATION"]) == "12 rue des Tanneurs, 62000 Arras"
    assert event["UID"]
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    text = response.text
    assert HOUSEHOLD_NAME not in text and "Josiane" not in text
    assert "639983007" not in text.replace(" ", "") and HOUSEHOLD_PHONE not in text
    with sessions() as session:
        stored = session.scalars(select(CalendarFeed)).all()
        secret = path.removeprefix("/calendar/").removesuffix(".ics")
        assert [feed.secret_hash for feed in stored] == [secret_hash(secret)]
        assert secret not in {feed.secret_hash for feed in stored}
        assert len(secret) >= 22  # at least 128 bits


def test_it_marks_cancelled_visits_cancelled(web, sessions, clock) -> None:
    booked = booked_visit(sessions, clock)
    with sessions.begin() as session:
        cancel(session, clock=clock, visit=session.get_one(Visit, booked.visit_id))
    sign_in(web, booked.worker_email)
    response = web.get(_make_feed(web))
    event = next(iter(icalendar.Calendar.from_ical(response.content).walk("VEVENT")))
    assert str(event["STATUS"]) == "CANCELLED"


def test_a_revoked_or_replaced_address_is_404(web, sessions, clock) -> None:
    booked = booked_visit(sessions, clock)
    sign_in(web, booked.worker_email)
    first = _make_feed(web)
    second = _make_feed(web)  # a new address replaces the first
    assert web.get(first).status_code == 404
    assert web.get(second).status_code == 200
    page = web.get("/agenda")
    assert "Révoquer" in page.text
    response = web.post(
        "/agenda/feed/revoke", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert web.get(second).status_code == 404
    assert web.get("/calendar/nothing-like-a-secret.ics").status_code == 404


def test_it_refuses_to_make_an_address_without_the_csrf_token(web, sessions, clock) -> None:
    booked = booked_visit(sessions, clock)
    sign_in(web, booked.worker_email)
    assert web.post("/agenda/feed", data={"csrf": "forged"}).status_code == 403
    with sessions() as session:
        assert session.scalars(select(CalendarFeed)).all() == []


def test_it_escapes_and_folds_long_lines() -> None:
    class _Case:
        reference = "REF-1"
        address = "3, allée des Peupliers; bâtiment " + "é" * 60
        postcode = "62000"
        commune = "Arras"

    class _Visit:
        id = 7
        status = "booked"
        case = _Case()

    from tests.conftest import DEFAULT_NOW

    _Visit.starts_at = DEFAULT_NOW  # type: ignore[attr-defined]
    _Visit.ends_at = DEFAULT_NOW  # type: ignore[attr-defined]
    text = build_ics([_Visit()], now=DEFAULT_NOW)  # type: ignore[list-item]
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    event = next(iter(icalendar.Calendar.from_ical(text).walk("VEVENT")))
    assert str(event["LOCATION"]) == f"{_Case.address}, 62000 Arras"
