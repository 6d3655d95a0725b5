"""Acceptance: a household goes the whole way through the sandbox phone, with a moving clock.

Silent → reply OUI → consent → slot chosen → confirmation → reminder the day before → visit →
check-in 15 days later → "besoin d'aide" → team task.
"""

from __future__ import annotations

from tests.booking_support import paris
from tests.e2e_support import Phone, household_in_arras, walk_the_main_path


def test_it_takes_a_silent_household_from_oui_to_a_visit_and_a_checkin(
    client, services, clock
) -> None:
    case_id, worker = household_in_arras(services)
    phone = Phone(client, services, case_id)
    assert len(phone.received()) == 1  # the first message
    phone.at(paris(2026, 3, 13, 10))  # silent for two days: the reminder
    assert len(phone.received()) == 1

    walk_the_main_path(phone, client, services, case_id, worker, channel="sandbox")
