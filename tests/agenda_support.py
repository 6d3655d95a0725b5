"""Helpers for the agenda tests: a worker with Tuesday mornings in Arras and a booked visit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from outreach.booking.bookings import book
from outreach.booking.slots import materialise_slots, offer_slots
from outreach.clock import Clock
from outreach.models import TeamUser
from outreach.team.passwords import set_password
from tests.booking_support import add_worker
from tests.factories import make_case
from tests.web_support import PASSWORD

HOUSEHOLD_PHONE = "06 39 98 30 07"
HOUSEHOLD_NAME = "Dufourcq"


@dataclass(frozen=True)
class Booked:
    worker_id: int
    worker_email: str
    sector_id: int
    case_id: int
    reference: str
    visit_id: int


def booked_visit(sessions: sessionmaker[Session], clock: Clock, *, sector: str = "arras") -> Booked:
    """A worker (who can sign in) on Tuesday mornings, and one household booked with them."""
    with sessions.begin() as session:
        worker = add_worker(session, clock=clock, sector=sector, name="Nadia Fictive")
        user = session.get_one(TeamUser, worker.id)
        set_password(session, clock=clock, user=user, password=PASSWORD)
        case = make_case(
            session,
            clock=clock,
            sector_code=sector,
            phones=(HOUSEHOLD_PHONE,),
            last_name=HOUSEHOLD_NAME,
            first_name="Josiane",
        )
        case.address = "12 rue des Tanneurs"
        case.postcode = "62000"
        case.commune = "Arras"
        materialise_slots(session, clock=clock)
        slot = offer_slots(session, clock=clock, case=case, count=1)[0]
        visit = book(session, clock=clock, case=case, slot_id=slot.id)
        assert visit is not None
        return Booked(
            worker_id=worker.id,
            worker_email=user.email,
            sector_id=worker.sector_id,
            case_id=case.id,
            reference=case.reference,
            visit_id=visit.id,
        )
