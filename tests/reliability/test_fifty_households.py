"""50 households answer "1" to the same slot offer at the same moment: exactly one booking."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach.models import Visit
from outreach.sequences.runner import enrol
from tests.e2e_support import Phone, household_in_arras
from tests.engine_support import engine_config
from tests.factories import make_case
from tests.test_e2e_concurrent_booking import CONFIRMED, FIRST_OFFER, TAKEN, at_once

HOUSEHOLDS = 50


def households(services: object) -> list[int]:
    first_id, _worker = household_in_arras(services, phone="06 39 98 20 01")
    ids = [first_id]
    with services.sessions.begin() as session:  # type: ignore[attr-defined]
        for number in range(2, HOUSEHOLDS + 1):
            case = make_case(
                session,
                clock=services.clock,  # type: ignore[attr-defined]
                sector_code="arras",
                phones=(f"06 39 98 21 {number:02d}",),
            )
            enrol(session, clock=services.clock, case=case, config=engine_config())  # type: ignore[attr-defined]
            ids.append(case.id)
    return ids


@pytest.mark.timeout(240)
def test_fifty_households_answering_the_same_slot_at_once_get_one_visit(client, services) -> None:
    ids = households(services)
    phones = {case_id: Phone(client, services, case_id) for case_id in ids}
    for phone in phones.values():
        phone.received()
        phone.answer("OUI")
        phone.answer("OUI")
        assert phone.received()[-1] == FIRST_OFFER
    at_once(*(lambda phone=phone: phone.answer("1") for phone in phones.values()))
    received = {case_id: phone.received() for case_id, phone in phones.items()}
    with services.sessions() as session:
        visits = session.execute(select(Visit.case_id, Visit.status, Visit.slot_id)).all()
    assert len(visits) == 1, visits
    [(winner, status, _slot)] = visits
    assert status == "booked"
    assert received[winner] == [CONFIRMED]
    for case_id in ids:
        if case_id != winner:
            assert received[case_id] == [TAKEN], case_id
