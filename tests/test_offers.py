"""Better offers (issue #14): dates on different days and times of day, the household's stated
preference honoured, and "another time" as the last option, which hands over to a person."""

from __future__ import annotations

from datetime import time

from sqlalchemy import select

from outreach.conversation import jobs
from outreach.models import Case, InboxItem
from outreach.sequences import enrol
from tests.booking_support import add_worker
from tests.e2e_support import Phone, engine_config
from tests.factories import make_case

MONDAY, TUESDAY, WEDNESDAY, THURSDAY = 0, 1, 2, 3
HANDED_OVER = "Merci, un membre de l'équipe mobile va lire votre message et vous répondre."


def _household(services, *, mornings=(MONDAY, TUESDAY), afternoons=(THURSDAY,)) -> int:  # type: ignore[no-untyped-def]
    """A household in Arras; workers there on some mornings (9–12 h) and afternoons (14–17 h)."""
    with services.sessions.begin() as session:
        add_worker(session, clock=services.clock, weekdays=mornings, name="Nadia")
        add_worker(
            session, clock=services.clock, weekdays=afternoons, start=time(14), end=time(17),
            name="Bruno",
        )  # fmt: skip
        case = make_case(session, clock=services.clock, sector_code="arras", phones=("0639982001",))
        enrol(session, clock=services.clock, case=case, config=engine_config())
        case_id = case.id
    jobs.make_slots(services.sessions, clock=services.clock)
    return case_id


def _offer(phone: Phone) -> list[str]:
    phone.answer("OUI")
    phone.answer("OUI")
    (offer,) = phone.received()[-1:]
    return offer.splitlines()


def test_dates_are_spread_over_days_and_end_with_another_time(client, services) -> None:
    phone = Phone(client, services, _household(services))
    phone.received()
    lines = _offer(phone)
    dates = lines[1:4]
    assert len({line.split(" à ")[0] for line in dates}) == 3, dates  # three different days
    assert lines[4] == "4) Un autre moment"
    assert lines[5] == "Répondez 1, 2, 3 ou 4"


def test_a_stated_preference_is_honoured_by_the_next_offer(client, services) -> None:
    phone = Phone(client, services, _household(services))
    phone.received()
    first = _offer(phone)
    assert any(" 9 h" in line or " 10 h" in line for line in first[1:4])
    phone.answer("plutôt l'après-midi, le matin je travaille")
    (again,) = phone.received()
    afternoons = [line for line in again.splitlines() if line[:2] in ("1)", "2)", "3)")]
    assert afternoons and all(
        any(f" {hour} h" in line for hour in (14, 15, 16)) for line in afternoons
    ), again
    with services.sessions() as session:  # a person reads it too
        items = session.scalars(select(InboxItem).where(InboxItem.handled_at.is_(None)))
        assert [item.kind for item in items] == ["reply"]


def test_available_on_a_day_offers_that_day(client, services) -> None:
    phone = Phone(client, services, _household(services))
    phone.received()
    _offer(phone)
    phone.answer("je suis dispo jeudi")
    (again,) = phone.received()
    dates = [line for line in again.splitlines() if line[:2] in ("1)", "2)", "3)")]
    assert dates and all("jeudi" in line for line in dates), again


def test_another_time_hands_over_to_a_person(client, services) -> None:
    case_id = _household(services)
    phone = Phone(client, services, case_id)
    phone.received()
    _offer(phone)
    phone.answer("4")
    assert phone.received() == [HANDED_OVER]
    with services.sessions() as session:
        assert session.get_one(Case, case_id).status != "visit_booked"
        items = session.scalars(select(InboxItem).where(InboxItem.handled_at.is_(None)))
        assert [item.case_id for item in items] == [case_id]
