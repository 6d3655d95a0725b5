"""Dates, times and booking texts written the way each household reads them (Babel)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.segments import ucs2_characters
from messages.formatting import amount, time_of_day, time_window, visit_date, visit_day
from messages.templates import render, sms_safe
from outreach.booking import bookings as booking
from outreach.booking.slots import offer_slots
from outreach.booking.texts import (
    booking_confirmation,
    cancel_confirmation,
    option_numbers,
    slot_offer,
    visit_reminder,
)
from outreach.clock import FrozenClock
from tests.booking_support import paris, ready


@pytest.mark.parametrize(
    ("when", "language", "expected"),
    [
        (paris(2026, 12, 8, 10), "fr", "mardi 8 décembre à 10 h"),
        (paris(2026, 12, 8, 10, 30), "fr", "mardi 8 décembre à 10 h 30"),
        (paris(2026, 12, 1, 9, 5), "fr", "mardi 1er décembre à 9 h 05"),
        (paris(2026, 12, 8, 10), "en", "Tuesday 8 December at 10:00 am"),
        (paris(2026, 12, 8, 14, 30), "en", "Tuesday 8 December at 2:30 pm"),
        (paris(2026, 12, 8, 10), "ar", "الثلاثاء 8 ديسمبر الساعة 10:00 ص"),
        (paris(2026, 12, 8, 10), "tr", "mardi 8 décembre à 10 h"),  # no catalog: French
    ],
)
def test_it_writes_a_visit_date_the_way_the_household_reads_it(
    when: datetime, language: str, expected: str
) -> None:
    assert visit_date(when, language) == expected


def test_it_reads_stored_utc_times_on_the_paris_wall_clock() -> None:
    summer = paris(2026, 7, 7, 10)
    assert time_of_day(summer.astimezone(tz=None), "fr") == "10 h"
    assert visit_day(summer, "fr") == "mardi 7 juillet"


def test_it_writes_the_arrival_window() -> None:
    start, end = paris(2026, 12, 8, 10), paris(2026, 12, 8, 11, 30)
    assert time_window(start, end, "fr") == "entre 10 h et 11 h 30"
    assert time_window(start, end, "en") == "between 10:00 am and 11:30 am"
    assert time_window(start, end, "ar") == "بين 10:00 ص و11:30 ص"


def test_it_writes_amounts_for_the_locale_without_non_breaking_spaces() -> None:
    assert amount(123456, "fr") == "1 234,56 €"
    assert amount(123456, "en") == "€1,234.56"
    assert "\u202f" not in amount(123456, "ar") and "\u00a0" not in amount(123456, "ar")


def test_it_keeps_values_from_turning_an_sms_into_ucs2() -> None:
    assert sms_safe("mercredi 12 août à 10 h") == "mercredi 12 aout à 10 h"
    assert sms_safe("François Lefèvre-Bâton") == "Francois Lefèvre-Baton"
    text = render("cancel_confirmation", "fr", date=visit_date(paris(2026, 8, 12, 10), "fr"))
    assert "aout" in text and ucs2_characters(text) == []


def test_it_numbers_the_options_in_the_household_language() -> None:
    assert option_numbers(3, "fr") == "1, 2 ou 3"
    assert option_numbers(2, "en") == "1 or 2"
    assert option_numbers(3, "ar") == "1 أو 2 أو 3"


def test_it_offers_three_numbered_slots(session, clock: FrozenClock) -> None:
    _, case = ready(session, clock=clock)
    slots = offer_slots(session, clock=clock, case=case)

    name, body, _ = slot_offer(slots, "fr")

    assert name == "slot_offer"
    assert body == (
        "Voici les prochaines dates pour la visite à domicile :\n"
        "1) mardi 17 mars à 9 h\n2) mardi 17 mars à 10 h\n3) mardi 17 mars à 11 h\n"
        "4) Un autre moment\n"
        "Répondez 1, 2, 3 ou 4"
    )
    taken_name, taken, _ = slot_offer(slots[1:], "en", after_taken=True)
    assert taken_name == "slot_taken" and taken.endswith("3) Another time\nReply 1, 2 or 3")
    assert slot_offer([], "fr")[0] == "no_slot"


def test_it_confirms_and_reminds_with_the_date_window_and_worker(
    session, clock: FrozenClock
) -> None:
    _, case = ready(session, clock=clock)
    slot = offer_slots(session, clock=clock, case=case)[1]
    visit = booking.book(session, clock=clock, case=case, slot_id=slot.id)
    assert visit is not None and visit.worker is not None

    confirmation = booking_confirmation(visit, "fr").body
    _, reminder, values = visit_reminder(visit, "ar")
    cancelled = cancel_confirmation(visit, "en").body

    assert confirmation == (
        f"Visite confirmée le mardi 17 mars à 10 h. {visit.worker.name}, de l'équipe mobile, "
        "passera chez vous entre 10 h et 11 h. Pour changer, répondez CHANGER ; pour annuler, "
        "ANNULER."
    )
    assert "الثلاثاء 17 مارس" in reminder and "بين 10:00 ص و11:00 ص" in reminder
    # The values, as formatted in the household's language, for WhatsApp's approved template.
    assert values["worker"] == visit.worker.name and values["day"] in reminder
    assert values["window"] in reminder and "بين" in values["window"]
    assert (
        cancelled
        == "Your visit on Tuesday 17 March at 10:00 am is cancelled. For a new date, reply YES."
    )
