"""Acceptance: two households offered the same slot answer "1" at the same moment, through the app.

Two real threads post their replies at once (released together by a barrier), on SQLite and on
PostgreSQL: exactly one visit is booked on the slot; the other household is told the slot is
taken and gets a new offer. Once through the sandbox reply form (each reply processed in its own
request and transaction), once as signed Twilio webhooks (processed after the answer).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select

from outreach.models import Visit
from outreach.sequences.runner import enrol
from tests.e2e_support import Phone, household_in_arras
from tests.e2e_twilio_support import TwilioPhone, twilio_settings
from tests.engine_support import engine_config
from tests.factories import make_case

FIRST_OFFER = (
    "Voici les prochaines dates pour la visite à domicile :\n"
    "1) mardi 17 mars à 9 h\n2) mardi 17 mars à 10 h\n3) mardi 17 mars à 11 h\n"
    "4) Un autre moment\n"
    "Répondez 1, 2, 3 ou 4"
)
CONFIRMED = (
    "Visite confirmée le mardi 17 mars à 9 h. Nadia, de l'équipe mobile, passera chez vous "
    "entre 9 h et 10 h. Pour changer, répondez CHANGER ; pour annuler, ANNULER."
)
TAKEN = (
    "Désolé, ce créneau n'est plus libre. Autres dates :\n"
    "1) mardi 17 mars à 10 h\n2) mardi 17 mars à 11 h\n3) mardi 24 mars à 9 h\n"
    "4) Un autre moment\n"
    "Répondez 1, 2, 3 ou 4"
)


def two_households(services: object) -> tuple[int, int]:
    first_id, _worker = household_in_arras(services, phone="06 39 98 20 01")
    with services.sessions.begin() as session:  # type: ignore[attr-defined]
        second = make_case(
            session,
            clock=services.clock,  # type: ignore[attr-defined]
            sector_code="arras",
            phones=("06 39 98 20 02",),
        )
        enrol(session, clock=services.clock, case=second, config=engine_config())  # type: ignore[attr-defined]
        second_id = second.id
    return first_id, second_id


def at_once(*answers: Callable[[], None]) -> None:
    """Run the answers in threads released together; re-raise what any of them raised."""
    barrier = threading.Barrier(len(answers))
    errors: list[BaseException] = []

    def run(answer: Callable[[], None]) -> None:
        try:
            barrier.wait(10)
            answer()
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(answer,)) for answer in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    if errors:
        raise errors[0]


def visits_on_slots(services: object, *case_ids: int) -> dict[int, list[tuple[str, int]]]:
    with services.sessions() as session:  # type: ignore[attr-defined]
        return {
            case_id: [
                (row.status, row.slot_id)
                for row in session.execute(
                    select(Visit.status, Visit.slot_id)
                    .where(Visit.case_id == case_id)
                    .order_by(Visit.id)
                )
            ]
            for case_id in case_ids
        }


def assert_one_booked_one_reoffered(
    services: object, ids: tuple[int, int], received: dict[int, list[str]]
) -> None:
    visits = visits_on_slots(services, *ids)
    booked = [case_id for case_id in ids if visits[case_id]]
    assert len(booked) == 1, visits
    [winner] = booked
    [loser] = [case_id for case_id in ids if case_id != winner]
    [(status, slot_id)] = visits[winner]
    assert status == "booked"
    with services.sessions() as session:  # type: ignore[attr-defined]
        on_slot = session.scalars(select(Visit.case_id).where(Visit.slot_id == slot_id)).all()
    assert on_slot == [winner]
    assert received[winner] == [CONFIRMED]
    assert received[loser] == [TAKEN]  # the taken slot (17 mars à 9 h) is not offered again
    assert visits[loser] == []


@pytest.mark.parametrize("attempt", range(3))
def test_two_households_answering_1_at_once_by_the_sandbox_get_one_visit(
    client, services, attempt: int
) -> None:
    ids = two_households(services)
    phones = {case_id: Phone(client, services, case_id) for case_id in ids}
    for phone in phones.values():
        phone.received()
        phone.answer("OUI")
        phone.answer("OUI")
        assert phone.received()[-1] == FIRST_OFFER
    at_once(*(lambda phone=phone: phone.answer("1") for phone in phones.values()))
    received = {case_id: phone.received() for case_id, phone in phones.items()}
    assert_one_booked_one_reoffered(services, ids, received)


# --- the same over Twilio -----------------------------------------------------------------------


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, object]:
    if "double" not in request.fixturenames:
        return {}
    return twilio_settings(request.getfixturevalue("double"))


def test_two_households_answering_1_at_once_by_twilio_get_one_visit(
    double, client, services
) -> None:
    ids = two_households(services)
    numbers = dict(zip(ids, ("+33639982001", "+33639982002"), strict=True))
    phones = {
        case_id: TwilioPhone(client, services, double, number=numbers[case_id]) for case_id in ids
    }
    for phone in phones.values():
        phone.received()
        phone.answer("OUI")
        phone.answer("OUI")
        assert phone.received()[-1] == FIRST_OFFER
    at_once(*(lambda phone=phone: phone.answer("1") for phone in phones.values()))
    received = {case_id: phone.received() for case_id, phone in phones.items()}
    assert_one_booked_one_reoffered(services, ids, received)
